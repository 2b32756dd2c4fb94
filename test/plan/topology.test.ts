/**
 * Alarm topology (src/plan/topology.ts): which alarms become one fleet-wide rule and which stay per
 * instance, from the documented limits of CloudWatch Metrics Insights alarms (Metrics Insights quotas,
 * alarm limits) and of Azure multi-resource metric alerts. Fixtures are planned from PDL text.
 */
import { describe, expect, it } from "vitest";
import { parsePersona } from "../../src/pdl/parse.js";
import { type PersonaPlan, planFleet, planPersona } from "../../src/plan/plan.js";
import {
  AZURE_LOG_SEARCH_LIMITS,
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
  it("makes a VM platform metric one multi-resource metric rule and an agent metric one log search rule", () => {
    expect(azureAlarmTopology(planOf("CPU Load > 80% for 5 minutes").alarms[0]!)).toMatchObject({
      kind: "fleet-wide",
      rule: "metric",
    });
    expect(azureAlarmTopology(planOf("Network Latency > 100ms").alarms[0]!)).toEqual({
      kind: "fleet-wide",
      rule: "log-search",
      reason:
        "NetworkLatency is a personas-agent metric, which a multi-resource metric alert cannot watch; the agent also writes it to the Log Analytics table PersonasAgentMetrics_CL, and one log search alert rule over it, split by the VmResourceId column, fires and resolves per VM (Average over PT1M, every PT1M)",
      query:
        'PersonasAgentMetrics_CL | where Namespace == "Personas/Agent" and Metric == "NetworkLatency" | extend VmResourceId = tolower(VmResourceId) | where VmResourceId startswith "/subscriptions/<subscription>/resourcegroups/<the fleet\'s resource group>/providers/microsoft.compute/virtualmachines/" | where Count > 0 | summarize AggregatedValue = sum(Sum) / todouble(sum(Count)) by VmResourceId — then AggregatedValue GreaterThan 100',
      membership:
        "the query keeps the rows whose VmResourceId is a VM of the fleet's resource group (its id's prefix, compared case-insensitively), so a VM created there is covered with no new rule; each VM writing rows is one of the rule's time series; the intake acts only for members whose persona digest is this rule's and refuses the rest",
    });
  });
});

describe("azureAlarmTopology against Azure's log search alert rules", () => {
  const latency = () => planOf("Network Latency > 100ms for 5 minutes").alarms[0]!;

  it("keeps an agent metric per VM when its window or frequency is one a log search rule does not allow", () => {
    const alarm = latency();
    expect(azureAlarmTopology({ ...alarm, azure: { ...alarm.azure, windowSize: "PT10M" } })).toEqual({
      kind: "per-instance",
      reason:
        "its window PT10M is not one a log search alert rule allows (PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, PT24H), so each VM keeps its own custom-metric alert",
    });
    expect(azureAlarmTopology({ ...alarm, azure: { ...alarm.azure, evaluationFrequency: "PT6H" } })).toEqual({
      kind: "per-instance",
      reason:
        "its frequency PT6H is not one a log search alert rule allows (PT1M, PT5M, PT15M, PT30M, PT1H), so each VM keeps its own custom-metric alert",
    });
    for (const windowSize of AZURE_LOG_SEARCH_LIMITS.windowSizes)
      expect(azureAlarmTopology({ ...alarm, azure: { ...alarm.azure, windowSize } }).kind).toBe("fleet-wide");
  });

  it("says when more VMs can breach at once than a stateful rule fires per evaluation", () => {
    expect(azureAlarmTopology(latency(), AZURE_LOG_SEARCH_LIMITS.alertsPerEvaluation)).not.toHaveProperty(
      "limit",
    );
    expect(azureAlarmTopology(latency(), 1000)).toMatchObject({
      kind: "fleet-wide",
      limit:
        "1000 VMs can breach at once, and a stateful log search rule fires at most 300 alerts per evaluation (5000 fired at once): the rest fire at later evaluations",
    });
  });

  it("keeps the 101st one-minute log search rule of a fleet per VM (100 per subscription)", () => {
    const alarms = [latency()];
    const personas = Array.from({ length: 101 }, (_, i) => ({
      persona: { name: `P${i}`, digest: contentDigest({ persona: `P${i}` }) },
      alarms,
      instances: 1,
    }));
    const planned = planTopology(personas);
    expect(planned.filter((t) => t.azure.kind === "fleet-wide")).toHaveLength(100);
    expect(planned[100]!.azure).toEqual({
      kind: "per-instance",
      reason:
        "the fleet already has 100 log search alert rules evaluated every minute, the most a subscription may have",
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
  it("plans a 1,000-instance seed fleet as one fleet-wide rule per seed alarm on both clouds (on Azure the agent's latency as a log search rule)", () => {
    const instances = Array.from({ length: 1000 }, (_, i) => ({
      key: `web-${i + 1}`,
      resolved: seedPersona,
    }));
    const plan = planFleet("web", instances, { webAcl: true });
    expect(plan.alarmTopology.map((t) => [t.alarmId, t.instances, t.aws.kind, t.azure.kind])).toEqual([
      ["cpu-utilization-above", 1000, "fleet-wide", "fleet-wide"],
      ["network-latency-above", 1000, "fleet-wide", "fleet-wide"],
    ]);
    expect(plan.alarmTopology.map((t) => t.azure.kind === "fleet-wide" && t.azure.rule)).toEqual([
      "metric",
      "log-search",
    ]);
  });
});
