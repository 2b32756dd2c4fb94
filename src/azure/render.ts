/**
 * The fleet-level Azure resources of a fleet plan, created once per fleet whatever its size: the
 * resource group (the permission scope), the storage account with its table, containers, queues and
 * manifest blobs, one Flex Consumption function app per identity boundary with its identity, custom
 * role and storage roles, one action group per responder kind that alerts call, and the VMs' identity.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as eventgrid from "@pulumi/azure-native/eventgrid/index.js";
import * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import type * as network from "@pulumi/azure-native/network/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as storage from "@pulumi/azure-native/storage/index.js";
import * as web from "@pulumi/azure-native/web/index.js";
import * as pulumi from "@pulumi/pulumi";
import { buildManifest, FLEET_STORE_KEYS, manifestEntries } from "../plan/manifest.js";
import type { NameScope } from "../plan/names.js";
import type { FleetPlan } from "../plan/plan.js";
import { okResponders } from "../plan/render.js";
import { RESPONDER_CAPABILITIES, RESPONDER_ORDER, type ResponderKind } from "../plan/responders.js";
import type { AgentOptions } from "../plan/user-data.js";
import {
  APP_SETTINGS,
  type AzureFeedEnforcement,
  alertIntakeFunctionName,
  boundaryOf,
  FLEET_TAG_KEY,
  type FunctionAppBoundary,
  functionAppPackageDirectory,
  KIND_APP_SETTINGS,
  ORCHESTRATOR_EVENTS_FUNCTION,
  RUNTIME_METRICS_NAMESPACE,
  responderQueueName,
  STORAGE_CONNECTION_SUFFIXES,
  STORAGE_NAMES,
} from "../runtime/azure/contract.js";
import {
  AzureInvalidArgumentsError,
  type ComponentErrorContext,
  FunctionPackageMissingError,
} from "./errors.js";
import {
  actionGroupShortName,
  customRoleName,
  deterministicGuid,
  functionAppName,
  type GlobalNameScope,
  resourceGroupIdOf,
  resourceGroupName,
  storageAccountName,
} from "./names.js";
import {
  type AzureIsolationSettings,
  type AzureTrafficSettings,
  azureIsolationConfig,
  azureTrafficConfig,
  declaredTrafficResources,
  renderQuarantineNsg,
  trafficRoleScopes,
} from "./traffic.js";

/** The package root: `src/azure` and `dist/azure` are both two levels below it. */
const PACKAGE_ROOT = join(__dirname, "..", "..");

/** Azure built-in role definition ids ("Azure built-in roles", Azure RBAC docs). */
export const BUILT_IN_ROLES = {
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
} as const;

/** Function app settings. */
export interface FunctionSettings {
  /**
   * Directory holding one package directory per boundary (`<boundary>/index.js`, `host.json`,
   * `package.json`), as `npm run build` writes them.
   * @default the package's `dist/runtime/azure`
   */
  packageDirectory?: string;
  /** Flex Consumption instance memory, MB (512, 2048 or 4096). @default 2048 */
  instanceMemoryMB?: number;
  /** The most instances one app scales out to (bounds how many VMs are touched at once). @default 40 */
  maximumInstanceCount?: number;
}

/** Where list feeds are enforced on Azure. */
export interface AzureFirewallSettings {
  /** A network security group (bare VMs): each list feed owns a range of its rule priorities. */
  networkSecurityGroupId?: pulumi.Input<string>;
  /** A Front Door or Application Gateway WAF policy: each list feed owns custom rules. */
  wafPolicy?: { id: pulumi.Input<string>; kind: "front-door" | "application-gateway" };
  /**
   * The first NSG priority (100–4096) or WAF custom-rule priority the feeds use; each feed takes
   * `maxRules` after it. Deny rules must come before the NSG's allow rules (lower number first).
   * @default 100
   */
  firstPriority?: number;
  /** Rules each feed may own: at most 1,000 per NSG, 100 custom rules per WAF policy. @default 10 */
  maxRules?: number;
}

/** The personas agent on the VMs (a persona needs it for latency, error rate, request count and disk). */
export interface AzureAgentArgs {
  /**
   * The bundled agent file (`bundleAgent` output) the stack uploads to the fleet's storage account;
   * VMs fetch it with their identity and check its SHA-256 before running it.
   * @default this package's `dist/agent/personas-agent.cjs`
   */
  bundle?: string;
  /** What latency probes measure. @default DEFAULT_PROBE_TARGETS (http://127.0.0.1/) */
  probeTargets?: AgentOptions["probeTargets"];
  /** Log files for error-rate and request-count metrics; required when a persona needs them. */
  logFiles?: AgentOptions["logFiles"];
  /** The node binary on the VM. @default "/usr/bin/node" */
  nodePath?: string;
}

