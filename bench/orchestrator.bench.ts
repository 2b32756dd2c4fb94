/**
 * The run-time orchestrator against moto: 1,000 instances, counting every AWS API call with SDK
 * middleware (reads: Describe, Get, List, Head, Query, Scan; writes: everything else). Scenarios:
 * - first apply: 1,000 instances retagged to HighTraffic (5 alarms each), applied by one sweep;
 * - sweep, nothing changed: the same 1,000 run-time-owned instances; and 1,000 instances the stack
 *   deployed (the common case: run time owns nothing for them);
 * - a storm of 1,000 tag events for unchanged instances, 10 at a time.
 * Lambda (the scale responder) is answered in-process by the middleware: moto cannot run functions.
 */
import { spawn } from "node:child_process";
import { createServer as createTcpServer } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { buildManifest, FLEET_STORE_KEYS, manifestEntries } from "../src/plan/manifest.js";
import { planFleet, planPersona } from "../src/plan/plan.js";
import { PersonaRepository } from "../src/repository/repository.js";
import { S3PersonaRepository } from "../src/repository/s3.js";
import { parseMapping } from "../src/resolve/mapping.js";
import { createResolutionContext, resolveInstance } from "../src/resolve/resolve.js";
import { createOrchestrator } from "../src/runtime/aws/orchestrator/context.js";
import type { Orchestrator } from "../src/runtime/aws/orchestrator/orchestrator.js";
import { fmt, loadAverage, machineLine, median, peakRssMiB, verdictLine, writeSection } from "./support.js";

const INSTANCES = 1000;
const BUCKET = "personas-bench";
const TABLE = "bench-state";
const MAPPING =
  "defaultPersona: WebBase@^1\nrules:\n  - id: web\n    match: { role: web }\n    persona: HighTraffic@^1.2\n";
/**
 * The run-time fleet applies HighTraffic, which its stack did not deploy: its mapping sets
 * runtimeVersions. The stack fleet's mapping does not; its fleet store pins the persona it deployed.
 */
