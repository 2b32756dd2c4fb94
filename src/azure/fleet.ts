/**
 * AzurePersonaFleet and AzurePersonaInstance: the same persona plan the AWS components render, on
 * Azure. Per instance a network interface with a static private IP, the VM and one metric alert per
 * planned alarm; once per fleet everything in render.ts.
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as compute from "@pulumi/azure-native/compute/index.js";
import type * as monitorTypes from "@pulumi/azure-native/monitor/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import * as network from "@pulumi/azure-native/network/index.js";
import * as pulumi from "@pulumi/pulumi";
import { describeAction } from "../pdl/actions/index.js";
import { AGENT_LOG_TABLE } from "../plan/agent-log-table.js";
import { alarmDescription, FLEET_STORE_KEYS, MANIFEST_VERSION } from "../plan/manifest.js";
import { alarmName, fleetAlarmKey, fleetAlarmName, type NameScope } from "../plan/names.js";
import { choosePersona, type PersonaResolver } from "../plan/persona-source.js";
import { type AlarmPlan, type FleetPlan, type PersonaPlan, type PlanInput, planFleet } from "../plan/plan.js";
import { withCloudSize } from "../plan/render.js";
import type { ResponderKind } from "../plan/responders.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../plan/tags.js";
import { topologyOf } from "../plan/topology.js";
import { withoutPromiseStacks } from "../registration.js";
import {
  type AzureFeedEnforcement,
  FLEET_TAG_KEY,
  memberIdOf,
  WEBHOOK_PROPERTIES,
  WEBHOOK_SCHEMA_VERSION,
} from "../runtime/azure/contract.js";
import { type AgentInstallPlan, planAgentInstall } from "./agent-artifact.js";
import {
  type AgentLogIngestion,
  type AzureAgentInstall,
  type AzureOperatingSystem,
  CUSTOM_DATA_LIMIT_BYTES,
  renderCustomData,
} from "./custom-data.js";
import {
  AzureInvalidArgumentsError,
  AzureMissingTargetError,
  AzureNoPersonaError,
  AzurePersonaConflictError,
  type ComponentErrorContext,
} from "./errors.js";
import { type AgentLogAlertResources, renderAgentLogAlerts } from "./log-alerts.js";
import { AZURE_MEMBER_KEY, resourceGroupName } from "./names.js";
import {
  type AzureFleetOptions,
  type AzureFleetResources,
  jsonBlob,
  NSG_LIMITS,
  renderAzureFleet,
  WAF_LIMITS,
} from "./render.js";
import { checkAzureTrafficOptions } from "./traffic.js";

/** A persona ready to deploy (what resolution returns, or a persona with its repository reference). */
export type AzurePersonaSpec = PlanInput;

/** A marketplace image ("Find Azure Marketplace image information using the Azure CLI"). */
export interface AzureImage {
  publisher: string;
  offer: string;
  sku: string;
  /** @default "latest" */
  version?: string;
}

/** Arguments every instance-creating Azure component shares. */
export interface AzureMemberComponentArgs extends AzureFleetOptions {
  /** The fleet name: the `persona:fleet` tag value and part of every name. @default the component's name */
  fleetName?: string;
  /** The image every VM boots. @example { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" } */
  image: AzureImage;
  /** The image's operating system (the package catalog's apt entries). @default "ubuntu" */
  os?: AzureOperatingSystem;
  /** The subnet every network interface is in. */
  subnetId: pulumi.Input<string>;
  /** The VMs' administrator (SSH key only; password login is off). */
  admin: { username: string; sshPublicKey: pulumi.Input<string> };
  /** Resolves instance tags to a persona (e.g. mapping rules). */
  resolve?: PersonaResolver;
  /** The persona of instances that name none and that the resolver does not match. */
  defaultPersona?: AzurePersonaSpec;
}

/** One member of an Azure fleet. */
export interface AzureFleetMember {
  /** Key unique in the fleet; the VM's name (letters, digits and single hyphens, at most 64). */
  name: string;
  /**
   * The static private IP of its network interface, inside `subnetId`: deallocation (which a resize
   * to a size the VM's host lacks needs) releases a dynamic one, so the address would change.
   */
  privateIpAddress: string;
  /** The VM's tags: resolution reads them and the VM carries them. @default {} */
  tags?: Record<string, string>;
  /** The persona, when not resolved from the tags. */
  persona?: AzurePersonaSpec;
}

/** A member the components plan without creating its VM (an attached VM). */
export interface AzurePlannedMember {
  /** Key unique in the fleet. */
  name: string;
  /** Tags resolution reads. @default {} */
  tags?: Record<string, string>;
  /** The persona, when not resolved from the tags. */
  persona?: AzurePersonaSpec;
}

