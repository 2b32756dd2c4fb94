/**
 * Fixtures of the orchestrator's moto tests: the embedded personas published to a bucket, a fleet
 * mapping, the responders' state table, and EC2 instances tagged as a stack (or a person) would.
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { FLEET_STORE_KEYS, type FleetMembers } from "../../../../src/plan/manifest.js";
import { planPersona } from "../../../../src/plan/plan.js";
import { PersonaRepository } from "../../../../src/repository/repository.js";
import { S3PersonaRepository } from "../../../../src/repository/s3.js";
import { parseMapping } from "../../../../src/resolve/mapping.js";
import { createResolutionContext, resolveInstance } from "../../../../src/resolve/resolve.js";
import { GuardStore } from "../../../../src/runtime/aws/state.js";
import { motoClientConfig } from "../../../support/moto.js";
import { createStateTable, FLEET_BUCKET } from "../support.js";

export const FLEET = "web";
/** The stack the fleet was deployed by (STACK_NAME): part of every name the orchestrator writes. */
export const STACK = "prod";
export const BUCKET = "personas-repo";
export const TABLE = "web-state";
export const SCALE_FUNCTION = "personas-web-scale";
export const RESPONDER_ARNS = {
  scale: "arn:aws:lambda:us-east-1:123456789012:function:personas-web-scale",
  notify: "arn:aws:lambda:us-east-1:123456789012:function:personas-web-notify",
  "shift-persona": "arn:aws:lambda:us-east-1:123456789012:function:personas-web-shift-persona",
  feature: "arn:aws:lambda:us-east-1:123456789012:function:personas-web-feature",
  firewall: "arn:aws:lambda:us-east-1:123456789012:function:personas-web-firewall",
  "run-command": "arn:aws:lambda:us-east-1:123456789012:function:personas-web-run-command",
  "invoke-function": "arn:aws:lambda:us-east-1:123456789012:function:personas-web-invoke-function",
  "value-feed": "arn:aws:lambda:us-east-1:123456789012:function:personas-web-value-feed",
};

/**
 * The fleet's mapping: role → persona, and a second key that can conflict with role=web. It sets
 * runtimeVersions, since these tests apply personas the (absent) stack did not deploy; the pinning
 * tests publish it without (security.test.ts).
 */
export const MAPPING = `defaultPersona: WebBase@^1
runtimeVersions: true
rules:
  - id: web
    match: { role: web }
    persona: HighTraffic@^1.2
  - id: api
    match: { role: api }
    persona: ApiServer@^2
  - id: edge
    match: { zone: edge }
    persona: LockedDown@^1
`;

/** The orchestrator's environment in the tests. */
export const ENV = {
  FLEET_NAME: FLEET,
  FLEET_BUCKET,
  STACK_NAME: STACK,
  REPOSITORY_BUCKET: BUCKET,
  STATE_TABLE: TABLE,
  SCALE_FUNCTION,
  RESPONDER_ARNS: JSON.stringify(RESPONDER_ARNS),
  AGENT_OPTIONS: JSON.stringify({
    // The agent object the fleet component uploads to its own bucket (content-addressed key).
    source: {
      bucket: "personas-web-agent",
      key: "agent/personas-agent-0123456789abcdef.cjs",
      // fixture-guard: the uploaded agent object's checksum, not a persona digest
      sha256: "ab".repeat(32),
    },
    probeTargets: [{ name: "web", kind: "http", url: "http://127.0.0.1/health" }],
    logFiles: [{ name: "nginx", path: "/var/log/nginx/access.log", format: "nginx" }],
  }),
};

export const embedded = PersonaRepository.fromDirectory("personas");

/** The digest and alarm ids of the persona the mapping gives these tags (what a stack would deploy). */
export function expected(tags: Record<string, string>) {
  const context = createResolutionContext(embedded, parseMapping(MAPPING));
  const resolved = resolveInstance({ id: "expected", tags }, context, { cloud: "aws" });
  const plan = planPersona(resolved);
  return {
    name: plan.persona.name,
    version: plan.persona.version,
    digest: plan.persona.digest,
    size: plan.compute.size,
    alarmIds: plan.alarms.map((a) => a.id),
    plan,
    /** The resolution, as a component's `defaultPersona`. */
    resolved,
  };
}

/** Clients pointed at moto. */
export function motoClients() {
  const config = motoClientConfig();
  return {
    config,
    s3: new S3Client(config),
    ec2: new EC2Client(config),
    ddb: new DynamoDBClient(config),
    cloudwatch: new CloudWatchClient(config),
  };
}

