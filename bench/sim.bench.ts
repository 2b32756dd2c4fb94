/**
 * Issue 6 benchmark: simulate 1,000 instances × 3 triggers × 1 day at 1-minute resolution
 * (4,320,000 alarm datapoints) in summary mode on one core. Target: ≥ 10 million datapoints per
 * second, < 1 GB peak RSS. Telemetry is generated before timing (a spike scenario per instance, each
 * with its own seed), so the figure is the simulator's: aggregation, evaluation, guard rails, effects.
 */
import { parsePersona } from "../src/pdl/parse.js";
import { planPersona } from "../src/plan/plan.js";
import { simulateFleet } from "../src/sim/engine.js";
import { scenarioTelemetry } from "../src/sim/scenarios.js";
import type { Telemetry } from "../src/sim/telemetry.js";
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

const INSTANCES = 1_000;
const RUNS = 5;

const persona = parsePersona(
  `Name: BenchWeb
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
    Family: m7i
TelemetryTriggers:
    - Condition: CPU Load > 80% for 5 minutes
      Action: Scale up to 16 cores
      Clear: after 30 minutes
    - Condition: Network Latency > 100ms for 3 of 5 minutes
      Action: Activate CDN caching
    - Condition: Error Rate > 5% for 2 of 3 minutes
      Action: "Notify ops-team: error burst"
`,
  { file: "BenchWeb.yaml" },
);
const plan = planPersona({ persona, ref: { name: "BenchWeb", version: "1.0.0", digest: "sha256:bench" } });
const triggers = new Set(plan.alarms.map((a) => a.triggerId)).size;

const telemetry: Telemetry[] = [];
for (let i = 0; i < INSTANCES; i++) {
  const metric = ["cpu-utilization", "network-latency", "error-rate"][i % 3]!;
  telemetry.push(
    scenarioTelemetry(
      plan,
      { kind: "spike", metric, at: 3600 * (1 + (i % 20)), durationSeconds: 600 + (i % 7) * 300 },
      { seed: i, durationSeconds: 86_400 },
    ),
  );
}
const generatedRss = peakRssMiB();

let datapoints = 0;
let dispatched = 0;
const fleet = () => {
  const summary = simulateFleet(plan, INSTANCES, (i) => telemetry[i]!);
  datapoints = summary.datapoints;
  dispatched = summary.dispatched;
};
const load = loadAverage();
const cpu = cpuTimeRuns(RUNS, fleet);
const wall = timeRuns(RUNS, fleet);
const cpuMs = median(cpu);
const wallMs = median(wall);
const perCpuSecond = datapoints / (cpuMs / 1000);
const perWallSecond = datapoints / (wallMs / 1000);
const peak = peakRssMiB();
const met = perCpuSecond >= 10_000_000 && peak < 1024;

writeSection(
  "sim",
  `## Simulator: 1,000 instances × ${triggers} triggers × 1 day at 1-minute resolution (issue 6)

${machineLine()} (\`npm run bench sim\`)

| datapoints | median CPU time of ${RUNS} runs | datapoints / CPU-second | median wall time | datapoints / s (wall) | peak RSS | target |
| ---: | ---: | ---: | ---: | ---: | ---: | --- |
| ${fmt(datapoints)} | ${fmt(cpuMs)} ms | ${fmt(perCpuSecond)} | ${fmt(wallMs)} ms | ${fmt(perWallSecond)} | ${fmt(peak)} MiB | ≥ 10,000,000 / s, < 1 GB |

The persona has ${plan.alarms.length} alarms (${triggers} triggers, one with a clear alarm, so the datapoint
count includes the clear alarm's evaluations); each instance replays its own seeded spike scenario
(${fmt(dispatched)} responses run over the fleet per pass). Summary mode (\`simulateFleet\`): counts only,
evaluators and buffers shared across instances. Telemetry was generated before timing (peak RSS
${fmt(generatedRss)} MiB after generating it). CPU runs: ${cpu.map((t) => fmt(t)).join(", ")} ms; wall runs:
${wall.map((t) => fmt(t)).join(", ")} ms; load average ${load} when started. Single-threaded, so
datapoints per CPU-second is the one-core figure: ${met ? "target met" : "target NOT met"}
(${(perCpuSecond / 10_000_000).toFixed(2)}× the 10 M/s target).`,
);
