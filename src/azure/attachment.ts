/**
 * AzurePersonaAttachment: personas on VMs this stack does not create, the AWS `PersonaAttachment`'s
 * counterpart. The fleet-level resources are the same as a fleet's; per VM only its metric alerts and
 * one role assignment that lets the responders act on that VM (and no other in its group).
 */
import type * as authorizationTypes from "@pulumi/azure-native/authorization/index.js";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import type * as monitorTypes from "@pulumi/azure-native/monitor/index.js";
import * as pulumi from "@pulumi/pulumi";
import { FLEET_STORE_KEYS, MANIFEST_VERSION } from "../plan/manifest.js";
import type { NameScope } from "../plan/names.js";
import type { PersonaResolver } from "../plan/persona-source.js";
import type { FleetPlan } from "../plan/plan.js";
import { AZURE_MEMBER_ID_PATTERN, boundaryOf, memberIdOf } from "../runtime/azure/contract.js";
import { planAgentInstall } from "./agent-artifact.js";
import { type AzureAgentInstall, type AzureOperatingSystem, renderCustomData } from "./custom-data.js";
import { AzureInvalidArgumentsError, type ComponentErrorContext } from "./errors.js";
import { type AzurePersonaSpec, feedEnforcementOf, planAzureMembers, renderVmAlerts } from "./fleet.js";
import { resourceGroupIdOf, resourceGroupName } from "./names.js";
import {
  type AzureFleetOptions,
  type AzureFleetResources,
  assignRole,
  jsonBlob,
  renderAzureFleet,
  roleActionsOf,
} from "./render.js";

/** A VM this stack does not create, given by its resource id. */
export interface AzureAttachedVm {
  /** Key unique in the attachment; names the VM's alert rules and its entry in the membership record. */
  name: string;
  /**
   * The VM's ARM resource id.
   * @example "/subscriptions/<id>/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/web-1"
   */
  vmId: pulumi.Input<string>;
  /** The VM's tags, for resolution. @default {} */
  tags?: Record<string, string>;
  /** The persona, when not resolved from the tags. */
  persona?: AzurePersonaSpec;
}

/** Arguments of {@link AzurePersonaAttachment}. */
export interface AzurePersonaAttachmentArgs extends Omit<AzureFleetOptions, "orchestrator"> {
  /** The fleet name (`persona:fleet` tag value, part of every name). @default the component's name */
  fleetName?: string;
  /**
   * Existing VMs by resource id. (azure-native has no data source that lists VMs by tag, so there is
   * no tag query as on AWS: pass the ids, e.g. from another stack's outputs.)
   */
  instances: readonly AzureAttachedVm[];
  /** Resolves tags to a persona. */
  resolve?: PersonaResolver;
  /** The persona of VMs that name none and that the resolver does not match. */
  defaultPersona?: AzurePersonaSpec;
  /** The VMs' operating system, for the `customData` output. @default "ubuntu" */
  os?: AzureOperatingSystem;
}

/**
 * Deploys personas onto VMs this stack does not create: their alert rules, the fleet's function apps,
 * storage and action groups, without taking the VMs over. Software is not installed on them;
 * `customData` holds, per persona, the script that would (run it with Run Command or your image
 * pipeline). The responders may act on exactly the VMs given: one role assignment per VM, the
 * membership record lists them, and the runtime acts in their groups only (`PERSONAS_MEMBER_GROUPS`).
 *
 * @example
 * ```ts
 * const legacy = new AzurePersonaAttachment("legacy-web", {
 *   location: "westeurope",
 *   instances: [{ name: "web-1", vmId: legacyVm.id }],
 *   defaultPersona: { persona: highTraffic, ref: { name: "HighTraffic", version: "1.0.0", digest } },
 *   firewall: { networkSecurityGroupId: nsg.id },
 * });
 * ```
 */
