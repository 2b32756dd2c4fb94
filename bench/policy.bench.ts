/**
 * persona-guard over large stacks: every rule of the pack (resource rules on each resource, stack
 * rules once) over the resources of a seed-persona fleet of 250 to 2,000 instances. One fleet is
 * registered under the recording mocks; larger fleets are synthesised from it by cloning its one
 * member's instance and alarms, as the components would register them (names and ids per member).
 * Target (issue 7): under one second for 1,000 instances (about 3,000 resources), linear in the
 * number of resources. Rule time only: the args are built before timing, as the policy SDK builds them.
 *
 * PERSONAS_BENCH_POLICY_RUNS sets the runs per size (default 15).
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { personaGuardResourcePolicies, personaGuardStackPolicies } from "../src/policy/pack.js";
import { argsOf, seedFleetStack, stackArgs, stackOf } from "../test/policy/support.js";
import type { RecordedResource } from "../test/support/pulumi.js";
import { installMocks } from "../test/support/pulumi.js";
import {
  fmt,
  growth,
  loadAverage,
  type MedianTimes,
  machineLine,
  measureRuns,
  medians,
  peakRssMiB,
  type RunTimes,
  runsLine,
  UNITS_NOTE,
  verdictLine,
  writeSection,
} from "./support.js";

const RUNS = Number(process.env.PERSONAS_BENCH_POLICY_RUNS ?? "15");
const SIZES = [250, 500, 1000, 2000];
const MEMBER = "web-web-1";

/** The recorded resources of an `instances`-member fleet, cloned from a one-member recording. */
function synthesise(one: RecordedResource[], instances: number): RecordedResource[] {
  const fleetLevel = one.filter((r) => !r.name.startsWith(MEMBER));
  const member = one.filter((r) => r.name.startsWith(MEMBER));
  const template = JSON.stringify(member);
  const members = Array.from(
    { length: instances },
    (_, i) => JSON.parse(template.replaceAll(MEMBER, `web-web-${i + 1}`)) as RecordedResource[],
  );
  return [...fleetLevel, ...members.flat()];
}

function runResourceRules(
  rules: readonly ResourceValidationPolicy[],
  args: readonly ResourceValidationArgs[],
): number {
  let violations = 0;
  const report: ReportViolation = () => {
    violations++;
  };
  for (const rule of rules) {
    const validations = Array.isArray(rule.validateResource)
      ? rule.validateResource
      : [rule.validateResource!];
    for (const a of args) for (const validate of validations) void validate(a, report);
  }
  return violations;
}

function runStackRules(
  rules: readonly StackValidationPolicy[],
  resources: readonly PolicyResource[],
): number {
  let violations = 0;
  // A fresh list per run, as the SDK hands each preview a new one (the stack index is cached per list).
  const args = stackArgs([...resources]);
  for (const rule of rules)
    void rule.validateStack(args, () => {
      violations++;
    });
  return violations;
}

interface Row {
  instances: number;
  resources: number;
  /** Main-thread CPU medians of the resource rules alone and the stack rules alone. */
  resourceMs: number;
  stackMs: number;
  /** Every rule, all three times from the same runs. */
  runs: RunTimes;
  m: MedianTimes;
}

