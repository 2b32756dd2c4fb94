/**
 * Issue 2 benchmark: parse and validate 10,000 persona documents (seed notation and structured
 * form, varied numbers) on one core. Target: ≥ 5,000 documents/s, < 200 MB peak RSS.
 */
import { validatePersonaText } from "../src/pdl/parse.js";
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

function seedNotation(i: number): string {
  return `Name: Web${i}
Version: "1.${i % 7}.0"
BaseConfiguration:
    CPU: ${2 ** (1 + (i % 5))} cores
    Memory: ${4 * (1 + (i % 8))} GB
    NetworkBandwidth: ${1 + (i % 25)} Gbps

SoftwareStack:
    - Nginx (latest version)
    - Redis ${6 + (i % 2)}.${i % 3} (caching)
    - Prometheus (metrics collection)

TelemetryTriggers:
    - Condition: CPU Load > ${50 + (i % 45)}% for ${1 + (i % 10)} minutes
      Action: Scale up to ${2 ** (2 + (i % 5))} cores
      Cooldown: 10 minutes
      Clear: after 15 minutes
    - Condition: Network Latency > ${50 + (i % 200)}ms for 3 of 5 minutes
      Action: Activate CDN caching

ExternalDataSources:
    - URL: "https://threatintel.example.com/latest_ips?n=${i}"
      Frequency: ${1 + (i % 30)} minutes
      Action: Update firewall rules to block malicious IPs
`;
}

function structured(i: number): string {
  return `name: Api${i}
baseConfiguration: { cpu: ${1 + (i % 16)}, memory: ${2 + (i % 64)}, networkBandwidth: 5 }
softwareStack:
  - { name: nginx, version: "1.24" }
features:
  - { name: CDN caching, activate: "systemctl start cdn", deactivate: "systemctl stop cdn" }
telemetryTriggers:
  - condition: { metric: cpu-utilization, operator: ">", threshold: ${60 + (i % 30)}, for: 5 minutes }
    action: { kind: scale, cpu: 32 }
  - condition: "Error Rate above ${1 + (i % 9)}% for 2 of 3 minutes"
    response: page-ops
automatedResponses:
  - { name: page-ops, actions: ["Notify ops-team", "Activate CDN caching"], cooldown: 30 minutes }
externalDataSources:
  - { url: "https://api.example.com/threat", frequency: 5 minutes, condition: "$.level >= ${1 + (i % 5)}", action: "Notify security" }
`;
}

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
