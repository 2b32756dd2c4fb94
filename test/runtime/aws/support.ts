/**
 * Test doubles for the responder unit tests: an EC2 instance that behaves like AWS (state
 * transitions over several polls, IncorrectInstanceState on a type change while not stopped,
 * injectable faults), a DynamoDB table that enforces the conditional writes the state store uses,
 * a fleet manifest with one persona, and the fleet's resize state machine as Step Functions answers
 * about it (executions named, started idempotently, described). Wired into aws-sdk-client-mock by
 * `installMocks`. The state machine's own behaviour is tested on moto (resize-workflow.test.ts).
 */

import {
  CloudWatchClient,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  PutItemCommand,
  type PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  type _InstanceType,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeSpotInstanceRequestsCommand,
  EC2Client,
  EC2ServiceException,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateBucketCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  type ExecutionStatus,
  InvalidToken,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { parsePersona } from "../../../src/pdl/parse.js";
import {
  alarmDescription,
  buildManifest,
  type FeedEnforcement,
  FLEET_STORE_KEYS,
  type FleetManifest,
  type FleetMembers,
  manifestEntries,
} from "../../../src/plan/manifest.js";
import { alarmName, fleetResourceName } from "../../../src/plan/names.js";
import { type FleetPlan, type PersonaPlan, planFleet } from "../../../src/plan/plan.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../../../src/plan/tags.js";
import { contentDigest } from "../../../src/repository/digest.js";

/**
 * The persona every responder test runs: one trigger per responder kind, named so tests read as
 * the behaviour they check. Fixtures below are built from it by the planner and the renderer's own
 * functions (digest, manifest, alarm names and descriptions), never typed by hand.
 */
export const TEST_PERSONA_TEXT = `Name: WebBase
Version: "1.0.0"
Description: The responder tests' persona.
BaseConfiguration:
    CPU: 2 cores
    Memory: 8 GB
Features:
    - Name: CDN caching
      Activate: enable-cdn
      Deactivate: disable-cdn
AutomatedResponses:
    - Name: scale-out
      Action:
        - Scale up to 8 cores
        - "Notify ops: CPU high"
      Cooldown: 5 minutes
    - Name: threat-scale
      Action: Scale up to 8 cores
    - Name: lockdown
      Action:
        - Shift persona to LockedDown@^1
        - Activate CDN caching
      Cooldown: 1 hour
TelemetryTriggers:
    - Name: cpu-high
      Condition: CPU Load > 80% for 5 minutes
      Response: scale-out
      Clear: CPU Load < 40% for 5 minutes
      ClearAction: Scale back to baseline
    - Name: mem-high
      Condition: Memory Utilization > 90% for 5 minutes
      Action: Scale up to 16 cores
    - Name: attack
      Condition: Network Latency > 100ms
      Response: lockdown
      Clear: after 10 minutes
    - Name: cache-on
      Condition: Network Latency > 200ms
      Action: Activate CDN caching
      Cooldown: 0 seconds
      Clear: after 10 minutes
    - Name: patch
      Condition: Disk Utilization > 90% for 5 minutes
      Action: Run command "systemctl reload nginx"
      Cooldown: 0 seconds
    - Name: hook
      Condition: CPU Load > 95% for 5 minutes
      Action: Invoke function web-hook
      Cooldown: 0 seconds
ExternalDataSources:
    - Name: threat
      URL: "https://threat.example/level.json"
      Frequency: 5 minutes
      Condition: "$.threat.level >= 4"
      Response: threat-scale
      Clear: after 10 minutes
Bounds:
    MaxCPU: 16 cores
    MaxActionsPerHour: 6
`;

/** The fleet the responder tests serve. */
export const FLEET = "web";
/** The fleet member key of the test instance (the middle of its stack alarm names). */
export const MEMBER_KEY = "web-1";
export const INSTANCE = "i-0123456789abcdef0";
/** The fleet store bucket the tests' responders read. */
export const FLEET_BUCKET = "personas-web-store";
/** The stack that deployed the test fleet: part of its physical names (src/plan/names.ts). */
export const STACK = "prod";
const ACCOUNT_ARN = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:";
/** The state machine's physical name, as the components give it (src/aws/resize-workflow.ts). */
export const RESIZE_STATE_MACHINE_NAME = fleetResourceName({ fleet: FLEET, stack: STACK }, "resize", 80);
/** The ARN of the fleet's resize state machine. */
export const RESIZE_STATE_MACHINE = `arn:aws:states:us-east-1:111122223333:stateMachine:${RESIZE_STATE_MACHINE_NAME}`;

const testPersona = parsePersona(TEST_PERSONA_TEXT, { file: "WebBase.yaml" });
/** The test persona's digest, as the repository computes it (`sha256:<hex>`). */
export const DIGEST = contentDigest(testPersona);

/** The planned fleet of one member with the test persona, on m7i.large. */
export function testFleetPlan(): FleetPlan {
  return planFleet(
    FLEET,
    [
      {
        key: MEMBER_KEY,
        resolved: {
          persona: testPersona,
          ref: { name: testPersona.name, version: testPersona.version ?? "1.0.0", digest: DIGEST },
          size: { cloud: "aws", name: "m7i.large" },
        },
      },
    ],
    { webAcl: false, networkAcl: false },
  );
}

/** The test persona's plan. */
export function testPersonaPlan(): PersonaPlan {
  return testFleetPlan().personas[0]!;
}

/** The fleet manifest the components write for {@link testFleetPlan}. */
export function testManifest(): FleetManifest {
  return buildManifest(testFleetPlan());
}

/** The membership record the components write for the test member (or for `instanceId`). */
export function testMembers(instanceId: string = INSTANCE): FleetMembers {
  return { version: 1, fleet: FLEET, members: { [instanceId]: { key: MEMBER_KEY, digest: DIGEST } } };
}

/**
 * The fleet store's objects as the components write them (src/aws/store.ts): one per persona and
 * feed, the whole manifest and the membership record; `enforcement` adds where list feeds are enforced.
 */
export function storeObjects(
  manifest: FleetManifest,
  members: FleetMembers,
  enforcement: Record<string, FeedEnforcement> = {},
): Map<string, string> {
  const objects = new Map<string, string>();
  for (const [key, entry] of manifestEntries(manifest)) {
    const where = "feedId" in entry ? enforcement[entry.feedId] : undefined;
    objects.set(key, JSON.stringify(where === undefined ? entry : { ...entry, enforcement: where }));
  }
  // The whole manifest too, as the components write it (the orchestrator pins digests with it).
  objects.set(FLEET_STORE_KEYS.fleet, JSON.stringify(manifest));
  objects.set(FLEET_STORE_KEYS.members, JSON.stringify(members));
  return objects;
}

/** Creates the fleet store bucket (moto) and writes `objects` into it. */
export async function putFleetStore(s3: S3Client, objects: Map<string, string>): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: FLEET_BUCKET }));
  } catch (error) {
    if ((error as Error).name !== "BucketAlreadyOwnedByYou") throw error;
  }
  for (const [Key, Body] of objects) await s3.send(new PutObjectCommand({ Bucket: FLEET_BUCKET, Key, Body }));
}