/** What `pulumi up` deploys for a VM; responders may change its size and active persona later. */
export interface AzureBaseline {
  vmSize: string;
  persona: string;
  version: string;
  digest: string;
}

/** The attributes the runtime owns, which `pulumi up` must not revert. */
export const RUNTIME_OWNED = ["hardwareProfile.vmSize", `tags["${PERSONA_TAGS.active}"]`] as const;

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Resolves and plans the members, throwing component errors that name the instance and the fix. */
export function planAzureMembers(
  context: ComponentErrorContext,
  fleet: string,
  members: readonly (AzureFleetMember | AzurePlannedMember)[],
  args: Pick<
    AzureMemberComponentArgs,
    "resolve" | "defaultPersona" | "firewall" | "notifications" | "invokeTargets" | "traffic" | "isolation"
  > & { alarmTopology: AzureAlarmTopology },
  /** Why this component cannot drain or isolate, when it cannot (attached VMs' NICs are not the stack's). */
  trafficUnsupported?: { why: string; fix: string },
): FleetPlan {
  const seen = new Set<string>();
  const addresses = new Set<string>();
  const resolved = members.map((member) => {
    const where = { ...context, instance: member.name };
    const creates = "privateIpAddress" in member;
    if (!AZURE_MEMBER_KEY.test(member.name))
      throw new AzureInvalidArgumentsError(
        where,
        creates
          ? "the instance name is the VM's name, which Azure allows as 1 to 64 letters, digits and hyphens (no underscores or periods)"
          : "the instance name is part of its alert rules' names: 1 to 64 letters, digits and single hyphens",
        "rename the instance, e.g. 'web-1'",
      );
    if (seen.has(member.name.toLowerCase()))
      throw new AzureInvalidArgumentsError(
        where,
        "two instances have this name (Azure names ignore case)",
        "give each instance its own name",
      );
    seen.add(member.name.toLowerCase());
    if (creates) {
      if (!IPV4.test(member.privateIpAddress) || addresses.has(member.privateIpAddress))
        throw new AzureInvalidArgumentsError(
          where,
          `privateIpAddress '${member.privateIpAddress}' is not a unique IPv4 address`,
          "give each instance its own address inside the subnet (a static address survives deallocation)",
        );
      addresses.add(member.privateIpAddress);
    }
    const chosen = choosePersona(
      { name: member.name, tags: member.tags ?? {} },
      {
        ...(member.persona ? { persona: member.persona } : {}),
        ...(args.resolve ? { resolve: args.resolve } : {}),
        ...(args.defaultPersona ? { defaultPersona: args.defaultPersona } : {}),
      },
      {
        noPersona: (problem, cause) =>
          new AzureNoPersonaError(where, problem, cause === undefined ? undefined : { cause }),
        conflict: (problem, fix, cause) =>
          new AzurePersonaConflictError(where, problem, fix, cause === undefined ? undefined : { cause }),
      },
    );
    return { key: member.name, resolved: withCloudSize(chosen, "azure") };
  });
  const firewall = args.firewall ?? {};
  if (firewall.networkSecurityGroupId !== undefined && firewall.wafPolicy !== undefined)
    throw new AzureInvalidArgumentsError(
      context,
      "Only one of [firewall.networkSecurityGroupId] and [firewall.wafPolicy] can be specified",
      "keep the WAF policy for sites behind Front Door or Application Gateway, or the NSG for bare VMs",
    );
  const probe = planFleet(fleet, resolved, { azure: "nsg" });
  const lists = probe.feeds.filter((f) => f.kind === "list");
  if (lists.length > 0 && firewall.networkSecurityGroupId === undefined && firewall.wafPolicy === undefined)
    throw new AzureMissingTargetError(
      context,
      `list feed ${lists.map((f) => `'${f.id}' (${f.url})`).join(", ")} needs a place to enforce its list`,
      `pass firewall.networkSecurityGroupId (NSG rules, up to ${NSG_LIMITS.maxPrefixes} source prefixes per NSG) or firewall.wafPolicy (custom rules, ${WAF_LIMITS.addressesPerCondition["front-door"]} addresses per match condition on Front Door)`,
    );
  for (const persona of probe.personas)
    for (const response of persona.responses)
      for (const action of response.actions) {
        if (action.kind === "notify" && args.notifications?.[action.target] === undefined)
          throw new AzureMissingTargetError(
            context,
            `persona ${persona.persona.name} notifies channel '${action.target}', and notifications has no URL for it`,
            `pass notifications: { "${action.target}": "https://..." }`,
          );
        if (trafficUnsupported !== undefined && TRAFFIC_ACTIONS.has(action.kind))
          throw new AzureInvalidArgumentsError(
            context,
            `persona ${persona.persona.name} runs '${describeAction(action)}', which ${trafficUnsupported.why}`,
            trafficUnsupported.fix,
          );
        if (action.kind === "invoke-function" && args.invokeTargets?.[action.function] === undefined)
          throw new AzureMissingTargetError(
            context,
            `persona ${persona.persona.name} invokes function '${action.function}', and invokeTargets has no URL for it`,
            `pass invokeTargets: { "${action.function}": "https://..." }`,
          );
      }
  if (trafficUnsupported === undefined)
    checkAzureTrafficOptions(context, probe, args.traffic, args.isolation, args.notifications);
  return planFleet(
    fleet,
    resolved,
    { azure: firewall.wafPolicy !== undefined ? "waf-policy" : "nsg" },
    { alarms: args.alarmTopology },
  );
}

