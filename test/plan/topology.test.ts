/**
 * Alarm topology (src/plan/topology.ts): which alarms become one fleet-wide rule and which stay per
 * instance, from the documented limits of CloudWatch Metrics Insights alarms (Metrics Insights quotas,
 * alarm limits) and of Azure multi-resource metric alerts. Fixtures are planned from PDL text.
 */
import { describe, expect, it } from "vitest";
import { parsePersona } from "../../src/pdl/parse.js";
import { type PersonaPlan, planFleet, planPersona } from "../../src/plan/plan.js";
import {
  AZURE_MULTI_RESOURCE_LIMITS,
  awsAlarmTopology,
  azureAlarmTopology,
  METRICS_INSIGHTS_LIMITS,
  metricsInsightsQuery,
  planTopology,
} from "../../src/plan/topology.js";
import { contentDigest } from "../../src/repository/digest.js";
import { seedPersona } from "../aws/support.js";

function planOf(trigger: string): PersonaPlan {
  const persona = parsePersona(
    `Name: Topology\nVersion: "1.0.0"\nBaseConfiguration:\n    CPU: 2 cores\n    Memory: 8 GB\nTelemetryTriggers:\n    - Name: t\n      Condition: ${trigger}\n      Action: "Notify ops: load"\n`,
    { file: "topology.yaml" },
  );
  return planPersona({
    persona,
    ref: { name: "Topology", version: "1.0.0", digest: contentDigest(persona) },
  });
}

describe("awsAlarmTopology", () => {
  const cases: { condition: string; kind: "fleet-wide" | "per-instance"; why: RegExp }[] = [
    {
      condition: "CPU Load > 80% for 5 minutes",
      kind: "fleet-wide",
      why: /within Metrics Insights alarms' limits/,
    },
    { condition: "CPU Load < 10% for 3 hours", kind: "fleet-wide", why: /over 180 minutes/ },
    { condition: "CPU Load > 80% for 4 hours", kind: "per-instance", why: /longer than the 3 hours of data/ },
    { condition: "Memory Utilization > 90% for 10 minutes", kind: "fleet-wide", why: /mem_used_percent/ },
  ];
  it.each(cases)("makes '$condition' $kind", ({ condition, kind, why }) => {
    const topology = awsAlarmTopology(planOf(condition).alarms[0]!, 3);
    expect(topology.kind).toBe(kind);
    expect(topology.reason).toMatch(why);
  });

  it("keeps a 10-second alarm per instance: Metrics Insights aggregates sub-minute data per minute", () => {
    const alarm = planOf("CPU Load > 80% for 5 minutes").alarms[0]!;
    const highResolution = { ...alarm, aws: { ...alarm.aws, period: 10, evaluationPeriods: 30 } };
    expect(awsAlarmTopology(highResolution, 3)).toEqual({
      kind: "per-instance",
      reason:
        "its 10 s period is finer than Metrics Insights evaluates (it aggregates sub-minute data per minute), so each instance keeps its own high-resolution alarm",
    });
  });

  it("says what happens past the 500 series one query returns", () => {
    const topology = awsAlarmTopology(planOf("CPU Load > 80% for 5 minutes").alarms[0]!, 501);
    expect(topology.kind === "fleet-wide" && topology.limit).toBe(
      '501 instances exceed the 500 series one query returns: the 500 nearest to breaching are evaluated (ORDER BY), the alarm\'s EvaluationState is PARTIAL_DATA, and at most 100 contributors are in ALARM at once; split the fleet, or set topology.alarms to "per-instance"',
    );
    expect(awsAlarmTopology(planOf("CPU Load > 80% for 5 minutes").alarms[0]!, 500)).not.toHaveProperty(
      "limit",
    );
  });
});

describe("metricsInsightsQuery", () => {
  it("groups by InstanceId and orders toward breaching: highest first for >, lowest first for <", () => {
    expect(metricsInsightsQuery(planOf("CPU Load > 80% for 5 minutes").alarms[0]!.aws)).toBe(
      'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 500',
    );
    expect(metricsInsightsQuery(planOf("CPU Load < 10% for 5 minutes").alarms[0]!.aws)).toBe(
      'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() ASC LIMIT 500',
    );
  });

  it("quotes a namespace or metric name holding other characters than letters, digits and _", () => {
    const spec = planOf("CPU Load > 80% for 5 minutes").alarms[0]!.aws;
    expect(metricsInsightsQuery({ ...spec, namespace: 'Odd"Name\\Space', metricName: "a.b" })).toBe(
      'SELECT AVG("a.b") FROM SCHEMA("Odd\\"Name\\\\Space", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 500',
    );
  });
});

