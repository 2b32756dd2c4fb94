/**
 * The contract between the Azure components (src/azure) and the Azure Functions runtime
 * (src/runtime/azure): the names both sides must agree on. Cloud-neutral on purpose: no Azure SDK and
 * no Pulumi import, so the components, the function bundles and the tests all load it. docs/azure.md
 * ("Contract with the runtime") describes the same contract in prose.
 *
 * Stable: extend it, never rename a value (deployed function apps read these names).
 */
import * as z from "zod/mini";
import { FleetMemberRecord, MANIFEST_VERSION } from "../../plan/manifest.js";
import type { ResponderKind } from "../../plan/responders.js";

/**
 * The function apps of a fleet, one per identity boundary: each runs under its own managed identity
 * with its own role, so the firewall never holds VM rights and the responders hold network rights only on
 * the fleet's own network interfaces and the traffic resources the fleet declares.
 *
 * - `responders`: every instance-facing kind (scale, feature, shift-persona, notify, run-command,
 *   invoke-function, traffic, isolate, value-feed); traffic and isolate write the fleet's own network
 *   interfaces, and their role is assigned only at the pools, origins and quarantine NSG the fleet declares;
 * - `firewall`: list feeds (NSG rules or WAF policy custom rules);
 * - `orchestrator`: the run-time orchestrator (Event Grid + sweep), when the fleet deploys one.
 */
export const FUNCTION_APP_BOUNDARIES = ["responders", "firewall", "orchestrator"] as const;
export type FunctionAppBoundary = (typeof FUNCTION_APP_BOUNDARIES)[number];

/** The function app that hosts a responder kind. */
export function boundaryOf(kind: ResponderKind): FunctionAppBoundary {
  return kind === "firewall" ? "firewall" : "responders";
}

/**
 * The source entry of a boundary's function app: it registers the app's functions with
 * `@azure/functions` (v4 programming model). The build bundles it with esbuild (the AWS responders'
 * path) into `dist/runtime/azure/<boundary>/index.js`, beside a `host.json` and a `package.json`
 * whose `main` is `index.js`; the components upload that directory as the app's zip package.
 *
 * @example
 * ```ts
 * functionAppEntry("firewall"); // "src/runtime/azure/apps/firewall.ts"
 * ```
 */
export function functionAppEntry(boundary: FunctionAppBoundary): string {
  return `src/runtime/azure/apps/${boundary}.ts`;
}

/** Where the build puts a boundary's package directory, relative to the package root. */
export function functionAppPackageDirectory(boundary: FunctionAppBoundary): string {
  return `dist/runtime/azure/${boundary}`;
}

/**
 * The HTTP-triggered function that receives a responder kind's action group calls (common alert
 * schema). One per kind, because an alert that runs two kinds calls two action groups with the same
 * payload: the function called is what tells the kind. Route: `/api/<name>`, auth level `function`
 * (the action group's Azure Function receiver fetches the key itself).
 *
 * @example
 * ```ts
 * alertIntakeFunctionName("scale"); // "alert-scale"
 * ```
 */
export function alertIntakeFunctionName(kind: ResponderKind): string {
  return `alert-${kind}`;
}

/**
 * The orchestrator app's Event Grid-triggered function: the fleet's Event Grid subscription delivers
 * to `<app id>/functions/<this>`.
 */
export const ORCHESTRATOR_EVENTS_FUNCTION = "resource-writes";

/**
 * Names inside the fleet's storage account (one account per fleet, so fixed names do not collide).
 * Azure's rules: tables 3–63 letters and digits starting with a letter; containers and queues 3–63
 * lowercase letters, digits and single hyphens ("Naming and Referencing Containers, Blobs, and
 * Metadata"; "Naming Queues and Metadata"; "Understanding the Table service data model").
 */
export const STORAGE_NAMES = {
  /** Azure Table: locks, cooldowns, idempotency, audit, feed validators (ETag concurrency; no TTL). */
  stateTable: "PersonasState",
  /**
   * Blob container: the fleet store, same keys as on AWS (`FLEET_STORE_KEYS` in src/plan/manifest.ts:
   * `manifest/personas/<hex digest>.json`, `manifest/feeds/<feed id>.json`, `manifest/fleet.json`,
   * `members.json`).
   */
  fleetContainer: "fleet-store",
  /** Blob container: the function apps' zip packages (Flex Consumption deployment storage). */
  packagesContainer: "function-packages",
  /**
   * Blob container: the bundled personas agent (`personas-agent-<sha256 prefix>.cjs`), the only thing
   * the VMs' identity may read in the account (Storage Blob Data Reader at this container).
   */
  agentContainer: "personas-agent",
} as const;