/** Action kinds that move traffic or isolate: they act on the VM's network interface. */
const TRAFFIC_ACTIONS: ReadonlySet<string> = new Set([
  "drain-traffic",
  "restore-traffic",
  "isolate-instance",
  "release-isolation",
]);

/**
 * Where each list feed is enforced: consecutive priority ranges from `firstPriority`.
 * @internal
 */
export function feedEnforcementOf(
  context: ComponentErrorContext,
  plan: FleetPlan,
  options: AzureFleetOptions,
): Record<string, pulumi.Input<AzureFeedEnforcement>> {
  const firewall = options.firewall ?? {};
  const maxRules = firewall.maxRules ?? 10;
  const first = firewall.firstPriority ?? 100;
  const lists = plan.feeds.filter((f) => f.kind === "list");
  const limit = firewall.wafPolicy ? WAF_LIMITS.maxRules : NSG_LIMITS.maxRules;
  if (lists.length * maxRules > limit || maxRules < 1)
    throw new AzureInvalidArgumentsError(
      context,
      `${lists.length} list feed(s) × firewall.maxRules ${maxRules} is more than the ${limit} rules Azure allows per ${firewall.wafPolicy ? "WAF policy" : "network security group"}`,
      "lower firewall.maxRules",
    );
  const enforcement: Record<string, pulumi.Input<AzureFeedEnforcement>> = {};
  lists.forEach((feed, index) => {
    const firstPriority = first + index * maxRules;
    if (firewall.wafPolicy !== undefined) {
      const waf = firewall.wafPolicy;
      enforcement[feed.id] = pulumi.output(waf.id).apply((policyId) => ({
        waf: {
          policyId,
          kind: waf.kind,
          rulePrefix: `personas${feed.id.replace(/[^A-Za-z0-9]/g, "")}`.slice(0, 100),
          firstPriority,
          maxRules,
          maxAddressesPerCondition: WAF_LIMITS.addressesPerCondition[waf.kind],
        },
      }));
    } else if (firewall.networkSecurityGroupId !== undefined) {
      if (firstPriority + maxRules - 1 > 4096)
        throw new AzureInvalidArgumentsError(
          context,
          `feed '${feed.id}' would use NSG priorities up to ${firstPriority + maxRules - 1}; Azure allows 100–4096`,
          "lower firewall.firstPriority or firewall.maxRules",
        );
      enforcement[feed.id] = pulumi
        .output(firewall.networkSecurityGroupId)
        .apply((networkSecurityGroupId) => ({
          nsg: { networkSecurityGroupId, firstPriority, maxRules, maxPrefixes: NSG_LIMITS.maxPrefixes },
        }));
    }
  });
  return enforcement;
}

/** The webhook properties of one alert (WEBHOOK_PROPERTIES): what the runtime reads instead of the description. */
export function webhookPropertiesOf(
  scope: NameScope,
  plan: PersonaPlan,
  alarm: AlarmPlan,
  member: string,
  owner: "stack" | "fleet" = "stack",
): Record<string, string> {
  return {
    [WEBHOOK_PROPERTIES.schema]: WEBHOOK_SCHEMA_VERSION,
    [WEBHOOK_PROPERTIES.fleet]: scope.fleet,
    [WEBHOOK_PROPERTIES.stack]: scope.stack,
    [WEBHOOK_PROPERTIES.persona]: plan.persona.name,
    [WEBHOOK_PROPERTIES.version]: plan.persona.version,
    [WEBHOOK_PROPERTIES.digest]: plan.persona.digest,
    [WEBHOOK_PROPERTIES.triggerId]: alarm.triggerId,
    [WEBHOOK_PROPERTIES.alarmId]: alarm.id,
    [WEBHOOK_PROPERTIES.intent]: alarm.onAlarm.intent,
    [WEBHOOK_PROPERTIES.member]: member,
    [WEBHOOK_PROPERTIES.owner]: owner,
  };
}

