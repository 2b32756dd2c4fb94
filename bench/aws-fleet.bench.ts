/**
 * PersonaFleet overhead: a 1,000-instance fleet with the seed persona under Pulumi's mock engine,
 * against a hand-written @pulumi/aws program registering the same resources (same types, names and
 * inputs, minus the one PersonaFleet component). Each program runs in its own child process,
 * alternating, three times each; the medians of CPU time and peak RSS are compared.
 * Target (issue 4): at most 1.10× the raw program's time and memory.
 *
 * PERSONAS_BENCH_AWS_INSTANCES sets the fleet size (default 1000); PERSONAS_BENCH_AWS_RUNS the runs
 * per program (default 3).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as dynamodb from "@pulumi/aws/dynamodb";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import * as scheduler from "@pulumi/aws/scheduler";
import * as sqs from "@pulumi/aws/sqs";
import * as ssm from "@pulumi/aws/ssm";
import * as wafv2 from "@pulumi/aws/wafv2";
import * as pulumi from "@pulumi/pulumi";
import { PersonaFleet } from "../src/aws/fleet.js";
import { responderPolicy } from "../src/aws/iam.js";
import { renderUserData } from "../src/aws/user-data.js";
import { parsePersona } from "../src/pdl/parse.js";
import { alarmDescription, buildManifest } from "../src/plan/manifest.js";
import { planFleet } from "../src/plan/plan.js";
import { withCloudSize } from "../src/plan/render.js";
import { fmt, machineLine, median, writeSection } from "./support.js";

const INSTANCES = Number(process.env.PERSONAS_BENCH_AWS_INSTANCES ?? "1000");
const RUNS = Number(process.env.PERSONAS_BENCH_AWS_RUNS ?? "3");
const WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d";
const AMI = "ami-0123456789abcdef0";
const DIGEST = "5eed".repeat(16);
const AGENT_URL = "https://registry.npmjs.org/pulumi-personas/-/pulumi-personas-0.1.0.tgz";

interface ChildResult {
  program: "library" | "raw";
  resources: number;
  cpuMs: number;
  peakRssMiB: number;
}

/** Mocks that answer like the test recorder but keep nothing, so both programs pay the same. */
class CountingMocks implements pulumi.runtime.Mocks {
  count = 0;
  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    this.count++;
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

function seedInput() {
  const persona = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), {
    file: "HighTraffic.yaml",
  });
  return { persona, ref: { name: "HighTraffic", version: "1.0.0", digest: DIGEST } };
}

function libraryProgram(): void {
  new PersonaFleet("web", {
    ami: AMI,
    defaultPersona: seedInput(),
    instances: Array.from({ length: INSTANCES }, (_, i) => ({ name: `web-${i + 1}` })),
    firewall: { webAclArn: WEB_ACL },
  });
}

