/**
 * AzurePersonaInstance and AzurePersonaAttachment keep one alert per VM × alarm whatever a fleet's
 * default topology (fleet-wide, issue 18): a fleet of one gains nothing from a rule over its group, and
 * an attachment's VMs are in groups the stack does not own.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AzurePersonaAttachment,
  AzurePersonaInstance,
  setFunctionPackageCheck,
} from "../../src/azure/index.js";
import { seedPersona } from "../aws/support.js";
import { recorder, resourcesOfType, settled } from "../support/pulumi.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const NSG = `/subscriptions/${SUBSCRIPTION}/resourceGroups/network/providers/Microsoft.Network/networkSecurityGroups/edge`;
const ALERT = "azure-native:monitor:MetricAlert";
const PER_INSTANCE = { kind: "per-instance", reason: "the fleet sets topology.alarms to per-instance" };

let previousCheck: boolean;
beforeAll(() => {
  previousCheck = setFunctionPackageCheck(false);
});
afterAll(() => {
  setFunctionPackageCheck(previousCheck);
});
beforeEach(() => recorder.reset());

describe("Azure components that are always per VM", () => {
  it("gives an AzurePersonaInstance its own alert for each of the seed's alarms, the CPU one included", async () => {
    const instance = new AzurePersonaInstance("bastion", {
      location: "westeurope",
      image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
      subnetId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/network/providers/Microsoft.Network/virtualNetworks/vnet/subnets/web`,
      admin: { username: "ops", sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkey ops" },
      privateIpAddress: "10.0.0.4",
      persona: seedPersona,
      firewall: { networkSecurityGroupId: NSG },
    });
    await settled();
    expect(
      resourcesOfType(ALERT)
        .map((a) => a.name)
        .sort(),
    ).toEqual(["bastion-bastion-cpu-utilization-above", "bastion-bastion-network-latency-above"]);
    expect(instance.alerts).toHaveLength(2);
    // One VM each: the single-resource criteria, not the fleet rules' multi-resource ones.
    expect(resourcesOfType(ALERT).map((a) => (a.inputs.criteria as { odataType: string }).odataType)).toEqual(
      [
        "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
        "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
      ],
    );
  });

  it("gives each VM attached by an AzurePersonaAttachment its own alerts, and plans no alarm fleet-wide", async () => {
    const vm = (name: string) =>
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/legacy/providers/Microsoft.Compute/virtualMachines/${name}`;
    const attachment = new AzurePersonaAttachment("legacy", {
      location: "westeurope",
      defaultPersona: seedPersona,
      instances: [
        { name: "web-1", vmId: vm("web-1") },
        { name: "web-2", vmId: vm("web-2") },
      ],
      firewall: { networkSecurityGroupId: NSG },
    });
    await settled();
    expect(
      resourcesOfType(ALERT)
        .map((a) => a.name)
        .sort(),
    ).toEqual([
      "legacy-web-1-cpu-utilization-above",
      "legacy-web-1-network-latency-above",
      "legacy-web-2-cpu-utilization-above",
      "legacy-web-2-network-latency-above",
    ]);
    // The fleet manifest marks an alarm fleetWide from this plan: none may be.
    expect(attachment.plan.alarmTopology.map((t) => [t.aws, t.azure])).toEqual([
      [PER_INSTANCE, PER_INSTANCE],
      [PER_INSTANCE, PER_INSTANCE],
    ]);
  });
});