/** Options every Azure component shares. */
export interface AzureFleetOptions {
  /** Personas agent settings. @default defaults of each field */
  agent?: AzureAgentArgs;
  /** The Azure region of the fleet's resource group and resources. @example "westeurope" */
  location: pulumi.Input<string>;
  functions?: FunctionSettings;
  firewall?: AzureFirewallSettings;
  /** HTTPS webhook URLs by notification channel (the name after `Notify`). */
  notifications?: Record<string, pulumi.Input<string>>;
  /** HTTPS URLs of the functions `Invoke <function>` may call, by function name. */
  invokeTargets?: Record<string, pulumi.Input<string>>;
  /** Tags added to every resource (azure-native has no default tags). */
  tags?: Record<string, string>;
  /** The backend pools and Front Door origins `Drain traffic` / `Redirect traffic to` may touch. @default none (personas may not drain) */
  traffic?: AzureTrafficSettings;
  /** The quarantine NSG `Isolate instance` puts on a VM's network interface. @default none (personas may not isolate) */
  isolation?: AzureIsolationSettings;
  /**
   * Deploys the run-time orchestrator (docs/runtime-azure.md): its function app (`orchestrator`
   * boundary, its own identity and role) and an Event Grid subscription on the fleet's resource group
   * delivering `Microsoft.Resources.ResourceWriteSuccess` events of its VMs (VM and tag writes) to the
   * app's `resource-writes` function. Not for `AzurePersonaAttachment` (its VMs are in other groups).
   * @default false
   */
  orchestrator?: boolean;
}

/** The fleet-level resources. */
export interface AzureFleetResources {
  scope: NameScope;
  resourceGroup: resources.ResourceGroup;
  storageAccount: storage.StorageAccount;
  stateTable: storage.Table;
  fleetContainer: storage.BlobContainer;
  queues: Partial<Record<ResponderKind, storage.Queue>>;
  functionApps: Partial<Record<FunctionAppBoundary, web.WebApp>>;
  actionGroups: Partial<Record<ResponderKind, monitor.ActionGroup>>;
  vmIdentity: managedidentity.UserAssignedIdentity;
  /** The orchestrator's Event Grid subscription on the fleet's resource group, when it is deployed. */
  orchestratorEvents?: eventgrid.EventSubscription;
  /** Each function app's identity and custom role, by boundary. */
  roles: Partial<
    Record<
      FunctionAppBoundary,
      { identity: managedidentity.UserAssignedIdentity; definition: authorization.RoleDefinition }
    >
  >;
  /** The fleet's tags: every resource carries them. */
  tags: Record<string, string>;
  subscriptionId: pulumi.Output<string>;
  /** The quarantine NSG the fleet created from `isolation.management`, if it did. */
  quarantineNsg?: network.NetworkSecurityGroup;
}

/** NSG limits ("Azure subscription and service limits", Networking): 1,000 rules, 4,000 prefixes per NSG. */
export const NSG_LIMITS = { maxRules: 1000, maxPrefixes: 4000 } as const;
/**
 * WAF custom rules: 100 per policy; addresses per match condition 600 on Front Door, 540 on
 * Application Gateway ("Azure Web Application Firewall limits").
 */
export const WAF_LIMITS = {
  maxRules: 100,
  addressesPerCondition: { "front-door": 600, "application-gateway": 540 },
} as const;

// One switch per process, shared by every copy of this module (a program loaded by `personas plan`
// or a test's loader may get its own copy of the library's modules).
const PACKAGE_CHECK = Symbol.for("pulumi-personas.azure.functionPackageCheck");
const packageCheck: { enabled: boolean } = ((globalThis as Record<symbol, unknown>)[PACKAGE_CHECK] as
  | { enabled: boolean }
  | undefined) ?? { enabled: true };
(globalThis as Record<symbol, unknown>)[PACKAGE_CHECK] = packageCheck;

/** Whether components check that function packages exist (see {@link setFunctionPackageCheck}). */
export function functionPackageCheckEnabled(): boolean {
  return packageCheck.enabled;
}

/**
 * Turns the check that function app packages exist on or off for components created afterwards; on by
 * default. Offline plans and unit tests that upload nothing turn it off. Returns the previous setting.
 */
export function setFunctionPackageCheck(enabled: boolean): boolean {
  const previous = packageCheck.enabled;
  packageCheck.enabled = enabled;
  return previous;
}