/** The same resources written by hand with @pulumi/aws, as a user without the library would. */
function rawProgram(): void {
  const fleet = "web";
  const tags = { "persona:fleet": fleet };
  const plan = planFleet(fleet, [{ key: "web-1", resolved: withCloudSize(seedInput(), "aws") }], {
    webAcl: true,
  });
  const persona = plan.personas[0]!;
  const feed = plan.feeds[0]!;
  const facts = { partition: "aws", region: "us-east-1", account: "123456789012" };
  const table = new dynamodb.Table("web-state", {
    name: "personas-web-state",
    billingMode: "PAY_PER_REQUEST",
    hashKey: "pk",
    rangeKey: "sk",
    attributes: [
      { name: "pk", type: "S" },
      { name: "sk", type: "S" },
    ],
    ttl: { attributeName: "expiresAt", enabled: true },
    pointInTimeRecovery: { enabled: true },
    tags,
  });
  const manifest = new ssm.Parameter("web-manifest", {
    name: "/personas/web/manifest",
    type: "String",
    tier: "Standard",
    insecureValue: JSON.stringify(buildManifest(plan)),
    description: "pulumi-personas manifest of fleet web (read by its responders)",
    tags,
  });
  const queue = new sqs.Queue("web-failures", {
    name: "personas-web-failures",
    messageRetentionSeconds: 1_209_600,
    sqsManagedSseEnabled: true,
    tags,
  });
  const ipSet = (version: string) =>
    new wafv2.IpSet(
      `web-${feed.id}-${version.toLowerCase()}`,
      {
        name: `personas-web-${feed.id}-${version.toLowerCase()}`,
        description: `pulumi-personas web: ${feed.url}`,
        scope: "REGIONAL",
        ipAddressVersion: version,
        addresses: [],
        tags,
      },
      { ignoreChanges: ["addresses"] },
    );
  const ipv4 = ipSet("IPV4");
  const ipv6 = ipSet("IPV6");
  new wafv2.WebAclRule(`web-${feed.id}-rule`, {
    webAclArn: WEB_ACL,
    name: `personas-web-${feed.id}`,
    priority: 10,
    action: { block: {} },
    statement: {
      orStatement: {
        statements: [
          { ipSetReferenceStatement: { arn: ipv4.arn } },
          { ipSetReferenceStatement: { arn: ipv6.arn } },
        ],
      },
    },
    visibilityConfig: {
      cloudwatchMetricsEnabled: true,
      metricName: `personas-web-${feed.id}`,
      sampledRequestsEnabled: true,
    },
  });
  const functions: Record<string, lambda.Function> = {};
  for (const kind of plan.responders) {
    const fn = `personas-web-${kind}`;
    const role = new iam.Role(`web-${kind}`, {
      name: fn,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
      description: `pulumi-personas web: ${kind} responder`,
      tags,
    });
    const logGroup = new cloudwatch.LogGroup(`web-${kind}`, {
      name: `/aws/lambda/${fn}`,
      retentionInDays: 30,
      tags,
    });
    const policy = new iam.RolePolicy(`web-${kind}`, {
      role: role.id,
      name: fn,
      policy: pulumi
        .all([table.arn, manifest.arn, logGroup.arn, queue.arn, ipv4.arn, ipv6.arn])
        .apply(([t, m, l, q, a, b]) =>
          JSON.stringify(
            responderPolicy({
              ...facts,
              fleet,
              kind,
              stateTableArn: t,
              fleetBucketArn: m,
              logGroupArn: l,
              failureDestinationArn: q,
              wafIpSetArns: kind === "firewall" ? [a, b] : [],
              responderFunctionNames: plan.responders
                .filter((k) => k !== kind)
                .map((k) => `personas-web-${k}`),
              featureDocumentName: "personas-web-feature",
            }),
          ),
        ),
    });
    const variables: Record<string, pulumi.Input<string>> = {
      FLEET_BUCKET: manifest.name,
      STATE_TABLE: table.name,
      FLEET_NAME: fleet,
      FLEET_TAG_KEY: "persona:fleet",
      METRICS_NAMESPACE: "Personas/Responders",
      RESPONDER_KIND: kind,
    };
    if (kind === "feature") variables.FEATURE_PARAMETER_PREFIX = "/personas/web/features";
    if (kind === "firewall")
      variables.WAF_IP_SETS = pulumi.jsonStringify({
        [feed.id]: {
          scope: "REGIONAL",
          ipv4: { id: ipv4.id, name: ipv4.name, arn: ipv4.arn },
          ipv6: { id: ipv6.id, name: ipv6.name, arn: ipv6.arn },
        },
      });
    functions[kind] = new lambda.Function(
      `web-${kind}`,
      {
        name: fn,
        description: `pulumi-personas web: ${kind} responder`,
        runtime: "nodejs22.x",
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({
          "index.js": new pulumi.asset.FileAsset(`dist/runtime/aws/${kind}.js`),
        }),
        role: role.arn,
        memorySize: 256,
        timeout: 600,
        reservedConcurrentExecutions: 10,
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        environment: { variables },
        tags,
      },
      { dependsOn: [policy, logGroup] },
    );
    new lambda.FunctionEventInvokeConfig(`web-${kind}`, {
      functionName: functions[kind]!.name,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destination: queue.arn } },
    });
    if (kind !== "firewall")
      new lambda.Permission(`web-${kind}-alarms`, {
        function: functions[kind]!.name,
        action: "lambda:InvokeFunction",
        principal: "lambda.alarms.cloudwatch.amazonaws.com",
        sourceArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:personas-web-*",
        sourceAccount: "123456789012",
      });
  }
  const schedulerRole = new iam.Role("web-scheduler", {
    name: "personas-web-scheduler",
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    }),
    description: "pulumi-personas web: EventBridge Scheduler invokes the feed responders",
    tags,
  });
  const schedulerPolicy = new iam.RolePolicy("web-scheduler", {
    role: schedulerRole.id,
    name: "personas-web-scheduler",
    policy: pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "InvokeFeedResponders",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction"],
          Resource: [functions.firewall!.arn],
        },
        { Sid: "DeadLetter", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: queue.arn },
      ],
    }),
  });
  new scheduler.Schedule(
    `web-${feed.id}`,
    {
      name: `personas-web-${feed.id}`,
      description: `pulumi-personas web: fetch ${feed.url}`,
      scheduleExpression: feed.scheduleExpression,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: functions.firewall!.arn,
        roleArn: schedulerRole.arn,
        input: JSON.stringify({ source: "personas.feed", fleet, feedId: feed.id }),
        retryPolicy: { maximumRetryAttempts: 0 },
        deadLetterConfig: { arn: queue.arn },
      },
    },
    { dependsOn: [schedulerPolicy] },
  );
  const instanceRole = new iam.Role("web-instance", {
    name: "personas-web-instance",
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
    description: "pulumi-personas web: instances (CloudWatch agent and SSM only)",
    tags,
  });
  const attachments = ["CloudWatchAgentServerPolicy", "AmazonSSMManagedInstanceCore"].map(
    (policy, i) =>
      new iam.RolePolicyAttachment(`web-instance-${i === 0 ? "cloudwatch" : "ssm"}`, {
        role: instanceRole.name,
        policyArn: `arn:aws:iam::aws:policy/${policy}`,
      }),
  );
  const profile = new iam.InstanceProfile(
    "web-instance",
    { name: "personas-web-instance", role: instanceRole.name, tags },
    { dependsOn: attachments },
  );

  // Per instance: the EC2 instance and its two alarms.
  const userData = renderUserData(persona, {
    os: "amazon-linux",
    agent: {
      source: { url: AGENT_URL },
      probeTargets: [{ name: "local-http", kind: "http", url: "http://127.0.0.1/" }],
    },
  });
  const instanceTags = {
    "persona:name": "HighTraffic",
    "persona:version": "1.0.0",
    "persona:digest": DIGEST,
    "persona:active": "HighTraffic",
    "persona:fleet": fleet,
  };
  const alarms = persona.alarms.map((alarm) => ({
    alarm,
    description: alarmDescription(persona, alarm),
    actions: alarm.onAlarm.responders.map((k) => functions[k]!.arn),
  }));
  for (let i = 1; i <= INSTANCES; i++) {
    const key = `web-${i}`;
    const instance = new ec2.Instance(
      `web-${key}`,
      {
        ami: AMI,
        instanceType: persona.compute.size!,
        iamInstanceProfile: profile.name,
        userData,
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
        tags: { Name: key, ...instanceTags },
      },
      { ignoreChanges: ["instanceType", 'tags["persona:active"]'] },
    );
    for (const { alarm, description, actions } of alarms) {
      const spec = alarm.aws;
      new cloudwatch.MetricAlarm(`web-${key}-${alarm.id}`, {
        name: `personas-web-${key}-${alarm.id}`,
        alarmDescription: description,
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
        alarmActions: actions,
        okActions: actions,
      });
    }
  }
}

