/**
 * PersonaFleet with personas that drain traffic and isolate instances: the fleet declares the target
 * groups, redirect targets and quarantine group; the traffic and isolate responders get IAM scoped
 * to exactly those and the same declaration in their environment; missing or wrong declarations are
 * refused before anything registers.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { checkCloudContract, formatViolation, uncheckedResources } from "../../src/aws/cloud-contract.js";
import { InvalidArgumentsError, MissingTargetError } from "../../src/aws/errors.js";
import { PersonaFleet } from "../../src/aws/fleet.js";
import type { PolicyDocument } from "../../src/aws/iam.js";
import { planOffline } from "../../src/aws/offline.js";
import { installMocks, recorder, resourceNamed, resourcesOfType, settled } from "../support/pulumi.js";
import { personaOf } from "./support.js";

const RESILIENT = personaOf(readFileSync("examples/ResilientWeb.yaml", "utf8"));
const REDIRECTING = personaOf(`Name: Failover
TelemetryTriggers:
    - Condition: Error Rate > 20% for 3 minutes
      Action: Redirect traffic to standby
      Clear: after 10 minutes
`);
const TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:security";
const STANDBY = {
  hostedZoneId: "Z0123456789ABCDEFGHIJ",
  recordName: "WWW.example.com.",
  recordType: "A" as const,
  setIdentifier: "standby",
  weight: 100,
};

type Args = ConstructorParameters<typeof PersonaFleet>[1];
function fleet(extra: Partial<Args>, persona = RESILIENT) {
  return new PersonaFleet("web", {
    ami: "ami-0123456789abcdef0",
    defaultPersona: persona,
    instances: [{ name: "web-1" }],
    notifications: { "security-team": TOPIC },
    // Error Rate comes from the personas agent, which reads it from the web server's log.
    agent: { logFiles: [{ name: "nginx", path: "/var/log/nginx/access.log", errorPattern: '" 5\\d\\d ' }] },
    ...extra,
  });
}
const declared: Partial<Args> = {
  traffic: { targetGroupArns: [TARGET_GROUP] },
  isolation: {
    vpcId: "vpc-0123456789abcdef0",
    management: [{ port: 22, cidrBlocks: ["10.0.0.0/24"], description: "SSH from the bastion subnet" }],
    notifyTopicArn: TOPIC,
  },
};

function policy(kind: string): PolicyDocument {
  return JSON.parse(resourceNamed("aws:iam/rolePolicy:RolePolicy", `web-${kind}`).inputs.policy as string);
}
function variables(kind: string): Record<string, string> {
  const fn = resourceNamed("aws:lambda/function:Function", `web-${kind}`);
  return (fn.inputs.environment as { variables: Record<string, string> }).variables;
}

beforeEach(() => recorder.reset());

describe("PersonaFleet with traffic and isolation actions", () => {
  it("deploys a traffic and an isolate responder, each allowed only the declared groups", async () => {
    fleet(declared);
    await settled();

    const traffic = policy("traffic").Statement;
    expect(traffic.filter((s) => s.Sid.endsWith("Targets") || s.Sid === "ReadTargetHealth")).toEqual([
      {
        Sid: "ShiftFleetTargets",
        Effect: "Allow",
        Action: ["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"],
        Resource: [TARGET_GROUP],
      },
      {
        Sid: "ReadTargetHealth",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:DescribeTargetGroupAttributes",
          "elasticloadbalancing:DescribeTargetHealth",
        ],
        Resource: "*",
      },
    ]);
    const isolate = policy("isolate").Statement;
    expect(isolate.find((s) => s.Sid === "SwapFleetInstanceGroups")).toEqual({
      Sid: "SwapFleetInstanceGroups",
      Effect: "Allow",
      Action: ["ec2:ModifyInstanceAttribute"],
      Resource: expect.stringMatching(/^arn:aws:ec2:[\w-]+:\d{12}:instance\/\*$/),
      Condition: { StringEquals: { "aws:ResourceTag/persona:fleet": "web" } },
    });
    expect(isolate.find((s) => s.Sid === "TagIsolated")?.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/persona:fleet": "web" },
      "ForAllValues:StringEquals": { "aws:TagKeys": ["persona:isolated"] },
    });
    expect(isolate.find((s) => s.Sid === "PublishNotifications")?.Resource).toEqual([TOPIC]);
    expect(JSON.parse(variables("traffic").TRAFFIC_CONFIG!)).toEqual({
      targetGroupArns: [TARGET_GROUP],
      targets: {},
    });
  });

  it("creates the quarantine group with the management path only, and hands its id to the isolate responder", async () => {
    fleet(declared);
    await settled();

    const [group] = resourcesOfType("aws:ec2/securityGroup:SecurityGroup");
    expect(group).toMatchObject({
      name: "web-quarantine",
      inputs: {
        vpcId: "vpc-0123456789abcdef0",
        ingress: [
          {
            protocol: "tcp",
            fromPort: 22,
            toPort: 22,
            cidrBlocks: ["10.0.0.0/24"],
            description: "SSH from the bastion subnet",
          },
        ],
        // Empty: the allow-all egress EC2 gives a new group is removed.
        egress: [],
      },
    });
    const config = JSON.parse(variables("isolate").ISOLATION_CONFIG!);
    expect(config).toEqual({ quarantineGroupId: expect.stringMatching(/./), notifyTopicArn: TOPIC });
  });

  it("scopes Route 53 changes to the declared weighted records, by their normalized names", async () => {
    fleet({ traffic: { targetGroupArns: [TARGET_GROUP], targets: { standby: STANDBY } } }, REDIRECTING);
    await settled();

    expect(policy("traffic").Statement.find((s) => s.Sid === "WeighRedirectRecords")).toEqual({
      Sid: "WeighRedirectRecords",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets"],
      Resource: ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"],
      Condition: {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["www.example.com"],
          "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
          "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
        },
      },
    });
    expect(JSON.parse(variables("traffic").TRAFFIC_CONFIG!).targets).toEqual({ standby: STANDBY });
  });

  it("refuses a persona that redirects to a target the fleet does not declare", () => {
    const act = () => fleet({ traffic: { targetGroupArns: [TARGET_GROUP] } }, REDIRECTING);

    expect(act).toThrow(MissingTargetError);
    expect(act).toThrow(
      `PersonaFleet 'web': its personas redirect traffic to 'standby' but traffic.targets declares no targets. Fix: declare traffic.targets["standby"] (a Route 53 weighted record each), or correct the persona.`,
    );
  });

  it("refuses a persona that drains when the fleet declares no target groups", () => {
    expect(() => fleet({ isolation: declared.isolation! })).toThrow(
      "PersonaFleet 'web': its personas drain traffic but `traffic` declares no target groups. Fix: pass traffic: { targetGroupArns: [targetGroup.arn] } (the groups the fleet's instances are registered in).",
    );
  });

  it("refuses a persona that isolates when the fleet names no quarantine group", () => {
    expect(() => fleet({ traffic: declared.traffic! })).toThrow(
      "PersonaFleet 'web': its personas isolate instances but `isolation` names no quarantine group. Fix: pass isolation: { securityGroupId: quarantine.id }, or isolation: { vpcId, management: [...] } to have the fleet create one.",
    );
  });

  it("refuses a management path open to every address", () => {
    const act = () =>
      fleet({
        traffic: declared.traffic!,
        isolation: {
          vpcId: "vpc-1",
          management: [{ port: 22, cidrBlocks: ["0.0.0.0/0"], description: "SSH" }],
        },
      });

    expect(act).toThrow(InvalidArgumentsError);
    expect(act).toThrow(
      "PersonaFleet 'web': [isolation.management[0]] lets 0.0.0.0/0 in: a quarantine group open to every address isolates nothing. Fix: name the management network's CIDR blocks (a bastion subnet, a VPN range).",
    );
  });

  it("refuses both an existing quarantine group and a VPC to create one in", () => {
    expect(() =>
      fleet({
        traffic: declared.traffic!,
        isolation: { securityGroupId: "sg-0123456789abcdef0", vpcId: "vpc-1" },
      }),
    ).toThrow(
      "PersonaFleet 'web': Only one of [isolation.securityGroupId] and [isolation.vpcId] can be specified. Fix: keep securityGroupId to use your own quarantine group, or vpcId with management to have the fleet create one.",
    );
  });
});

describe("the cloud contract of a fleet that isolates", () => {
  // planOffline installs its own mocks; later files expect the recorder.
  afterAll(() => installMocks());

  it("plans nothing AWS would refuse, the quarantine group included", async () => {
    const planned = await planOffline(() => {
      fleet(declared);
    });

    expect(planned.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup")).toHaveLength(1);
    expect(uncheckedResources(planned)).toEqual([]);
    expect(checkCloudContract(planned).map(formatViolation)).toEqual([]);
  });

  it("checks the quarantine group's rule descriptions against EC2's documented characters", async () => {
    const planned = await planOffline(() => {
      fleet({
        ...declared,
        isolation: {
          vpcId: "vpc-1",
          management: [
            { port: 22, cidrBlocks: ["10.0.0.0/24"], description: "SSH from the bastion — façade" },
          ],
        },
      });
    });

    expect(checkCloudContract(planned).map((v) => [v.resource, v.input, v.member])).toEqual([
      ["web-quarantine", "ingress[0].description", "securityGroupDescription"],
    ]);
  });
});