/** Publishes the embedded personas and the mapping, and creates the state table. */
export async function prepareAccount(clients: ReturnType<typeof motoClients>): Promise<void> {
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await clients.s3.send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: "Enabled" } }),
  );
  await new S3PersonaRepository({ client: clients.s3, bucket: BUCKET }).publish(embedded);
  await clients.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: `mappings/${FLEET}.yaml`, Body: MAPPING }),
  );
  // The fleet store, with a membership record that lists no instance yet (see `launch`).
  await clients.s3.send(new CreateBucketCommand({ Bucket: FLEET_BUCKET }));
  await writeMembers(clients, { version: 1, fleet: FLEET, members: {} });
  await createStateTable(clients.ddb, TABLE);
}

/** Launches `count` instances of type t3.micro with `tags` (plus the fleet tag); returns their ids. */
async function writeMembers(clients: ReturnType<typeof motoClients>, record: FleetMembers): Promise<void> {
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: FLEET_BUCKET,
      Key: FLEET_STORE_KEYS.members,
      Body: JSON.stringify(record),
    }),
  );
}

/** The membership record in the fleet store. */
export async function readMembers(clients: ReturnType<typeof motoClients>): Promise<FleetMembers> {
  const object = await clients.s3.send(
    new GetObjectCommand({ Bucket: FLEET_BUCKET, Key: FLEET_STORE_KEYS.members }),
  );
  return JSON.parse(await object.Body!.transformToString()) as FleetMembers;
}

/**
 * Launches instances with the fleet tag and `tags`. Unless `member` is false, the stack's
 * membership record lists them too (key = instance id, digest = `member` when it is a digest, else
 * their `persona:digest` tag or the fleet's default persona's), as `pulumi up` writes it; a
 * non-member carries the fleet tag only.
 */
export async function launch(
  clients: ReturnType<typeof motoClients>,
  tags: Record<string, string>,
  count = 1,
  member: boolean | string = true,
): Promise<string[]> {
  const images = await clients.ec2.send(new DescribeImagesCommand({}));
  const out = await clients.ec2.send(
    new RunInstancesCommand({
      ImageId: images.Images![0]!.ImageId!,
      InstanceType: "t3.micro",
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [
        {
          ResourceType: "instance",
          Tags: Object.entries({ "persona:fleet": FLEET, ...tags }).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    }),
  );
  const ids = out.Instances!.map((i) => i.InstanceId!);
  if (member !== false) {
    const record = await readMembers(clients);
    const digest = typeof member === "string" ? member : (tags["persona:digest"] ?? expected({}).digest);
    for (const id of ids) record.members[id] = { key: id, digest };
    await writeMembers(clients, record);
  }
  return ids;
}

/** Every alarm of the fleet, sorted by name. */
export async function fleetAlarms(cloudwatch: CloudWatchClient): Promise<MetricAlarm[]> {
  const out: MetricAlarm[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: `personas-${FLEET}_${STACK}_`, NextToken: token }),
    );
    out.push(...(result.MetricAlarms ?? []));
    token = result.NextToken;
    if (token === undefined) break;
  }
  return out.sort((a, b) => a.AlarmName!.localeCompare(b.AlarmName!));
}

/** The alarm names of one instance's run-time alarms, sorted. */
export async function runtimeAlarmNames(cloudwatch: CloudWatchClient, instanceId: string): Promise<string[]> {
  const all = await fleetAlarms(cloudwatch);
  return all
    .map((a) => a.AlarmName!)
    .filter((n) => n.startsWith(`personas-${FLEET}_${STACK}_runtime-${instanceId}-`));
}

/** The tags of an alarm, as a record. */
export async function alarmTags(cloudwatch: CloudWatchClient, arn: string): Promise<Record<string, string>> {
  const out = await cloudwatch.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
  return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key!, t.Value!]));
}

/** Records a persona shift as the shift responder does (its store, its document), so the orchestrator accepts it. */
export async function recordShift(
  ddb: DynamoDBClient,
  instanceId: string,
  previous: string,
  current: string,
): Promise<void> {
  const at = Date.parse("2026-12-06T10:00:00Z");
  await new GuardStore(ddb, TABLE).writeDocument(
    `persona#${instanceId}`,
    "previous",
    { previous, current, at },
    at,
  );
}
