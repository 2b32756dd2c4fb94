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
  cpuTimeRuns,
  fmt,
  loadAverage,
  machineLine,
  median,
  peakRssMiB,
  timeRuns,
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
  resourceMs: number;
  stackMs: number;
  wallMs: number;
  cpuMs: number;
}

async function main(): Promise<void> {
  await installMocks();
  const one = (await seedFleetStack(1)).recorded;
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
    const resourceMs = median(
      timeRuns(RUNS, () => void runResourceRules(personaGuardResourcePolicies, args)),
    );
    const stackMs = median(
      timeRuns(RUNS, () => void runStackRules(personaGuardStackPolicies, stack.resources)),
    );
    const wallMs = median(timeRuns(RUNS, everything));
    const cpuMs = median(cpuTimeRuns(RUNS, everything));
    rows.push({ instances, resources: recorded.length, resourceMs, stackMs, wallMs, cpuMs });
    console.log(
      `${instances} instances: ${recorded.length} resources, ${wallMs.toFixed(1)} ms wall, ${cpuMs.toFixed(1)} ms CPU`,
    );
  }
  const base = rows.find((r) => r.instances === 1000)!;
  const perThousand = (r: Row) => (r.cpuMs / r.resources) * 1000;
  const table = rows
    .map(
      (r) =>
        `| ${fmt(r.instances)} | ${fmt(r.resources)} | ${fmt(r.resourceMs, 1)} | ${fmt(r.stackMs, 1)} | ${fmt(r.wallMs, 1)} | ${fmt(r.cpuMs, 1)} | ${fmt(perThousand(r), 2)} | ${fmt(perThousand(r) / perThousand(base), 2)}× |`,
    )
    .join("\n");
  writeSection(
    "policy",
    `## Policy pack persona-guard: every rule over a fleet's resources

${machineLine()}; load average ${loadAverage()}

Every rule of \`personaGuardPolicies\` (7 resource rules on each resource, 4 stack rules once) over a
seed-persona fleet with a WAF web ACL; ${RUNS} runs per size after a warm-up, medians. One fleet is
registered under the mock engine; larger ones are synthesised from its member (instance and two alarms
per member, renamed). Rule time only: the arguments are built beforehand, as the policy SDK builds them.
Every stack measured passes every rule.

| instances | resources | resource rules (ms) | stack rules (ms) | all rules, wall (ms) | all rules, CPU (ms) | CPU ms per 1,000 resources | vs 1,000 instances |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${table}

Target: under 1,000 ms for 1,000 instances (${fmt(base.resources)} resources): **${fmt(base.cpuMs, 1)} ms CPU**, ${fmt(
      base.wallMs,
      1,
    )} ms wall.
Linear: the stack rules index the resources once (by type, manifest, alarm tag, function ARN,
instance id) and look up, never compare resources pairwise; the per-resource cost stays flat across sizes.
Peak RSS ${fmt(peakRssMiB())} MiB (mostly the mock engine's recording).`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
