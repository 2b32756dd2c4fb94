/**
 * PersonaFleet with `alarmTopology: "fleet-wide"` (issue 18): one Metrics Insights alarm per persona ×
 * alarm instead of one per instance × alarm, under the mock engine, checked against the cloud contract.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { checkCloudContract } from "../../src/aws/cloud-contract.js";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { fleetAlarmName } from "../../src/plan/names.js";
import { countByType, recorder, resourcesOfType, settled } from "../support/pulumi.js";
import { SEED_DIGEST, seedPersona, WEB_ACL } from "./support.js";

function seedFleet(count: number) {
  return new PersonaFleet("web", {
    ami: "ami-0123456789abcdef0",
    defaultPersona: seedPersona,
    instances: Array.from({ length: count }, (_, i) => ({ name: `web-${i + 1}` })),
    firewall: { webAclArn: WEB_ACL },
    alarmTopology: "fleet-wide",
  });
}

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

beforeEach(() => recorder.reset());

describe("PersonaFleet with fleet-wide alarms", () => {
  it("plans 1,000 seed instances as 1,000 instances and two Metrics Insights alarms, with no per-instance alarm", async () => {
    const fleet = seedFleet(1000);
    await settled();
    const counts = countByType();
    expect(counts["aws:ec2/instance:Instance"]).toBe(1000);
    expect(counts[ALARM]).toBe(2);
    expect(Object.values(fleet.alarms).every((alarms) => alarms.length === 0)).toBe(true);
    // Everything else is per fleet: the total is the instances plus a constant.
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    recorder.reset();
    seedFleet(10);
    await settled();
    const small = Object.values(countByType()).reduce((a, b) => a + b, 0);
    expect(total - 1000).toBe(small - 10);
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
