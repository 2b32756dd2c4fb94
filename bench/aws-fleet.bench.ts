/**
 * PersonaFleet overhead: a 1,000-instance fleet with the seed persona under Pulumi's mock engine,
 * against a raw @pulumi/aws program registering the same resources directly (same types, names and
 * inputs, minus the PersonaFleet component). The raw program is not written by hand, so it cannot
 * drift from what the components render: a recording run of the library program saves every
 * resource's type, name and inputs, and the raw program constructs each with its @pulumi/aws class
 * (`new lambda.Function(name, inputs)`), inputs as plain values. That is the cheapest program that
 * registers these resources (no Output plumbing between them), so the ratio is an upper bound on the
 * components' overhead. Each program runs in its own child process, alternating, five times each
 * (`compareFleetPrograms`, bench/support.ts); the medians of CPU time and peak RSS are compared.
 * Target (issue 12): at most 1.10× in both.
 *
 * PERSONAS_BENCH_AWS_INSTANCES sets the fleet size (default 1000); PERSONAS_BENCH_AWS_RUNS the runs
 * per program (default 5: at a load of ~10 single runs spread by ±10 %).
 */
import { readFileSync } from "node:fs";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as dynamodb from "@pulumi/aws/dynamodb";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import * as s3 from "@pulumi/aws/s3";
import * as scheduler from "@pulumi/aws/scheduler";
import * as sfn from "@pulumi/aws/sfn";
import * as sqs from "@pulumi/aws/sqs";
import * as ssm from "@pulumi/aws/ssm";
import * as wafv2 from "@pulumi/aws/wafv2";
import { PersonaFleet } from "../src/aws/fleet.js";
import { parsePersona } from "../src/pdl/parse.js";
import { contentDigest } from "../src/repository/digest.js";
import {
  AWS_MOCK_ANSWERS,
  compareFleetPrograms,
  constructRecorded,
  fleetComparisonTable,
  fleetRunsParagraph,
  fmt,
  machineLine,
  runFleetBench,
  writeSection,
} from "./support.js";

const INSTANCES = Number(process.env.PERSONAS_BENCH_AWS_INSTANCES ?? "1000");
const RUNS = Number(process.env.PERSONAS_BENCH_AWS_RUNS ?? "5");
const WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d";
const AMI = "ami-0123456789abcdef0";
/** The verdict's bound: at most this ratio in CPU time and in peak memory (issue 12). */
const TARGET_RATIO = 1.1;

function libraryProgram(): void {
  const persona = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), {
    file: "HighTraffic.yaml",
  });
  const ref = { name: "HighTraffic", version: "1.0.0", digest: contentDigest(persona) };
  new PersonaFleet("web", {
    ami: AMI,
    defaultPersona: { persona, ref },
    instances: Array.from({ length: INSTANCES }, (_, i) => ({ name: `web-${i + 1}` })),
    firewall: { webAclArn: WEB_ACL },
    // Issue 12's fleet: an instance and its alarms per member (fleet-wide alarms: fleet-alarms.bench.ts).
    alarmTopology: "per-instance",
  });
}

/** Every @pulumi/aws module the components register resources from. */
const AWS_MODULES = [cloudwatch, dynamodb, ec2, iam, lambda, s3, scheduler, sfn, sqs, ssm, wafv2];

function main(): void {
  const comparison = compareFleetPrograms({
    script: __filename,
    runs: RUNS,
    targetRatio: TARGET_RATIO,
    stacks: true,
  });
  const perType = new Map<string, number>();
  for (const r of comparison.recorded) perType.set(r.type, (perType.get(r.type) ?? 0) + 1);
  const instanceTypes = ["aws:ec2/instance:Instance", "aws:cloudwatch/metricAlarm:MetricAlarm"];
  const perInstance = instanceTypes.reduce((n, t) => n + (perType.get(t) ?? 0), 0) / INSTANCES;
  writeSection(
    "aws-fleet",
    `## AWS fleet: PersonaFleet vs a raw @pulumi/aws program (${fmt(INSTANCES)} instances, seed persona)

${machineLine()}

Both programs run under Pulumi's mock engine (\`pulumi.runtime.setMocks\`), each in its own process,
alternating, ${RUNS} runs each; medians. CPU time is user + system of the program until every
registration is answered; memory is the process's peak RSS. The raw program is generated from a
recording of the library program: every resource the components register, constructed directly
with its @pulumi/aws class and the same name and inputs as plain values (no component, no Output
plumbing), so it cannot drift from what the components render and the ratio is an upper bound.

${fleetComparisonTable(comparison, {
  raw: "raw @pulumi/aws",
  library: "PersonaFleet",
  stacks: "PersonaFleet, SDK promise stacks kept",
})}

The component registers its members without the Pulumi SDK's per-promise stack capture
(src/registration.ts; read only for the \`PULUMI_DEBUG_PROMISE_LEAKS\` report); the "stacks kept" row is the
same program with that variable set, as the raw program runs, so it shows what the component itself adds.

Target (issue 12): at most ${TARGET_RATIO}× in both. ${comparison.verdict}
Resources: ${fmt(perInstance)} per instance (the instance and its alarms),
${fmt(comparison.runs.library[0]!.resources - perInstance * INSTANCES)} per fleet including the PersonaFleet component.
${fleetRunsParagraph(comparison)}

Where the difference lies (counted 2026-12-06 by wrapping the engine's \`debuggablePromise\`, which captures a
stack trace per call): the library program makes 506,418 engine promises, the raw one 498,291 (+1.6 %). The
8,000 more are the Output inputs that carry real dependencies, which the raw program's recorded plain values
do not have: per instance its profile's name and its user data, per alarm its instance's id and its shared
action and OK-action lists. Every other input is a plain value, and per-persona values are computed once.
The rest of the gap is the engine's work per Output input (awaiting it, collecting its resources' URNs)
and garbage collection, which together make CPU time grow faster than the promise count.`,
  );
}

runFleetBench(
  {
    answers: AWS_MOCK_ANSWERS,
    library: libraryProgram,
    raw: (recorded) => constructRecorded(recorded, AWS_MODULES, "aws:"),
  },
  main,
);
