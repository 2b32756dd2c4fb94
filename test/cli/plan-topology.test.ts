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

  it("rejects an unknown topology", () => {
    expect(() => parsePlanArgs(["examples/HighTraffic.yaml", "--alarm-topology", "shared"])).toThrow(
      new UsageError("--alarm-topology must be 'fleet-wide' or 'per-instance', not 'shared'"),
    );
  });
});