/** Metrics the platform publishes by itself; any other namespace is a custom metric (the agent's). */
const PLATFORM_NAMESPACE = "Microsoft.Compute/virtualMachines";

/** What the fleet rendered. */
interface RenderedAzureMembers {
  plan: FleetPlan;
  fleet: AzureFleetResources;
  vms: Record<string, compute.VirtualMachine>;
  networkInterfaces: Record<string, network.NetworkInterface>;
  alerts: Record<string, monitorTypes.MetricAlert[]>;
  fleetAlerts: monitorTypes.MetricAlert[];
  logAlerts: AgentLogAlertResources | undefined;
  baseline: Record<string, AzureBaseline>;
}

function renderAzureMembers(
  parent: pulumi.ComponentResource,
  name: string,
  context: ComponentErrorContext,
  members: readonly AzureFleetMember[],
  args: AzureMemberComponentArgs & {
    alarmTopology: AzureAlarmTopology;
    logAnalyticsWorkspaceId?: pulumi.Input<string>;
  },
): RenderedAzureMembers {
  const fleetName = args.fleetName ?? name;
  const plan = planAzureMembers(context, fleetName, members, args);
  const scope: NameScope = { fleet: fleetName, stack: pulumi.getStack() };
  const os = args.os ?? "ubuntu";
  const subscriptionId = authorization.getClientConfigOutput({ parent }).subscriptionId;
  const fleet = renderAzureFleet(
    parent,
    name,
    context,
    plan,
    scope,
    args,
    subscriptionId,
    feedEnforcementOf(context, plan, args),
    undefined,
    args.subnetId,
  );
  const logAlerts = renderAgentLogAlerts(
    parent,
    name,
    context,
    fleet,
    plan,
    args.location,
    args.logAnalyticsWorkspaceId,
  );
  const agent = withLogsIngestion(
    planAgentInstall(parent, name, context, plan, fleet, args.agent),
    logAlerts?.ingestion,
  );
  const customData = new Map<PersonaPlan, pulumi.Input<string>>();
  for (const persona of plan.personas)
    customData.set(persona, encodedCustomData(context, persona, os, agent));
  const group = { resourceGroupName: resourceGroupName(scope), location: args.location };
  const vms: RenderedAzureMembers["vms"] = {};
  const networkInterfaces: RenderedAzureMembers["networkInterfaces"] = {};
  const alerts: RenderedAzureMembers["alerts"] = {};
  const baseline: RenderedAzureMembers["baseline"] = {};
  const byKey = new Map(members.map((m) => [m.name, m]));
  for (const { key, plan: persona } of plan.instances) {
    const member = byKey.get(key)!;
    const size = persona.compute.size!;
    const tags = {
      ...fleet.tags,
      ...member.tags,
      ...persona.tags,
      [FLEET_TAG_KEY]: fleetName,
      [PERSONA_TAGS.active]: persona.persona.name,
    };
    const nic = new network.NetworkInterface(
      `${name}-${key}-nic`,
      {
        ...group,
        networkInterfaceName: `${key}-nic`,
        ipConfigurations: [
          {
            name: "primary",
            primary: true,
            subnet: { id: args.subnetId },
            privateIPAllocationMethod: "Static",
            privateIPAddress: member.privateIpAddress,
          },
        ],
        tags: { ...fleet.tags, [FLEET_TAG_KEY]: fleetName },
      },
      { parent, dependsOn: [fleet.resourceGroup] },
    );
    const vm = new compute.VirtualMachine(
      `${name}-${key}`,
      {
        ...group,
        vmName: key,
        hardwareProfile: { vmSize: size },
        networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
        osProfile: {
          computerName: key,
          adminUsername: args.admin.username,
          customData: customData.get(persona)!,
          linuxConfiguration: {
            disablePasswordAuthentication: true,
            ssh: {
              publicKeys: [
                {
                  path: `/home/${args.admin.username}/.ssh/authorized_keys`,
                  keyData: args.admin.sshPublicKey,
                },
              ],
            },
          },
        },
        storageProfile: {
          imageReference: { ...args.image, version: args.image.version ?? "latest" },
          osDisk: {
            createOption: "FromImage",
            deleteOption: "Delete",
            managedDisk: { storageAccountType: "Premium_LRS" },
          },
        },
        identity: { type: "UserAssigned", userAssignedIdentities: [fleet.vmIdentity.id] },
        tags,
      },
      { parent, ignoreChanges: [...RUNTIME_OWNED] },
    );
    vms[key] = vm;
    networkInterfaces[key] = nic;
    baseline[key] = {
      vmSize: size,
      persona: persona.persona.name,
      version: persona.persona.version,
      digest: persona.persona.digest,
    };
    alerts[key] = renderVmAlerts(parent, name, fleet, scope, group, key, persona, vm.id, plan);
  }
  const fleetAlerts = renderFleetAlerts(parent, name, fleet, plan, args.location);
  // The membership record: the VMs this stack made members, by lowercased resource id.
  const record = pulumi
    .all(
      plan.instances.map(({ key, plan: persona }) =>
        vms[key]!.id.apply((id) => [memberIdOf(id), { key, digest: persona.persona.digest }] as const),
      ),
    )
    .apply((entries) =>
      JSON.stringify({ version: MANIFEST_VERSION, fleet: fleetName, members: Object.fromEntries(entries) }),
    );
  jsonBlob(
    parent,
    `${name}-members`,
    { resourceGroupName: fleet.resourceGroup.name, accountName: fleet.storageAccount.name },
    FLEET_STORE_KEYS.members,
    record,
  );
  return { plan, fleet, vms, networkInterfaces, alerts, fleetAlerts, logAlerts, baseline };
}

