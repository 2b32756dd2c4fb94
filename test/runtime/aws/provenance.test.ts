/**
 * Alarm provenance and membership against moto (docs/security.md, "Membership" and "Alarm
 * provenance"): the scale responder, which stops and resizes instances, acts for the alarm the
 * stack created for a member, and for nothing an attacker with `ec2:CreateTags` or
 * `cloudwatch:PutMetricAlarm` can make: a foreign instance carrying the fleet tag, an alarm named
 * like the fleet's, an alarm with the expected name but no owner tag, or one naming another digest.
 */

import { CloudWatchClient, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { beforeEach, describe, expect, it } from "vitest";
import { resizeDefinition } from "../../../src/aws/resize-definition.js";
import { fleetResourceName, runtimeAlarmName } from "../../../src/plan/names.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { scaleExecutor } from "../../../src/runtime/aws/actions/scale.js";
import { createResponder } from "../../../src/runtime/aws/responder.js";
import { motoClientConfig, noMoto, resetMoto } from "../../support/moto.js";
import {
  alarmEvent,
  createStateTable,
  FLEET,
  FLEET_BUCKET,
  launchMotoInstance,
  MOTO_ACCOUNT,
  putFleetStore,
  putStackAlarms,
  RESIZE_STATE_MACHINE_NAME,
  STACK,
  STACK_ALARM_TAGS,
  storeObjects,
  testAlarmDescription,
  testAlarmName,
  testManifest,
  testMembers,
} from "./support.js";

const TABLE = "web-state";

describe.skipIf(noMoto)("responder provenance against moto", () => {
  const config = motoClientConfig();
  const ec2 = new EC2Client(config);
  const ddb = new DynamoDBClient(config);
  const cloudwatch = new CloudWatchClient(config);
  const sfn = new SFNClient(config);
  let member: string;
  let stateMachineArn: string;
  let foreign: string;
  let lines: Record<string, unknown>[];

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
      logSink: (line) => lines.push(JSON.parse(line)),
    });
  const event = (alarmId: string, options: Parameters<typeof alarmEvent>[1] = {}) =>
    alarmEvent(alarmId, { account: MOTO_ACCOUNT, instanceId: member, ...options });

  const launch = (tags: Record<string, string>) => launchMotoInstance(ec2, tags);

  async function state(id: string) {
    const found = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const i = found.Reservations![0]!.Instances![0]!;
    return [i.State?.Name, i.InstanceType];
  }

  /** The resize executions started, as their inputs (the workflow itself runs in resize-workflow.test.ts). */
  async function resizes() {
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    return (listed.executions ?? []).map((e) => e.name);
  }

  async function audits(id: string) {
    const result = await ddb.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: `audit#${id}` } },
      }),
    );
    return result.Items ?? [];
  }

  /** An alarm someone with PutMetricAlarm creates, watching `instanceId`, with the given name and tags. */
  async function forge(name: string, instanceId: string, description: string, tags = STACK_ALARM_TAGS) {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        AlarmDescription: description,
        Namespace: "AWS/EC2",
        MetricName: "CPUUtilization",
        Statistic: "Average",
        Dimensions: [{ Name: "InstanceId", Value: instanceId }],
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanThreshold",
        Tags: tags,
      }),
    );
  }

  beforeEach(async () => {
    await resetMoto();
    lines = [];
    await createStateTable(ddb, TABLE);
    const tags = { "persona:fleet": FLEET, "persona:name": "WebBase", "persona:active": "WebBase" };
    member = await launch(tags);
    // The attacker copies every tag of a member onto an instance of their own.
    foreign = await launch(tags);
    await putFleetStore(new S3Client(config), storeObjects(testManifest(), testMembers(member)));
    await putStackAlarms(cloudwatch, member);
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: RESIZE_STATE_MACHINE_NAME,
        type: "STANDARD",
        roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/${fleetResourceName({ fleet: FLEET, stack: STACK }, "resize", 64)}`,
        definition: JSON.stringify(resizeDefinition()),
      }),
    );
    stateMachineArn = machine.stateMachineArn!;
  });

  it("acts for the alarm the stack created for a member", async () => {
    expect(await scale()(event("cpu-high"))).toMatchObject({ outcome: "acted", instanceId: member });
    // The responder hands the resize to the workflow: one execution, named after the member.
    expect(await resizes()).toEqual([expect.stringMatching(new RegExp(`^${member}-[0-9a-f]{32}$`))]);
  });

  it("does not stop a foreign instance that carries the fleet tag, whatever alarm names it", async () => {
    const result = await scale()(event("cpu-high", { instanceId: foreign }));
    expect(result).toEqual({
      outcome: "skipped",
      reason: "not-member",
      detail: `Instance ${foreign} is not a member of fleet web (the stack's membership record does not list it, whatever its tags say); nothing was done.`,
      instanceId: foreign,
    });
    expect(await state(foreign)).toEqual(["running", "m7i.large"]);
    expect(await resizes()).toEqual([]);
    expect(await audits(foreign)).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ outcome: "rejected", Reason: "not-member" });
  });

  it("does not act for a forged alarm named like the fleet's", async () => {
    const name = `${testAlarmName("cpu-high")}-forged`;
    await forge(name, member, testAlarmDescription("cpu-high"));
    const result = await scale()(event("cpu-high", { alarmName: name }));
    expect(result).toEqual({
      outcome: "skipped",
      reason: "alarm-name",
      detail: `Alarm ${name} is not the alarm 'cpu-high' the stack (${testAlarmName("cpu-high")}) or the orchestrator (${runtimeAlarmName({ fleet: FLEET, stack: STACK }, member, "cpu-high")}) created for ${member}; nothing was done.`,
      instanceId: member,
    });
    expect(await state(member)).toEqual(["running", "m7i.large"]);
    expect(await resizes()).toEqual([]);
    expect(await audits(member)).toEqual([]);
  });

  it("does not act for an alarm with the orchestrator's name that lacks its owner tag", async () => {
    const name = runtimeAlarmName({ fleet: FLEET, stack: STACK }, member, "cpu-high");
    await forge(name, member, testAlarmDescription("cpu-high"), []);
    const result = await scale()(event("cpu-high", { alarmName: name }));
    expect(result).toMatchObject({
      outcome: "skipped",
      reason: "alarm-owner",
      detail: `Alarm ${name} lacks the tags persona:owner=runtime and persona:fleet=web that every alarm of this fleet carries; nothing was done.`,
    });
    expect(await state(member)).toEqual(["running", "m7i.large"]);
    expect(await resizes()).toEqual([]);
  });

  it("does not act for a stack-named alarm whose description names another persona", async () => {
    const other = contentDigest({ persona: "other" });
    const description = testAlarmDescription("cpu-high").replace(/digest=\S+/, `digest=${other}`);
    const result = await scale()(event("cpu-high", { description }));
    expect(result).toMatchObject({ outcome: "skipped", reason: "digest" });
    expect(await state(member)).toEqual(["running", "m7i.large"]);
    expect(await resizes()).toEqual([]);
    expect(await audits(member)).toEqual([]);
  });
});
