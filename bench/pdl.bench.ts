/**
 * Issue 2 benchmark: parse and validate 10,000 persona documents (seed notation and structured
 * form, varied numbers) on one core. Target: ≥ 5,000 documents/s, < 200 MB peak RSS.
 */
import { validatePersonaText } from "../src/pdl/parse.js";
import { seedNotation, structured } from "../test/pdl/generated-documents.js";
import {
  fmt,
  loadAverage,
  machineLine,
  measureRuns,
  medians,
  megabytesInMiB,
  peakRssMiB,
  runsLine,
  UNITS_NOTE,
  verdictLine,
  writeSection,
} from "./support.js";

const DOCUMENTS = 10_000;
const RUNS = 5;

const documents = Array.from({ length: DOCUMENTS }, (_, i) =>
  i % 2 === 0 ? seedNotation(i) : structured(i),
);
let invalid = 0;
const load = loadAverage();
const runs = measureRuns(RUNS, () => {
  invalid = 0;
  for (const text of documents) if (!validatePersonaText(text, { file: "bench.yaml" }).valid) invalid++;
});
if (invalid > 0) throw new Error(`${invalid} benchmark documents did not validate`);
const m = medians(runs);
const perCpuSecond = DOCUMENTS / (m.mainThreadMs / 1000);
const perWallSecond = DOCUMENTS / (m.wallMs / 1000);
const peak = peakRssMiB();
const verdict = verdictLine([
  { what: "documents / main-thread CPU-second", measured: perCpuSecond, bound: 5000, direction: "atLeast" },
  {
    what: "peak RSS",
    measured: peak,
    bound: megabytesInMiB(200),
    direction: "atMost",
    unit: "MiB",
    digits: 1,
  },
]);
writeSection(
  "pdl",
  `## PDL: parse and validate 10,000 persona documents (issue 2)

${machineLine()} (\`npm run bench pdl\`); load average ${load} when started.

| documents | median main-thread CPU of ${RUNS} runs | documents / main-thread CPU-second | median process CPU | median wall | documents / s (wall) | peak RSS | target |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
| ${fmt(DOCUMENTS)} | ${fmt(m.mainThreadMs)} ms | ${fmt(perCpuSecond)} | ${fmt(m.processCpuMs)} ms | ${fmt(m.wallMs)} ms | ${fmt(perWallSecond)} | ${fmt(peak)} MiB | ≥ 5,000 / s, < 200 MB |

${verdict}

Half the documents are seed notation (28 lines, every section), half structured form with named
responses and a value source; every one validates. ${runsLine(runs)}

${UNITS_NOTE}`,
);
