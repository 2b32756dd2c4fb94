import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadProgram } from "../../src/aws/program.js";
import { assertAzureCloudContract, setFunctionPackageCheck } from "../../src/azure/index.js";
import { countByType, recorder, resourceNamed, settled } from "../support/pulumi.js";

let previousCheck: boolean;
beforeAll(() => {
  previousCheck = setFunctionPackageCheck(false);
});
afterAll(() => {
  setFunctionPackageCheck(previousCheck);
});
beforeEach(() => recorder.reset());

describe("examples/azure-web-hightraffic", () => {
  it("plans offline: three role=web VMs resolve to HighTraffic 1.2.0 through the same mapping as the AWS example", async () => {
    // The project directory, as `pulumi up` and `personas plan` read it (Pulumi.yaml, package.json main).
    loadProgram("examples/azure-web-hightraffic")();
    await settled();
    expect(countByType()).toMatchObject({
      "azure-native:compute:VirtualMachine": 3,
      "azure-native:network:NetworkInterface": 3,
      // The default topology: one metric rule for the fleet's CPU alarm, one log search rule for its
      // latency alarm (the personas agent's metric), no alert per VM.
      "azure-native:monitor:MetricAlert": 1,
      "azure-native:monitor:ScheduledQueryRule": 1,
      "azure-native:network:NetworkSecurityGroup": 1,
      "azure-native:web:WebApp": 2,
      "personas:azure:AzurePersonaFleet": 1,
    });
    expect(resourceNamed("azure-native:compute:VirtualMachine", "web-web-1").inputs).toMatchObject({
      vmName: "web-1",
      tags: { role: "web", "persona:name": "HighTraffic", "persona:version": "1.2.0" },
    });
    expect(
      resourceNamed("azure-native:network:NetworkInterface", "web-web-3-nic").inputs.ipConfigurations,
    ).toEqual([
      expect.objectContaining({ privateIPAllocationMethod: "Static", privateIPAddress: "10.40.1.6" }),
    ]);
    const fleetResources = recorder.resources.filter(
      (r) => r.name.startsWith("web-") || r.type.startsWith("personas:"),
    );
    expect(() => assertAzureCloudContract(fleetResources)).not.toThrow();
  });
});
