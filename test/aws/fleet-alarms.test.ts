/**
 * PersonaFleet's alarm topology (issue 18): by default one Metrics Insights alarm per persona × alarm
 * instead of one per instance × alarm, under the mock engine, checked against the cloud contract;
 * `alarmTopology: "per-instance"` is the opt-out.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { checkCloudContract } from "../../src/aws/cloud-contract.js";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { PersonaInstance } from "../../src/aws/instance.js";
import { fleetAlarmName } from "../../src/plan/names.js";
import { countByType, recorder, resourcesOfType, settled } from "../support/pulumi.js";
import { FLEET_LEVEL, SEED_DIGEST, seedPersona, WEB_ACL } from "./support.js";

/** A seed fleet; `alarmTopology` as given (absent: the component's default). */
function seedFleet(count: number, alarmTopology?: "fleet-wide" | "per-instance") {
  return new PersonaFleet("web", {
    ami: "ami-0123456789abcdef0",
    defaultPersona: seedPersona,
    instances: Array.from({ length: count }, (_, i) => ({ name: `web-${i + 1}` })),
    firewall: { webAclArn: WEB_ACL },
    ...(alarmTopology !== undefined ? { alarmTopology } : {}),
  });
}

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

beforeEach(() => recorder.reset());

describe("PersonaFleet with fleet-wide alarms", () => {
  it("plans 1,000 seed instances by default as 1,000 instances, the fleet-level set and two Metrics Insights alarms, with no per-instance alarm", async () => {
    const fleet = seedFleet(1000);
    await settled();
    expect(countByType()).toEqual({
      ...FLEET_LEVEL,
      "aws:ec2/instance:Instance": 1000,
      [ALARM]: 2,
    });
    expect(Object.values(fleet.alarms).every((alarms) => alarms.length === 0)).toBe(true);
    const scope = { fleet: "web", stack: "stack" };
    expect(fleet.fleetAlarms).toHaveLength(2);
    expect(
      resourcesOfType(ALARM)
        .map((a) => a.inputs.name)
        .sort(),
    ).toEqual([
      fleetAlarmName(scope, SEED_DIGEST, "cpu-utilization-above"),
      fleetAlarmName(scope, SEED_DIGEST, "network-latency-above"),
    ]);
    expect(fleet.plan.alarmTopology.map((t) => [t.alarmId, t.instances, t.aws.kind])).toEqual([
      ["cpu-utilization-above", 1000, "fleet-wide"],
      ["network-latency-above", 1000, "fleet-wide"],
    ]);
  });

  it("renders the same resources by default as with alarmTopology fleet-wide", async () => {
    seedFleet(3);
    await settled();
    const byDefault = resourcesOfType(ALARM).map(({ name, inputs }) => ({ name, inputs }));
    recorder.reset();
    seedFleet(3, "fleet-wide");
    await settled();
    expect(resourcesOfType(ALARM).map(({ name, inputs }) => ({ name, inputs }))).toEqual(byDefault);
  });

  it("keeps one alarm per instance × alarm with alarmTopology per-instance (the opt-out), and none for the fleet", async () => {
    const fleet = seedFleet(3, "per-instance");
    await settled();
    expect(countByType()).toEqual({ ...FLEET_LEVEL, "aws:ec2/instance:Instance": 3, [ALARM]: 6 });
    expect(fleet.fleetAlarms).toEqual([]);
    expect(
      resourcesOfType(ALARM)
        .map((a) => a.name)
        .sort(),
    ).toEqual(
      ["web-1", "web-2", "web-3"].flatMap((key) => [
        `web-${key}-cpu-utilization-above`,
        `web-${key}-network-latency-above`,
      ]),
    );
    expect(resourcesOfType(ALARM).every((a) => a.inputs.metricQueries === undefined)).toBe(true);
    expect(fleet.plan.alarmTopology.map((t) => t.aws)).toEqual([
      { kind: "per-instance", reason: "the fleet sets topology.alarms to per-instance" },
      { kind: "per-instance", reason: "the fleet sets topology.alarms to per-instance" },
    ]);
  });

  it("keeps PersonaInstance per instance: a fleet of one gets its own single-metric alarms", async () => {
    const instance = new PersonaInstance("bastion", {
      ami: "ami-0123456789abcdef0",
      persona: seedPersona,
      firewall: { webAclArn: WEB_ACL },
    });
    await settled();
    expect(
      resourcesOfType(ALARM)
        .map((a) => a.name)
        .sort(),
    ).toEqual(["bastion-vm-cpu-utilization-above", "bastion-vm-network-latency-above"]);
    expect(instance.alarms).toHaveLength(2);
    expect(resourcesOfType(ALARM).every((a) => a.inputs.metricQueries === undefined)).toBe(true);
  });

  it("renders each fleet-wide alarm as the plan's query, tagged for the fleet and passing the cloud contract", async () => {
    seedFleet(3);
    await settled();
    const alarms = resourcesOfType(ALARM);
    const scope = { fleet: "web", stack: "stack" };
    const cpu = alarms.find(
      (a) => a.inputs.name === fleetAlarmName(scope, SEED_DIGEST, "cpu-utilization-above"),
    );
    expect(cpu?.inputs).toMatchObject({
      metricQueries: [
        {
          id: "q1",
          expression:
            'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 500',
          period: 60,
          returnData: true,
          label: "cpu-utilization-above",
        },
      ],
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      threshold: 80,
      comparisonOperator: "GreaterThanThreshold",
      tags: { "persona:owner": "fleet", "persona:fleet": "web" },
    });
    expect(cpu?.inputs).not.toHaveProperty("dimensions");
    expect(
      String(cpu?.inputs.alarmDescription).endsWith(
        `[personas:v1 digest=${SEED_DIGEST} alarm=cpu-utilization-above]`,
      ),
    ).toBe(true);
    expect(checkCloudContract(alarms.map(({ type, name, inputs }) => ({ type, name, inputs })))).toEqual([]);
  });

  it("covers an instance added to the fleet with no new alarm: the alarms of 3 and 4 members are the same", async () => {
    seedFleet(3);
    await settled();
    const before = resourcesOfType(ALARM).map(({ name, inputs }) => ({ name, inputs }));
    recorder.reset();
    seedFleet(4);
    await settled();
    expect(resourcesOfType(ALARM).map(({ name, inputs }) => ({ name, inputs }))).toEqual(before);
  });

  it("reports a fleet-wide alarm AWS would refuse: a window past the 3 hours Metrics Insights evaluates", () => {
    const violations = checkCloudContract([
      {
        type: ALARM,
        name: "too-long",
        inputs: {
          name: "personas-web_stack_fleet-0123456789abcdef-cpu",
          metricQueries: [
            {
              id: "q1",
              expression: 'SELECT AVG(CPUUtilization) FROM "AWS/EC2"',
              period: 60,
              returnData: true,
            },
          ],
          evaluationPeriods: 181,
          threshold: 1,
          comparisonOperator: "GreaterThanThreshold",
          namespace: "AWS/EC2",
        },
      },
    ]);
    expect(violations.map((v) => [v.input, v.member])).toEqual([
      ["metricQueries", "alarmMetricOrQueries"],
      ["metricQueries[0].period", "metricsInsightsEvaluationRange"],
    ]);
  });
});