/** moto's account, as alarm ARNs there carry it. */
export const MOTO_ACCOUNT = "123456789012";

/**
 * Creates the test member's stack alarms in CloudWatch (moto) as the components do: their names,
 * descriptions, InstanceId dimension and owner tags, with the metric settings the plan gives.
 */
export async function putStackAlarms(
  cloudwatch: CloudWatchClient,
  instanceId: string,
  key: string = MEMBER_KEY,
  plan: PersonaPlan = testPersonaPlan(),
): Promise<void> {
  for (const alarm of plan.alarms) {
    const spec = alarm.aws;
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: testAlarmName(alarm.id, key),
        AlarmDescription: alarmDescription(plan, alarm),
        Namespace: spec.namespace,
        MetricName: spec.metricName,
        Statistic: spec.statistic,
        Dimensions: [{ Name: "InstanceId", Value: instanceId }],
        Period: spec.period,
        EvaluationPeriods: spec.evaluationPeriods,
        DatapointsToAlarm: spec.datapointsToAlarm,
        Threshold: spec.threshold,
        ComparisonOperator: spec.comparisonOperator,
        TreatMissingData: spec.treatMissingData,
        Tags: STACK_ALARM_TAGS,
      }),
    );
  }
}

/** Launches one instance on moto (from its first image) with `tags`; returns the instance id. */
export async function launchMotoInstance(
  ec2: EC2Client,
  tags: Record<string, string>,
  instanceType: _InstanceType = "m7i.large",
): Promise<string> {
  const images = await ec2.send(new DescribeImagesCommand({}));
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: images.Images![0]!.ImageId!,
      InstanceType: instanceType,
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        { ResourceType: "instance", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      ],
    }),
  );
  return run.Instances![0]!.InstanceId!;
}

