/**
 * persona-guard rules for the Azure components' resources (and any Azure resource next to them): an
 * alert that calls no action group changes nothing; a fleet's log search rule that is not split per VM
 * fires for the workspace, which no responder can act on; a role assignment at a subscription or management
 * group reaches beyond the fleet's resource group; an inbound allow rule from any source opens the
 * VMs to the internet; a function app that accepts plain HTTP exposes its function keys.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { fleetOf, listOf, recordOf, stringOf } from "../stack.js";

/** The azure-native types these rules read. */
export const AZURE_TYPES = {
  metricAlert: "azure-native:monitor:MetricAlert",
  logSearchRule: "azure-native:monitor:ScheduledQueryRule",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  securityRule: "azure-native:network:SecurityRule",
  networkSecurityGroup: "azure-native:network:NetworkSecurityGroup",
  webApp: "azure-native:web:WebApp",
} as const;

/**
 * The action groups an alert calls: a metric alert lists `actions[].actionGroupId`, a log search rule
 * `actions.actionGroups[]` (Microsoft.Insights metricAlerts and scheduledQueryRules REST references).
 */
function actionGroupsOf(type: string, props: Record<string, unknown>): string[] {
  if (type === AZURE_TYPES.logSearchRule) {
    const groups = recordOf(props.actions)?.actionGroups;
    return (Array.isArray(groups) ? groups : []).flatMap((g) => stringOf(g) ?? []);
  }
  const actions = Array.isArray(props.actions) ? props.actions : [];
  return actions.flatMap((a) => stringOf(recordOf(a)?.actionGroupId) ?? []);
}

/** Checks whether every persona alert (metric alert or log search rule) calls at least one action group. */
export const azureAlertHasActionGroup: ResourceValidationPolicy = {
  name: "persona-azure-alert-has-action-group",
  description:
    "Checks whether every persona alert (metric alert or log search rule) calls at least one action group.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const props = args.props as Record<string, unknown>;
    const kind =
      args.type === AZURE_TYPES.metricAlert
        ? "Metric alert"
        : args.type === AZURE_TYPES.logSearchRule
          ? "Log search alert rule"
          : undefined;
    if (kind === undefined || fleetOf(props) === undefined) return;
    if (actionGroupsOf(args.type, props).length === 0)
      reportViolation(
        `${kind} '${args.name}' must call an action group: without one its trigger changes nothing; let the AzurePersonaFleet component render the alert.`,
      );
  },
};

/**
 * Checks whether every fleet's log search alert rule fires per VM and resolves: its condition names a
 * resource-id column (so each VM is its own alert, whose target is that VM: "Create or edit a log
 * search alert rule", "Split by dimensions" / "Resource ID column") and `autoMitigate` is on (so a VM's
 * alert resolves and its clear path runs). Without the column the alert's target is the workspace,
 * which the intake refuses: the trigger would never act.
 */
export const azureLogAlertPerVm: ResourceValidationPolicy = {
  name: "persona-azure-log-alert-per-vm",
  description: "Checks whether every persona log search alert rule fires per VM and resolves on its own.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const props = args.props as Record<string, unknown>;
    if (args.type !== AZURE_TYPES.logSearchRule || fleetOf(props) === undefined) return;
    const conditions = recordOf(props.criteria)?.allOf;
    const problems: string[] = [];
    if (
      !Array.isArray(conditions) ||
      conditions.length === 0 ||
      !conditions.every((c) => stringOf(recordOf(c)?.resourceIdColumn) !== undefined)
    )
      problems.push("split its condition by the VM's resource id (resourceIdColumn)");
    if (props.autoMitigate !== true) problems.push("resolve on its own (autoMitigate: true)");
    if (problems.length > 0)
      reportViolation(
        `Log search alert rule '${args.name}' must ${listOf(problems)}: otherwise it fires for the workspace, not for one VM, and no responder can act on it; let the AzurePersonaFleet component render it.`,
      );
  },
};

/** A scope above any resource group: the subscription, or a management group. */
const WIDE_SCOPE = /^\/subscriptions\/[^/]+\/?$|^\/providers\/Microsoft\.Management\/managementGroups\//i;

/** Checks whether no role assignment is wider than a resource group. */
export const azureRoleAssignmentWithinGroup: ResourceValidationPolicy = {
  name: "persona-azure-role-assignment-within-group",
  description: "Checks whether every role assignment is scoped to a resource group or narrower.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== AZURE_TYPES.roleAssignment) return;
    const scope = stringOf((args.props as Record<string, unknown>).scope);
    if (scope !== undefined && (scope === "/" || WIDE_SCOPE.test(scope)))
      reportViolation(
        `Role assignment '${args.name}' is scoped to ${scope}, wider than the fleet's resource group: assign it at the group (or the one resource it needs).`,
      );
  },
};

const ANY_SOURCE = ["*", "0.0.0.0/0", "::/0", "internet", "any"];

function rulesOf(type: string, props: Record<string, unknown>): Record<string, unknown>[] {
  if (type === AZURE_TYPES.securityRule) return [props];
  if (type === AZURE_TYPES.networkSecurityGroup && Array.isArray(props.securityRules))
    return props.securityRules.flatMap((r): Record<string, unknown>[] => {
      const rule = recordOf(r);
      return rule === undefined ? [] : [rule];
    });
  return [];
}

/** Checks whether no inbound NSG rule allows traffic from any source. */
export const azureNsgNoAnySource: ResourceValidationPolicy = {
  name: "persona-azure-nsg-no-any-source",
  description: "Checks whether no inbound network security group rule allows traffic from any source.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    for (const rule of rulesOf(args.type, args.props as Record<string, unknown>)) {
      if (
        stringOf(rule.access)?.toLowerCase() !== "allow" ||
        stringOf(rule.direction)?.toLowerCase() !== "inbound"
      )
        continue;
      const sources = [
        stringOf(rule.sourceAddressPrefix),
        ...(Array.isArray(rule.sourceAddressPrefixes) ? rule.sourceAddressPrefixes.map(stringOf) : []),
      ].flatMap((s) => (s === undefined ? [] : [s]));
      const open = sources.filter((s) => ANY_SOURCE.includes(s.toLowerCase()));
      if (open.length > 0)
        reportViolation(
          `Security rule '${stringOf(rule.name) ?? args.name}' allows inbound traffic from any source (${listOf(open)}): name the sources (address prefixes or a service tag narrower than Internet).`,
        );
    }
  },
};

/** Checks whether every function app accepts HTTPS only. */
export const azureFunctionAppHttpsOnly: ResourceValidationPolicy = {
  name: "persona-azure-function-app-https-only",
  description: "Checks whether every function app accepts HTTPS only.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const props = args.props as Record<string, unknown>;
    if (args.type !== AZURE_TYPES.webApp || !(stringOf(props.kind) ?? "").includes("functionapp")) return;
    if (props.httpsOnly !== true)
      reportViolation(
        `Function app '${args.name}' must set httpsOnly: true: over plain HTTP its function keys and alert payloads travel in clear.`,
      );
  },
};