/**
 * The longest Logs Ingestion settings (custom data sizes are checked with them): a 253-character
 * host under https://, as DNS allows, and the immutable id's fixed length.
 */
const LONGEST_INGESTION: AgentLogIngestion = {
  endpoint: `https://${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`,
  ruleId: `dcr-${"0".repeat(32)}`,
  stream: AGENT_LOG_TABLE.stream,
};

/** The agent install with the fleet's Logs Ingestion settings, when its log search rules read the agent's rows. */
function withLogsIngestion(
  agent: AgentInstallPlan | undefined,
  ingestion: pulumi.Output<AgentLogIngestion> | undefined,
): AgentInstallPlan | undefined {
  if (agent === undefined || ingestion === undefined) return agent;
  return {
    install: pulumi
      .all([agent.install, ingestion])
      .apply(([install, logsIngestion]) => ({ ...install, logsIngestion })),
    worstCase: { ...agent.worstCase, logsIngestion: LONGEST_INGESTION },
  };
}

/**
 * The static-threshold criterion of an alert on `spec`, the same in a per-VM alert and a fleet-wide
 * rule (a fleet-wide rule watches platform metrics only, so never skips validation).
 */
function staticCriterion(name: string, spec: AlarmPlan["azure"]) {
  return {
    criterionType: "StaticThresholdCriterion" as const,
    name,
    metricNamespace: spec.metricNamespace,
    metricName: spec.metricName,
    operator: spec.operator,
    threshold: spec.threshold,
    timeAggregation: spec.timeAggregation,
    // A custom metric exists only once the agent has published it.
    ...(spec.metricNamespace === PLATFORM_NAMESPACE ? {} : { skipMetricValidation: true }),
  };
}

/**
 * One metric alert per planned alarm of a VM, scoped to it, calling the action group of each responder
 * kind the alarm runs with the webhook properties the runtime reads. `group.location` is the VM's
 * region when known; a single-VM alert may omit it ("Metric Alerts - Create Or Update": the target
 * region is mandatory only for a subscription, group or several resources). With a fleet plan, the
 * alarms its topology makes fleet-wide on Azure are left to {@link renderFleetAlerts}.
 * @internal
 */
export function renderVmAlerts(
  parent: pulumi.Resource,
  name: string,
  fleet: AzureFleetResources,
  scope: NameScope,
  group: { resourceGroupName: string; location?: pulumi.Input<string> },
  key: string,
  persona: PersonaPlan,
  vmId: pulumi.Input<string>,
  fleetPlan?: FleetPlan,
): monitorTypes.MetricAlert[] {
  const fleetName = scope.fleet;
  const perVm = persona.alarms.filter(
    (alarm) =>
      fleetPlan === undefined ||
      topologyOf(fleetPlan.alarmTopology, persona.persona.digest, alarm.id)?.azure.kind !== "fleet-wide",
  );
  return perVm.map((alarm) => {
    const spec = alarm.azure;
    const properties = webhookPropertiesOf(scope, persona, alarm, key);
    const kinds = [...new Set([...alarm.onAlarm.responders])];
    return new monitor.MetricAlert(
      `${name}-${key}-${alarm.id}`,
      {
        resourceGroupName: group.resourceGroupName,
        location: "global",
        ruleName: alarmName(scope, key, alarm.id),
        description: alarmDescription(persona, alarm),
        severity: 3,
        enabled: true,
        scopes: [vmId],
        targetResourceType: "Microsoft.Compute/virtualMachines",
        ...(group.location === undefined ? {} : { targetResourceRegion: group.location }),
        windowSize: spec.windowSize,
        evaluationFrequency: spec.evaluationFrequency,
        // Resolved notifications go to the same action groups (okResponders: they close the incident).
        autoMitigate: true,
        criteria: {
          odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
          allOf: [staticCriterion(alarm.id, spec)],
        },
        actions: kinds.map((kind) => ({
          actionGroupId: fleet.actionGroups[kind]!.id,
          webHookProperties: properties,
        })),
        tags: { ...fleet.tags, [FLEET_TAG_KEY]: fleetName, [ALARM_OWNER_TAG]: "stack" },
      },
      { parent },
    );
  });
}