/** Creates the responders' state table (moto) as the components define it: `pk`, `sk` strings. */
export async function createStateTable(ddb: DynamoDBClient, tableName: string): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
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
}

/** The tags the components put on every stack alarm of the fleet. */
export const STACK_ALARM_TAGS = [
  { Key: ALARM_OWNER_TAG, Value: "stack" },
  { Key: PERSONA_TAGS.fleet, Value: FLEET },
];

/** The name the components give the test member's alarm `alarmId`. */
export function testAlarmName(alarmId: string, key: string = MEMBER_KEY): string {
  return alarmName({ fleet: FLEET, stack: STACK }, key, alarmId);
}

/** The ARN of that alarm. */
export const ALARM_ARN = `${ACCOUNT_ARN}${testAlarmName("cpu-high")}`;

/** The description the components give the test persona's alarm `alarmId`. */
export function testAlarmDescription(alarmId: string): string {
  const plan = testPersonaPlan();
  const alarm = plan.alarms.find((a) => a.id === alarmId);
  if (alarm === undefined) throw new Error(`the test persona has no alarm '${alarmId}'`);
  return alarmDescription(plan, alarm);
}

/** The CloudWatch alarm → Lambda event for one of the test member's alarms, as the components name it. */
export function alarmEvent(
  alarmId: string,
  options: {
    state?: "ALARM" | "OK" | "INSUFFICIENT_DATA";
    /** The state before. @default ALARM for an event to OK (a recovery, or a clear watcher's clear), else OK */
    previousState?: "ALARM" | "OK" | "INSUFFICIENT_DATA";
    timestamp?: string;
    instanceId?: string;
    description?: string;
    /** The alarm's name. @default the components' name for the test member */
    alarmName?: string;
    /** The account in the alarm's ARN. @default "111122223333" */
    account?: string;
  } = {},
) {
  const name = options.alarmName ?? testAlarmName(alarmId);
  const account = options.account ?? "111122223333";
  return {
    source: "aws.cloudwatch",
    alarmArn: `${ACCOUNT_ARN.replace("111122223333", account)}${name}`,
    accountId: account,
    time: "2025-01-09T11:37:48.000+0000",
    region: "us-east-1",
    alarmData: {
      alarmName: name,
      state: {
        value: options.state ?? "ALARM",
        reason: "Threshold Crossed",
        timestamp: options.timestamp ?? "2025-01-09T11:37:48.000+0000",
      },
      previousState: {
        value: options.previousState ?? (options.state === "OK" ? "ALARM" : "OK"),
        reason: "Threshold not crossed",
        timestamp: "2025-01-09T10:00:00.000+0000",
      },
      configuration: {
        description: options.description ?? testAlarmDescription(alarmId),
        metrics: [
          {
            id: "m1",
            metricStat: {
              metric: {
                namespace: "AWS/EC2",
                name: "CPUUtilization",
                dimensions: { InstanceId: options.instanceId ?? INSTANCE },
              },
              period: 60,
              stat: "Average",
            },
            returnData: true,
          },
        ],
      },
    },
  };
}

/** The environment the unit tests give the responders. */
export const TEST_ENV = {
  FLEET_BUCKET,
  STATE_TABLE: "web-state",
  FLEET_NAME: "web",
  STACK_NAME: STACK,
  RESIZE_STATE_MACHINE_ARN: RESIZE_STATE_MACHINE,
  RESIZE_TIMEOUT_SECONDS: "9300",
  SCALE_WAIT_SECONDS: "6",
  POLL_SECONDS: "1",
  SNS_TOPICS: JSON.stringify({ ops: "arn:aws:sns:us-east-1:111122223333:ops" }),
};

