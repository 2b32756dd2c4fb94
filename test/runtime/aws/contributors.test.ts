/**
 * Contributor events of fleet-wide (Metrics Insights) alarms, against moto. CloudWatch delivers a
 * contributor's state change to the alarm's Lambda action with `alarmData.alarmContributor` (its id
 * and the GROUP BY attributes) and, in AWS's documented example, no `previousState`; the alarm's own
 * change carries a summary reason and no contributor (Amazon CloudWatch User Guide, "Alarm events and
 * EventBridge", "Multi Time Series Alarm"; "Acting on alarm changes": a contributor is only ALARM or
 * OK). moto stores such an alarm (PutMetricAlarm with a Metrics Insights expression) but neither
 * evaluates the query nor invokes actions per contributor, so the events are built here in the
 * documented shape from the renderer's own names, descriptions and query; everything the responder
 * reads (membership record, manifest, alarm tags, state table, EC2, the resize workflow) is moto's.
 */
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { beforeEach, describe, expect, it } from "vitest";
import { resizeDefinition } from "../../../src/aws/resize-definition.js";
import { alarmDescription, type FleetMembers } from "../../../src/plan/manifest.js";
import { fleetAlarmName, fleetResourceName } from "../../../src/plan/names.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../../../src/plan/tags.js";
import { topologyOf } from "../../../src/plan/topology.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { scaleExecutor } from "../../../src/runtime/aws/actions/scale.js";
import { EventRejectedError } from "../../../src/runtime/aws/errors.js";
import { alarmTransitionId, parseResponderEvent } from "../../../src/runtime/aws/events.js";
import { orchestratorRecordKey } from "../../../src/runtime/aws/provenance.js";
import { createResponder } from "../../../src/runtime/aws/responder.js";
import { motoClientConfig, noMoto, resetMoto } from "../../support/moto.js";
import {
  createStateTable,
  DIGEST,
  FLEET,
  FLEET_BUCKET,
  launchMotoInstance,
  MEMBER_KEY,
  MOTO_ACCOUNT,
  putFleetStore,
  RESIZE_STATE_MACHINE_NAME,
  STACK,
  storeObjects,
  testFleetPlan,
  testManifest,
} from "./support.js";

const TABLE = "web-state";
const SCOPE = { fleet: FLEET, stack: STACK };
const plan = testFleetPlan();
const persona = plan.personas[0]!;

/** The fleet-wide alarm the components render for the test persona's `alarmId` (src/aws/render.ts). */
function fleetAlarm(alarmId: string) {
  const alarm = persona.alarms.find((a) => a.id === alarmId)!;
  const topology = topologyOf(plan.alarmTopology, DIGEST, alarmId)!.aws;
  if (topology.kind !== "fleet-wide") throw new Error(`${alarmId} is not fleet-wide in the plan`);
  return { alarm, name: fleetAlarmName(SCOPE, DIGEST, alarmId), query: topology.query };
}

/**
 * A state-change event of a fleet-wide alarm as CloudWatch sends it to a Lambda action: a contributor's
 * (with `alarmContributor`, no previousState) unless `contributor` is null (the alarm's own).
 */
function contributorEvent(
  alarmId: string,
  options: {
    state?: "ALARM" | "OK" | "INSUFFICIENT_DATA";
    instanceId?: string;
    contributor?: { id: string; attributes: Record<string, string> } | null;
    alarmName?: string;
    description?: string;
    timestamp?: string;
  } = {},
) {
  const { alarm, name, query } = fleetAlarm(alarmId);
  const alarmName = options.alarmName ?? name;
  const state = {
    value: options.state ?? "ALARM",
    reason:
      "Threshold Crossed: 1 datapoint was greater than the threshold (80.0). The most recent datapoint which crossed the threshold: [93.1 (01/12/25 13:34:00)].",
    timestamp: options.timestamp ?? "2025-12-01T13:42:04.919+0000",
  };
  const contributor =
    options.contributor === undefined
      ? {
          id: `c${(options.instanceId ?? "").slice(-8)}`,
          attributes: { InstanceId: options.instanceId ?? "" },
        }
      : options.contributor;
  return {
    source: "aws.cloudwatch",
    alarmArn: `arn:aws:cloudwatch:us-east-1:${MOTO_ACCOUNT}:alarm:${alarmName}`,
    accountId: MOTO_ACCOUNT,
    time: "2025-12-01T13:42:04.919+0000",
    region: "us-east-1",
    alarmData: {
      alarmName,
      ...(contributor === null
        ? {
            previousState: {
              value: "OK",
              reason: "0 out of 3 time series evaluated to ALARM",
              timestamp: "2025-12-01T13:30:00.000+0000",
            },
            state: { ...state, reason: "1 out of 3 time series evaluated to ALARM" },
          }
        : { alarmContributor: contributor, state }),
      configuration: {
        description: options.description ?? alarmDescription(persona, alarm),
        metrics: [{ id: "q1", expression: query, returnData: true, period: alarm.aws.period }],
      },
    },
  };
}