/** The boundaries a plan needs, in FUNCTION_APP_BOUNDARIES order. */
export function boundariesOf(plan: FleetPlan): FunctionAppBoundary[] {
  const needed = new Set(plan.responders.map(boundaryOf));
  return (["responders", "firewall"] as const).filter((b) => needed.has(b));
}

/** Responder kinds that alerts call (activate or OK transitions). */
export function kindsCalledByAlerts(plan: FleetPlan): ResponderKind[] {
  const kinds = new Set<ResponderKind>();
  for (const persona of plan.personas)
    for (const alarm of persona.alarms) {
      for (const kind of alarm.onAlarm.responders) kinds.add(kind);
      for (const kind of okResponders(alarm)) kinds.add(kind);
    }
  return RESPONDER_ORDER.filter((k) => kinds.has(k));
}

/** Which traffic resources a fleet declares: the role gets only the actions these need. */
export interface DeclaredTrafficResources {
  loadBalancers: boolean;
  applicationGateways: boolean;
  frontDoorOrigins: boolean;
}

/**
 * The ARM actions a boundary's custom role grants, from the capabilities of the kinds it hosts and,
 * for traffic, the kinds of resources the fleet declares. Every name is one of "Azure resource
 * provider operations" ("Azure permissions for Compute", "... for Networking", "... for Management
 * and governance"). Nothing else: no role assignment writes, no deletes of VMs or network resources.
 */
export function roleActionsOf(
  kinds: readonly ResponderKind[],
  traffic: DeclaredTrafficResources = {
    loadBalancers: true,
    applicationGateways: true,
    frontDoorOrigins: true,
  },
): { actions: string[]; dataActions: string[] } {
  const actions = new Set<string>();
  const capabilities = new Set(kinds.flatMap((k) => RESPONDER_CAPABILITIES[k]));
  if (capabilities.has("instance.describe")) {
    actions.add("Microsoft.Compute/virtualMachines/read");
    actions.add("Microsoft.Compute/virtualMachines/instanceView/read");
    // The worker reads the alert rule a job names before it acts (a metric alert rule, or a fleet-wide
    // log search rule): "Azure permissions for Monitoring", Microsoft.Insights.
    actions.add("Microsoft.Insights/metricAlerts/read");
    actions.add("Microsoft.Insights/scheduledQueryRules/read");
  }
  if (capabilities.has("instance.resize")) {
    actions.add("Microsoft.Compute/virtualMachines/write");
    actions.add("Microsoft.Compute/virtualMachines/vmSizes/read");
    actions.add("Microsoft.Compute/virtualMachines/deallocate/action");
    actions.add("Microsoft.Compute/virtualMachines/start/action");
  }
  if (capabilities.has("instance.tag") || capabilities.has("instance.isolate")) {
    actions.add("Microsoft.Resources/tags/read");
    actions.add("Microsoft.Resources/tags/write");
  }
  if (capabilities.has("command.run")) {
    actions.add("Microsoft.Compute/virtualMachines/runCommand/action");
    actions.add("Microsoft.Compute/virtualMachines/runCommands/read");
  }
  if (capabilities.has("firewall.update")) {
    actions.add("Microsoft.Network/networkSecurityGroups/read");
    actions.add("Microsoft.Network/networkSecurityGroups/securityRules/read");
    actions.add("Microsoft.Network/networkSecurityGroups/securityRules/write");
    actions.add("Microsoft.Network/networkSecurityGroups/securityRules/delete");
  }
  if (capabilities.has("traffic.shift") || capabilities.has("instance.isolate")) {
    // Pool membership and the NSG are properties of the NIC, written whole (Network Interfaces -
    // Create Or Update); ARM checks join rights on every resource the NIC refers to: its subnet,
    // its NSG and its pools.
    actions.add("Microsoft.Network/networkInterfaces/read");
    actions.add("Microsoft.Network/networkInterfaces/write");
    actions.add("Microsoft.Network/virtualNetworks/subnets/join/action");
    actions.add("Microsoft.Network/networkSecurityGroups/join/action");
  }
  if (capabilities.has("traffic.shift")) {
    if (traffic.loadBalancers) {
      actions.add("Microsoft.Network/loadBalancers/read");
      actions.add("Microsoft.Network/loadBalancers/backendAddressPools/join/action");
      actions.add("Microsoft.Network/loadBalancers/loadBalancingRules/health/action");
    }
    if (traffic.applicationGateways) {
      actions.add("Microsoft.Network/applicationGateways/backendAddressPools/join/action");
      actions.add("Microsoft.Network/applicationGateways/backendhealth/action");
    }
    if (traffic.frontDoorOrigins) {
      actions.add("Microsoft.Cdn/profiles/origingroups/origins/read");
      actions.add("Microsoft.Cdn/profiles/origingroups/origins/write");
    }
  }
  const dataActions = capabilities.has("metrics.publish") ? ["Microsoft.Insights/Metrics/Write"] : [];
  return { actions: [...actions].sort(), dataActions };
}