const MAPPINGS: Record<string, string> = { runtime: `runtimeVersions: true\n${MAPPING}`, stack: MAPPING };
const STACK = "bench";
/** Each fleet's store (FLEET_BUCKET): its manifest and the membership record `pulumi up` writes. */
const storeBucket = (fleet: string) => `personas-bench-${fleet}-store`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createTcpServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitFor(url: string): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer within 15 s`);
}

/** Calls by operation, recorded by middleware on every client. */
class CallCounter {
  readonly calls = new Map<string, number>();
  reset(): void {
    this.calls.clear();
  }
  get reads(): number {
    return [...this.calls].filter(([op]) => isRead(op)).reduce((n, [, c]) => n + c, 0);
  }
  get writes(): number {
    return [...this.calls].filter(([op]) => !isRead(op)).reduce((n, [, c]) => n + c, 0);
  }
  describe(): string {
    return [...this.calls]
      .sort((a, b) => b[1] - a[1])
      .map(([op, n]) => `${op} ${fmt(n)}`)
      .join(", ");
  }
}

function isRead(operation: string): boolean {
  return /^(Describe|Get|List|Head|Query|Scan|BatchGet)/.test(operation);
}

interface Stack {
  add(middleware: unknown, options: { step: "initialize"; name: string }): void;
}

function orchestrator(endpoint: string, fleet: string, counter: CallCounter): Orchestrator {
  const context = createOrchestrator({
    env: {
      FLEET_NAME: fleet,
      FLEET_BUCKET: storeBucket(fleet),
      STACK_NAME: STACK,
      REPOSITORY_BUCKET: BUCKET,
      STATE_TABLE: TABLE,
      SCALE_FUNCTION: `personas-${fleet}-scale`,
      CONCURRENCY: "16",
      AGENT_OPTIONS: JSON.stringify({
        // The agent object the fleet component uploads (content-addressed key and its checksum).
        source: {
          bucket: "personas-bench-agent",
          key: "agent/personas-agent-0123456789abcdef.cjs",
          sha256: "ab".repeat(32),
        },
        probeTargets: [{ name: "web", kind: "http", url: "http://127.0.0.1/health" }],
        logFiles: [{ name: "nginx", path: "/var/log/nginx/access.log", format: "nginx" }],
      }),
    },
    clientConfig: clientConfig(endpoint),
    logSink: () => {},
  });
  const { clients } = context;
  for (const client of [
    clients.ec2,
    clients.ssm,
    clients.dynamodb,
    clients.lambda,
    clients.cloudwatch,
    clients.s3,
  ]) {
    (client.middlewareStack as unknown as Stack).add(
      (next: (args: unknown) => Promise<unknown>, ctx: { commandName?: string; clientName?: string }) =>
        async (args: unknown) => {
          const op = (ctx.commandName ?? "?").replace(/Command$/, "");
          counter.calls.set(op, (counter.calls.get(op) ?? 0) + 1);
          if (ctx.clientName === "LambdaClient")
            return { output: { StatusCode: 202, $metadata: {} }, response: {} };
          return next(args);
        },
      { step: "initialize", name: "countCalls" },
    );
  }
  return context.orchestrator;
}

function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
}

async function prepare(endpoint: string): Promise<void> {
  const config = clientConfig(endpoint);
  const s3 = new S3Client(config);
  const ec2 = new EC2Client(config);
  const ddb = new DynamoDBClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const repository = PersonaRepository.fromDirectory("personas");
  await new S3PersonaRepository({ client: s3, bucket: BUCKET }).publish(repository);
  for (const [fleet, mapping] of Object.entries(MAPPINGS)) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `mappings/${fleet}.yaml`, Body: mapping }));
  }
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  const baseResolved = resolveInstance(
    { id: "x", tags: {} },
    createResolutionContext(repository, parseMapping(MAPPING)),
    { cloud: "aws" },
  );
  const base = planPersona(baseResolved);
  const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
  const fleets: [string, Record<string, string>][] = [
    ["runtime", { role: "web" }],
    [
      "stack",
      {
        "persona:name": base.persona.name,
        "persona:version": base.persona.version,
        "persona:digest": base.persona.digest,
        "persona:active": base.persona.name,
      },
    ],
  ];
  for (const [fleet, tags] of fleets) {
    const members: Record<string, { key: string; digest: string }> = {};
    for (let launched = 0; launched < INSTANCES; launched += 250) {
      const out = await ec2.send(
        new RunInstancesCommand({
          ImageId: image,
          InstanceType: "t3.micro",
          MinCount: 250,
          MaxCount: 250,
          TagSpecifications: [
            {
              ResourceType: "instance",
              Tags: Object.entries({ "persona:fleet": fleet, ...tags }).map(([Key, Value]) => ({
                Key,
                Value,
              })),
            },
          ],
        }),
      );
      for (const instance of out.Instances ?? [])
        members[instance.InstanceId!] = { key: instance.InstanceId!, digest: base.persona.digest };
    }
    // The fleet store as `pulumi up` writes it (src/aws/store.ts): every member, and for the stack
    // fleet the manifest of the persona it deployed (the digests the orchestrator may apply).
    const bucket = storeBucket(fleet);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const objects = new Map<string, string>([
      [FLEET_STORE_KEYS.members, JSON.stringify({ version: 1, fleet, members })],
    ]);
    if (fleet === "stack") {
      const manifest = buildManifest(
        planFleet(fleet, [{ key: "web", resolved: baseResolved }], { webAcl: false, networkAcl: false }),
      );
      for (const [key, entry] of manifestEntries(manifest)) objects.set(key, JSON.stringify(entry));
      objects.set(FLEET_STORE_KEYS.fleet, JSON.stringify(manifest));
    }
    for (const [Key, Body] of objects) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
  }
}

interface Row {
  scenario: string;
  ms: number;
  reads: number;
  writes: number;
  detail: string;
  outcome: string;
}

async function measure(
  scenario: string,
  counter: CallCounter,
  runs: number,
  act: () => Promise<string>,
): Promise<Row> {
  const times: number[] = [];
  let row: Row | undefined;
  for (let i = 0; i < runs; i++) {
    counter.reset();
    const start = process.hrtime.bigint();
    const outcome = await act();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    row = {
      scenario,
      ms: 0,
      reads: counter.reads,
      writes: counter.writes,
      detail: counter.describe(),
      outcome,
    };
  }
  return { ...row!, ms: median(times) };
}

async function main(): Promise<void> {
  const port = await freePort();
  const moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${endpoint}/moto-api/`);
    await prepare(endpoint);
    const counter = new CallCounter();
    const runtime = orchestrator(endpoint, "runtime", counter);
    const stack = orchestrator(endpoint, "stack", counter);
    const summary = (s: { unchanged: number; applied: number; faults: number }) =>
      `${fmt(s.applied)} applied, ${fmt(s.unchanged)} unchanged, ${fmt(s.faults)} faults`;
    const ids: string[] = [];
    const rows: Row[] = [];
    rows.push(
      await measure(
        "first apply: 1,000 retagged instances (HighTraffic, 5 alarms each), one sweep",
        counter,
        1,
        async () => {
          const s = await runtime.reconcile();
          ids.push(...s.instances.map((o) => o.instanceId));
          return summary(s);
        },
      ),
    );
    rows.push(
      await measure(
        "sweep, nothing changed: 1,000 run-time-owned instances (5,000 alarms)",
        counter,
        3,
        async () => summary(await runtime.reconcile()),
      ),
    );
    rows.push(
      await measure("sweep, cold container: 1,000 stack-deployed instances", counter, 1, async () =>
        summary(await stack.reconcile()),
      ),
    );
    rows.push(
      await measure("sweep, nothing changed: 1,000 stack-deployed instances", counter, 3, async () =>
        summary(await stack.reconcile()),
      ),
    );
    rows.push(
      await measure("storm: 1,000 tag events for unchanged instances, 10 at a time", counter, 1, async () => {
        let applied = 0;
        for (let i = 0; i < ids.length; i += 10) {
          const batch = await Promise.all(ids.slice(i, i + 10).map((id) => runtime.reconcile([id])));
          applied += batch.reduce((n, s) => n + s.applied, 0);
        }
        return `${fmt(applied)} applied`;
      }),
    );
    const table = rows.map(
      (r) =>
        `| ${r.scenario} | ${fmt(r.ms / 1000, 1)} | ${fmt(r.reads)} | ${fmt(r.writes)} | ${fmt(r.reads / INSTANCES, 3)} | ${fmt(r.writes / INSTANCES, 3)} | ${r.outcome} |`,
    );
    const details = rows.map((r) => `- ${r.scenario}: ${r.detail}`);
    const unchanged = rows[3]!;
    // moto answers DescribeAlarms in one page; AWS pages by 100 (DescribeAlarms MaxRecords, at most 100).
    const runtimeAlarms = INSTANCES * 5;
    const alarmPages = Math.ceil(runtimeAlarms / 100);
    const awsRuntimeReads = rows[1]!.reads - 1 + alarmPages;
    writeSection(
      "orchestrator",
      [
        "## Run-time orchestrator: 1,000 instances against moto",
        "",
        machineLine().replace("`npm run bench`", "`npm run bench orchestrator`"),
        `Load average at the end: ${loadAverage()}; peak RSS ${fmt(peakRssMiB())} MiB. moto answers every call on this machine, so times are moto's more than ours; the call counts are what AWS would see. Sweeps of unchanged fleets: median of 3 runs.`,
        "",
        "| scenario | time (s) | read calls | write calls | reads / instance | writes / instance | outcome |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ...table,
        "",
        "Targets: an unchanged instance costs no write call; a sweep of 1,000 unchanged instances costs at most 20 read calls. " +
          `Run-time-owned instances cost ${rows[1]!.reads} reads against moto, which returns all alarms in one page; AWS returns at most 100 a page, so their ${fmt(runtimeAlarms)} alarms take ${alarmPages} DescribeAlarms pages there: ${awsRuntimeReads} reads in all (the figure judged below).`,
        "",
        verdictLine([
          {
            what: "write calls of the sweeps of unchanged fleets",
            measured: rows[1]!.writes + unchanged.writes,
            bound: 0,
            direction: "atMost",
          },
          {
            what: "read calls of a sweep of 1,000 unchanged stack-deployed instances",
            measured: unchanged.reads,
            bound: 20,
            direction: "atMost",
          },
          {
            what: "read calls on AWS of a sweep of 1,000 unchanged run-time-owned instances",
            measured: awsRuntimeReads,
            bound: 20,
            direction: "atMost",
          },
        ]),
        "",
        "Calls by operation:",
        "",
        ...details,
      ].join("\n"),
    );
  } finally {
    if (moto.pid !== undefined) process.kill(moto.pid, "SIGTERM");
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
