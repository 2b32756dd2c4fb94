/**
 * Issue 2 benchmark: parse and validate 10,000 persona documents (seed notation and structured
 * form, varied numbers) on one core. Target: ≥ 5,000 documents/s, < 200 MB peak RSS.
 */
import { validatePersonaText } from "../src/pdl/parse.js";
import { seedNotation, structured } from "../test/pdl/generated-documents.js";
import {
  cpuTimeRuns,
  fmt,
  loadAverage,
  machineLine,
  median,
  peakRssMiB,
  timeRuns,
  writeSection,
} from "./support.js";

const DOCUMENTS = 10_000;
const RUNS = 5;

const documents = Array.from({ length: DOCUMENTS }, (_, i) =>
  i % 2 === 0 ? seedNotation(i) : structured(i),
);
let invalid = 0;
const times = timeRuns(RUNS, () => {
  invalid = 0;
  for (const text of documents) if (!validatePersonaText(text, { file: "bench.yaml" }).valid) invalid++;
});
if (invalid > 0) throw new Error(`${invalid} benchmark documents did not validate`);
const cpuTimes = cpuTimeRuns(RUNS, () => {
  for (const text of documents) validatePersonaText(text, { file: "bench.yaml" });
});
const ms = median(times);
const cpuMs = median(cpuTimes);
const perSecond = DOCUMENTS / (ms / 1000);
const perCpuSecond = DOCUMENTS / (cpuMs / 1000);
writeSection(
  "pdl",
  `## PDL: parse and validate 10,000 persona documents (issue 2)

${machineLine()} (\`npm run bench pdl\`)

| documents | median wall time of ${RUNS} runs | documents / s (wall) | median CPU time | documents / CPU-second | peak RSS | target |
| ---: | ---: | ---: | ---: | ---: | ---: | --- |
| ${fmt(DOCUMENTS)} | ${fmt(ms)} ms | ${fmt(perSecond)} | ${fmt(cpuMs)} ms | ${fmt(perCpuSecond)} | ${fmt(peakRssMiB())} MiB | ≥ 5,000 / s, < 200 MB |

Half the documents are seed notation (28 lines, every section), half structured form with named
responses and a value source. Wall runs: ${times.map((t) => fmt(t)).join(", ")} ms; load average
${loadAverage()} when written. The benchmark is single-threaded, so documents per CPU-second is the
one-core figure; it is ${fmt(perCpuSecond / 5000, 2)}× the target.`,
);
