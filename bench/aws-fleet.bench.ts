/**
 * PersonaFleet overhead: a 1,000-instance fleet with the seed persona under Pulumi's mock engine,
 * against a raw @pulumi/aws program registering the same resources directly (same types, names and
 * inputs, minus the PersonaFleet component). The raw program is not written by hand, so it cannot
 * drift from what the components render: a recording run of the library program saves every
 * resource's type, name and inputs, and the raw program constructs each with its @pulumi/aws class
 * (`new lambda.Function(name, inputs)`), inputs as plain values. That is the cheapest program that
 * registers these resources (no Output plumbing between them), so the ratio is an upper bound on the
 * components' overhead. Each program runs in its own child process, alternating, three times each;
 * the medians of CPU time and peak RSS are compared. Target (issue 12): at most 1.10× in both.
 *
 * PERSONAS_BENCH_AWS_INSTANCES sets the fleet size (default 1000); PERSONAS_BENCH_AWS_RUNS the runs
 * per program (default 3).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import * as pulumi from "@pulumi/pulumi";
import { PersonaFleet } from "../src/aws/fleet.js";
import { parsePersona } from "../src/pdl/parse.js";
import { contentDigest } from "../src/repository/digest.js";
import { fmt, machineLine, median, writeSection } from "./support.js";

const INSTANCES = Number(process.env.PERSONAS_BENCH_AWS_INSTANCES ?? "1000");
const RUNS = Number(process.env.PERSONAS_BENCH_AWS_RUNS ?? "3");
const WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d";
const AMI = "ami-0123456789abcdef0";
/** The verdict's bound: at most this ratio in CPU time and in peak memory. */
const TARGET_RATIO = 1.1;

type Program = "library" | "raw" | "record";

interface ChildResult {
  program: Program;
  resources: number;
  cpuMs: number;
  peakRssMiB: number;
}

interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** Mocks that answer like the test recorder; they keep resources only when recording. */
class BenchMocks implements pulumi.runtime.Mocks {
  count = 0;
  readonly recorded: RecordedResource[] = [];
  constructor(readonly record: boolean) {}
  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    this.count++;
    if (this.record) this.recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
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
  });
}

/** Every @pulumi/aws resource class the components may use, by type token. */
function resourceClasses(): Map<string, new (name: string, args: never) => pulumi.CustomResource> {
  const classes = new Map<string, new (name: string, args: never) => pulumi.CustomResource>();
  for (const module of [cloudwatch, dynamodb, ec2, iam, lambda, s3, scheduler, sfn, sqs, ssm, wafv2])
    for (const value of Object.values(module)) {
      const token = (value as { __pulumiType?: unknown }).__pulumiType;
      // The class named as the token ends (lambda.Function, not the CallbackFunction mixin sharing its token).
      if (typeof value === "function" && typeof token === "string" && value.name === token.split(":").pop())
        classes.set(token, value as new (name: string, args: never) => pulumi.CustomResource);
    }
  return classes;
}

/** The same resources as the library program, each constructed directly from its recorded inputs. */
function rawProgram(recorded: readonly RecordedResource[]): void {
  const classes = resourceClasses();
  for (const resource of recorded) {
    if (!resource.type.startsWith("aws:")) continue;
    const Class = classes.get(resource.type);
    if (!Class) throw new Error(`the raw program has no class for ${resource.type}: import its module`);
    new Class(resource.name, resource.inputs as never);
  }
}

async function child(program: Program, file: string): Promise<void> {
  const recorded = program === "raw" ? (JSON.parse(readFileSync(file, "utf8")) as RecordedResource[]) : [];
  const mocks = new BenchMocks(program === "record");
  await pulumi.runtime.setMocks(mocks, "bench", "bench", false);
  const start = process.cpuUsage();
  if (program === "raw") rawProgram(recorded);
  else libraryProgram();
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
  const used = process.cpuUsage(start);
  if (program === "record") writeFileSync(file, JSON.stringify(mocks.recorded));
  const result: ChildResult = {
    program,
    resources: mocks.count,
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
  const line = out.stdout.trim().split("\n").pop()!;
  return JSON.parse(line) as ChildResult;
}

/** Whether both ratios are within the target, as the sentence BENCHMARKS.md shows. */
export function verdict(cpuRatio: number, rssRatio: number): string {
  const met = cpuRatio <= TARGET_RATIO && rssRatio <= TARGET_RATIO;
  return met
    ? `**Met**: ${fmt(cpuRatio, 2)}× CPU and ${fmt(rssRatio, 2)}× peak memory, both within ${TARGET_RATIO}×.`
    : `**Not met**: ${fmt(cpuRatio, 2)}× CPU and ${fmt(rssRatio, 2)}× peak memory against a bound of ${TARGET_RATIO}×.`;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "personas-bench-"));
  const file = join(dir, "resources.json");
  try {
    const recording = runChild("record", file);
    console.log(`  recorded ${recording.resources} resources`);
    const results: Record<"library" | "raw", ChildResult[]> = { library: [], raw: [] };
    for (let i = 0; i < RUNS; i++)
      for (const program of i % 2 === 0 ? (["library", "raw"] as const) : (["raw", "library"] as const)) {
        const result = runChild(program, file);
        results[program].push(result);
        console.log(
          `  ${program}: ${fmt(result.cpuMs)} ms CPU, ${fmt(result.peakRssMiB)} MiB peak, ${result.resources} resources`,
        );
      }
    const cpu = (p: "library" | "raw") => median(results[p].map((r) => r.cpuMs));
    const rss = (p: "library" | "raw") => median(results[p].map((r) => r.peakRssMiB));
    const cpuRatio = cpu("library") / cpu("raw");
    const rssRatio = rss("library") / rss("raw");
    const recorded = JSON.parse(readFileSync(file, "utf8")) as RecordedResource[];
    const perType = new Map<string, number>();
    for (const r of recorded) perType.set(r.type, (perType.get(r.type) ?? 0) + 1);
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

| program | resources | CPU time (ms) | peak RSS (MiB) |
| --- | ---: | ---: | ---: |
| raw @pulumi/aws | ${fmt(results.raw[0]!.resources)} | ${fmt(cpu("raw"))} | ${fmt(rss("raw"))} |
| PersonaFleet | ${fmt(results.library[0]!.resources)} | ${fmt(cpu("library"))} | ${fmt(rss("library"))} |
| **ratio** | | **${fmt(cpuRatio, 2)}×** | **${fmt(rssRatio, 2)}×** |

Target: at most ${TARGET_RATIO}× in time and memory. ${verdict(cpuRatio, rssRatio)}
Resources: ${fmt(perInstance)} per instance (the instance and its alarms),
${fmt(results.library[0]!.resources - perInstance * INSTANCES)} per fleet including the PersonaFleet component.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") void child(process.argv[3] as Program, process.argv[4]!);
else main();