/** The one criteria type of a rule over several resources ("Metric Alerts - Create Or Update"). */
export const MULTI_RESOURCE_CRITERIA = "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria";

/** Where a fleet-wide rule lives and what it calls: the fleet's resource group, its region and action groups. */
export interface FleetAlertPlace {
  resourceGroupName: pulumi.Input<string>;
  /** The fleet's resource group id: the rule's one scope. */
  resourceGroupId: pulumi.Input<string>;
  /** The fleet's region: the rule's `targetResourceRegion`. */
  location: pulumi.Input<string>;
  /** Action group ids by the responder kind they call. */
  actionGroupIds: Partial<Record<ResponderKind, pulumi.Input<string>>>;
  /** The fleet's tags. */
  tags: Record<string, string>;
}

/**
 * The inputs of the multi-resource metric alert rule of one persona × alarm the plan makes fleet-wide
 * on Azure: scoped to the fleet's resource group with `targetResourceType`
 * Microsoft.Compute/virtualMachines and the fleet's region (both mandatory for a group scope: "Metric
 * Alerts - Create Or Update"), one `MultipleResourceMultipleMetricCriteria` condition (a
 * multi-resource rule takes one: "Monitor multiple time series in a single metric alert rule"). Azure
 * evaluates it per VM and fires and resolves per VM, naming that VM in `alertTargetIDs`; every VM in
 * the group is watched, one created later too, and the intake acts only for members whose digest is
 * the rule's (owner `fleet`, member `fleet-<16 hex digits of the digest>`).
 *
 * @example
 * ```ts
 * fleetAlertArgs({ fleet: "web", stack: "prod" }, persona, cpuAlarm, place).ruleName;
 * // "personas-web_prod_fleet-0123456789abcdef-cpu-utilization-above"
 * ```
 */
export function fleetAlertArgs(
  scope: NameScope,
  persona: PersonaPlan,
  alarm: AlarmPlan,
  place: FleetAlertPlace,
): monitorTypes.MetricAlertArgs {
  const spec = alarm.azure;
  const digest = persona.persona.digest;
  // The member property of a fleet rule is the middle of its name, as a VM alert's is the VM's key.
  const properties = webhookPropertiesOf(scope, persona, alarm, fleetAlarmKey(digest), "fleet");
  return {
    resourceGroupName: place.resourceGroupName,
    location: "global",
    ruleName: fleetAlarmName(scope, digest, alarm.id),
    description: alarmDescription(persona, alarm),
    severity: 3,
    enabled: true,
    scopes: [place.resourceGroupId],
    targetResourceType: PLATFORM_NAMESPACE,
    targetResourceRegion: place.location,
    windowSize: spec.windowSize,
    evaluationFrequency: spec.evaluationFrequency,
    autoMitigate: true,
    criteria: {
      odataType: MULTI_RESOURCE_CRITERIA,
      allOf: [staticCriterion(alarm.id, spec)],
    },
    actions: [...new Set(alarm.onAlarm.responders)].map((kind) => ({
      actionGroupId: place.actionGroupIds[kind]!,
      webHookProperties: properties,
    })),
    tags: { ...place.tags, [FLEET_TAG_KEY]: scope.fleet, [ALARM_OWNER_TAG]: "fleet" },
  };
}

/**
 * Registers one multi-resource metric alert rule ({@link fleetAlertArgs}) per persona × alarm the
 * plan makes fleet-wide on Azure.
 * @internal
 */
export function renderFleetAlerts(
  parent: pulumi.Resource,
  name: string,
  fleet: AzureFleetResources,
  plan: FleetPlan,
  location: pulumi.Input<string>,
): monitorTypes.MetricAlert[] {
  const place: FleetAlertPlace = {
    resourceGroupName: fleet.resourceGroup.name,
    resourceGroupId: fleet.resourceGroup.id,
    location,
    actionGroupIds: Object.fromEntries(
      Object.entries(fleet.actionGroups).map(([kind, group]) => [kind, group.id]),
    ),
    tags: fleet.tags,
  };
  const alerts: monitorTypes.MetricAlert[] = [];
  for (const persona of plan.personas) {
    const digest = persona.persona.digest;
    for (const alarm of persona.alarms) {
      const azure = topologyOf(plan.alarmTopology, digest, alarm.id)?.azure;
      // Agent metrics are log search rules (src/azure/log-alerts.ts).
      if (azure?.kind !== "fleet-wide" || azure.rule === "log-search") continue;
      alerts.push(
        new monitor.MetricAlert(
          `${name}-${fleetAlarmKey(digest)}-${alarm.id}`,
          fleetAlertArgs(fleet.scope, persona, alarm, place),
          { parent },
        ),
      );
    }
  }
  return alerts;
}

