import type * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AzureInvalidArgumentsError,
  AzureMissingTargetError,
  AzurePersonaAttachment,
  AzurePersonaFleet,
  type AzurePersonaFleetArgs,
  assertAzureCloudContract,
  setFunctionPackageCheck,
} from "../../src/azure/index.js";
import {
  type AzureIsolationConfig,
  AzureTrafficConfig,
  KIND_APP_SETTINGS,
} from "../../src/runtime/azure/contract.js";
import { personaOf } from "../aws/support.js";
import { recorder, resourceNamed, resourcesOfType, settled } from "../support/pulumi.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const NETWORK = `/subscriptions/${SUBSCRIPTION}/resourceGroups/network`;
const EDGE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/edge`;
const SUBNET = `${NETWORK}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/web`;
const LB = `${NETWORK}/providers/Microsoft.Network/loadBalancers/web-lb`;
const GATEWAY = `${NETWORK}/providers/Microsoft.Network/applicationGateways/web-agw`;
const ORIGIN = `${EDGE}/providers/Microsoft.Cdn/profiles/edge/originGroups/web/origins/standby`;
const QUARANTINE = `${NETWORK}/providers/Microsoft.Network/networkSecurityGroups/quarantine`;

const RESILIENT = personaOf(`Name: ResilientWeb
TelemetryTriggers:
  - Condition: CPU Load > 90% for 3 minutes
    Action: Drain traffic
    Clear: after 10 minutes
  - Condition: Network In > 1 Gbps for 5 minutes
    Action: Redirect traffic to standby
  - Condition: Network Out > 2 Gbps for 5 minutes
    Action: Isolate instance
