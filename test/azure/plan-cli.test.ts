import { afterAll, describe, expect, it } from "vitest";
import { agentBlobName, readAzureAgentBundle } from "../../src/azure/agent-artifact.js";
import { parsePlanArgs, planCommand } from "../../src/cli/plan.js";
import { fleetAlarmName } from "../../src/plan/names.js";
import { SEED_DIGEST } from "../aws/support.js";
import { installMocks } from "../support/pulumi.js";

// planCommand installs its own mocks; give the other test files theirs back.
afterAll(() => installMocks());

describe("personas plan --cloud azure", () => {
  it("prints the seed's Azure resources, the CPU alert's settings and how Azure alerts approximate the persona (per-instance topology)", async () => {
    const result = await planCommand(
      parsePlanArgs([
        "examples/HighTraffic.yaml",
        "--cloud",
        "azure",
        "--fleet",
        "web",
        "--instances",
        "2",
        "--alarm-topology",
        "per-instance",
      ]),
    );
    expect(result.stderr).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("personas:azure:AzurePersonaFleet web\n");
    expect(result.stdout).toContain(
      " azure-native:monitor:MetricAlert web-web-1-cpu-utilization-above  resourceGroupName=personas-web_plan ruleName=personas-web_plan_web-1-cpu-utilization-above windowSize=PT5M evaluationFrequency=PT1M\n",
    );
    expect(result.stdout).toContain("\n46 resources:\n");
    const bundle = readAzureAgentBundle({ component: "test", name: "web" });
    expect(result.stdout).toContain(
      `\nPersonas agent: shipped with the stack as azure-native:storage:Blob web-agent (container personas-agent, blob ${agentBlobName(bundle)}, sha256 ${bundle.sha256}),\n  fetched by each VM from the fleet's storage account with the VMs' user-assigned identity (Storage Blob\n  Data Reader on that container only) and run only if the SHA-256 matches; no package registry is used at boot.\n`,
    );
    expect(result.stdout).toContain("  2 × azure-native:compute:VirtualMachine\n");
    expect(result.stdout).toContain("  2 × azure-native:web:WebApp\n");
    expect(result.stdout).toContain(
      "\nAzure alerts: static thresholds have no M-of-N; 'for N minutes' is the window's Minimum (Maximum for < and <=) over PTNM, evaluated every PT1M, firing at the Nth breaching minute as on CloudWatch.\n",
    );
  });

  it("prints, without --alarm-topology, the fleet-wide metric rule, the latency's log search rule with its query, and the rules, time series and agent rows either way", async () => {
    const result = await planCommand(
      parsePlanArgs(["examples/HighTraffic.yaml", "--cloud", "azure", "--fleet", "web", "--instances", "3"]),
    );
    expect(result.stderr).toBeUndefined();
    expect(result.exitCode).toBe(0);
    const rule = fleetAlarmName({ fleet: "web", stack: "plan" }, SEED_DIGEST, "cpu-utilization-above");
    expect(result.stdout).toContain(` ruleName=${rule} `);
    expect(result.stdout).toContain("  1 × azure-native:monitor:MetricAlert\n");
    expect(result.stdout).toContain("  1 × azure-native:monitor:ScheduledQueryRule\n");
    expect(result.stdout).toContain(
      [
        "",
        'Alarm topology (--alarm-topology fleet-wide|per-instance; docs/azure.md, "Fleet-wide alert rules"):',
        "  HighTraffic cpu-utilization-above on Azure: fleet-wide, because Percentage CPU is a platform metric of Microsoft.Compute/virtualMachines: one rule watches every VM of the fleet's resource group in its region and fires per VM",
        "    rule: scope: the fleet's resource group; targetResourceType Microsoft.Compute/virtualMachines; Minimum(Percentage CPU) GreaterThan 80 over PT5M every PT1M",
      ].join("\n"),
    );
    expect(result.stdout).toContain(
      [
        "  HighTraffic network-latency-above on Azure: fleet-wide, because NetworkLatency is a personas-agent metric, which a multi-resource metric alert cannot watch; the agent also writes it to the Log Analytics table PersonasAgentMetrics_CL, and one log search alert rule over it, split by the VmResourceId column, fires and resolves per VM (Average over PT1M, every PT1M)",
        '    rule: PersonasAgentMetrics_CL | where Namespace == "Personas/Agent" and Metric == "NetworkLatency" | extend VmResourceId = tolower(VmResourceId) | where VmResourceId startswith "/subscriptions/<subscription>/resourcegroups/<the fleet\'s resource group>/providers/microsoft.compute/virtualmachines/" | where Count > 0 | summarize AggregatedValue = sum(Sum) / todouble(sum(Count)) by VmResourceId — then AggregatedValue GreaterThan 100',
        "",
      ].join("\n"),
    );
    expect(result.stdout).toContain(
      [
        "",
        "Azure Monitor alerts (billed per monitored time series: https://azure.microsoft.com/pricing/details/monitor/; a fleet-wide rule watches every VM of the fleet's resource group):",
        "  one per VM × alarm: 6 alert rules monitoring 6 time series",
        "  as planned: 2 alert rules monitoring 6 time series",
        "  of which log search rules on agent metrics: 1 alert rule monitoring 3 time series (by frequency: PT1M 1); the agents write 131400 rows a month to PersonasAgentMetrics_CL, about 0.04 GB of Log Analytics ingestion (276 bytes a row, estimated)",
        "  prices not shown: log search rules (per rule by frequency, per time series) and Log Analytics ingestion (per GB) are priced on the Azure Monitor pricing page, which this estimate has no copy of",
        "",
      ].join("\n"),
    );
  });

  it("refuses a cloud it does not know", () => {
    expect(() => parsePlanArgs(["examples/HighTraffic.yaml", "--cloud", "gcp"])).toThrow(
      "--cloud must be 'aws' or 'azure', not 'gcp'",
    );
  });
});