/**
 * A persona's custom data in base64, within Azure's 64 KB (checked with the agent source's longest
 * values, so the error comes before anything is created).
 * @internal
 */
export function encodedCustomData(
  context: ComponentErrorContext,
  persona: PersonaPlan,
  os: AzureOperatingSystem,
  agent: AgentInstallPlan | undefined,
): pulumi.Input<string> {
  const encode = (install: AzureAgentInstall | undefined) =>
    Buffer.from(renderCustomData(persona, os, install), "utf8").toString("base64");
  const longest = encode(agent?.worstCase);
  if (longest.length > CUSTOM_DATA_LIMIT_BYTES)
    throw new AzureInvalidArgumentsError(
      context,
      `persona ${persona.persona.name}'s custom data is ${longest.length} bytes in base64; Azure allows ${CUSTOM_DATA_LIMIT_BYTES}`,
      "shorten its feature and run-command scripts",
    );
  return agent === undefined ? longest : agent.install.apply(encode);
}

/** Arguments of {@link AzurePersonaFleet}. */
export interface AzurePersonaFleetArgs extends AzureMemberComponentArgs {
  /** The fleet's VMs; each gets its persona from `persona`, the resolver or `defaultPersona`. */
  instances: readonly AzureFleetMember[];
  /**
   * How persona alarms are deployed (src/plan/topology.ts), as `PersonaFleet`'s `alarmTopology`:
   * `fleet-wide` makes one multi-resource metric alert rule per persona × alarm over the fleet's
   * resource group for VM platform metrics (not the network ones), and one log search alert rule per
   * persona × alarm over the agent's Log Analytics table for the personas agent's metrics
   * (src/azure/log-alerts.ts); the rest (network metrics, windows a log search rule does not allow)
   * stay one alert per VM, and `personas plan --cloud azure` says why. `per-instance` (the opt-out)
   * makes one alert per VM × alarm. AzurePersonaInstance and AzurePersonaAttachment are always per VM.
   * @default "fleet-wide"
   * @example "per-instance"
   */
  alarmTopology?: AzureAlarmTopology;
  /**
   * The Log Analytics workspace the agent's metric rows go to when the fleet has fleet-wide rules on
   * agent metrics (log search alert rules, src/azure/log-alerts.ts): the fleet creates its custom table
   * there. Its resource id; the deployer needs to create tables and role assignments on it.
   * @default a workspace `personas-agent-metrics` in the fleet's resource group
   * @example "/subscriptions/0000…/resourceGroups/monitoring/providers/Microsoft.OperationalInsights/workspaces/central"
   */
  logAnalyticsWorkspaceId?: pulumi.Input<string>;
}

/** How a fleet deploys its alarms on Azure. */
export type AzureAlarmTopology = "fleet-wide" | "per-instance";

/**
 * A fleet of Azure VMs driven by personas: the AWS `PersonaFleet`'s counterpart, from the same plan.
 * Per member a NIC with a static private IP, the VM (planned size, persona software through
 * cloud-init) and one metric alert per trigger; once per fleet the resource group, storage, function
 * apps, action groups, roles and identities (docs/azure.md).
 *
 * @example
 * ```ts
 * const web = new AzurePersonaFleet("web", {
 *   location: "westeurope",
 *   image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
 *   subnetId: subnet.id,
 *   admin: { username: "ops", sshPublicKey },
 *   defaultPersona: highTraffic,
 *   instances: [{ name: "web-1", privateIpAddress: "10.0.1.4" }, { name: "web-2", privateIpAddress: "10.0.1.5" }],
 *   firewall: { networkSecurityGroupId: nsg.id },
 * });
 * ```
 */