async function main(): Promise<void> {
  await installMocks();
  // Per-instance alarms: each member's resources are copied (synthesise), the alarms with them.
  const one = (await seedFleetStack(1, "per-instance")).recorded;
  const rows: Row[] = [];
  for (const instances of SIZES) {
    const recorded = synthesise(one, instances);
    const stack = stackOf(recorded);
    const args = recorded.map((r) => argsOf(r));
    const everything = () => {
      const v =
        runResourceRules(personaGuardResourcePolicies, args) +
        runStackRules(personaGuardStackPolicies, stack.resources);
      if (v !== 0)
        throw new Error(
          `a fleet of ${instances} instances broke ${v} rules; the benchmark measures a passing stack`,
        );
    };
    // Every run checks about 100,000 resources (a fleet checked `repeats` times), and times are
    // divided back per fleet: a run of a few milliseconds is below the resolution of the thread's CPU
    // clock (/proc schedstat advances at scheduler ticks), so it would read 0.
    const repeats = Math.max(1, Math.round(100_000 / recorded.length));
    const timed = (fn: () => void): RunTimes => {
      const t = measureRuns(RUNS, () => {
        for (let r = 0; r < repeats; r++) fn();
      });
      const perFleet = (values: number[]) => values.map((ms) => ms / repeats);
      return {
        wallMs: perFleet(t.wallMs),
        mainThreadMs: perFleet(t.mainThreadMs),
        processCpuMs: perFleet(t.processCpuMs),
      };
    };
    const resourceMs = medians(
      timed(() => void runResourceRules(personaGuardResourcePolicies, args)),
    ).mainThreadMs;
    const stackMs = medians(
      timed(() => void runStackRules(personaGuardStackPolicies, stack.resources)),
    ).mainThreadMs;
    const runs = timed(everything);
    const m = medians(runs);
    rows.push({ instances, resources: recorded.length, resourceMs, stackMs, runs, m });
    console.log(
      `${instances} instances: ${recorded.length} resources, ${m.mainThreadMs.toFixed(1)} ms main-thread CPU`,
    );
  }
  const base = rows.find((r) => r.instances === 1000)!;
  const perThousand = (r: Row) => (r.m.mainThreadMs / r.resources) * 1000;
  const table = rows
    .map(
      (r) =>
        `| ${fmt(r.instances)} | ${fmt(r.resources)} | ${fmt(r.resourceMs, 1)} | ${fmt(r.stackMs, 1)} | ${fmt(r.m.mainThreadMs, 1)} | ${fmt(r.m.processCpuMs, 1)} | ${fmt(r.m.wallMs, 1)} | ${fmt(perThousand(r), 2)} | ${fmt(perThousand(r) / perThousand(base), 2)}× |`,
    )
    .join("\n");
  const scaling = growth(
    rows.map((r) => r.resources),
    rows.map((r) => r.m.mainThreadMs),
  );
  const perResource = rows.map((r) => perThousand(r) / perThousand(base));
  const verdict = verdictLine([
    {
      what: `all rules at ${fmt(base.instances)} instances, main-thread CPU`,
      measured: base.m.mainThreadMs,
      bound: 1000,
      direction: "atMost",
      unit: "ms",
      digits: 1,
    },
    {
      what: `main-thread CPU growth ${fmt(rows[0]!.resources)} → ${fmt(rows[rows.length - 1]!.resources)} resources, as a multiple of proportional (linear: at most 1.5)`,
      measured: scaling.factor,
      bound: 1.5,
      direction: "atMost",
      digits: 2,
    },
  ]);
  writeSection(
    "policy",
    `## Policy pack persona-guard: every rule over a fleet's resources

${machineLine()}; load average ${loadAverage()}

Every rule of \`personaGuardPolicies\` (7 resource rules on each resource, 4 stack rules once) over a
seed-persona fleet with a WAF web ACL; ${RUNS} runs per size after a warm-up, medians; each run checks
a fleet as many times as makes about 100,000 resources, and the times are divided back per fleet. One fleet is
registered under the mock engine; larger ones are synthesised from its member (instance and two alarms
per member, renamed). Rule time only: the arguments are built beforehand, as the policy SDK builds them.
Every stack measured passes every rule.

| instances | resources | resource rules, main-thread CPU (ms) | stack rules, main-thread CPU (ms) | all rules, main-thread CPU (ms) | all rules, process CPU (ms) | all rules, wall (ms) | main-thread CPU ms per 1,000 resources | vs 1,000 instances |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${table}

Target: under 1,000 ms for 1,000 instances (${fmt(base.resources)} resources), linear in resources.
${verdict}
Growth: main-thread CPU ${scaling.sentence}; per 1,000 resources the cost ranged from ${fmt(Math.min(...perResource), 2)}× to ${fmt(Math.max(...perResource), 2)}× the 1,000-instance figure (runs of a few milliseconds, so noisy on a shared machine).
The stack rules index the resources once (by type, manifest, alarm tag, function ARN, instance id)
and look up, never compare resources pairwise. Peak RSS ${fmt(peakRssMiB())} MiB (mostly the mock
engine's recording). Runs at ${fmt(base.instances)} instances: ${runsLine(base.runs)}

${UNITS_NOTE}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