/**
 * What the orchestrator's custom role grants ("Azure resource provider operations"): read the VMs
 * (with their tags: Event Grid events carry none) and write and delete the run-time metric alerts it
 * owns in the fleet's group. Its storage roles are the built-in data roles every app gets.
 */
export const ORCHESTRATOR_ROLE_ACTIONS = {
  actions: [
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Insights/metricAlerts/delete",
    "Microsoft.Insights/metricAlerts/read",
    "Microsoft.Insights/metricAlerts/write",
  ],
  dataActions: [],
} as const;

/**
 * Event Grid's delivery settings for the orchestrator ("Event Grid message delivery and retry": 30
 * attempts and a 1,440-minute time to live are its defaults, written out so a change shows). One event
 * per call: each is one VM to reconcile, and delivery is at-least-once and unordered anyway.
 */
export const ORCHESTRATOR_EVENT_DELIVERY = {
  maxDeliveryAttempts: 30,
  eventTimeToLiveInMinutes: 1440,
  maxEventsPerBatch: 1,
} as const;

/**
 * Role assignment of a built-in or custom role to a principal, named by a GUID of its three parts.
 * @internal
 */
export function assignRole(
  parent: pulumi.Resource,
  name: string,
  scope: pulumi.Input<string>,
  roleDefinitionId: pulumi.Input<string>,
  principalId: pulumi.Input<string>,
  description: string,
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    name,
    {
      scope,
      roleDefinitionId,
      principalId,
      principalType: "ServicePrincipal",
      roleAssignmentName: pulumi
        .all([scope, roleDefinitionId, principalId])
        .apply((parts) => deterministicGuid(parts as string[])),
      description,
    },
    { parent },
  );
}

/**
 * A built-in role's definition id in the subscription.
 * @internal
 */
export function builtInRole(subscriptionId: pulumi.Input<string>, id: string): pulumi.Output<string> {
  return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
}

/** The package directory of a boundary; a missing one stops the program (unless the check is off). */
function packageDirectoryOf(
  context: ComponentErrorContext,
  boundary: FunctionAppBoundary,
  settings: FunctionSettings,
): string {
  const directory =
    settings.packageDirectory === undefined
      ? join(PACKAGE_ROOT, functionAppPackageDirectory(boundary))
      : join(settings.packageDirectory, boundary);
  if (functionPackageCheckEnabled() && !existsSync(join(directory, "index.js")))
    throw new FunctionPackageMissingError(context, join(directory, "index.js"));
  return directory;
}

/**
 * Renders the fleet-level resources. `feedEnforcement` gives each list feed's `enforcement.azure`;
 * `attachedGroups` the resource groups of VMs another stack created (`AzurePersonaAttachment`): the
 * VM-facing role becomes assignable there and the runtime may act there (`PERSONAS_MEMBER_GROUPS`).
 */