export class AzurePersonaFleet extends pulumi.ComponentResource {
  /** The fleet name (`persona:fleet` tag value). */
  readonly fleetName: string;
  /** The plan this fleet renders. */
  readonly plan: FleetPlan;
  /** VMs by member name. */
  readonly vms: Record<string, compute.VirtualMachine>;
  /** Network interfaces by member name. */
  readonly networkInterfaces: Record<string, network.NetworkInterface>;
  /** Per-VM metric alerts by member name, in plan order (those the plan does not make fleet-wide). */
  readonly alerts: Record<string, monitorTypes.MetricAlert[]>;
  /** Multi-resource metric alert rules: one per persona × platform-metric alarm the plan makes fleet-wide on Azure. */
  readonly fleetAlerts: monitorTypes.MetricAlert[];
  /**
   * The agent metrics' log search rules and what they read (workspace, table, data collection
   * endpoint and rule), when the plan makes an agent-metric alarm fleet-wide; otherwise undefined.
   */
  readonly logAlerts: AgentLogAlertResources | undefined;
  /** What `pulumi up` deployed, by member name. */
  readonly baseline: Record<string, AzureBaseline>;
  /** The fleet-level resources. */
  readonly resources: AzureFleetResources;

  constructor(name: string, args: AzurePersonaFleetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("personas:azure:AzurePersonaFleet", name, {}, opts);
    // The fleet's per-VM resources are what grows with it: register them without stack capture.
    const rendered = withoutPromiseStacks(() =>
      renderAzureMembers(this, name, { component: "AzurePersonaFleet", name }, args.instances, {
        ...args,
        alarmTopology: args.alarmTopology ?? "fleet-wide",
      }),
    );
    this.fleetName = args.fleetName ?? name;
    this.plan = rendered.plan;
    this.vms = rendered.vms;
    this.networkInterfaces = rendered.networkInterfaces;
    this.alerts = rendered.alerts;
    this.fleetAlerts = rendered.fleetAlerts;
    this.logAlerts = rendered.logAlerts;
    this.baseline = rendered.baseline;
    this.resources = rendered.fleet;
    this.registerOutputs({
      fleetName: this.fleetName,
      resourceGroupName: rendered.fleet.resourceGroup.name,
      storageAccountName: rendered.fleet.storageAccount.name,
    });
  }
}

/** Arguments of {@link AzurePersonaInstance}. */
export interface AzurePersonaInstanceArgs extends AzureMemberComponentArgs {
  /** The VM's static private IP. */
  privateIpAddress: string;
  /** The VM's tags. @default {} */
  tags?: Record<string, string>;
  /** The persona, when not resolved from the tags. */
  persona?: AzurePersonaSpec;
}

/**
 * One Azure VM driven by a persona, with its own fleet-level resources: a fleet of one, named after
 * the component. For more than a few VMs use {@link AzurePersonaFleet}.
 *
 * @example
 * ```ts
 * new AzurePersonaInstance("bastion", { location: "westeurope", image, subnetId, admin, privateIpAddress: "10.0.1.10", persona: lockedDown });
 * ```
 */
export class AzurePersonaInstance extends pulumi.ComponentResource {
  readonly vm: compute.VirtualMachine;
  readonly alerts: monitorTypes.MetricAlert[];
  readonly plan: PersonaPlan;
  readonly baseline: AzureBaseline;

  constructor(name: string, args: AzurePersonaInstanceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("personas:azure:AzurePersonaInstance", name, {}, opts);
    const member: AzureFleetMember = {
      name,
      privateIpAddress: args.privateIpAddress,
      ...(args.tags ? { tags: args.tags } : {}),
      ...(args.persona ? { persona: args.persona } : {}),
    };
    const rendered = withoutPromiseStacks(() =>
      renderAzureMembers(this, name, { component: "AzurePersonaInstance", name }, [member], {
        ...args,
        alarmTopology: "per-instance",
      }),
    );
    this.vm = rendered.vms[name]!;
    this.alerts = rendered.alerts[name]!;
    this.plan = rendered.plan.instances[0]!.plan;
    this.baseline = rendered.baseline[name]!;
    this.registerOutputs({ vmId: this.vm.id, vmSize: this.baseline.vmSize });
  }
}

/** What {@link resolveWithAzure} needs of a resolution context (`createResolutionContext`). */
export interface AzureResolutionContext {
  resolve(
    instance: { id: string; tags: Record<string, string> },
    options: { cloud: "azure" },
  ): AzurePersonaSpec;
}

/**
 * A resolver from a resolution context (a persona repository and mapping rules), sizing on Azure:
 * the same persona, version and digest as AWS's `resolveWith`, with an Azure size.
 *
 * @example
 * ```ts
 * const context = createResolutionContext(PersonaRepository.fromDirectory("personas"), parseMapping(text));
 * new AzurePersonaFleet("web", { ...azureArgs, resolve: resolveWithAzure(context), instances });
 * ```
 */
export function resolveWithAzure(context: AzureResolutionContext): PersonaResolver {
  return (instance) => context.resolve({ id: instance.name, tags: { ...instance.tags } }, { cloud: "azure" });
}
