import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { beforeAll, describe, expect, it } from "vitest";
import { AzurePersonaFleet } from "../../src/azure/index.js";
import {
  azureAlertHasActionGroup,
  azureFunctionAppHttpsOnly,
  azureLogAlertPerVm,
  azureNsgNoAnySource,
  azureRoleAssignmentWithinGroup,
} from "../../src/policy/index.js";
import { seedPersona } from "../aws/support.js";
import { recorder, settled } from "../support/pulumi.js";

/** The violations a resource rule reports for one resource. */
function violations(
  rule: ResourceValidationPolicy,
  type: string,
  name: string,
  props: Record<string, unknown>,
): string[] {
  const found: string[] = [];
  const args = {
    type,
    name,
    props,
    urn: `urn:pulumi:s::p::${type}::${name}`,
    opts: {},
  } as unknown as ResourceValidationArgs;
  const validate = rule.validateResource as (
    a: ResourceValidationArgs,
    report: (message: string) => void,
  ) => void;
  validate(args, (message) => found.push(message));
  return found;
}

describe("persona-guard Azure rules", () => {
  it("refuses a persona metric alert without an action group and accepts one with", () => {
    const tags = { "persona:fleet": "web" };
    expect(
      violations(azureAlertHasActionGroup, "azure-native:monitor:MetricAlert", "cpu", { tags, actions: [] }),
    ).toEqual([
      "Metric alert 'cpu' must call an action group: without one its trigger changes nothing; let the AzurePersonaFleet component render the alert.",
    ]);
    expect(
      violations(azureAlertHasActionGroup, "azure-native:monitor:MetricAlert", "cpu", {
        tags,
        actions: [
          {
            actionGroupId:
              "/subscriptions/s/resourceGroups/g/providers/microsoft.insights/actionGroups/scale",
          },
        ],
      }),
    ).toEqual([]);
  });

  it("refuses a role assignment at a subscription or management group, and accepts one at a resource group", () => {
    const type = "azure-native:authorization:RoleAssignment";
    expect(
      violations(azureRoleAssignmentWithinGroup, type, "wide", { scope: "/subscriptions/0000" }),
    ).toEqual([
      "Role assignment 'wide' is scoped to /subscriptions/0000, wider than the fleet's resource group: assign it at the group (or the one resource it needs).",
    ]);
    expect(
      violations(azureRoleAssignmentWithinGroup, type, "mg", {
        scope: "/providers/Microsoft.Management/managementGroups/root",
      }),
    ).toHaveLength(1);
    expect(
      violations(azureRoleAssignmentWithinGroup, type, "ok", {
        scope: "/subscriptions/0000/resourceGroups/personas-web_prod",
      }),
    ).toEqual([]);
  });

  it("refuses an inbound allow rule from any source, standalone or inline, and accepts a named source", () => {
    expect(
      violations(azureNsgNoAnySource, "azure-native:network:SecurityRule", "ssh", {
        access: "Allow",
        direction: "Inbound",
        sourceAddressPrefix: "*",
      }),
    ).toEqual([
      "Security rule 'ssh' allows inbound traffic from any source (*): name the sources (address prefixes or a service tag narrower than Internet).",
    ]);
    expect(
      violations(azureNsgNoAnySource, "azure-native:network:NetworkSecurityGroup", "web", {
        securityRules: [
          {
            name: "http",
            access: "Allow",
            direction: "Inbound",
            sourceAddressPrefixes: ["10.0.0.0/8", "Internet"],
          },
        ],
      }),
    ).toHaveLength(1);
    expect(
      violations(azureNsgNoAnySource, "azure-native:network:SecurityRule", "deny", {
        access: "Deny",
        direction: "Inbound",
        sourceAddressPrefix: "*",
      }),
    ).toEqual([]);
  });

  it("refuses a function app without HTTPS only", () => {
    const type = "azure-native:web:WebApp";
    expect(
      violations(azureFunctionAppHttpsOnly, type, "app", { kind: "functionapp,linux", httpsOnly: false }),
    ).toEqual([
      "Function app 'app' must set httpsOnly: true: over plain HTTP its function keys and alert payloads travel in clear.",
    ]);
    expect(
      violations(azureFunctionAppHttpsOnly, type, "app", { kind: "functionapp,linux", httpsOnly: true }),
    ).toEqual([]);
  });
});

const LOG_RULE = "azure-native:monitor:ScheduledQueryRule";

describe("persona-guard on the Azure fleet's log search alert rules", () => {
  /** The seed's latency rule as AzurePersonaFleet renders it. */
  let rendered: { name: string; inputs: Record<string, unknown> };
  beforeAll(async () => {
    recorder.reset();
    new AzurePersonaFleet("web", {
      location: "westeurope",
      image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
      subnetId:
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/network/providers/Microsoft.Network/virtualNetworks/vnet/subnets/web",
      admin: { username: "ops", sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkey ops" },
      defaultPersona: seedPersona,
      instances: [{ name: "web-1", privateIpAddress: "10.0.0.4" }],
      firewall: {
        networkSecurityGroupId:
          "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/network/providers/Microsoft.Network/networkSecurityGroups/edge",
      },
      alarmTopology: "fleet-wide",
    });
    await settled();
    const rules = recorder.resources.filter((r) => r.type === LOG_RULE);
    expect(rules).toHaveLength(1);
    rendered = { name: rules[0]!.name, inputs: structuredClone(rules[0]!.inputs) };
    recorder.reset();
  });

  it("accepts the rule the component renders", () => {
    expect(violations(azureAlertHasActionGroup, LOG_RULE, rendered.name, rendered.inputs)).toEqual([]);
    expect(violations(azureLogAlertPerVm, LOG_RULE, rendered.name, rendered.inputs)).toEqual([]);
  });

  it("refuses the rule without an action group", () => {
    const actions = { ...(rendered.inputs.actions as object), actionGroups: [] };
    expect(
      violations(azureAlertHasActionGroup, LOG_RULE, rendered.name, { ...rendered.inputs, actions }),
    ).toEqual([
      `Log search alert rule '${rendered.name}' must call an action group: without one its trigger changes nothing; let the AzurePersonaFleet component render the alert.`,
    ]);
  });

  it("refuses the rule when it is not split per VM or does not resolve, naming both", () => {
    const criteria = rendered.inputs.criteria as { allOf: Record<string, unknown>[] };
    const unsplit = {
      ...rendered.inputs,
      criteria: { allOf: criteria.allOf.map(({ resourceIdColumn: _, ...rest }) => rest) },
      autoMitigate: false,
    };
    expect(violations(azureLogAlertPerVm, LOG_RULE, rendered.name, unsplit)).toEqual([
      `Log search alert rule '${rendered.name}' must split its condition by the VM's resource id (resourceIdColumn) and resolve on its own (autoMitigate: true): otherwise it fires for the workspace, not for one VM, and no responder can act on it; let the AzurePersonaFleet component render it.`,
    ]);
  });

  it("leaves log search rules of other stacks alone (no persona:fleet tag)", () => {
    const { tags: _, ...untagged } = rendered.inputs;
    expect(violations(azureLogAlertPerVm, LOG_RULE, "theirs", { ...untagged, autoMitigate: false })).toEqual(
      [],
    );
  });
});