/** The agent blob's metadata name holding its SHA-256 (metadata names are C# identifiers); `personas plan` prints it. */
export const AGENT_SHA256_METADATA = "personasagentsha256";

/** The queue of a responder kind: intake enqueues, a queue-triggered worker acts. */
export function responderQueueName(kind: ResponderKind): string {
  return `personas-${kind}`;
}

/** The Functions host moves a message that failed `maxDequeueCount` times (5) to `<queue>-poison`. */
export function poisonQueueName(kind: ResponderKind): string {
  return `${responderQueueName(kind)}-poison`;
}

/**
 * App settings every function app of the fleet is deployed with. `PersonasStorage` is the
 * identity-based connection of the queue triggers and bindings (`connection: "PersonasStorage"`):
 * the host reads `PersonasStorage__queueServiceUri` and its siblings, with the app's managed identity.
 */
export const APP_SETTINGS = {
  /** The fleet name (the value of the `persona:fleet` tag). */
  fleetName: "PERSONAS_FLEET_NAME",
  /** The deploying stack's name: with the fleet, the scope of every name (src/plan/names.ts). */
  stackName: "PERSONAS_STACK_NAME",
  /** `persona:fleet`. */
  fleetTagKey: "PERSONAS_FLEET_TAG_KEY",
  /** The subscription id of the fleet's resource group. */
  subscriptionId: "PERSONAS_SUBSCRIPTION_ID",
  /** The fleet's resource group: its VMs, alert rules and storage (the role's scope). */
  resourceGroup: "PERSONAS_RESOURCE_GROUP",
  /**
   * JSON array of the resource groups (`/subscriptions/<id>/resourceGroups/<name>`) holding VMs an
   * `AzurePersonaAttachment` attached: the runtime acts on a member VM in the fleet's group or in one
   * of these, and on nothing else. Absent or empty for fleets that create their VMs.
   */
  memberGroups: "PERSONAS_MEMBER_GROUPS",
  /** The fleet's storage account name. */
  storageAccount: "PERSONAS_STORAGE_ACCOUNT",
  /** {@link STORAGE_NAMES.stateTable}. */
  stateTable: "PERSONAS_STATE_TABLE",
  /** {@link STORAGE_NAMES.fleetContainer}. */
  fleetContainer: "PERSONAS_FLEET_CONTAINER",
  /** Comma-separated responder kinds this app hosts, in `RESPONDER_ORDER` (e.g. `scale,feature`). */
  responderKinds: "PERSONAS_RESPONDER_KINDS",
  /** Namespace of the runtime's own custom metrics: {@link RUNTIME_METRICS_NAMESPACE}. */
  metricsNamespace: "PERSONAS_METRICS_NAMESPACE",
  /** The client id of the app's user-assigned identity (for `@azure/identity`'s ManagedIdentityCredential). */
  identityClientId: "PERSONAS_IDENTITY_CLIENT_ID",
  /** Prefix of the identity-based storage connection (`PersonasStorage__queueServiceUri`, ...). */
  storageConnection: "PersonasStorage",
} as const;

/** App settings only some apps receive; JSON values are documented in docs/azure.md. */
export const KIND_APP_SETTINGS = {
  /** notify: JSON `{ [channel]: https webhook URL }` (the user's notification endpoints). */
  notifyTargets: "PERSONAS_NOTIFY_TARGETS",
  /** invoke-function: JSON `{ [function name]: https URL }` of the functions `Invoke` may call. */
  invokeTargets: "PERSONAS_INVOKE_TARGETS",
  /** orchestrator: JSON `{ [responder kind]: action group resource id }`, the actions of run-time alerts. */
  actionGroups: "PERSONAS_ACTION_GROUPS",
  /**
   * orchestrator: the fleet's Azure region (its `location`): where the stack creates its VMs and what its
   * fleet-wide metric alert rules watch (`targetResourceRegion`); the orchestrator refuses a VM elsewhere.
   */
  location: "PERSONAS_LOCATION",
  /**
   * traffic: JSON `{ loadBalancerBackendPoolIds: string[], applicationGatewayBackendPoolIds: string[],
   * targets: { [name]: { originId, weight } } }`, what the fleet declares (`traffic`).
   */
  trafficConfig: "PERSONAS_TRAFFIC_CONFIG",
  /** isolate: JSON `{ networkSecurityGroupId, notifyWebhook? }`, the quarantine NSG and who hears of it. */
  isolationConfig: "PERSONAS_ISOLATION_CONFIG",
} as const;