describe("azureAlarmTopology", () => {
  it("makes a VM platform metric one multi-resource rule and keeps a guest metric per VM", () => {
    expect(azureAlarmTopology(planOf("CPU Load > 80% for 5 minutes").alarms[0]!).kind).toBe("fleet-wide");
    expect(azureAlarmTopology(planOf("Network Latency > 100ms").alarms[0]!)).toEqual({
      kind: "per-instance",
      reason:
        "Personas/Agent NetworkLatency is not a virtual-machine platform metric, which is what one alert rule can watch on many VMs",
    });
  });
});

describe("azureAlarmTopology against Azure's multi-resource rules", () => {
  it("keeps the VM network metrics per VM, which multi-resource rules do not support", () => {
    expect(azureAlarmTopology(planOf("Network In > 500 Mbps for 5 minutes").alarms[0]!)).toEqual({
      kind: "per-instance",
      reason:
        'Azure Monitor does not support multi-resource rules on the VM network metric Network In Total ("Monitor multiple resources with one alert rule"), so each VM keeps its own alert',
    });
    expect(azureAlarmTopology(planOf("Memory Utilization > 90% for 5 minutes").alarms[0]!).kind).toBe(
      "fleet-wide",
    );
  });

  it("says when the fleet's VMs exceed the 5,000 time series a rule monitors by default", () => {
    const cpu = planOf("CPU Load > 80% for 5 minutes").alarms[0]!;
    expect(azureAlarmTopology(cpu, AZURE_MULTI_RESOURCE_LIMITS.timeSeriesPerRule)).not.toHaveProperty(
      "limit",
    );
    expect(azureAlarmTopology(cpu, 5001)).toMatchObject({
      kind: "fleet-wide",
      limit:
        '5001 VMs in the fleet\'s resource group exceed the 5000 time series one rule monitors by default: ask Azure support to lift the limit, split the fleet, or set alarmTopology to "per-instance"',
    });
  });

  it("counts every VM of the fleet against each rule: the rule's scope is the whole resource group", () => {
    const cpu = planOf("CPU Load > 80% for 5 minutes");
    const personas = [3000, 2001].map((instances, i) => ({
      persona: { name: `P${i}`, digest: contentDigest({ persona: `P${i}` }) },
      alarms: cpu.alarms,
      instances,
    }));
    expect(
      planTopology(personas).map((t) => t.azure.kind === "fleet-wide" && t.azure.limit !== undefined),
    ).toEqual([true, true]);
  });
});

describe("planTopology", () => {
  it("keeps alarms past the 200 Metrics Insights alarms of an account and Region per instance", () => {
    const plan = planOf("CPU Load > 80% for 5 minutes");
    const personas = Array.from({ length: METRICS_INSIGHTS_LIMITS.alarmsPerRegion + 1 }, (_, i) => ({
      persona: { name: `P${i}`, digest: contentDigest({ persona: `P${i}` }) },
      alarms: plan.alarms,
      instances: 1,
    }));
    const planned = planTopology(personas);
    expect(planned.filter((t) => t.aws.kind === "fleet-wide")).toHaveLength(200);
    expect(planned.at(-1)!.aws).toEqual({
      kind: "per-instance",
      reason: "the fleet already has 200 Metrics Insights alarms, the default quota per account and Region",
    });
  });

  it("keeps every alarm per instance when the fleet asks for it", () => {
    const plan = planOf("CPU Load > 80% for 5 minutes");
    const [only] = planTopology([{ persona: plan.persona, alarms: plan.alarms, instances: 2 }], {
      alarms: "per-instance",
    });
    expect(only!.aws).toEqual({
      kind: "per-instance",
      reason: "the fleet sets topology.alarms to per-instance",
    });
  });
});

describe("planFleet alarm topology", () => {
  it("plans a 1,000-instance seed fleet as one fleet-wide AWS rule per seed alarm; on Azure the agent's latency stays per VM", () => {
    const instances = Array.from({ length: 1000 }, (_, i) => ({
      key: `web-${i + 1}`,
      resolved: seedPersona,
    }));
    const plan = planFleet("web", instances, { webAcl: true });
    expect(plan.alarmTopology.map((t) => [t.alarmId, t.instances, t.aws.kind, t.azure.kind])).toEqual([
      ["cpu-utilization-above", 1000, "fleet-wide", "fleet-wide"],
      ["network-latency-above", 1000, "fleet-wide", "per-instance"],
    ]);
  });
});
