/**
 * Fleet-wide alarms (issue 18): a 1,000-instance seed fleet with `alarmTopology: "fleet-wide"` under
 * Pulumi's mock engine, against the raw per-instance @pulumi/aws program the issue names: each
 * instance and two CloudWatch alarms watching it (`dimensions: { InstanceId: instance.id }`). The raw
 * program's instances are the library's own (a recording run saves each instance's inputs), and its
 * alarms are the seed's two planned alarms, so the comparison is of topology, not of instance inputs.
 * Each program runs in its own child process, alternating, five times each (`compareFleetPrograms`,
 * bench/support.ts); medians of CPU time and peak RSS. Target (issue 18): at most 0.5× in both.
 *
 * PERSONAS_BENCH_ALARM_INSTANCES sets the fleet size (default 1000); PERSONAS_BENCH_ALARM_RUNS the runs
 * per program (default 5).
 */
import { readFileSync } from "node:fs";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import { PersonaFleet } from "../src/aws/fleet.js";
import { parsePersona } from "../src/pdl/parse.js";
import { planPersona } from "../src/plan/plan.js";
import { contentDigest } from "../src/repository/digest.js";
import {
  AWS_MOCK_ANSWERS,
  compareFleetPrograms,
  fleetComparisonTable,
  fleetRunsParagraph,
  fmt,
  machineLine,
  type RecordedResource,
  runFleetBench,
  writeSection,
} from "./support.js";

const INSTANCES = Number(process.env.PERSONAS_BENCH_ALARM_INSTANCES ?? "1000");
const RUNS = Number(process.env.PERSONAS_BENCH_ALARM_RUNS ?? "5");
const WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d";
const AMI = "ami-0123456789abcdef0";
/** The verdict's bound: at most this ratio in CPU time and in peak memory (issue 18). */
const TARGET_RATIO = 0.5;
const INSTANCE_TYPE = "aws:ec2/instance:Instance";
const ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm";

function seed() {
  const persona = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), {
    file: "HighTraffic.yaml",
  });
  return { persona, ref: { name: "HighTraffic", version: "1.0.0", digest: contentDigest(persona) } };
}

function libraryProgram(): void {
  new PersonaFleet("web", {
    ami: AMI,
    defaultPersona: seed(),
    instances: Array.from({ length: INSTANCES }, (_, i) => ({ name: `web-${i + 1}` })),
    firewall: { webAclArn: WEB_ACL },
    alarmTopology: "fleet-wide",
  });
}

/**
 * One instance (the library's recorded inputs) and one alarm per seed alarm each, as a user writes it
 * with @pulumi/aws alone.
 */
function rawProgram(recorded: readonly RecordedResource[], withAlarms = true): void {
  const instances = recorded.filter((r) => r.type === INSTANCE_TYPE).map((r) => r.inputs);
  const { alarms } = planPersona({ ...seed(), size: { cloud: "aws", name: "c7g.2xlarge" } });
  instances.forEach((inputs, i) => {
    const instance = new ec2.Instance(`web-${i + 1}`, inputs as ec2.InstanceArgs);
    for (const alarm of withAlarms ? alarms : []) {
      const spec = alarm.aws;
      new cloudwatch.MetricAlarm(`web-${i + 1}-${alarm.id}`, {
        namespace: spec.namespace,
        metricName: spec.metricName,
        statistic: spec.statistic,
        dimensions: { InstanceId: instance.id },
        period: spec.period,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        threshold: spec.threshold,
        comparisonOperator: spec.comparisonOperator,
        treatMissingData: spec.treatMissingData,
        alarmActions: ["arn:aws:lambda:us-east-1:123456789012:function:responder"],
      });
    }
  });
}

function main(): void {
  const comparison = compareFleetPrograms({
    script: __filename,
    runs: RUNS,
    targetRatio: TARGET_RATIO,
    floor: true,
  });
  const table = fleetComparisonTable(
    comparison,
    {
      raw: "raw @pulumi/aws, per instance",
      library: "PersonaFleet, fleet-wide",
      floor: "floor: the raw program's instances alone",
    },
    [{ header: "alarms", types: [ALARM_TYPE] }],
  );
  writeSection(
    "fleet-alarms",
    `## Fleet-wide alarms: PersonaFleet (fleet-wide) vs raw per-instance @pulumi/aws (${fmt(INSTANCES)} instances, seed persona)

${machineLine()}

Both programs run under Pulumi's mock engine, each in its own process, alternating, ${RUNS} runs each;
medians. CPU time is user + system until every registration is answered; memory is the process's
peak RSS. The raw program is the issue's baseline: per instance, an \`ec2.Instance\` (the library's own
inputs, recorded) and the seed's two alarms as \`cloudwatch.MetricAlarm\`s on its InstanceId. The
library program is the whole PersonaFleet with \`alarmTopology: "fleet-wide"\`: instances, the
fleet-level resources (responders, state table, store, feeds, WAF sets, resize workflow) and one
Metrics Insights alarm per seed alarm.

${table}

Target (issue 18): at most ${TARGET_RATIO}× in both. ${comparison.verdict}
The floor row is the raw program without its alarms: the same 1,000 \`ec2.Instance\`s, which any program
deploying this fleet registers, measured in the same rounds. A fleet-wide program can only remove the
alarms, so its ratio cannot fall below the floor's; the library's excess over the floor is its fixed
part (fleet-level resources, their Output plumbing and module loading) and its instances' Output inputs.

Where the time goes (profiled 2026-12-06 with \`node --cpu-prof\` on the library child, and by counting the
engine's \`debuggablePromise\` calls, each of which captures a stack trace): 57 % of the library program's
samples are that stack capture and formatting, 22 % garbage collection, < 1 % the library's own code.
Engine promises: raw 497,001 (252 per \`ec2.Instance\`, 121 per alarm); library 258,664, of which 254,000 are
its 1,000 instances (254 each: the two extra are its Output inputs, the instance profile's name and the
user data that waits on the agent object) and 4,664 the 45 fleet-level resources: 0.52× the raw count,
0.51× from the instances alone. A 1-instance library run costs ~150 ms of CPU more than a 1-instance raw
one (the fleet-level resources and the PDL/plan work), about 2 % of the library's total.
${fleetRunsParagraph(comparison)}`,
  );
}

runFleetBench(
  {
    answers: AWS_MOCK_ANSWERS,
    library: libraryProgram,
    raw: rawProgram,
    floor: (recorded) => rawProgram(recorded, false),
  },
  main,
);
