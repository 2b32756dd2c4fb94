/**
 * The orchestrator function app and its Event Grid subscription on the fleet's resource group (issue
 * 15): rendered by AzurePersonaFleet with `orchestrator: true`, planned through the components' own
 * constructors (test/support/fast-plan.ts), inputs asserted exactly and checked against the cloud
 * contract.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlannedResource } from "../../src/aws/offline.js";
import { azureContractViolations } from "../../src/azure/cloud-contract.js";
import { AzurePersonaFleet, setFunctionPackageCheck } from "../../src/azure/index.js";
import { ORCHESTRATOR_ROLE_ACTIONS } from "../../src/azure/render.js";
import { KIND_APP_SETTINGS } from "../../src/runtime/azure/contract.js";
import { seedPersona } from "../aws/support.js";
import { planFast } from "../support/fast-plan.js";
import { installMocks } from "../support/pulumi.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const EVENTS = "azure-native:eventgrid:EventSubscription";

function fleetProgram(orchestrator: boolean) {
  return () => {
    new AzurePersonaFleet("web", {
      location: "westeurope",
      image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
      subnetId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/network/providers/Microsoft.Network/virtualNetworks/vnet/subnets/web`,
      admin: { username: "ops", sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkey ops" },
      defaultPersona: seedPersona,
      instances: [
        { name: "web-1", privateIpAddress: "10.0.0.4" },
        { name: "web-2", privateIpAddress: "10.0.0.5" },
      ],
      firewall: {
        networkSecurityGroupId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/network/providers/Microsoft.Network/networkSecurityGroups/edge`,
      },
      orchestrator,
    });
  };
}

function named(resources: readonly PlannedResource[], type: string, name: string): PlannedResource {
  const found = resources.find((r) => r.type === type && r.name === name);
  if (found === undefined) throw new Error(`no ${type} ${name} was planned`);
  return found;
}

let previousCheck: boolean;
beforeAll(() => {
  previousCheck = setFunctionPackageCheck(false);
});
afterAll(async () => {
  setFunctionPackageCheck(previousCheck);
  await installMocks();
});

describe("AzurePersonaFleet with the orchestrator", () => {
  it("subscribes the orchestrator's resource-writes function to its VMs' ResourceWriteSuccess events on the fleet's resource group", async () => {
    const resources = await planFast(fleetProgram(true));
    const group = named(resources, "azure-native:resources:ResourceGroup", "web-group");
    const app = named(resources, "azure-native:web:WebApp", "web-orchestrator");
    expect(named(resources, EVENTS, "web-orchestrator-events").inputs).toEqual({
      scope: group.outputs!.id,
      eventSubscriptionName: "personas-orchestrator",
      destination: {
        endpointType: "AzureFunction",
        resourceId: `${app.outputs!.id}/functions/resource-writes`,
        maxEventsPerBatch: 1,
      },
      filter: {
        includedEventTypes: ["Microsoft.Resources.ResourceWriteSuccess"],
        subjectBeginsWith: `${group.outputs!.id}/providers/Microsoft.Compute/virtualMachines/`,
        isSubjectCaseSensitive: false,
      },
      eventDeliverySchema: "EventGridSchema",
      retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
    });
    expect(azureContractViolations(resources)).toEqual([]);
  });

  it("deploys the orchestrator app with its own identity, a role that reads VMs and owns metric alerts in the group, and the action groups its run-time alerts call", async () => {
    const resources = await planFast(fleetProgram(true));
    const group = named(resources, "azure-native:resources:ResourceGroup", "web-group");
    const role = named(resources, "azure-native:authorization:RoleDefinition", "web-orchestrator-role");
    expect(role.inputs.permissions).toEqual([
      {
        actions: [...ORCHESTRATOR_ROLE_ACTIONS.actions],
        dataActions: [],
        notActions: [],
        notDataActions: [],
      },
    ]);
    expect(role.inputs.assignableScopes).toEqual([group.outputs!.id]);
    const assignment = named(resources, "azure-native:authorization:RoleAssignment", "web-orchestrator-role");
    expect(assignment.inputs).toMatchObject({ scope: group.outputs!.id, roleDefinitionId: role.outputs!.id });
    const app = named(resources, "azure-native:web:WebApp", "web-orchestrator");
    const settings = Object.fromEntries(
      (app.inputs.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings.map((s) => [
        s.name,
        s.value,
      ]),
    );
    // The fleet-wide rules' region: the orchestrator refuses VMs elsewhere.
    expect(settings[KIND_APP_SETTINGS.location]).toBe("westeurope");
    expect(JSON.parse(settings[KIND_APP_SETTINGS.actionGroups]!)).toEqual({
      scale: named(resources, "azure-native:monitor:ActionGroup", "web-actions-scale").outputs!.id,
      feature: named(resources, "azure-native:monitor:ActionGroup", "web-actions-feature").outputs!.id,
    });
    expect(app.inputs.identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [
        named(resources, "azure-native:managedidentity:UserAssignedIdentity", "web-orchestrator-identity")
          .outputs!.id,
      ],
    });
  });

  it("adds the orchestrator's ten resources and nothing else, and none without it", async () => {
    const count = (resources: readonly PlannedResource[]) => {
      const counts: Record<string, number> = {};
      for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
      return counts;
    };
    const without = count(await planFast(fleetProgram(false)));
    const withIt = count(await planFast(fleetProgram(true)));
    const added = Object.fromEntries(
      Object.keys(withIt)
        .filter((type) => withIt[type] !== without[type])
        .sort()
        .map((type) => [type, withIt[type]! - (without[type] ?? 0)]),
    );
    expect(added).toEqual({
      "azure-native:authorization:RoleAssignment": 4,
      "azure-native:authorization:RoleDefinition": 1,
      "azure-native:eventgrid:EventSubscription": 1,
      "azure-native:managedidentity:UserAssignedIdentity": 1,
      "azure-native:storage:Blob": 1,
      "azure-native:web:AppServicePlan": 1,
      "azure-native:web:WebApp": 1,
    });
  });

  it("reports an Event Grid subscription name Azure would refuse", () => {
    expect(
      azureContractViolations([
        { type: EVENTS, name: "events", inputs: { eventSubscriptionName: "personas_orchestrator" } },
      ]).map((v) => [v.input, v.problem]),
    ).toEqual([["eventSubscriptionName", "has characters Azure refuses: letters, digits and hyphens"]]);
  });
});
