import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import {
  azureAlertHasActionGroup,
  azureFunctionAppHttpsOnly,
  azureNsgNoAnySource,
  azureRoleAssignmentWithinGroup,
} from "../../src/policy/index.js";

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