/** An AWS error as the SDK raises it. */
export function awsError(name: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: 400 }, message });
}

type Fault = Error | undefined;

/** A Spot request: its id, Type (`one-time`, `persistent`) and InstanceInterruptionBehavior. */
export interface SpotRequest {
  id: string;
  type: string;
  interruption: string;
}

/** One EC2 instance that changes state the way AWS does: over several polls. */
export class FakeInstance {
  state = "running";
  type = "m7i.large";
  tags: Record<string, string> = {
    "persona:fleet": "web",
    "persona:name": "WebBase",
    "persona:active": "WebBase",
  };
  /** Calls received, in order (`stop`, `stop(force)`, `modify:<type>`, `start`, `tags`). */
  readonly calls: string[] = [];
  /** Faults thrown by the next calls of each kind, in order (undefined: no fault for that call). */
  readonly faults: { stop: Fault[]; modify: Fault[]; start: Fault[] } = { stop: [], modify: [], start: [] };
  /** Stays in `stopping` until a forced stop. */
  stuckStopping = false;
  /** RootDeviceType. */
  rootDeviceType = "ebs";
  /** InstanceLifecycle (`spot`), absent for On-Demand. */
  lifecycle: string | undefined;
  /** The Spot request, for a Spot instance: its Type and InstanceInterruptionBehavior. */
  spotRequest: SpotRequest | undefined;
  /** Instance types whose InstanceStorageSupported is true (DescribeInstanceTypes). */
  readonly instanceStoreTypes = new Set(["m7i.large-with-store", "m5d.large"]);
  private countdown = 0;

  describe() {
    if (this.state === "stopping" && !(this.stuckStopping && !this.calls.includes("stop(force)"))) {
      if (--this.countdown <= 0) this.state = "stopped";
    } else if (this.state === "pending" && --this.countdown <= 0) this.state = "running";
    return {
      Reservations: [
        {
          Instances: [
            {
              InstanceId: INSTANCE,
              InstanceType: this.type,
              State: { Name: this.state },
              RootDeviceType: this.rootDeviceType,
              ...(this.lifecycle ? { InstanceLifecycle: this.lifecycle } : {}),
              ...(this.spotRequest ? { SpotInstanceRequestId: this.spotRequest.id } : {}),
              Tags: Object.entries(this.tags).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        },
      ],
    } as never;
  }

  stop(force: boolean) {
    this.calls.push(force ? "stop(force)" : "stop");
    const fault = this.faults.stop.shift();
    if (fault) throw fault;
    if (this.state === "running" || this.state === "pending") {
      this.state = "stopping";
      this.countdown = 2;
    }
    return {} as never;
  }

  modify(type: string) {
    this.calls.push(`modify:${type}`);
    const fault = this.faults.modify.shift();
    if (fault) throw fault;
    if (this.state !== "stopped") {
      throw awsError("IncorrectInstanceState", `The instance '${INSTANCE}' is not in the 'stopped' state.`);
    }
    this.type = type;
    return {} as never;
  }

  start() {
    this.calls.push("start");
    const fault = this.faults.start.shift();
    if (fault) throw fault;
    if (this.state === "stopped") {
      this.state = "pending";
      this.countdown = 2;
    }
    return {} as never;
  }
}

/** One execution of the resize state machine. */
export interface FakeExecution {
  arn: string;
  name: string;
  input: Record<string, unknown>;
  status: ExecutionStatus;
  error?: string;
  cause?: string;
}

/** The fleet's resize state machine as Step Functions answers about it (no execution runs here). */
export class FakeWorkflow {
  readonly executions: FakeExecution[] = [];

  /** StartExecution: idempotent for the same name and input while running, ExecutionAlreadyExists otherwise. */
  start(stateMachineArn: string, name: string, input: string) {
    if (stateMachineArn !== RESIZE_STATE_MACHINE)
      throw new Error(`unexpected state machine ${stateMachineArn}`);
    const arn = `${RESIZE_STATE_MACHINE.replace(":stateMachine:", ":execution:")}:${name}`;
    const existing = this.executions.find((e) => e.name === name);
    if (existing) {
      if (existing.status === "RUNNING" && JSON.stringify(existing.input) === input)
        return { executionArn: arn };
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, $metadata: {} });
    }
    this.executions.push({ arn, name, input: JSON.parse(input), status: "RUNNING" });
    return { executionArn: arn, startDate: new Date() };
  }