export function renderAzureFleet(
  parent: pulumi.ComponentResource,
  name: string,
  context: ComponentErrorContext,
  plan: FleetPlan,
  scope: NameScope,
  options: AzureFleetOptions,
  subscriptionId: pulumi.Output<string>,
  feedEnforcement: Record<string, pulumi.Input<AzureFeedEnforcement>>,
  attachedGroups?: pulumi.Output<string[]>,
  /** The subnet of the fleet's NICs: a NIC write refers to it, so traffic and isolate need its join right. */
  subnetId?: pulumi.Input<string>,
): AzureFleetResources {
  const tags = { ...options.tags, [FLEET_TAG_KEY]: plan.fleet };
  const functions = options.functions ?? {};
  const boundaries: FunctionAppBoundary[] = [
    ...boundariesOf(plan),
    ...(options.orchestrator ? (["orchestrator"] as const) : []),
  ];
  const packages = Object.fromEntries(
    boundaries.map((b) => [b, packageDirectoryOf(context, b, functions)]),
  ) as Partial<Record<FunctionAppBoundary, string>>;
  const opts = { parent };
  const resourceGroup = new resources.ResourceGroup(
    `${name}-group`,
    { resourceGroupName: resourceGroupName(scope), location: options.location, tags },
    opts,
  );
  const global = subscriptionId.apply((id): GlobalNameScope => ({ ...scope, subscriptionId: id }));
  const group = { resourceGroupName: resourceGroup.name, location: resourceGroup.location };
  const storageAccount = new storage.StorageAccount(
    `${name}-storage`,
    {
      ...group,
      accountName: global.apply(storageAccountName),
      kind: "StorageV2",
      sku: { name: "Standard_LRS" },
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      // Identities only: the function apps and the agent use Entra ID, never account keys.
      allowSharedKeyAccess: false,
      tags,
    },
    opts,
  );
  const account = { resourceGroupName: resourceGroup.name, accountName: storageAccount.name };
  const stateTable = new storage.Table(
    `${name}-state`,
    { ...account, tableName: STORAGE_NAMES.stateTable },
    opts,
  );
  const fleetContainer = new storage.BlobContainer(
    `${name}-fleet-store`,
    { ...account, containerName: STORAGE_NAMES.fleetContainer, publicAccess: "None" },
    opts,
  );
  const packagesContainer = new storage.BlobContainer(
    `${name}-function-packages`,
    { ...account, containerName: STORAGE_NAMES.packagesContainer, publicAccess: "None" },
    opts,
  );
  const queues: AzureFleetResources["queues"] = {};
  for (const kind of plan.responders)
    queues[kind] = new storage.Queue(
      `${name}-queue-${kind}`,
      { ...account, queueName: responderQueueName(kind) },
      opts,
    );

  // The manifest: one blob per persona digest and per feed, and the whole (same keys as AWS).
  const manifest = buildManifest(plan, "azure");
  for (const [key, entry] of manifestEntries(manifest)) {
    const feedId = "feedId" in entry ? entry.feedId : undefined;
    const where = feedId === undefined ? undefined : feedEnforcement[feedId];
    const content =
      where === undefined
        ? pulumi.output(JSON.stringify(entry))
        : pulumi.output(where).apply((azure) => JSON.stringify({ ...entry, enforcement: { azure } }));
    const logical =
      feedId === undefined ? `manifest-${key.split("/").pop()!.slice(0, 12)}` : `feed-${feedId}`;
    jsonBlob(parent, `${name}-${logical}`, account, key, content);
  }
  jsonBlob(
    parent,
    `${name}-manifest`,
    account,
    FLEET_STORE_KEYS.fleet,
    pulumi.output(JSON.stringify(manifest)),
  );

  // Traffic and isolate act on network resources the user owns (often in another group): the
  // responders' role becomes assignable at their groups and is assigned at each of them, no wider.
  const drains = plan.responders.includes("traffic") && options.traffic !== undefined;
  const isolates = plan.responders.includes("isolate") && options.isolation !== undefined;
  const quarantine = isolates
    ? renderQuarantineNsg(parent, name, plan.fleet, options.isolation!, group, tags, [resourceGroup])
    : undefined;
  const networkScopes: pulumi.Input<string>[] = [
    ...(drains ? trafficRoleScopes(options.traffic!) : []),
    // A quarantine NSG the fleet created is in its group, where the role is assigned already.
    ...(quarantine !== undefined && quarantine.created === undefined ? [quarantine.id] : []),
    ...((drains || isolates) && subnetId !== undefined ? [subnetId] : []),
  ];

  const serviceUri = (service: "blob" | "queue" | "table") =>
    pulumi.interpolate`https://${storageAccount.name}.${service}.core.windows.net/`;
  const functionApps: AzureFleetResources["functionApps"] = {};
  const roles: AzureFleetResources["roles"] = {};
  // One function app per boundary; the orchestrator's last, as its settings name the action groups.
  const renderApp = (boundary: FunctionAppBoundary, extraSettings: Record<string, pulumi.Input<string>>) => {
    const kinds = plan.responders.filter((k) => boundaryOf(k) === boundary);
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-${boundary}-identity`,
      { ...group, resourceName: `${boundary}-identity`, tags },
      opts,
    );
    // Least privilege: the boundary's own role, assigned only at the fleet's group (the firewall's at
    // the NSG or WAF policy it writes, which the user owns and may keep in another group). Custom
    // roles are assignable at groups, not single resources ("Azure role definitions",
    // AssignableScopes): the firewall's role is assignable at its NSG's or policy's group, and the
    // responders' also at the groups of attached VMs, where each VM gets its own assignment.
    const firewallScope =
      boundary === "firewall"
        ? (options.firewall?.networkSecurityGroupId ?? options.firewall?.wafPolicy?.id)
        : undefined;
    const roleScope = firewallScope ?? resourceGroup.id;
    const responderScopes = boundary === "responders" ? networkScopes : [];
    const assignableScopes: pulumi.Input<pulumi.Input<string>[]> =
      firewallScope !== undefined
        ? [groupOf(context, firewallScope)]
        : pulumi
            .all([
              resourceGroup.id,
              pulumi.output(attachedGroups ?? []),
              ...responderScopes.map((s) =>
                groupOf(
                  context,
                  s,
                  "the traffic or isolation resource id",
                  "pass the full ARM id of the subnet, load balancer, gateway, origin or NSG (/subscriptions/<id>/resourceGroups/<group>/providers/...)",
                ),
              ),
            ])
            .apply(([own, attached, ...network]) =>
              distinctIds([own as string, ...(attached as string[]), ...(network as string[])]),
            );
    const { actions, dataActions } =
      boundary === "orchestrator"
        ? { actions: [...ORCHESTRATOR_ROLE_ACTIONS.actions], dataActions: [] }
        : roleActionsOf(kinds, declaredTrafficResources(options.traffic));
    const role = new authorization.RoleDefinition(
      `${name}-${boundary}-role`,
      {
        scope: pulumi.output(assignableScopes).apply((scopes) => scopes[0]!),
        roleDefinitionId: global.apply((g) =>
          deterministicGuid([g.subscriptionId, resourceGroupName(g), boundary, "role"]),
        ),
        roleName: global.apply((g) => customRoleName(g, boundary)),
        description: `pulumi-personas ${plan.fleet}: what the ${boundary} function app may do (${boundary === "orchestrator" ? "run-time alerts" : kinds.join(", ")})`,
        roleType: "CustomRole",
        permissions: [{ actions, dataActions, notActions: [], notDataActions: [] }],
        assignableScopes,
      },
      opts,
    );
    roles[boundary] = { identity, definition: role };
    assignRole(
      parent,
      `${name}-${boundary}-role`,
      roleScope,
      role.id,
      identity.principalId,
      `${boundary} responders`,
    );
    for (const [i, scope] of responderScopes.entries())
      assignRole(
        parent,
        `${name}-${boundary}-network-${i}`,
        scope,
        role.id,
        identity.principalId,
        `${boundary}: traffic and isolation`,
      );
    for (const [role, id] of [
      ["blob", BUILT_IN_ROLES.storageBlobDataOwner],
      ["queue", BUILT_IN_ROLES.storageQueueDataContributor],
      ["table", BUILT_IN_ROLES.storageTableDataContributor],
    ] as const)
      assignRole(
        parent,
        `${name}-${boundary}-storage-${role}`,
        storageAccount.id,
        builtInRole(subscriptionId, id),
        identity.principalId,
        `${boundary}: fleet ${role} storage`,
      );
    const packageBlob = new storage.Blob(
      `${name}-${boundary}-package`,
      {
        ...account,
        containerName: packagesContainer.name,
        blobName: `${boundary}.zip`,
        type: "Block",
        contentType: "application/zip",
        source: new pulumi.asset.FileArchive(packages[boundary]!),
      },
      opts,
    );
    const plan_ = new web.AppServicePlan(
      `${name}-${boundary}-plan`,
      {
        ...group,
        name: `${boundary}-plan`,
        kind: "functionapp",
        reserved: true,
        sku: { name: "FC1", tier: "FlexConsumption" },
        tags,
      },
      opts,
    );
    const settings: Record<string, pulumi.Input<string>> = {
      AzureWebJobsStorage__accountName: storageAccount.name,
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: identity.clientId,
      [APP_SETTINGS.fleetName]: plan.fleet,
      [APP_SETTINGS.stackName]: scope.stack,
      [APP_SETTINGS.fleetTagKey]: FLEET_TAG_KEY,
      [APP_SETTINGS.subscriptionId]: subscriptionId,
      [APP_SETTINGS.resourceGroup]: resourceGroup.name,
      [APP_SETTINGS.storageAccount]: storageAccount.name,
      [APP_SETTINGS.stateTable]: STORAGE_NAMES.stateTable,
      [APP_SETTINGS.fleetContainer]: STORAGE_NAMES.fleetContainer,
      [APP_SETTINGS.responderKinds]: kinds.join(","),
      [APP_SETTINGS.metricsNamespace]: RUNTIME_METRICS_NAMESPACE,
      [APP_SETTINGS.identityClientId]: identity.clientId,
      [`${APP_SETTINGS.storageConnection}${STORAGE_CONNECTION_SUFFIXES.blobServiceUri}`]: serviceUri("blob"),
      [`${APP_SETTINGS.storageConnection}${STORAGE_CONNECTION_SUFFIXES.queueServiceUri}`]:
        serviceUri("queue"),
      [`${APP_SETTINGS.storageConnection}${STORAGE_CONNECTION_SUFFIXES.tableServiceUri}`]:
        serviceUri("table"),
      [`${APP_SETTINGS.storageConnection}${STORAGE_CONNECTION_SUFFIXES.credential}`]: "managedidentity",
      [`${APP_SETTINGS.storageConnection}${STORAGE_CONNECTION_SUFFIXES.clientId}`]: identity.clientId,
    };
    if (attachedGroups !== undefined)
      settings[APP_SETTINGS.memberGroups] = attachedGroups.apply((groups) => JSON.stringify(groups));
    if (kinds.includes("notify"))
      settings[KIND_APP_SETTINGS.notifyTargets] = jsonOf(options.notifications ?? {});
    if (kinds.includes("invoke-function"))
      settings[KIND_APP_SETTINGS.invokeTargets] = jsonOf(options.invokeTargets ?? {});
    if (kinds.includes("traffic") && drains)
      settings[KIND_APP_SETTINGS.trafficConfig] = azureTrafficConfig(options.traffic!);
    if (kinds.includes("isolate") && quarantine !== undefined) {
      const channel = options.isolation!.notify;
      settings[KIND_APP_SETTINGS.isolationConfig] = azureIsolationConfig(
        quarantine.id,
        channel === undefined ? undefined : options.notifications?.[channel],
      );
    }
    Object.assign(settings, extraSettings);
    functionApps[boundary] = new web.WebApp(
      `${name}-${boundary}`,
      {
        ...group,
        name: global.apply((g) => functionAppName(g, boundary)),
        kind: "functionapp,linux",
        serverFarmId: plan_.id,
        httpsOnly: true,
        identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
        siteConfig: {
          minTlsVersion: "1.2",
          ftpsState: "Disabled",
          appSettings: Object.entries(settings).map(([key, value]) => ({ name: key, value })),
        },
        functionAppConfig: {
          deployment: {
            storage: {
              type: "blobContainer",
              value: pulumi.interpolate`${serviceUri("blob")}${STORAGE_NAMES.packagesContainer}`,
              authentication: { type: "UserAssignedIdentity", userAssignedIdentityResourceId: identity.id },
            },
          },
          runtime: { name: "node", version: "22" },
          scaleAndConcurrency: {
            instanceMemoryMB: functions.instanceMemoryMB ?? 2048,
            maximumInstanceCount: functions.maximumInstanceCount ?? 40,
          },
        },
        tags,
      },
      { parent, dependsOn: [packageBlob] },
    );
  };
  for (const boundary of boundariesOf(plan)) renderApp(boundary, {});

  const actionGroups: AzureFleetResources["actionGroups"] = {};
  for (const kind of kindsCalledByAlerts(plan)) {
    const app = functionApps[boundaryOf(kind)]!;
    const functionName = alertIntakeFunctionName(kind);
    actionGroups[kind] = new monitor.ActionGroup(
      `${name}-actions-${kind}`,
      {
        resourceGroupName: resourceGroup.name,
        location: "Global",
        actionGroupName: `personas-${scope.fleet}_${kind}`,
        groupShortName: actionGroupShortName(kind),
        enabled: true,
        azureFunctionReceivers: [
          {
            name: functionName,
            functionAppResourceId: app.id,
            functionName,
            httpTriggerUrl: pulumi.interpolate`https://${app.defaultHostName}/api/${functionName}`,
            useCommonAlertSchema: true,
          },
        ],
        tags,
      },
      opts,
    );
  }

  let orchestratorEvents: eventgrid.EventSubscription | undefined;
  if (options.orchestrator) {
    renderApp("orchestrator", {
      [KIND_APP_SETTINGS.actionGroups]: jsonOf(
        Object.fromEntries(Object.entries(actionGroups).map(([kind, group]) => [kind, group.id])),
      ),
      // The fleet-wide rules' targetResourceRegion: a VM elsewhere is not watched by them.
      [KIND_APP_SETTINGS.location]: options.location,
    });
    orchestratorEvents = renderOrchestratorEvents(parent, name, resourceGroup, functionApps.orchestrator!);
  }

  const vmIdentity = new managedidentity.UserAssignedIdentity(
    `${name}-vm-identity`,
    { ...group, resourceName: "vm-identity", tags },
    opts,
  );
  // The agent publishes custom metrics against its own VM: Monitoring Metrics Publisher on the group.
  assignRole(
    parent,
    `${name}-vm-metrics`,
    resourceGroup.id,
    builtInRole(subscriptionId, BUILT_IN_ROLES.monitoringMetricsPublisher),
    vmIdentity.principalId,
    "personas agent: custom metrics",
  );
  return {
    scope,
    resourceGroup,
    storageAccount,
    stateTable,
    fleetContainer,
    queues,
    functionApps,
    actionGroups,
    vmIdentity,
    ...(orchestratorEvents ? { orchestratorEvents } : {}),
    roles,
    tags,
    subscriptionId,
    ...(quarantine?.created !== undefined ? { quarantineNsg: quarantine.created } : {}),
  };
}

