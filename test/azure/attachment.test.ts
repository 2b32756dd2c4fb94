import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AzureInvalidArgumentsError,
  AzurePersonaAttachment,
  assertAzureCloudContract,
  setFunctionPackageCheck,
} from "../../src/azure/index.js";
import { alarmName } from "../../src/plan/names.js";
import { memberIdOf, WEBHOOK_PROPERTIES } from "../../src/runtime/azure/contract.js";
import { SEED_DIGEST, seedPersona } from "../aws/support.js";
import {
  countByType,
  outputValue,
  recorder,
  resourceNamed,
  resourcesOfType,
  settled,
} from "../support/pulumi.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const APPS = `/subscriptions/${SUBSCRIPTION}/resourceGroups/Apps`;
const LEGACY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/legacy`;
const NSG = `/subscriptions/${SUBSCRIPTION}/resourceGroups/network/providers/Microsoft.Network/networkSecurityGroups/edge`;
const vmIdOf = (group: string, name: string) =>
  `${group}/providers/Microsoft.Compute/virtualMachines/${name}`;

function attach(instances: { name: string; vmId: string }[]) {
  return new AzurePersonaAttachment("legacy", {
    location: "westeurope",
    defaultPersona: seedPersona,
    instances,
    firewall: { networkSecurityGroupId: NSG },
  });
}

const TWO_VMS = [
  { name: "web-1", vmId: vmIdOf(APPS, "Web-1") },
  { name: "web-2", vmId: vmIdOf(LEGACY, "web-2") },
];

let previousCheck: boolean;
beforeAll(() => {
  previousCheck = setFunctionPackageCheck(false);
});
afterAll(() => {
  setFunctionPackageCheck(previousCheck);
});
beforeEach(() => recorder.reset());

describe("AzurePersonaAttachment", () => {
  it("registers the fleet-level resources once and, per VM, its alerts and one role assignment; no VM, no NIC", async () => {
    attach(TWO_VMS);
    await settled();
    expect(countByType()).toEqual({
      "azure-native:authorization:RoleAssignment": 10 + 2,
      "azure-native:authorization:RoleDefinition": 2,
      "azure-native:managedidentity:UserAssignedIdentity": 3,
      "azure-native:monitor:ActionGroup": 2,
      "azure-native:monitor:MetricAlert": 2 * 2,
      "azure-native:resources:ResourceGroup": 1,
      "azure-native:storage:Blob": 7,
      "azure-native:storage:BlobContainer": 3,
      "azure-native:storage:Queue": 3,
      "azure-native:storage:StorageAccount": 1,
      "azure-native:storage:Table": 1,
      "azure-native:web:AppServicePlan": 2,
      "azure-native:web:WebApp": 2,
      "personas:azure:AzurePersonaAttachment": 1,
    });
    expect(() => assertAzureCloudContract(recorder.resources)).not.toThrow();
  });

  it("scopes each alert to the VM given, named and carrying the webhook properties as a fleet's, without a target region", async () => {
    const attachment = attach(TWO_VMS);
    await settled();
    const cpu = attachment.plan.personas[0]!.alarms.find((a) => a.condition.metric === "cpu-utilization")!;
    const alert = resourceNamed("azure-native:monitor:MetricAlert", `legacy-web-1-${cpu.id}`);
    expect(alert.inputs).toMatchObject({
      resourceGroupName: "personas-legacy_stack",
      ruleName: alarmName({ fleet: "legacy", stack: "stack" }, "web-1", cpu.id),
      scopes: [vmIdOf(APPS, "Web-1")],
      windowSize: "PT5M",
      evaluationFrequency: "PT1M",
    });
    // A single-VM alert needs no target region, and an attached VM's region is not the fleet's.
    expect(alert.inputs.targetResourceRegion).toBeUndefined();
    const actions = alert.inputs.actions as { webHookProperties: Record<string, string> }[];
    expect(actions[0]!.webHookProperties).toMatchObject({
      [WEBHOOK_PROPERTIES.member]: "web-1",
      [WEBHOOK_PROPERTIES.digest]: SEED_DIGEST,
      [WEBHOOK_PROPERTIES.owner]: "stack",
    });
  });

  it("lets the responders act on each VM given and nothing else in its group; the runtime learns the groups", async () => {
    attach(TWO_VMS);
    await settled();
    const role = resourceNamed("azure-native:authorization:RoleDefinition", "legacy-responders-role");
    const group = resourceNamed("azure-native:resources:ResourceGroup", "legacy-group");
    // Custom roles are assignable at groups only; each assignment is at one VM.
    expect(role.inputs.assignableScopes).toEqual([group.id, APPS, LEGACY]);
    for (const { name, vmId } of TWO_VMS)
      expect(
        resourceNamed("azure-native:authorization:RoleAssignment", `legacy-${name}-responders`).inputs,
      ).toMatchObject({
        scope: vmId,
        roleDefinitionId: role.id,
        principalType: "ServicePrincipal",
      });
    const app = resourceNamed("azure-native:web:WebApp", "legacy-responders");
    const settings = (app.inputs.siteConfig as { appSettings: { name: string; value: string }[] })
      .appSettings;
    expect(settings.find((s) => s.name === "PERSONAS_MEMBER_GROUPS")?.value).toBe(
      JSON.stringify([APPS, LEGACY]),
    );
  });

  it("writes the membership record from the ids given, keyed by lowercased id", async () => {
    attach(TWO_VMS);
    await settled();
    const blob = resourcesOfType("azure-native:storage:Blob").find(
      (b) => b.inputs.blobName === "members.json",
    )!;
    const text = await (blob.inputs.source as { text: Promise<string> }).text;
    expect(JSON.parse(text)).toEqual({
      version: 1,
      fleet: "legacy",
      members: {
        [memberIdOf(TWO_VMS[0]!.vmId)]: { key: "web-1", digest: SEED_DIGEST },
        [memberIdOf(TWO_VMS[1]!.vmId)]: { key: "web-2", digest: SEED_DIGEST },
      },
    });
  });

  it("gives per persona the custom data a fleet's VM would boot with, to install the persona yourself", async () => {
    const attachment = attach(TWO_VMS);
    const customData = await outputValue(attachment.customData);
    expect(Object.keys(customData)).toEqual(["HighTraffic"]);
    expect(customData.HighTraffic).toContain("/opt/personas/bin/personas-command");
    // The agent comes from the attachment's storage account, read with the identity to assign to the VMs.
    const clientId = await outputValue(attachment.resources.vmIdentity.clientId);
    expect(customData.HighTraffic).toContain(`Environment=PERSONAS_AGENT_CLIENT_ID=${clientId}`);
  });

  it("refuses an id that is not a VM's, naming the instance and the fix", () => {
    const build = () => attach([{ name: "web-1", vmId: NSG }]);
    expect(build).toThrow(AzureInvalidArgumentsError);
    expect(build).toThrow(
      `AzurePersonaAttachment 'legacy': instance 'web-1': vmId '${NSG}' is not a virtual machine's resource id. Fix: pass the VM's id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/virtualMachines/<name>.`,
    );
  });
});