/** A resource id under a resource group (ARM ids are case-insensitive). */
const RESOURCE_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourcegroups\/[-\w._()]{1,90}\/providers\/[-\w.]+\/.+$/i;

/** {@link KIND_APP_SETTINGS.trafficConfig}: the pools and origins the fleet declares (`traffic`). */
export const AzureTrafficConfig = z.strictObject({
  loadBalancerBackendPoolIds: z.array(
    z.string().check(z.regex(RESOURCE_ID), z.regex(/\/loadBalancers\/[^/]+\/backendAddressPools\/[^/]+$/i)),
  ),
  applicationGatewayBackendPoolIds: z.array(
    z
      .string()
      .check(z.regex(RESOURCE_ID), z.regex(/\/applicationGateways\/[^/]+\/backendAddressPools\/[^/]+$/i)),
  ),
  targets: z.record(
    z.string(),
    z.strictObject({
      originId: z
        .string()
        .check(z.regex(RESOURCE_ID), z.regex(/\/profiles\/[^/]+\/originGroups\/[^/]+\/origins\/[^/]+$/i)),
      weight: z.number().check(z.int(), z.gte(1), z.lte(1000)),
    }),
  ),
});
export type AzureTrafficConfig = z.infer<typeof AzureTrafficConfig>;

/** {@link KIND_APP_SETTINGS.isolationConfig}: the quarantine NSG and the webhook told of isolations. */
export const AzureIsolationConfig = z.strictObject({
  networkSecurityGroupId: z.string().check(z.regex(RESOURCE_ID), z.regex(/\/networkSecurityGroups\/[^/]+$/i)),
  notifyWebhook: z.optional(z.string().check(z.startsWith("https://"))),
});
export type AzureIsolationConfig = z.infer<typeof AzureIsolationConfig>;

/** The identity-based storage connection's settings (Azure Functions "Connecting to host storage with an identity"). */
export const STORAGE_CONNECTION_SUFFIXES = {
  blobServiceUri: "__blobServiceUri",
  queueServiceUri: "__queueServiceUri",
  tableServiceUri: "__tableServiceUri",
  credential: "__credential",
  clientId: "__clientId",
} as const;

/** Namespace of the runtime's decision metrics (custom metrics on the fleet's resource group). */
export const RUNTIME_METRICS_NAMESPACE = "Personas/Responders";

/**
 * Namespace of the metrics the personas agent publishes from each VM with the VM's user-assigned
 * identity (Monitoring Metrics Publisher). The same as on AWS (`PERSONAS_AGENT_NAMESPACE`), so the
 * plan's Azure alert specs name it already.
 */
export const AGENT_METRICS_NAMESPACE = "Personas/Agent";

/**
 * Webhook properties every persona `MetricAlert` carries on each action (`actions[].webHookProperties`):
 * they reach the function as `data.customProperties` of the common alert schema ("Common alert
 * schema", Azure Monitor docs), so the runtime never parses descriptions. The runtime still checks
 * them against the membership record and the alert's own name (`alertName` in src/plan/names.ts).
 */
export const WEBHOOK_PROPERTIES = {
  /** Always {@link WEBHOOK_SCHEMA_VERSION}. */
  schema: "personasSchema",
  /** The fleet name. */
  fleet: "personasFleet",
  /** The deploying stack (with the fleet, the name scope). */
  stack: "personasStack",
  /** The persona's name. */
  persona: "personasPersona",
  /** The persona's version. */
  version: "personasVersion",
  /** The persona's digest, `sha256:<hex>`: the manifest entry the runtime reads. */
  digest: "personasDigest",
  /** The trigger id (stable across edits that do not change the trigger). */
  triggerId: "personasTrigger",
  /** The alert id within the persona: `<trigger id>` or `<trigger id>-clear`. */
  alarmId: "personasAlarm",
  /** `activate` runs the response; `clear` runs the clear actions. */
  intent: "personasIntent",
  /**
   * The member key: the middle of the alert's name (`alarmName(scope, member, alarmId)`); for a
   * fleet-wide rule `fleet-<16 hex digits of the digest>` (`fleetAlarmKey`), the VM being the one the
   * alert names in `alertTargetIDs`.
   */
  member: "personasMember",
  /**
   * `stack` (the components' per-VM alerts), `runtime` (the orchestrator's) or `fleet` (the
   * components' multi-resource rules over the fleet's resource group, `alarmTopology: "fleet-wide"`).
   */
  owner: "personasOwner",
} as const;