/**
 * The orchestrator's Event Grid subscription: on the fleet's resource group (a resource group is an
 * Event Grid source of Azure Resource Manager events, "Azure resource group as an Event Grid source"),
 * `Microsoft.Resources.ResourceWriteSuccess` only, and only for subjects under the group's virtual
 * machines (`…/providers/Microsoft.Compute/virtualMachines/`: a VM write's subject is the VM's id and
 * a tag write's is under it; the subject filter is case-insensitive by default), delivered to the
 * app's `resource-writes` function. Events carry no tags: the orchestrator reads the VM.
 * @internal
 */
export function renderOrchestratorEvents(
  parent: pulumi.Resource,
  name: string,
  resourceGroup: resources.ResourceGroup,
  app: web.WebApp,
): eventgrid.EventSubscription {
  return new eventgrid.EventSubscription(
    `${name}-orchestrator-events`,
    {
      scope: resourceGroup.id,
      eventSubscriptionName: "personas-orchestrator",
      destination: {
        endpointType: "AzureFunction",
        resourceId: pulumi.interpolate`${app.id}/functions/${ORCHESTRATOR_EVENTS_FUNCTION}`,
        maxEventsPerBatch: ORCHESTRATOR_EVENT_DELIVERY.maxEventsPerBatch,
      },
      filter: {
        includedEventTypes: ["Microsoft.Resources.ResourceWriteSuccess"],
        subjectBeginsWith: pulumi.interpolate`${resourceGroup.id}/providers/Microsoft.Compute/virtualMachines/`,
        isSubjectCaseSensitive: false,
      },
      eventDeliverySchema: "EventGridSchema",
      retryPolicy: {
        maxDeliveryAttempts: ORCHESTRATOR_EVENT_DELIVERY.maxDeliveryAttempts,
        eventTimeToLiveInMinutes: ORCHESTRATOR_EVENT_DELIVERY.eventTimeToLiveInMinutes,
      },
    },
    { parent, dependsOn: [app] },
  );
}
/** ARM ids compare case-insensitively: the first spelling of each. */
function distinctIds(ids: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const id of ids) if (!seen.has(id.toLowerCase())) seen.set(id.toLowerCase(), id);
  return [...seen.values()];
}

