/**
 * The traffic and isolate responders with the real AWS SDK against moto: ELBv2 target groups,
 * Route 53 weighted records and EC2 security groups. The fixtures (persona, manifest, membership
 * record, alarm names and descriptions) come from the planner and the renderer's own functions.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient, GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { parsePersona } from "../../../src/pdl/parse.js";
import { alarmDescription, buildManifest, type FleetMembers } from "../../../src/plan/manifest.js";
import { alarmName } from "../../../src/plan/names.js";
import { planFleet } from "../../../src/plan/plan.js";
import { ISOLATED_TAG, PERSONA_TAGS } from "../../../src/plan/tags.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { isolateExecutor } from "../../../src/runtime/aws/actions/isolate.js";
import { trafficExecutor } from "../../../src/runtime/aws/actions/traffic.js";
import { createResponder } from "../../../src/runtime/aws/responder.js";
import { motoClientConfig, noMoto, resetMoto } from "../../support/moto.js";
import {
  alarmEvent,
  createStateTable,
  FLEET,
  FLEET_BUCKET,
  MOTO_ACCOUNT,
  putFleetStore,
  putStackAlarms,
  STACK,
  storeObjects,
} from "./support.js";

const PERSONA = parsePersona(
  `Name: Resilient
Version: "1.0.0"
TelemetryTriggers:
    - Name: errors
      Condition: Error Rate > 20% for 3 minutes
      Action: Drain traffic
      Clear: after 10 minutes
    - Name: failover
      Condition: Network Latency > 500ms for 3 minutes
      Action: Redirect traffic to standby
      Clear: after 10 minutes
    - Name: exfil
      Condition: Network Out > 2 Gbps for 5 minutes
      Action: Isolate instance
      Cooldown: 1 hour
      Clear: after 30 minutes
`,
  { file: "Resilient.yaml" },
);
const DIGEST = contentDigest(PERSONA);
const KEYS = ["web-1", "web-2"];
const PLAN = planFleet(
  FLEET,
  KEYS.map((key) => ({
    key,
    resolved: {
      persona: PERSONA,
      ref: { name: PERSONA.name, version: "1.0.0", digest: DIGEST },
      size: { cloud: "aws" as const, name: "m7i.large" },
    },
  })),
  { webAcl: false, networkAcl: false },
);
const TABLE = "web-state";

/** The event of member `key`'s stack alarm `alarmId`, as the components name and describe it. */
function event(
  alarmId: string,
  instanceId: string,
  key: string,
  options: { state?: "ALARM" | "OK"; timestamp?: string } = {},
) {
  const plan = PLAN.personas[0]!;
  const alarm = plan.alarms.find((a) => a.id === alarmId)!;
  return alarmEvent(alarmId, {
    ...options,
    instanceId,
    account: MOTO_ACCOUNT,
    alarmName: alarmName({ fleet: FLEET, stack: STACK }, key, alarmId),
    description: alarmDescription(plan, alarm),
  });
}