describe("contributor events (parsing)", () => {
  it("reads both documented shapes: a single-metric alarm's and a contributor's", () => {
    const single = parseResponderEvent({
      ...contributorEvent("cpu-high", { contributor: null }),
    });
    expect(single.kind === "alarm" && single.event.alarmData.previousState?.value).toBe("OK");
    const contributed = parseResponderEvent(
      contributorEvent("cpu-high", { instanceId: "i-0aaaaaaaaaaaaaaa1" }),
    );
    expect(contributed.kind === "alarm" && contributed.event.alarmData.alarmContributor).toEqual({
      id: "caaaaaaa1",
      attributes: { InstanceId: "i-0aaaaaaaaaaaaaaa1" },
    });
  });

  it("gives two contributors changing at one evaluation two transition ids, and a redelivery the same", () => {
    const a = contributorEvent("cpu-high", { instanceId: "i-0aaaaaaaaaaaaaaa1" });
    const b = contributorEvent("cpu-high", { instanceId: "i-0bbbbbbbbbbbbbbb2" });
    const id = (e: unknown) => {
      const parsed = parseResponderEvent(e);
      return parsed.kind === "alarm" ? alarmTransitionId(parsed.event) : "";
    };
    expect(id(a)).not.toBe(id(b));
    expect(id(a)).toBe(id(structuredClone(a)));
    expect(id(a)).toBe(
      `arn:aws:cloudwatch:us-east-1:${MOTO_ACCOUNT}:alarm:${fleetAlarm("cpu-high").name}#caaaaaaa1@2025-12-01T13:42:04.919+0000`,
    );
  });
});