/**
 * The resource group of the resource a role is assigned at. A plain id under no group stops the
 * program; an Output is the id a resource reports (ARM ids are always under a group; the mock engine's
 * made-up ids are kept as they are).
 */
function groupOf(
  context: ComponentErrorContext,
  resourceId: pulumi.Input<string>,
  what = "the firewall's resource id",
  fix = "pass the NSG's or WAF policy's full ARM id (/subscriptions/<id>/resourceGroups/<group>/providers/...)",
): pulumi.Input<string> {
  if (typeof resourceId !== "string")
    return pulumi.output(resourceId).apply((id) => resourceGroupIdOf(id) ?? id);
  const group = resourceGroupIdOf(resourceId);
  if (group === undefined)
    throw new AzureInvalidArgumentsError(
      context,
      `${what} '${resourceId}' is not a resource in a resource group`,
      fix,
    );
  return group;
}
function jsonOf(values: Record<string, pulumi.Input<string>>): pulumi.Output<string> {
  return pulumi.output(values).apply((resolved) => JSON.stringify(resolved));
}

/** One JSON blob in the fleet store container. */
export function jsonBlob(
  parent: pulumi.Resource,
  name: string,
  account: { resourceGroupName: pulumi.Input<string>; accountName: pulumi.Input<string> },
  key: string,
  content: pulumi.Output<string>,
): storage.Blob {
  return new storage.Blob(
    name,
    {
      ...account,
      containerName: STORAGE_NAMES.fleetContainer,
      blobName: key,
      type: "Block",
      contentType: "application/json",
      source: content.apply((text) => new pulumi.asset.StringAsset(text)),
    },
    { parent },
  );
}