  /** Ends the last execution. */
  end(status: ExecutionStatus, error?: string, cause?: string) {
    const last = this.executions[this.executions.length - 1]!;
    Object.assign(last, { status, ...(error ? { error } : {}), ...(cause ? { cause } : {}) });
  }
}

/** A DynamoDB table enforcing the two conditions the state store writes with. */
export class FakeTable {
  readonly items = new Map<string, Record<string, unknown>>();

  get(input: GetItemCommandInput) {
    const item = this.items.get(`${input.Key?.pk?.S}|${input.Key?.sk?.S}`);
    return { Item: item === undefined ? undefined : structuredClone(item) } as never;
  }

  put(input: PutItemCommandInput) {
    const key = `${input.Item?.pk?.S}|${input.Item?.sk?.S}`;
    const existing = this.items.get(key) as { version?: { N: string } } | undefined;
    const condition = input.ConditionExpression;
    const fails =
      (condition === "attribute_not_exists(pk)" && existing !== undefined) ||
      (condition === "#version = :version" &&
        existing?.version?.N !== input.ExpressionAttributeValues?.[":version"]?.N);
    if (fails)
      throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
    this.items.set(key, structuredClone(input.Item as Record<string, unknown>));
    return {} as never;
  }

  /** Audit records, oldest first. */
  audits(): Record<string, string>[] {
    return [...this.items.entries()]
      .filter(([key]) => key.startsWith("audit#"))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, item]) =>
        Object.fromEntries(
          Object.entries(item).map(([k, v]) => [
            k,
            (v as { S?: string; N?: string }).S ?? (v as { N: string }).N,
          ]),
        ),
      );
  }
}

/** Yields to other pending work, so concurrent invocations interleave as they would against AWS. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Installs client mocks for EC2, DynamoDB, SSM, S3 (the fleet store, built from `state.manifest` and
 * `state.members` at each read) and CloudWatch (alarm tags, `state.alarmTags`) backed by the fakes;
 * call `restore()` after the file.
 */