describe.skipIf(noMoto)("the traffic and isolate responders against moto", () => {
  const config = motoClientConfig();
  const ec2 = new EC2Client(config);
  const elb = new ElasticLoadBalancingV2Client(config);
  const route53 = new Route53Client(config);
  const ddb = new DynamoDBClient(config);
  const s3 = new S3Client(config);
  const sns = new SNSClient(config);
  const cloudwatch = new CloudWatchClient(config);
  let instances: string[];
  let groups: { web: string; admin: string; quarantine: string };
  let targetGroupArn: string;
  let zoneId: string;
  let topicArn: string;

  const env = () => ({
    FLEET_BUCKET,
    STATE_TABLE: TABLE,
    FLEET_NAME: FLEET,
    STACK_NAME: STACK,
    TRAFFIC_CONFIG: JSON.stringify({
      targetGroupArns: [targetGroupArn],
      targets: {
        standby: {
          hostedZoneId: zoneId,
          recordName: "www.example.com",
          recordType: "A",
          setIdentifier: "standby",
          weight: 100,
        },
      },
    }),
    ISOLATION_CONFIG: JSON.stringify({ quarantineGroupId: groups.quarantine, notifyTopicArn: topicArn }),
  });
  const options = () => ({ env: env(), clientConfig: config, sleep: async () => {}, logSink: () => {} });
  const traffic = () => createResponder("traffic", trafficExecutor, options());
  const isolate = (now?: () => number) =>
    createResponder("isolate", isolateExecutor, { ...options(), ...(now ? { now } : {}) });

  beforeEach(async () => {
    await resetMoto();
    await createStateTable(ddb, TABLE);
    const vpcId = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
    const group = async (name: string) =>
      (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpcId })))
        .GroupId!;
    groups = { web: await group("web"), admin: await group("admin"), quarantine: await group("quarantine") };
    const images = await ec2.send(new DescribeImagesCommand({}));
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: images.Images![0]!.ImageId!,
        InstanceType: "m7i.large",
        MinCount: 2,
        MaxCount: 2,
        SecurityGroupIds: [groups.web, groups.admin],
        TagSpecifications: [
          {
            ResourceType: "instance",
            Tags: [
              { Key: PERSONA_TAGS.fleet, Value: FLEET },
              { Key: PERSONA_TAGS.digest, Value: DIGEST },
            ],
          },
        ],
      }),
    );
    instances = run.Instances!.map((i) => i.InstanceId!);
    const members: FleetMembers = {
      version: 1,
      fleet: FLEET,
      members: Object.fromEntries(instances.map((id, i) => [id, { key: KEYS[i]!, digest: DIGEST }])),
    };
    await putFleetStore(s3, storeObjects(buildManifest(PLAN), members));
    for (const [i, id] of instances.entries())
      await putStackAlarms(cloudwatch, id, KEYS[i]!, PLAN.personas[0]!);
    targetGroupArn = (
      await elb.send(new CreateTargetGroupCommand({ Name: "web", Protocol: "HTTP", Port: 80, VpcId: vpcId }))
    ).TargetGroups![0]!.TargetGroupArn!;
    await elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: targetGroupArn,
        Targets: instances.map((Id) => ({ Id })),
      }),
    );
    zoneId = (
      await route53.send(
        new CreateHostedZoneCommand({ Name: "example.com", CallerReference: "redirect-test" }),
      )
    ).HostedZone!.Id!.replace("/hostedzone/", "");
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: ["primary", "standby"].map((id) => ({
            Action: "CREATE",
            ResourceRecordSet: {
              Name: "www.example.com",
              Type: "A",
              SetIdentifier: id,
              Weight: id === "primary" ? 100 : 0,
              TTL: 60,
              ResourceRecords: [{ Value: id === "primary" ? "192.0.2.10" : "192.0.2.20" }],
            },
          })),
        },
      }),
    );
    topicArn = (await sns.send(new CreateTopicCommand({ Name: "security" }))).TopicArn!;
  });

  async function registered(): Promise<string[]> {
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    return (health.TargetHealthDescriptions ?? [])
      .filter((h) => h.TargetHealth?.State === "healthy")
      .map((h) => h.Target!.Id!)
      .sort();
  }
  async function instance(id: string) {
    const found = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const i = found.Reservations![0]!.Instances![0]!;
    return {
      state: i.State?.Name,
      groups: (i.SecurityGroups ?? []).map((g) => g.GroupId).sort(),
      tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value])),
    };
  }
  async function standbyWeight(): Promise<number | undefined> {
    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    return records.ResourceRecordSets?.find((r) => r.SetIdentifier === "standby")?.Weight;
  }
  async function audit(id: string): Promise<string[]> {
    const items = await ddb.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: `audit#${id}` } },
      }),
    );
    return (items.Items ?? []).map((i) => `${i.kind!.S} ${i.outcome!.S}: ${i.detail!.S}`);
  }

  describe("Drain traffic", () => {
    it("deregisters the instance from the fleet's target group and leaves it running", async () => {
      const [first, second] = instances as [string, string];

      const result = await traffic()(event("errors", first, "web-1"));

      expect(result).toEqual({
        outcome: "acted",
        instanceId: first,
        detail: `${first}: deregistered from web:80 (connections drain for up to 300 s); the instance keeps running`,
      });
      expect(await registered()).toEqual([second]);
      expect((await instance(first)).state).toBe("running");
    });

    it("registers it again on clear, on the port it was drained from", async () => {
      const [first] = instances as [string, string];
      await traffic()(event("errors", first, "web-1"));

      const result = await traffic()(event("errors-clear", first, "web-1", { state: "OK" }));

      expect(result).toMatchObject({ outcome: "acted", detail: `${first}: registered in web:80` });
      expect(await registered()).toEqual([...instances].sort());
    });

    it("never drains the last healthy target of a group: it keeps serving and the audit record says why", async () => {
      const [first, second] = instances as [string, string];
      await elb.send(
        new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: second }] }),
      );

      const result = await traffic()(event("errors", first, "web-1"));

      expect(result).toEqual({
        outcome: "unchanged",
        instanceId: first,
        detail: `${first} was not drained: kept in web (the last healthy target there; it keeps serving)`,
      });
      expect(await registered()).toEqual([first]);
      expect(await audit(first)).toEqual([`traffic unchanged: ${result.detail}`]);
    });

    it("redirects to the named target by its weighted record, and puts the weight back on clear", async () => {
      const [first] = instances as [string, string];

      const drained = await traffic()(event("failover", first, "web-1"));
      const weightWhileDrained = await standbyWeight();
      const restored = await traffic()(event("failover-clear", first, "web-1", { state: "OK" }));

      expect(drained.detail).toBe(
        `${first}: deregistered from web:80 (connections drain for up to 300 s); standby weight 0 -> 100; the instance keeps running`,
      );
      expect(weightWhileDrained).toBe(100);
      expect(restored.detail).toBe(`${first}: registered in web:80; standby weight 100 -> 0`);
      expect(await standbyWeight()).toBe(0);
    });
  });

  it("counts a draining peer as not serving, so the instance stays as the last healthy target", async () => {
    // moto deregisters at once and never reports `draining`; AWS keeps a deregistered target
    // `draining` (reason Target.DeregistrationInProgress) for the group's deregistration delay
    // (Elastic Load Balancing API Reference, TargetHealth). This double answers as AWS does.
    const [first, second] = instances as [string, string];
    const elbDouble = mockClient(ElasticLoadBalancingV2Client);
    try {
      elbDouble.on(DescribeTargetHealthCommand).resolves({
        TargetHealthDescriptions: [
          { Target: { Id: first, Port: 80 }, TargetHealth: { State: "healthy" } },
          {
            Target: { Id: second, Port: 80 },
            TargetHealth: { State: "draining", Reason: "Target.DeregistrationInProgress" },
          },
        ],
      });

      const result = await traffic()(event("errors", first, "web-1"));

      expect(result).toMatchObject({
        outcome: "unchanged",
        detail: `${first} was not drained: kept in web (the last healthy target there; it keeps serving)`,
      });
      expect(elbDouble.commandCalls(DeregisterTargetsCommand)).toEqual([]);
    } finally {
      elbDouble.restore();
    }
  });

  describe("Isolate instance", () => {
    it("swaps the groups for the quarantine group, tags the instance and keeps it running", async () => {
      const [first] = instances as [string, string];

      const result = await isolate()(event("exfil", first, "web-1"));

      const after = await instance(first);
      expect(result.outcome).toBe("acted");
      expect(result.detail).toMatch(
        new RegExp(
          `^${first} isolated: groups ${groups.web}, ${groups.admin} -> ${groups.quarantine} \\(recorded for release\\); tagged persona:isolated; disks kept, instance running; notified \\(message .+\\)$`,
        ),
      );
      expect(after.groups).toEqual([groups.quarantine]);
      expect(after.state).toBe("running");
      expect(after.tags[ISOLATED_TAG]).toMatch(/^\d{4}-\d\d-\d\dT/);
      const record = await ddb.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { pk: { S: `isolation#${first}` }, sk: { S: "isolated" } },
        }),
      );
      expect(JSON.parse(record.Item!.document!.S!)).toMatchObject({
        isolated: true,
        originalGroupIds: [groups.web, groups.admin],
        quarantineGroupId: groups.quarantine,
      });
    });

    it("puts back exactly the recorded groups on clear and removes the tag", async () => {
      const [first] = instances as [string, string];
      await isolate()(event("exfil", first, "web-1"));

      const result = await isolate()(event("exfil-clear", first, "web-1", { state: "OK" }));

      const after = await instance(first);
      expect(result.outcome).toBe("acted");
      expect(after.groups).toEqual([groups.web, groups.admin].sort());
      expect(after.tags[ISOLATED_TAG]).toBeUndefined();
    });

    it("changes nothing on a second isolate inside the cooldown", async () => {
      const [first] = instances as [string, string];
      let now = Date.UTC(2026, 0, 1, 12);
      await isolate(() => now)(event("exfil", first, "web-1"));
      now += 10 * 60_000;

      const second = await isolate(() => now)(
        event("exfil", first, "web-1", { timestamp: "2026-01-01T12:10:00.000+0000" }),
      );

      expect(second).toMatchObject({ outcome: "skipped", reason: "cooldown" });
      expect((await instance(first)).groups).toEqual([groups.quarantine]);
      const release = await isolate(() => now)(event("exfil-clear", first, "web-1", { state: "OK" }));
      expect(release.outcome).toBe("acted");
      expect((await instance(first)).groups).toEqual([groups.web, groups.admin].sort());
    });

    it("isolates the last healthy instance of the fleet and says so in the audit record", async () => {
      const [first, second] = instances as [string, string];
      await ec2.send(new StopInstancesCommand({ InstanceIds: [second] }));

      const result = await isolate()(event("exfil", first, "web-1"));

      expect(result.detail).toContain(
        `; it was the last healthy instance of fleet ${FLEET}: the fleet has none left serving`,
      );
      expect((await audit(first)).join("\n")).toContain("it was the last healthy instance of fleet web");
    });
  });
});
