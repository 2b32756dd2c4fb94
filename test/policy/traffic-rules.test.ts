/**
 * persona-traffic-targets-exist: the target groups, redirect records and quarantine group a fleet's
 * traffic and isolate responders act on exist in the stack. The stacks are the components' own
 * output under the mocks (a fleet beside the program's target group, record and quarantine group);
 * each failing case breaks one of them.
 */
import * as ec2 from "@pulumi/aws/ec2";
import * as lb from "@pulumi/aws/lb";
import * as route53 from "@pulumi/aws/route53";
import { beforeAll, describe, expect, it } from "vitest";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { personaGuardPolicies } from "../../src/policy/pack.js";
import { trafficTargetsExist } from "../../src/policy/rules/traffic.js";
import { TYPES } from "../../src/policy/stack.js";
import { personaOf } from "../aws/support.js";
import { recorder, settled } from "../support/pulumi.js";
import {
  type RecordedStack,
  runStackRule,
  stackArgs,
  stackOf,
  urnOf,
  withInputs,
  without,
} from "./support.js";

const PERSONA = personaOf(`Name: Resilient
TelemetryTriggers:
    - Condition: CPU Load > 95% for 3 minutes
      Action: Redirect traffic to standby
      Clear: after 10 minutes
    - Condition: Network Out > 2 Gbps for 5 minutes
      Action: Isolate instance
`);
const ZONE = "Z0123456789ABCDEFGHIJ";

/** The program: a target group, the standby record and a quarantine group, and a fleet that uses them. */
async function program(quarantine?: string): Promise<RecordedStack> {
  recorder.reset();
  const group = new lb.TargetGroup("web", { port: 80, protocol: "HTTP", vpcId: "vpc-1" });
  new route53.Record("standby", {
    zoneId: ZONE,
    name: "www.example.com",
    type: "A",
    ttl: 60,
    records: ["192.0.2.20"],
    setIdentifier: "standby",
    weightedRoutingPolicies: [{ weight: 0 }],
  });
  const sg = new ec2.SecurityGroup("quarantine", { vpcId: "vpc-1", description: "quarantine" });
  new PersonaFleet("web", {
    ami: "ami-0123456789abcdef0",
    defaultPersona: PERSONA,
    instances: [{ name: "web-1" }],
    traffic: {
      targetGroupArns: [group.arn],
      targets: {
        standby: {
          hostedZoneId: ZONE,
          recordName: "www.example.com",
          recordType: "A",
          setIdentifier: "standby",
          weight: 100,
        },
      },
    },
    isolation: { securityGroupId: quarantine ?? sg.id },
  });
  await settled();
  const stack = stackOf([...recorder.resources]);
  recorder.reset();
  return stack;
}

const ISOLATE_URN = urnOf(TYPES.function, "web-isolate");
const TRAFFIC_URN = urnOf(TYPES.function, "web-traffic");
let stack: RecordedStack;

beforeAll(async () => {
  stack = await program();
});

describe("persona-traffic-targets-exist", () => {
  const rule = trafficTargetsExist;

  it("passes a fleet whose target group, redirect record and quarantine group are in the stack", async () => {
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([]);
  });

  it("passes the whole pack on that stack: the new responders' IAM meets the other rules", async () => {
    const failures = [];
    for (const policy of personaGuardPolicies)
      if ("validateStack" in policy)
        failures.push(...(await runStackRule(policy, stackArgs(stack.resources))));
    expect(failures).toEqual([]);
  });

  it("reports a redirect target whose Route 53 record is not in the stack", async () => {
    const broken = without(stack, (r) => r.type !== "aws:route53/record:Record");

    expect(await runStackRule(rule, stackArgs(broken.resources))).toEqual([
      {
        message: `Redirect target 'standby' of fleet 'web' must be a Route 53 weighted record of this stack: no A record www.example.com with set identifier 'standby' in zone ${ZONE}; declare the record in this stack or correct traffic.targets.standby.`,
        urn: TRAFFIC_URN,
      },
    ]);
  });

  it("reports a quarantine group that is not in the stack", async () => {
    const foreign = await program("sg-0123456789abcdef0");

    expect(await runStackRule(rule, stackArgs(foreign.resources))).toEqual([
      {
        message:
          "Function 'web-isolate' of fleet 'web' must isolate into a security group of this stack: quarantine group sg-0123456789abcdef0 is not in it; create it in this stack (or let the fleet create it with isolation.vpcId).",
        urn: ISOLATE_URN,
      },
    ]);
  });

  it("reports a target group that is not in the stack", async () => {
    const broken = without(stack, (r) => r.type !== "aws:lb/targetGroup:TargetGroup");

    expect(await runStackRule(rule, stackArgs(broken.resources))).toEqual([
      {
        message:
          "Function 'web-traffic' of fleet 'web' must drain only target groups of this stack: arn:aws:mock:us-east-1:123456789012:TargetGroup/web is not in it; pass the stack's target groups in traffic.targetGroupArns.",
        urn: TRAFFIC_URN,
      },
    ]);
  });

  it("does not judge a configuration that is not known yet (a preview of a new stack)", async () => {
    const unknown = withInputs(stack, TYPES.function, "web-isolate", (inputs) => ({
      ...inputs,
      environment: {},
    }));
    const broken = without(unknown, (r) => r.type !== "aws:ec2/securityGroup:SecurityGroup");

    expect(await runStackRule(rule, stackArgs(broken.resources))).toEqual([]);
  });
});