/** Who made an alert rule: the value of the {@link WEBHOOK_PROPERTIES.owner} property and of its `persona:owner` tag. */
export const ALERT_OWNERS = ["stack", "runtime", "fleet"] as const;
export type AlertOwner = (typeof ALERT_OWNERS)[number];

/** The value of the {@link WEBHOOK_PROPERTIES.schema} property. */
export const WEBHOOK_SCHEMA_VERSION = "1";

/** Webhook properties as the runtime receives them: every key of {@link WEBHOOK_PROPERTIES}, strings. */
export const AlertWebhookProperties = z.object({
  [WEBHOOK_PROPERTIES.schema]: z.literal(WEBHOOK_SCHEMA_VERSION),
  [WEBHOOK_PROPERTIES.fleet]: z.string().check(z.minLength(1)),
  [WEBHOOK_PROPERTIES.stack]: z.string().check(z.minLength(1)),
  [WEBHOOK_PROPERTIES.persona]: z.string().check(z.minLength(1)),
  [WEBHOOK_PROPERTIES.version]: z.string().check(z.minLength(1)),
  [WEBHOOK_PROPERTIES.digest]: z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/)),
  [WEBHOOK_PROPERTIES.triggerId]: z.string().check(z.minLength(1)),
  [WEBHOOK_PROPERTIES.alarmId]: z.string().check(z.minLength(1)),
  [WEBHOOK_PROPERTIES.intent]: z.enum(["activate", "clear"]),
  [WEBHOOK_PROPERTIES.member]: z.string().check(z.minLength(1)),
  [WEBHOOK_PROPERTIES.owner]: z.enum(ALERT_OWNERS),
});
export type AlertWebhookProperties = z.infer<typeof AlertWebhookProperties>;

/**
 * A VM's member id: its ARM resource id, lowercased. The common alert schema's `alertTargetIDs` lists
 * targets lowercased, and ARM resource ids compare case-insensitively, so both sides lowercase.
 *
 * @example
 * ```ts
 * memberIdOf("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/Web-1");
 * // "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/web-1"
 * ```
 */
export function memberIdOf(vmResourceId: string): string {
  return vmResourceId.toLowerCase();
}

/** A lowercased VM resource id. */
export const AZURE_MEMBER_ID_PATTERN =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourcegroups\/[-a-z0-9_.()]{1,90}\/providers\/microsoft\.compute\/virtualmachines\/[-a-z0-9_.]{1,64}$/;

/**
 * The Azure membership record: blob `members.json` (`FLEET_STORE_KEYS.members`) in the fleet store
 * container. The same shape as AWS's `FleetMembers`, keyed by member id ({@link memberIdOf}) instead of
 * an EC2 instance id. Only the VMs listed here are acted on.
 */
export const AzureFleetMembers = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  fleet: z.string(),
  members: z.record(z.string().check(z.regex(AZURE_MEMBER_ID_PATTERN)), FleetMemberRecord),
});
export type AzureFleetMembers = z.infer<typeof AzureFleetMembers>;

/**
 * The script cloud-init installs on every VM, the only thing Run Command ever runs (`RunShellScript`
 * with a fixed script body that calls it): `personas-command feature <id> on|off` or
 * `personas-command run <response id>`. Arguments are ids the runtime validated against the manifest;
 * the VM's script looks the commands up in its own copy of the persona, so no free text is sent.
 */
export const RUN_COMMAND_SCRIPT_PATH = "/opt/personas/bin/personas-command";

/** The tag key every fleet resource carries (the same as on AWS). */
export const FLEET_TAG_KEY = "persona:fleet";

/**
 * Where a list feed is enforced on Azure: the feed's store entry carries it as `enforcement.azure`
 * (`AzureFeedEnforcement` in src/plan/manifest.ts, with Azure's capacities as bounds).
 */
export { AzureFeedEnforcement } from "../../plan/manifest.js";

/** Attempts per queue message before the host moves it to the poison queue (host.json `extensions.queues.maxDequeueCount`, default 5). */
export const MAX_DEQUEUE_COUNT = 5;

/** The responder kinds alerts reach through an intake function and a queue (feeds run on timers instead). */
export const ALERT_RESPONDER_KINDS = [
  "scale",
  "feature",
  "shift-persona",
  "notify",
  "run-command",
  "invoke-function",
  "traffic",
  "isolate",
] as const satisfies readonly ResponderKind[];
export type AlertResponderKind = (typeof ALERT_RESPONDER_KINDS)[number];