export function installMocks(manifest: FleetManifest = testManifest()) {
  const ec2 = mockClient(EC2Client);
  const ddb = mockClient(DynamoDBClient);
  const ssm = mockClient(SSMClient);
  const s3 = mockClient(S3Client);
  const cloudwatch = mockClient(CloudWatchClient);
  const sfn = mockClient(SFNClient);
  const state = {
    instance: new FakeInstance(),
    table: new FakeTable(),
    manifest,
    members: testMembers(),
    enforcement: {} as Record<string, FeedEnforcement>,
    alarmTags: STACK_ALARM_TAGS,
    workflow: new FakeWorkflow(),
    manifestReads: 0,
    /** The account's Spot requests other than the test instance's, listed before it. */
    otherSpotRequests: [] as SpotRequest[],
  };
  const reset = () => {
    ec2.reset();
    ddb.reset();
    ssm.reset();
    s3.reset();
    cloudwatch.reset();
    sfn.reset();
    state.instance = new FakeInstance();
    state.table = new FakeTable();
    state.workflow = new FakeWorkflow();
    state.manifestReads = 0;
    state.members = testMembers();
    state.alarmTags = STACK_ALARM_TAGS;
    state.otherSpotRequests = [];
    sfn.on(StartExecutionCommand).callsFake(async (input) => {
      await tick();
      return state.workflow.start(input.stateMachineArn, input.name, input.input);
    });
    // ListExecutions (Step Functions API reference): most recent first, at most `maxResults` (default
    // 100) per page, and a `nextToken` while more remain; a token that is not one it gave is InvalidToken.
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html
    sfn.on(ListExecutionsCommand).callsFake(async (input) => {
      const matching = state.workflow.executions
        .filter((e) => input.statusFilter === undefined || e.status === input.statusFilter)
        .reverse();
      const from = input.nextToken === undefined ? 0 : Number(input.nextToken.replace(/^page-at-/, ""));
      if (input.nextToken !== undefined && !/^page-at-[0-9]+$/.test(input.nextToken))
        throw new InvalidToken({ message: `Invalid Token: '${input.nextToken}'`, $metadata: {} });
      const to = from + (input.maxResults ?? 100);
      return {
        executions: matching.slice(from, to).map((e) => ({
          executionArn: e.arn,
          stateMachineArn: RESIZE_STATE_MACHINE,
          name: e.name,
          status: e.status,
          startDate: new Date(0),
        })),
        ...(to < matching.length ? { nextToken: `page-at-${to}` } : {}),
      };
    });
    sfn.on(DescribeExecutionCommand).callsFake(async (input) => {
      const found = state.workflow.executions.find((e) => e.arn === input.executionArn)!;
      return {
        executionArn: found.arn,
        name: found.name,
        status: found.status,
        error: found.error,
        cause: found.cause,
      };
    });
    ec2.on(DescribeInstanceTypesCommand).callsFake(async (input) => ({
      InstanceTypes: (input.InstanceTypes ?? []).map((t: string) =>
        state.instance.instanceStoreTypes.has(t)
          ? { InstanceType: t, InstanceStorageSupported: true, InstanceStorageInfo: { TotalSizeInGB: 118 } }
          : { InstanceType: t, InstanceStorageSupported: false },
      ),
    }));
    // DescribeSpotInstanceRequests (EC2 API reference): the requests named by SpotInstanceRequestIds,
    // or every request of the account when none is named; a named request that does not exist is
    // InvalidSpotInstanceRequestID.NotFound.
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSpotInstanceRequests.html
    ec2.on(DescribeSpotInstanceRequestsCommand).callsFake(async (input) => {
      const all = [
        ...state.otherSpotRequests,
        ...(state.instance.spotRequest ? [state.instance.spotRequest] : []),
      ];
      const ids = input.SpotInstanceRequestIds ?? [];
      const missing = ids.find((id: string) => !all.some((r) => r.id === id));
      if (missing !== undefined)
        throw awsError(
          "InvalidSpotInstanceRequestID.NotFound",
          `The spot instance request ID '${missing}' does not exist`,
        );
      return {
        SpotInstanceRequests: all
          .filter((r) => ids.length === 0 || ids.includes(r.id))
          .map((r) => ({
            SpotInstanceRequestId: r.id,
            Type: r.type,
            InstanceInterruptionBehavior: r.interruption,
          })),
      };
    });
    ec2.on(DescribeInstancesCommand).callsFake(async () => {
      await tick();
      return state.instance.describe();
    });
    ec2.on(StopInstancesCommand).callsFake(async (input) => {
      await tick();
      return state.instance.stop(input.Force === true);
    });
    ec2.on(ModifyInstanceAttributeCommand).callsFake(async (input) => {
      await tick();
      return state.instance.modify(input.InstanceType.Value);
    });
    ec2.on(StartInstancesCommand).callsFake(async () => {
      await tick();
      return state.instance.start();
    });
    ec2.on(CreateTagsCommand).callsFake(async (input) => {
      state.instance.calls.push("tags");
      for (const tag of input.Tags ?? []) state.instance.tags[tag.Key] = tag.Value;
      return {};
    });
    ddb.on(GetItemCommand).callsFake(async (input) => {
      await tick();
      return state.table.get(input);
    });
    ddb.on(PutItemCommand).callsFake(async (input) => {
      await tick();
      return state.table.put(input);
    });
    s3.on(GetObjectCommand).callsFake(async (input) => {
      if (input.Bucket !== FLEET_BUCKET) throw new Error(`unexpected bucket ${input.Bucket}`);
      const text = storeObjects(state.manifest, state.members, state.enforcement).get(input.Key);
      if (text === undefined)
        throw new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} });
      if (input.Key !== FLEET_STORE_KEYS.members) state.manifestReads++;
      return { Body: { transformToString: async () => text } } as never;
    });
    cloudwatch.on(ListTagsForResourceCommand).callsFake(async () => ({ Tags: state.alarmTags }));
  };
  reset();
  return {
    state,
    ec2,
    ddb,
    ssm,
    s3,
    cloudwatch,
    sfn,
    reset,
    restore() {
      ec2.restore();
      ddb.restore();
      ssm.restore();
      s3.restore();
      cloudwatch.restore();
      sfn.restore();
    },
  };
}