export class AzurePersonaAttachment extends pulumi.ComponentResource {
  /** The fleet name. */
  readonly fleetName: string;
  /** The plan of the attached VMs. */
  readonly plan: FleetPlan;
  /** Metric alerts by instance key, in plan order. */
  readonly alerts: Record<string, monitorTypes.MetricAlert[]>;
  /** The responders' role on each VM, by instance key (none when no responder acts on VMs). */
  readonly vmRoleAssignments: Record<string, authorizationTypes.RoleAssignment>;
  /** The fleet-level resources. */
  readonly resources: AzureFleetResources;
  /**
   * Custom data per persona name (a bash script, before base64), for installing the persona yourself.
   * When a persona needs the personas agent, the script fetches it from the fleet's storage account
   * with the identity `resources.vmIdentity`: assign that identity to the VMs.
   */
  readonly customData: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AzurePersonaAttachmentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("personas:azure:AzurePersonaAttachment", name, {}, opts);
    const context = { component: "AzurePersonaAttachment", name };
    const fleetName = args.fleetName ?? name;
    for (const instance of args.instances)
      if (typeof instance.vmId === "string")
        checkedVmId({ ...context, instance: instance.name }, instance.vmId);
    const plan = planAzureMembers(
      context,
      fleetName,
      args.instances.map((i) => ({
        name: i.name,
        ...(i.tags ? { tags: i.tags } : {}),
        ...(i.persona ? { persona: i.persona } : {}),
      })),
      // renderVmAlerts gives every attached VM its own alerts, whatever a fleet would choose.
      { ...args, alarmTopology: "per-instance" },
      {
        why: "acts on the VM's network interface, and an attachment does not own the attached VMs' NICs (the responders' role covers the VMs only)",
        fix: "deploy the VMs with AzurePersonaFleet to drain or isolate them, or remove the action from the persona",
      },
    );
    const scope: NameScope = { fleet: fleetName, stack: pulumi.getStack() };
    const vmIds = args.instances.map((i) =>
      pulumi.output(i.vmId).apply((id) => checkedVmId({ ...context, instance: i.name }, id)),
    );
    const attachedGroups = pulumi.all(vmIds).apply((ids) => distinctGroups(ids));
    const subscriptionId = authorization.getClientConfigOutput({ parent: this }).subscriptionId;
    const fleet = renderAzureFleet(
      this,
      name,
      context,
      plan,
      scope,
      args,
      subscriptionId,
      feedEnforcementOf(context, plan, args),
      attachedGroups,
    );
    const group = { resourceGroupName: resourceGroupName(scope) };
    const responders = fleet.roles.responders;
    const kinds = plan.responders.filter((k) => boundaryOf(k) === "responders");
    const actsOnVms = roleActionsOf(kinds).actions.some((a) => a.startsWith("Microsoft.Compute/"));
    this.alerts = {};
    this.vmRoleAssignments = {};
    plan.instances.forEach(({ key, plan: persona }, i) => {
      this.alerts[key] = renderVmAlerts(this, name, fleet, scope, group, key, persona, vmIds[i]!);
      if (responders !== undefined && actsOnVms)
        this.vmRoleAssignments[key] = assignRole(
          this,
          `${name}-${key}-responders`,
          vmIds[i]!,
          responders.definition.id,
          responders.identity.principalId,
          `responders: attached VM ${key}`,
        );
    });
    // The VMs given are the members (docs/azure.md, "Membership"): the record lists exactly them.
    const record = pulumi
      .all(
        plan.instances.map(({ key, plan: persona }, i) =>
          pulumi.all([vmIds[i]!, key, persona.persona.digest]),
        ),
      )
      .apply((rows) =>
        JSON.stringify({
          version: MANIFEST_VERSION,
          fleet: fleetName,
          members: Object.fromEntries(rows.map(([id, key, digest]) => [memberIdOf(id), { key, digest }])),
        }),
      );
    jsonBlob(
      this,
      `${name}-members`,
      { resourceGroupName: fleet.resourceGroup.name, accountName: fleet.storageAccount.name },
      FLEET_STORE_KEYS.members,
      record,
    );
    this.fleetName = fleetName;
    this.plan = plan;
    this.resources = fleet;
    const os = args.os ?? "ubuntu";
    const agent = planAgentInstall(this, name, context, plan, fleet, args.agent);
    const install: pulumi.Output<AzureAgentInstall | undefined> = agent?.install ?? pulumi.output(undefined);
    this.customData = install.apply((resolved) =>
      Object.fromEntries(plan.personas.map((p) => [p.persona.name, renderCustomData(p, os, resolved)])),
    );
    this.registerOutputs({
      fleetName,
      resourceGroupName: fleet.resourceGroup.name,
      storageAccountName: fleet.storageAccount.name,
    });
  }
}

/** A VM resource id as given, once it is known to name a VM. */
function checkedVmId(context: ComponentErrorContext, vmId: string): string {
  if (!AZURE_MEMBER_ID_PATTERN.test(memberIdOf(vmId)))
    throw new AzureInvalidArgumentsError(
      context,
      `vmId '${vmId.slice(0, 300)}' is not a virtual machine's resource id`,
      "pass the VM's id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/virtualMachines/<name>",
    );
  return vmId;
}

/** The resource groups of the VMs, each once (ARM ids compare case-insensitively), sorted. */
function distinctGroups(vmIds: readonly string[]): string[] {
  const groups = new Map<string, string>();
  for (const id of vmIds) {
    const group = resourceGroupIdOf(id)!;
    groups.set(group.toLowerCase(), group);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, group]) => group);
}
