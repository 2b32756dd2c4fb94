import { afterAll, describe, expect, it } from "vitest";
import { agentBlobName, readAzureAgentBundle } from "../../src/azure/agent-artifact.js";
import { parsePlanArgs, planCommand } from "../../src/cli/plan.js";
import { fleetAlarmName } from "../../src/plan/names.js";
import { SEED_DIGEST } from "../aws/support.js";
import { installMocks } from "../support/pulumi.js";

// planCommand installs its own mocks; give the other test files theirs back.
afterAll(() => installMocks());

describe("personas plan --cloud azure", () => {
  it("prints the seed's Azure resources, the CPU alert's settings and how Azure alerts approximate the persona", async () => {
    const result = await planCommand(
      parsePlanArgs(["examples/HighTraffic.yaml", "--cloud", "azure", "--fleet", "web", "--instances", "2"]),
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

  it("prints the fleet-wide rule, why the latency alert stays per VM, and the rules and time series either way", async () => {
    const result = await planCommand(
      parsePlanArgs([
        "examples/HighTraffic.yaml",
        "--cloud",
        "azure",
        "--fleet",
        "web",
        "--instances",
        "3",
        "--alarm-topology",
        "fleet-wide",
      ]),
    );
    expect(result.stderr).toBeUndefined();
    expect(result.exitCode).toBe(0);
    const rule = fleetAlarmName({ fleet: "web", stack: "plan" }, SEED_DIGEST, "cpu-utilization-above");
    expect(result.stdout).toContain(` ruleName=${rule} `);
    expect(result.stdout).toContain("  4 × azure-native:monitor:MetricAlert\n");
    expect(result.stdout).toContain(
      [
        "",
        'Alarm topology (--alarm-topology fleet-wide|per-instance; docs/azure.md, "Fleet-wide alert rules"):',
        "  HighTraffic cpu-utilization-above on Azure: fleet-wide, because Percentage CPU is a platform metric of Microsoft.Compute/virtualMachines: one rule watches every VM of the fleet's resource group in its region and fires per VM",
        "    rule: scope: the fleet's resource group; targetResourceType Microsoft.Compute/virtualMachines; Minimum(Percentage CPU) GreaterThan 80 over PT5M every PT1M",
      ].join("\n"),
    );
    expect(result.stdout).toContain(
      "  HighTraffic network-latency-above on Azure: per-instance, because Personas/Agent NetworkLatency is not a virtual-machine platform metric, which is what one alert rule can watch on many VMs\n",
    );
    expect(result.stdout).toContain(
      [
        "",
        "Azure Monitor alerts (billed per monitored time series: https://azure.microsoft.com/pricing/details/monitor/; a fleet-wide rule watches every VM of the fleet's resource group):",
        "  one per VM × alarm: 6 alert rules monitoring 6 time series",
        "  as planned: 4 alert rules monitoring 6 time series",
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
