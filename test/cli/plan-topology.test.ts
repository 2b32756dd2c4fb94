import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/errors.js";
import { parsePlanArgs, planCommand } from "../../src/cli/plan.js";
import { installMocks } from "../support/pulumi.js";

// planCommand installs its own mocks; give the other test files theirs back.
afterAll(() => installMocks());

describe("personas plan --alarm-topology", () => {
  it("prints each alarm's topology with its reason and query, and the monthly cost side by side", async () => {
    const result = await planCommand(
      parsePlanArgs([
        "examples/HighTraffic.yaml",
        "--fleet",
        "web",
        "--instances",
        "3",
        "--alarm-topology",
        "fleet-wide",
      ]),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("  2 × aws:cloudwatch/metricAlarm:MetricAlarm\n");
    expect(result.stdout).toContain("  3 × aws:ec2/instance:Instance\n");
    expect(result.stdout).toContain(
      "  HighTraffic cpu-utilization-above on AWS: fleet-wide, because AWS/EC2 CPUUtilization every 60 s over 5 minutes is within Metrics Insights alarms' limits (1-minute periods or longer, 3 hours of data)\n" +
        '    rule: SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 500\n',
    );
    expect(result.stdout).toContain(
      "  HighTraffic network-latency-above on Azure: fleet-wide, because NetworkLatency is a personas-agent metric, which a multi-resource metric alert cannot watch; the agent also writes it to the Log Analytics table PersonasAgentMetrics_CL, and one log search alert rule over it, split by the VmResourceId column, fires and resolves per VM (Average over PT1M, every PT1M)\n",
    );
    expect(result.stdout).toMatch(/\n {2}instances: \$\d+\.\d\d\n/);
    expect(result.stdout).toContain("  alarms, one per instance × alarm: $0.60 (6 alarm resources)\n");
    expect(result.stdout).toContain(
      "  alarms as planned (a fleet-wide alarm is billed per metric its query analyzes): $0.60 (2 alarm resources)\n",
    );
  });

  it("says without the flag, for each alarm on both clouds, which topology the plan chose and why (fleet-wide is the default)", async () => {
    expect(parsePlanArgs(["examples/HighTraffic.yaml"]).alarmTopology).toBe("fleet-wide");
    const result = await planCommand(
      parsePlanArgs(["examples/HighTraffic.yaml", "--fleet", "web", "--instances", "3"]),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("  2 × aws:cloudwatch/metricAlarm:MetricAlarm\n");
    const membership = (metric: string) =>
      `    membership: every instance of the account and Region publishing ${metric} is a contributor (the metric carries InstanceId only, and the query cannot select by tag); the responders act only for members whose persona digest is this alarm's, so a non-member's contributor costs one refused Lambda invocation per state change and one of the query's 500 series`;
    expect(result.stdout).toContain(
      [
        "",
        'Alarm topology (--alarm-topology fleet-wide|per-instance; docs/aws.md, "Fleet-wide alarms"):',
        "  HighTraffic cpu-utilization-above on AWS: fleet-wide, because AWS/EC2 CPUUtilization every 60 s over 5 minutes is within Metrics Insights alarms' limits (1-minute periods or longer, 3 hours of data)",
        '    rule: SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 500',
        membership("CPUUtilization"),
        "  HighTraffic cpu-utilization-above on Azure: fleet-wide, because Percentage CPU is a platform metric of Microsoft.Compute/virtualMachines: one rule watches every VM of the fleet's resource group in its region and fires per VM",
        "    rule: scope: the fleet's resource group; targetResourceType Microsoft.Compute/virtualMachines; Minimum(Percentage CPU) GreaterThan 80 over PT5M every PT1M",
        "    membership: every VM in the fleet's resource group and region is watched (a VM created there is covered with no new rule, and each VM is one of the rule's time series, billed as such); the intake acts only for members whose persona digest is this rule's and refuses the rest",
        "  HighTraffic network-latency-above on AWS: fleet-wide, because Personas/Agent NetworkLatency every 60 s over 1 minutes is within Metrics Insights alarms' limits (1-minute periods or longer, 3 hours of data)",
        '    rule: SELECT AVG(NetworkLatency) FROM SCHEMA("Personas/Agent", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 500',
        membership("NetworkLatency"),
        "",
      ].join("\n"),
    );
    // On Azure the agent's latency metric is one log search rule over the agent's table (docs/azure.md).
    expect(result.stdout).toContain(
      "  HighTraffic network-latency-above on Azure: fleet-wide, because NetworkLatency is a personas-agent metric, which a multi-resource metric alert cannot watch; the agent also writes it to the Log Analytics table PersonasAgentMetrics_CL, and one log search alert rule over it, split by the VmResourceId column, fires and resolves per VM (Average over PT1M, every PT1M)\n",
    );
  });

  it("keeps every alarm per instance with --alarm-topology per-instance, saying so for each", async () => {
    const result = await planCommand(
      parsePlanArgs([
        "examples/HighTraffic.yaml",
        "--fleet",
        "web",
        "--instances",
        "3",
        "--alarm-topology",
        "per-instance",
      ]),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("  6 × aws:cloudwatch/metricAlarm:MetricAlarm\n");
    expect(result.stdout).toContain(
      [
        "",
        'Alarm topology (--alarm-topology fleet-wide|per-instance; docs/aws.md, "Fleet-wide alarms"):',
        "  HighTraffic cpu-utilization-above on AWS: per-instance, because the fleet sets topology.alarms to per-instance",
        "  HighTraffic cpu-utilization-above on Azure: per-instance, because the fleet sets topology.alarms to per-instance",
        "  HighTraffic network-latency-above on AWS: per-instance, because the fleet sets topology.alarms to per-instance",
        "  HighTraffic network-latency-above on Azure: per-instance, because the fleet sets topology.alarms to per-instance",
        "",
      ].join("\n"),
    );
    expect(result.stdout).toContain(
      "  alarms as planned (a fleet-wide alarm is billed per metric its query analyzes): $0.60 (6 alarm resources)\n",
    );
  });

  it("rejects an unknown topology", () => {
    expect(() => parsePlanArgs(["examples/HighTraffic.yaml", "--alarm-topology", "shared"])).toThrow(
      new UsageError("--alarm-topology must be 'fleet-wide' or 'per-instance', not 'shared'"),
    );
  });
});
