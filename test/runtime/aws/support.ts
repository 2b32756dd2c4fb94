/**
 * Test doubles for the responder unit tests: an EC2 instance that behaves like AWS (state
 * transitions over several polls, IncorrectInstanceState on a type change while not stopped,
 * injectable faults), a DynamoDB table that enforces the conditional writes the state store uses,
 * and a fleet manifest with one persona. Wired into aws-sdk-client-mock by `installMocks`.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  PutItemCommand,
  type PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import type { FleetManifest } from "../../../src/plan/manifest.js";

export const DIGEST = "a1".repeat(32);
export const INSTANCE = "i-0123456789abcdef0";
export const MANIFEST_PARAMETER = "/personas/web/manifest";
export const ALARM_ARN = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:web-WebBase-cpu-high";

/** The manifest the tests use: WebBase, baseline m7i.large, bounded at 16 vCPU. */
export function testManifest(): FleetManifest {
  return {
    version: 1,
    fleet: "web",
    personas: {
      [DIGEST]: {
        name: "WebBase",
        version: "1.0.0",
        baselineSize: "m7i.large",
        bounds: { maxCpu: 16 },
        guards: { maxActionsPerHour: 6, defaultCooldownSeconds: 300, lockTtlSeconds: 900 },
        responses: {
          "cpu-high": {
            actions: [
              { kind: "scale", cpu: 8 },
              { kind: "notify", target: "ops" },
            ],
            clearActions: [{ kind: "scale", baseline: true }],
            responders: ["scale", "notify"],
            cooldownSeconds: 300,
            maxActionsPerHour: 6,
          },
          huge: {
            actions: [{ kind: "scale", cpu: 32 }],
            clearActions: [{ kind: "scale", baseline: true }],
            responders: ["scale"],
            cooldownSeconds: 0,
            maxActionsPerHour: 6,
          },
          lockdown: {
            actions: [
              { kind: "shift-persona", persona: "LockedDown@^1" },
              { kind: "activate-feature", feature: "cdn-caching" },
            ],
            clearActions: [
              { kind: "shift-persona", previous: true },
              { kind: "deactivate-feature", feature: "cdn-caching" },
            ],
            responders: ["feature", "shift-persona"],
            cooldownSeconds: 0,
            maxActionsPerHour: 6,
          },
        },
        alarms: {
          "cpu-high": {
            intent: "activate",
            responseId: "cpu-high",
            actions: [
              { kind: "scale", cpu: 8 },
              { kind: "notify", target: "ops" },
            ],
          },
          "cpu-high-clear": {
            intent: "clear",
            responseId: "cpu-high",
            actions: [{ kind: "scale", baseline: true }],
          },
          "mem-high": { intent: "activate", responseId: "huge", actions: [{ kind: "scale", cpu: 32 }] },
          attack: {
            intent: "activate",
            responseId: "lockdown",
            actions: [
              { kind: "shift-persona", persona: "LockedDown@^1" },
              { kind: "activate-feature", feature: "cdn-caching" },
            ],
          },
        },
        features: [{ id: "cdn-caching", initial: "off" }],
      },
    },
    feeds: {},
  };
}

/** The CloudWatch alarm → Lambda event for one of the manifest's alarms. */
export function alarmEvent(
  alarmId: string,
  options: { state?: "ALARM" | "OK"; timestamp?: string; instanceId?: string; description?: string } = {},
) {
  const arn = alarmId === "cpu-high" ? ALARM_ARN : ALARM_ARN.replace("cpu-high", alarmId);
  return {
    source: "aws.cloudwatch",
    alarmArn: arn,
    accountId: "111122223333",
    time: "2025-01-09T11:37:48.000+0000",
    region: "us-east-1",
    alarmData: {
      alarmName: arn.split(":alarm:")[1],
      state: {
        value: options.state ?? "ALARM",
        reason: "Threshold Crossed",
        timestamp: options.timestamp ?? "2025-01-09T11:37:48.000+0000",
      },
      previousState: {
        value: "OK",
        reason: "Threshold not crossed",
        timestamp: "2025-01-09T10:00:00.000+0000",
      },
      configuration: {
        description:
          options.description ??
          `WebBase 1.0.0: cpu-utilization > 80% for 5 minutes [personas:v1 digest=${DIGEST} alarm=${alarmId}]`,
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
  MANIFEST_PARAMETER,
  STATE_TABLE: "web-state",
  FLEET_NAME: "web",
  SCALE_WAIT_SECONDS: "6",
  POLL_SECONDS: "1",
  SNS_TOPICS: JSON.stringify({ ops: "arn:aws:sns:us-east-1:111122223333:ops" }),
};

/** An AWS error as the SDK raises it. */
export function awsError(name: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: 400 }, message });
}

type Fault = Error | undefined;

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

/** Installs client mocks for EC2, DynamoDB and SSM backed by the fakes; call `restore()` after the file. */
export function installMocks(manifest: FleetManifest = testManifest()) {
  const ec2 = mockClient(EC2Client);
  const ddb = mockClient(DynamoDBClient);
  const ssm = mockClient(SSMClient);
  const state = { instance: new FakeInstance(), table: new FakeTable(), manifest, manifestReads: 0 };
  const reset = () => {
    ec2.reset();
    ddb.reset();
    ssm.reset();
    state.instance = new FakeInstance();
    state.table = new FakeTable();
    state.manifestReads = 0;
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
    ssm.on(GetParameterCommand).callsFake(async () => {
      state.manifestReads++;
      return { Parameter: { Value: JSON.stringify(state.manifest) } };
    });
  };
  reset();
  return {
    state,
    ec2,
    ddb,
    ssm,
    reset,
    restore() {
      ec2.restore();
      ddb.restore();
      ssm.restore();
    },
  };
}