async function child(program: "library" | "raw"): Promise<void> {
  const mocks = new CountingMocks();
  await pulumi.runtime.setMocks(mocks, "bench", "bench", false);
  const start = process.cpuUsage();
  if (program === "library") libraryProgram();
  else rawProgram();
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
  const used = process.cpuUsage(start);
  const result: ChildResult = {
    program,
    resources: mocks.count,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(program: "library" | "raw"): ChildResult {
  const out = spawnSync(process.execPath, [__filename, "--child", program], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: { ...process.env },
  });
  if (out.status !== 0) throw new Error(`${program} run failed (${out.status}): ${out.stderr}`);
  const line = out.stdout.trim().split("\n").pop()!;
  return JSON.parse(line) as ChildResult;
}

function main(): void {
  const results: Record<"library" | "raw", ChildResult[]> = { library: [], raw: [] };
  for (let i = 0; i < RUNS; i++)
    for (const program of i % 2 === 0 ? (["library", "raw"] as const) : (["raw", "library"] as const)) {
      const result = runChild(program);
      results[program].push(result);
      console.log(
        `  ${program}: ${fmt(result.cpuMs)} ms CPU, ${fmt(result.peakRssMiB)} MiB peak, ${result.resources} resources`,
      );
    }
  const cpu = (p: "library" | "raw") => median(results[p].map((r) => r.cpuMs));
  const rss = (p: "library" | "raw") => median(results[p].map((r) => r.peakRssMiB));
  const cpuRatio = cpu("library") / cpu("raw");
  const rssRatio = rss("library") / rss("raw");
  const perInstance =
    1 +
    planFleet("web", [{ key: "x", resolved: withCloudSize(seedInput(), "aws") }], { webAcl: true })
      .personas[0]!.alarms.length;
  writeSection(
    "aws-fleet",
    `## AWS fleet: PersonaFleet vs a raw @pulumi/aws program (${fmt(INSTANCES)} instances, seed persona)

${machineLine()}

Both programs run under Pulumi's mock engine (\`pulumi.runtime.setMocks\`), each in its own process,
alternating, ${RUNS} runs each; medians. CPU time is user + system of the program until every
registration is answered; memory is the process's peak RSS. The raw program registers the same
resources with the same names and inputs by hand (no component).

| program | resources | CPU time (ms) | peak RSS (MiB) |
| --- | ---: | ---: | ---: |
| raw @pulumi/aws | ${fmt(results.raw[0]!.resources)} | ${fmt(cpu("raw"))} | ${fmt(rss("raw"))} |
| PersonaFleet | ${fmt(results.library[0]!.resources)} | ${fmt(cpu("library"))} | ${fmt(rss("library"))} |
| **ratio** | | **${fmt(cpuRatio, 2)}×** | **${fmt(rssRatio, 2)}×** |

Target: at most 1.10× in time and memory. Resources: ${perInstance} per instance (the instance and one
alarm per trigger), ${fmt(results.library[0]!.resources - perInstance * INSTANCES)} per fleet including the
PersonaFleet component.`,
  );
}

if (process.argv[2] === "--child") void child(process.argv[3] as "library" | "raw");
else main();
