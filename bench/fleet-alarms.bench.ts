/**
 * Fleet-wide alarms (issue 18): a 1,000-instance seed fleet with `alarmTopology: "fleet-wide"` under
 * Pulumi's mock engine, against the raw per-instance @pulumi/aws program the issue names: each
 * instance and two CloudWatch alarms watching it (`dimensions: { InstanceId: instance.id }`). The raw
 * program's instances are the library's own (a recording run saves each instance's inputs), and its
 * alarms are the seed's two planned alarms, so the comparison is of topology, not of instance inputs.
 * Each program runs in its own child process, alternating, three times each; medians of CPU time and
 * peak RSS. Target (issue 18): at most 0.5× in both.
 *
 * PERSONAS_BENCH_ALARM_INSTANCES sets the fleet size (default 1000); PERSONAS_BENCH_ALARM_RUNS the runs
 * per program (default 3).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";
import { PersonaFleet } from "../src/aws/fleet.js";
import { parsePersona } from "../src/pdl/parse.js";
import { planPersona } from "../src/plan/plan.js";
import { contentDigest } from "../src/repository/digest.js";
import { fmt, machineLine, median, writeSection } from "./support.js";

const INSTANCES = Number(process.env.PERSONAS_BENCH_ALARM_INSTANCES ?? "1000");
const RUNS = Number(process.env.PERSONAS_BENCH_ALARM_RUNS ?? "3");
const WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d";
const AMI = "ami-0123456789abcdef0";
/** The verdict's bound: at most this ratio in CPU time and in peak memory. */
const TARGET_RATIO = 0.5;
const INSTANCE_TYPE = "aws:ec2/instance:Instance";

type Program = "library" | "raw" | "record";

interface ChildResult {
  program: Program;
  resources: number;
  alarms: number;
  cpuMs: number;
  peakRssMiB: number;
}

class BenchMocks implements pulumi.runtime.Mocks {
  count = 0;
  alarms = 0;
  readonly instances: Record<string, unknown>[] = [];
  constructor(readonly record: boolean) {}
  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    this.count++;
    if (args.type === "aws:cloudwatch/metricAlarm:MetricAlarm") this.alarms++;
    if (this.record && args.type === INSTANCE_TYPE) this.instances.push(args.inputs);
    const id = `${args.name}-id`;
    const arn = `arn:aws:mock:us-east-1:123456789012:${args.type.split(":").pop()}/${args.name}`;
    return { id, state: { ...args.inputs, arn, name: args.inputs.name ?? args.name, id } };
  }
  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    if (args.token === "aws:index/getPartition:getPartition") return { partition: "aws" };
    if (args.token === "aws:index/getRegion:getRegion") return { region: "us-east-1", name: "us-east-1" };
    if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId: "123456789012" };
    return args.inputs;
  }
}

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

/** One instance and one alarm per seed alarm each, as a user writes it with @pulumi/aws alone. */
function rawProgram(instances: readonly Record<string, unknown>[]): void {
  const { alarms } = planPersona({ ...seed(), size: { cloud: "aws", name: "c7g.2xlarge" } });
  instances.forEach((inputs, i) => {
    const instance = new ec2.Instance(`web-${i + 1}`, inputs as ec2.InstanceArgs);
    for (const alarm of alarms) {
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

async function child(program: Program, file: string): Promise<void> {
  const instances =
    program === "raw" ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>[]) : [];
  const mocks = new BenchMocks(program === "record");
  await pulumi.runtime.setMocks(mocks, "bench", "bench", false);
  const start = process.cpuUsage();
  if (program === "raw") rawProgram(instances);
  else libraryProgram();
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
  const used = process.cpuUsage(start);
  if (program === "record") writeFileSync(file, JSON.stringify(mocks.instances));
  const result: ChildResult = {
    program,
    resources: mocks.count,
    alarms: mocks.alarms,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(program: Program, file: string): ChildResult {
  const out = spawnSync(process.execPath, [__filename, "--child", program, file], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: { ...process.env },
  });
  if (out.status !== 0) throw new Error(`${program} run failed (${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").pop()!) as ChildResult;
}

/** Whether both ratios are within the target, as the sentence BENCHMARKS.md shows. */
export function verdict(cpuRatio: number, rssRatio: number): string {
  return cpuRatio <= TARGET_RATIO && rssRatio <= TARGET_RATIO
    ? `**Met**: ${fmt(cpuRatio, 2)}× CPU and ${fmt(rssRatio, 2)}× peak memory, both within ${TARGET_RATIO}×.`
    : `**Not met**: ${fmt(cpuRatio, 2)}× CPU and ${fmt(rssRatio, 2)}× peak memory against a bound of ${TARGET_RATIO}×.`;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "personas-bench-alarms-"));
  const file = join(dir, "instances.json");
  try {
    runChild("record", file);
    const results: Record<"library" | "raw", ChildResult[]> = { library: [], raw: [] };
    for (let i = 0; i < RUNS; i++)
      for (const program of i % 2 === 0 ? (["library", "raw"] as const) : (["raw", "library"] as const)) {
        const result = runChild(program, file);
        results[program].push(result);
        console.log(
          `  ${program}: ${fmt(result.cpuMs)} ms CPU, ${fmt(result.peakRssMiB)} MiB peak, ${result.resources} resources (${result.alarms} alarms)`,
        );
      }
    const cpu = (p: "library" | "raw") => median(results[p].map((r) => r.cpuMs));
    const rss = (p: "library" | "raw") => median(results[p].map((r) => r.peakRssMiB));
    const cpuRatio = cpu("library") / cpu("raw");
    const rssRatio = rss("library") / rss("raw");
    const row = (label: string, p: "library" | "raw") =>
      `| ${label} | ${fmt(results[p][0]!.resources)} | ${fmt(results[p][0]!.alarms)} | ${fmt(cpu(p))} | ${fmt(rss(p))} |`;
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

| program | resources | alarms | CPU time (ms) | peak RSS (MiB) |
| --- | ---: | ---: | ---: | ---: |
${row("raw @pulumi/aws, per instance", "raw")}
${row("PersonaFleet, fleet-wide", "library")}
| **ratio** | | | **${fmt(cpuRatio, 2)}×** | **${fmt(rssRatio, 2)}×** |

Target (issue 18): at most ${TARGET_RATIO}× in time and memory. ${verdict(cpuRatio, rssRatio)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") void child(process.argv[3] as Program, process.argv[4]!);
else main();