`);

function fleet(overrides: Partial<AzurePersonaFleetArgs> = {}) {
  return new AzurePersonaFleet("web", {
    location: "westeurope",
    image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
    subnetId: SUBNET,
    admin: { username: "ops", sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkey ops" },
    defaultPersona: RESILIENT,
    instances: [
      { name: "web-1", privateIpAddress: "10.0.1.4" },
      { name: "web-2", privateIpAddress: "10.0.1.5" },
    ],
    notifications: { security: "https://hooks.example.com/security" },
    traffic: {
      loadBalancers: [{ id: LB, backendPoolNames: ["web"] }],
      applicationGateways: [{ id: GATEWAY, backendPoolNames: ["web", "api"] }],
      targets: { standby: { originId: ORIGIN, weight: 1000 } },
    },
    isolation: {
      management: [
        { port: 22, addressPrefixes: ["10.0.9.0/24"], description: "SSH from the bastion subnet" },
      ],
      notify: "security",
    },
    ...overrides,
  });
}

function appSetting(name: string): Promise<string> {
  const app = resourceNamed("azure-native:web:WebApp", "web-responders");
  const settings = (app.inputs.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings;
  return Promise.resolve(settings.find((s) => s.name === name)!.value);
}

let previousCheck: boolean;
beforeAll(() => {
  previousCheck = setFunctionPackageCheck(false);
});
afterAll(() => {
  setFunctionPackageCheck(previousCheck);
});
beforeEach(() => recorder.reset());

describe("AzurePersonaFleet traffic and isolation settings", () => {
  it("creates the quarantine NSG from the management path: one allow rule, then deny-all both ways at 4096", async () => {
    fleet();
    await settled();
    expect(() => assertAzureCloudContract(recorder.resources)).not.toThrow();
    const nsg = resourceNamed("azure-native:network:NetworkSecurityGroup", "web-quarantine");
    expect(nsg.inputs.networkSecurityGroupName).toBe("personas-quarantine");
    expect(nsg.inputs.securityRules).toEqual([
      {
        name: "personas-management-0",
        priority: 100,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        sourcePortRange: "*",
        destinationPortRange: "22",
        sourceAddressPrefixes: ["10.0.9.0/24"],
        destinationAddressPrefix: "*",
        description: "SSH from the bastion subnet",
      },
      ...(["Inbound", "Outbound"] as const).map((direction) => ({
        name: `personas-quarantine-deny-${direction.toLowerCase()}`,
        priority: 4096,
        direction,
        access: "Deny",
        protocol: "*",
        sourcePortRange: "*",
        destinationPortRange: "*",
        sourceAddressPrefix: "*",
        destinationAddressPrefix: "*",
        description: "pulumi-personas quarantine: everything but the management path",
      })),
    ]);
  });

  it("gives the responders exactly the pools, origins and quarantine NSG it declares, as the runtime reads them", async () => {
    fleet();
    await settled();
    const traffic = AzureTrafficConfig.parse(JSON.parse(await appSetting(KIND_APP_SETTINGS.trafficConfig)));
    expect(traffic).toEqual({
      loadBalancerBackendPoolIds: [`${LB}/backendAddressPools/web`],
      applicationGatewayBackendPoolIds: [
        `${GATEWAY}/backendAddressPools/web`,
        `${GATEWAY}/backendAddressPools/api`,
      ],
      targets: { standby: { originId: ORIGIN, weight: 1000 } },
    });
    const isolation = JSON.parse(await appSetting(KIND_APP_SETTINGS.isolationConfig)) as AzureIsolationConfig;
    expect(isolation).toEqual({
      networkSecurityGroupId: resourceNamed("azure-native:network:NetworkSecurityGroup", "web-quarantine").id,
      notifyWebhook: "https://hooks.example.com/security",
    });
  });

  it("grants the network actions traffic and isolation need, assigned at each declared resource and the subnet, assignable at their groups", async () => {
    fleet();
    await settled();
    const role = resourceNamed("azure-native:authorization:RoleDefinition", "web-responders-role");
    const group = resourceNamed("azure-native:resources:ResourceGroup", "web-group");
    const actions = (role.inputs.permissions as { actions: string[] }[])[0]!.actions;
    expect(actions.filter((a) => !a.startsWith("Microsoft.Compute/"))).toEqual([
      "Microsoft.Cdn/profiles/origingroups/origins/read",
      "Microsoft.Cdn/profiles/origingroups/origins/write",
      "Microsoft.Insights/metricAlerts/read",
      "Microsoft.Insights/scheduledQueryRules/read",
      "Microsoft.Network/applicationGateways/backendAddressPools/join/action",
      "Microsoft.Network/applicationGateways/backendhealth/action",
      "Microsoft.Network/loadBalancers/backendAddressPools/join/action",
      "Microsoft.Network/loadBalancers/loadBalancingRules/health/action",
      "Microsoft.Network/loadBalancers/read",
      "Microsoft.Network/networkInterfaces/read",
      "Microsoft.Network/networkInterfaces/write",
      "Microsoft.Network/networkSecurityGroups/join/action",
      "Microsoft.Network/virtualNetworks/subnets/join/action",
      "Microsoft.Resources/tags/read",
      "Microsoft.Resources/tags/write",
    ]);
    expect(role.inputs.assignableScopes).toEqual([group.id, NETWORK, EDGE]);
    const network = resourcesOfType("azure-native:authorization:RoleAssignment")
      .filter((a) => a.name.startsWith("web-responders-network-"))
      .map((a) => [a.name, a.inputs.scope, a.inputs.roleDefinitionId]);
    // The created quarantine NSG is in the fleet's group, where the role is assigned already.
    expect(network).toEqual([
      ["web-responders-network-0", LB, role.id],
      ["web-responders-network-1", GATEWAY, role.id],
      ["web-responders-network-2", ORIGIN, role.id],
      ["web-responders-network-3", SUBNET, role.id],
    ]);
  });

  it("assigns the role at an existing quarantine NSG and grants no Front Door or gateway action the fleet does not declare", async () => {
    fleet({
      traffic: { loadBalancers: [{ id: LB, backendPoolNames: ["web"] }] },
      isolation: { networkSecurityGroupId: QUARANTINE },
      defaultPersona: personaOf(
        "Name: Web\nTelemetryTriggers:\n  - Condition: CPU Load > 90% for 3 minutes\n    Action: Drain traffic\n  - Condition: Network Out > 2 Gbps for 5 minutes\n    Action: Isolate instance\n",
      ),
    });
    await settled();
    const role = resourceNamed("azure-native:authorization:RoleDefinition", "web-responders-role");
    const actions = (role.inputs.permissions as { actions: string[] }[])[0]!.actions;
    expect(actions.some((a) => a.startsWith("Microsoft.Cdn/") || a.includes("applicationGateways"))).toBe(
      false,
    );
    expect(resourcesOfType("azure-native:network:NetworkSecurityGroup")).toEqual([]);
    expect(
      resourcesOfType("azure-native:authorization:RoleAssignment")
        .filter((a) => a.name.startsWith("web-responders-network-"))
        .map((a) => a.inputs.scope),
    ).toEqual([LB, QUARANTINE, SUBNET]);
    expect(JSON.parse(await appSetting(KIND_APP_SETTINGS.isolationConfig))).toEqual({
      networkSecurityGroupId: QUARANTINE,
    });
  });

  it("refuses a persona that drains when the fleet declares no backend pools, naming the fix", () => {
    const act = () => fleet({ traffic: undefined as never });
    expect(act).toThrow(AzureMissingTargetError);
    expect(act).toThrow(
      `AzurePersonaFleet 'web': its personas drain traffic but \`traffic\` declares no backend pools. Fix: pass traffic: { loadBalancers: [{ id: lb.id, backendPoolNames: ["web"] }] } or applicationGateways (the pools the fleet's network interfaces are in).`,
    );
  });

  it("refuses a redirect target the fleet does not declare, and a weight Front Door refuses", () => {
    expect(() => fleet({ traffic: { loadBalancers: [{ id: LB, backendPoolNames: ["web"] }] } })).toThrow(
      `AzurePersonaFleet 'web': its personas redirect traffic to 'standby' but traffic.targets declares no targets. Fix: declare traffic.targets["standby"] (a Front Door origin each), or correct the persona.`,
    );
    expect(() =>
      fleet({
        traffic: {
          loadBalancers: [{ id: LB, backendPoolNames: ["web"] }],
          targets: { standby: { originId: ORIGIN, weight: 0 } },
        },
      }),
    ).toThrow(
      "AzurePersonaFleet 'web': [traffic.targets.standby.weight] is 0; a Front Door origin's weight is a whole number from 1 to 1000. Fix: give the weight the origin takes while traffic is redirected to it.",
    );
  });

  it("refuses a persona that isolates when the fleet names no quarantine NSG", () => {
    const act = () => fleet({ isolation: undefined as never });
    expect(act).toThrow(AzureMissingTargetError);
    expect(act).toThrow(
      "AzurePersonaFleet 'web': its personas isolate instances but `isolation` names no quarantine network security group. Fix: pass isolation: { networkSecurityGroupId: quarantine.id }, or isolation: { management: [...] } to have the fleet create one.",
    );
  });

  it("refuses a management path open to every address, as the AWS components do", () => {
    for (const open of ["0.0.0.0/0", "*", "Internet", "::/0"]) {
      const act = () =>
        fleet({ isolation: { management: [{ port: 22, addressPrefixes: [open], description: "SSH" }] } });
      expect(act).toThrow(AzureInvalidArgumentsError);
      expect(act).toThrow(
        `AzurePersonaFleet 'web': [isolation.management[0]] lets ${open} in: a quarantine group open to every address isolates nothing. Fix: name the management network's CIDR blocks (a bastion subnet, a VPN range).`,
      );
    }
  });

  it("refuses both an existing quarantine NSG and a management path, and a notify channel without a URL", () => {
    expect(() =>
      fleet({
        isolation: {
          networkSecurityGroupId: QUARANTINE,
          management: [{ port: 22, addressPrefixes: ["10.0.9.0/24"], description: "SSH" }],
        },
      }),
    ).toThrow(
      "AzurePersonaFleet 'web': Only one of [isolation.networkSecurityGroupId] and [isolation.management] can be specified. Fix: keep networkSecurityGroupId to use your own quarantine NSG, or management to have the fleet create one.",
    );
    expect(() => fleet({ isolation: { networkSecurityGroupId: QUARANTINE, notify: "pager" } })).toThrow(
      `AzurePersonaFleet 'web': isolation.notify names channel 'pager', and notifications has no URL for it. Fix: pass notifications: { "pager": "https://..." }.`,
    );
  });

  it("refuses a plain resource id declared twice (two role assignments of one role at one scope would collide)", () => {
    expect(() =>
      fleet({
        traffic: {
          loadBalancers: [
            { id: LB, backendPoolNames: ["web"] },
            { id: LB.toUpperCase(), backendPoolNames: ["api"] },
          ],
          targets: { standby: { originId: ORIGIN, weight: 1000 } },
        },
      }),
    ).toThrow(AzureInvalidArgumentsError);
  });
});

describe("AzurePersonaAttachment and traffic", () => {
  it("refuses a persona that drains: the attached VMs' network interfaces are not the stack's", () => {
    const act = () =>
      new AzurePersonaAttachment("legacy", {
        location: "westeurope",
        defaultPersona: RESILIENT,
        instances: [
          {
            name: "web-1",
            vmId: `${NETWORK}/providers/Microsoft.Compute/virtualMachines/web-1` as pulumi.Input<string>,
          },
        ],
      });
    expect(act).toThrow(
      "AzurePersonaAttachment 'legacy': persona ResilientWeb runs 'Drain traffic', which acts on the VM's network interface, and an attachment does not own the attached VMs' NICs (the responders' role covers the VMs only). Fix: deploy the VMs with AzurePersonaFleet to drain or isolate them, or remove the action from the persona.",
    );
  });
});