describe.skipIf(noMoto)("contributor events against moto", () => {
  const config = motoClientConfig();
  const ec2 = new EC2Client(config);
  const ddb = new DynamoDBClient(config);
  const cloudwatch = new CloudWatchClient(config);
  const sfn = new SFNClient(config);
  let stateMachineArn: string;
  let members: string[];
  let outsider: string;

  const scale = () =>
    createResponder("scale", scaleExecutor, {
      env: {
        FLEET_BUCKET,
        STATE_TABLE: TABLE,
        FLEET_NAME: FLEET,
        STACK_NAME: STACK,
        RESIZE_STATE_MACHINE_ARN: stateMachineArn,
        SCALE_WAIT_SECONDS: "30",
        POLL_SECONDS: "0",
      },
      clientConfig: config,
      sleep: async () => {},
      logSink: () => {},
    });

  // The tags the components give members (an outsider may copy them: membership is the record's).
  const launch = () =>
    launchMotoInstance(ec2, {
      [PERSONA_TAGS.fleet]: FLEET,
      [PERSONA_TAGS.name]: "WebBase",
      [PERSONA_TAGS.active]: "WebBase",
    });

  /** The membership record the components write for these instances (keys web-1, web-2, ...). */
  function membership(ids: readonly string[]): FleetMembers {
    return {
      version: 1,
      fleet: FLEET,
      members: Object.fromEntries(
        ids.map((id, i) => [id, { key: i === 0 ? MEMBER_KEY : `web-${i + 1}`, digest: DIGEST }]),
      ),
    };
  }

  /** Resize executions started, by the instance they resize (executions are named `<instance>-<hash>`). */
  async function resized(): Promise<string[]> {
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    return (listed.executions ?? []).map((e) => e.name!.replace(/-[0-9a-f]{32}$/, "")).sort();
  }

  /** The fleet-wide alarms as the components create them (name, description, query, tags). */
  async function putFleetAlarms(
    tags = [
      { Key: ALARM_OWNER_TAG, Value: "fleet" },
      { Key: PERSONA_TAGS.fleet, Value: FLEET },
    ],
  ) {
    for (const alarmId of ["cpu-high", "cpu-high-clear"]) {
      const { alarm, name, query } = fleetAlarm(alarmId);
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          AlarmDescription: alarmDescription(persona, alarm),
          Metrics: [{ Id: "q1", Expression: query, Period: alarm.aws.period, ReturnData: true }],
          EvaluationPeriods: alarm.aws.evaluationPeriods,
          DatapointsToAlarm: alarm.aws.datapointsToAlarm,
          Threshold: alarm.aws.threshold,
          ComparisonOperator: alarm.aws.comparisonOperator,
          TreatMissingData: alarm.aws.treatMissingData,
          Tags: tags,
        }),
      );
    }
  }

  async function alarmNames(): Promise<string[]> {
    const described = await cloudwatch.send(new DescribeAlarmsCommand({}));
    return (described.MetricAlarms ?? []).map((a) => a.AlarmName!).sort();
  }

  beforeEach(async () => {
    await resetMoto();
    await createStateTable(ddb, TABLE);
    members = [await launch(), await launch(), await launch()];
    outsider = await launch();
    await putFleetStore(new S3Client(config), storeObjects(testManifest(), membership(members)));
    await putFleetAlarms();
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: RESIZE_STATE_MACHINE_NAME,
        type: "STANDARD",
        roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/${fleetResourceName(SCOPE, "resize", 64)}`,
        definition: JSON.stringify(resizeDefinition()),
      }),
    );
    stateMachineArn = machine.stateMachineArn!;
  });

  it("resizes exactly the instance whose contributor entered ALARM", async () => {
    const target = members[1]!;
    expect(await scale()(contributorEvent("cpu-high", { instanceId: target }))).toMatchObject({
      outcome: "acted",
      instanceId: target,
    });
    expect(await resized()).toEqual([target]);
  });

  it("covers a member the next pulumi up adds with the same alarm: no new alarm resource, and its contributor acts", async () => {
    const before = await alarmNames();
    const joined = await launch();
    // What the components write for a fleet of four: the membership record; the alarms are unchanged.
    await putFleetStore(new S3Client(config), storeObjects(testManifest(), membership([...members, joined])));
    const responder = scale();
    expect(await responder(contributorEvent("cpu-high", { instanceId: joined }))).toMatchObject({
      outcome: "acted",
      instanceId: joined,
    });
    expect(await resized()).toEqual([joined]);
    expect(await alarmNames()).toEqual(before);
    expect(before).toEqual([fleetAlarm("cpu-high").name, fleetAlarm("cpu-high-clear").name].sort());
  });

  // The contributor rules, from "Acting on alarm changes" and the documented event shapes.
  const rules: {
    rule: string;
    alarmId: string;
    state: "ALARM" | "OK" | "INSUFFICIENT_DATA";
    contributor: boolean;
    outcome: string;
    reason?: string;
  }[] = [
    {
      rule: "a trigger's contributor entering ALARM acts",
      alarmId: "cpu-high",
      state: "ALARM",
      contributor: true,
      outcome: "acted",
    },
    {
      rule: "a trigger's contributor returning to OK does nothing",
      alarmId: "cpu-high",
      state: "OK",
      contributor: true,
      outcome: "skipped",
      reason: "not-acting-transition",
    },
    {
      rule: "a clear watcher's contributor entering ALARM does nothing",
      alarmId: "cpu-high-clear",
      state: "ALARM",
      contributor: true,
      outcome: "skipped",
      reason: "not-acting-transition",
    },
    {
      rule: "a clear watcher's contributor going ALARM → OK runs the clear",
      alarmId: "cpu-high-clear",
      state: "OK",
      contributor: true,
      outcome: "unchanged",
    },
    {
      rule: "a contributor reported INSUFFICIENT_DATA (never documented) does nothing",
      alarmId: "cpu-high",
      state: "INSUFFICIENT_DATA",
      contributor: true,
      outcome: "skipped",
      reason: "not-acting-transition",
    },
    {
      rule: "the alarm's own change, naming no instance, does nothing",
      alarmId: "cpu-high",
      state: "ALARM",
      contributor: false,
      outcome: "skipped",
      reason: "alarm-level",
    },
  ];
  it.each(rules)("$rule", async ({ alarmId, state, contributor, outcome, reason }) => {
    const target = members[0]!;
    const event = contributorEvent(alarmId, {
      state,
      instanceId: target,
      ...(contributor ? {} : { contributor: null }),
    });
    const result = await scale()(event);
    expect(result.outcome).toBe(outcome);
    if (reason !== undefined) expect(result).toMatchObject({ reason });
    expect(await resized()).toEqual(outcome === "acted" ? [target] : []);
  });

  it("refuses a contributor whose instance the membership record does not list", async () => {
    expect(await scale()(contributorEvent("cpu-high", { instanceId: outsider }))).toMatchObject({
      outcome: "skipped",
      reason: "not-member",
    });
    expect(await resized()).toEqual([]);
  });

  it("refuses a contributor whose instance the orchestrator moved to another persona", async () => {
    const target = members[2]!;
    const other = contentDigest({ persona: "other" });
    await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          ...orchestratorRecordKey(FLEET, target),
          digest: { S: other },
          at: { S: "2025-12-01T13:00:00Z" },
        },
      }),
    );
    const result = await scale()(contributorEvent("cpu-high", { instanceId: target }));
    expect(result).toEqual({
      outcome: "skipped",
      reason: "digest",
      detail: `Alarm ${fleetAlarm("cpu-high").name} watches persona ${DIGEST}, but ${target} has persona ${other} (the orchestrator's record); nothing was done.`,
      instanceId: target,
    });
    expect(await resized()).toEqual([]);
  });

  it("refuses a contributor of an alarm named like the fleet's but not the persona's fleet-wide alarm", async () => {
    const name = `${fleetAlarm("cpu-high").name}-forged`;
    const result = await scale()(contributorEvent("cpu-high", { instanceId: members[0]!, alarmName: name }));
    expect(result).toMatchObject({
      outcome: "skipped",
      reason: "alarm-name",
      detail: `Alarm ${name} is not the fleet-wide alarm 'cpu-high' the stack (${fleetAlarm("cpu-high").name}) created for persona ${DIGEST}; nothing was done.`,
    });
  });

  it("refuses a contributor of an alarm with the fleet-wide name but without the fleet owner tag", async () => {
    await resetMoto();
    await createStateTable(ddb, TABLE);
    const target = await launch();
    await putFleetStore(new S3Client(config), storeObjects(testManifest(), membership([target])));
    await putFleetAlarms([
      { Key: ALARM_OWNER_TAG, Value: "stack" },
      { Key: PERSONA_TAGS.fleet, Value: FLEET },
    ]);
    expect(await scale()(contributorEvent("cpu-high", { instanceId: target }))).toMatchObject({
      outcome: "skipped",
      reason: "alarm-owner",
      detail: `Alarm ${fleetAlarm("cpu-high").name} lacks the tags persona:owner=fleet and persona:fleet=web that every alarm of this fleet carries; nothing was done.`,
    });
  });

  it("rejects a contributor without an InstanceId attribute, naming it", async () => {
    const event = contributorEvent("cpu-high", {
      contributor: { id: "6d442278dba546f6", attributes: { TableName: "t" } },
    });
    await expect(scale()(event)).rejects.toThrow(
      new EventRejectedError(
        `Contributor 6d442278dba546f6 of alarm ${fleetAlarm("cpu-high").name} has no InstanceId attribute naming an EC2 instance; nothing was done.`,
      ),
    );
  });
});
