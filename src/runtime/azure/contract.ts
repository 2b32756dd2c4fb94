/**
 * The contract between the Azure components (src/azure, which deploy) and this runtime (which
 * runs in the Function Apps): app-setting names, storage names, the webhook properties every persona
 * alert carries, the membership record, and the command line Run Command calls on a VM. Both sides
 * import these names, so they cannot disagree; docs/azure.md and docs/runtime-azure.md describe them.
 * Extend, never rename: a renamed setting strands a deployed Function App.
 */
import * as z from "zod/mini";
import { PERSONA_DIGEST_PATTERN } from "../../plan/manifest.js";
import { RESPONDER_KINDS, type ResponderKind } from "../../plan/responders.js";

/** App settings every runtime Function App reads (src/runtime/azure/env.ts reads them once). */
export const AZURE_APP_SETTINGS = {
  /** The fleet name (PersonaFleet name). */
  fleet: "PERSONAS_FLEET",
  /** The deploying stack: part of alert names (src/plan/names.ts). */
  stack: "PERSONAS_STACK",
  /** The subscription of the fleet's resource group. */
  subscriptionId: "PERSONAS_SUBSCRIPTION_ID",
  /** The fleet's resource group: the permission scope and the only place VMs are acted on. */
  resourceGroup: "PERSONAS_RESOURCE_GROUP",
  /** The state table's name in the fleet's storage account. */
  stateTable: "PERSONAS_STATE_TABLE",
  /** The blob container holding the manifest entries and the membership record. */
  manifestContainer: "PERSONAS_MANIFEST_CONTAINER",
  /**
   * The storage connection. Deployed apps use an identity-based connection
   * (`AzureWebJobsStorage__accountName`, "Connecting to host storage with an identity", Microsoft
   * Learn); a connection string (`AzureWebJobsStorage`) is for local runs and Azurite.
   */
  storageAccountName: "AzureWebJobsStorage__accountName",
  storageConnectionString: "AzureWebJobsStorage",
  /** The client id of the Function App's user-assigned managed identity (unset: system-assigned). */
  identityClientId: "PERSONAS_IDENTITY_CLIENT_ID",
  /** JSON `{channel: webhook URL}` for notify (Logic App / Teams / any HTTPS webhook). */
  notifyWebhooks: "PERSONAS_NOTIFY_WEBHOOKS",
  /** JSON `{function name: HTTPS URL}` for invoke-function. */
  invokeTargets: "PERSONAS_INVOKE_TARGETS",
} as const;

/** The queue a responder kind's worker reads: 3–63 lowercase letters, digits and hyphens (Azure queue naming rules). */
export function responderQueueName(kind: ResponderKind): string {
  return `personas-${kind}`;
}

/** Where the Functions host moves a message after `maxDequeueCount` failed attempts (queue trigger docs). */
export function poisonQueueName(kind: ResponderKind): string {
  return `${responderQueueName(kind)}-poison`;
}

/** Attempts per message before it lands in the poison queue (host.json `extensions.queues.maxDequeueCount`; the documented default). */
export const MAX_DEQUEUE_COUNT = 5;

/**
 * The webhook properties (`webHookProperties` of the metric alert's action) the components set on
 * every persona alert; they reach the intake in `data.customProperties` of the common alert schema.
 * The responder never parses descriptions.
 */
export const WEBHOOK_PROPERTIES = {
  fleet: "personasFleet",
  digest: "personasDigest",
  /** The plan's alarm id (`<trigger id>` or `<trigger id>-clear`). */
  alarm: "personasAlarm",
  /** `stack` on the components' alerts, `runtime` on the orchestrator's. */
  owner: "personasOwner",
} as const;

/** The intake's route: `/api/alerts/<responder kind>`; each action group's function receiver calls its kind's. */
export const INTAKE_ROUTE = "alerts/{kind}";

/** A VM's resource id, the Azure member key. ARM ids are case-insensitive: compare {@link normaliseResourceId}s. */
export const VM_RESOURCE_ID_PATTERN =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.Compute\/virtualMachines\/[-\w.]{1,64}$/i;

/** The form of a resource id used as a key: lowercase (ARM compares ids case-insensitively). */
export function normaliseResourceId(id: string): string {
  return id.toLowerCase();
}

/** One member VM, as the stack named it. */
export const AzureMemberRecord = z.strictObject({
  /** The member key: the middle of its stack alert names (`alarmName(scope, key, alarm id)`). */
  key: z.string().check(z.minLength(1)),
  digest: z.string().check(z.regex(PERSONA_DIGEST_PATTERN)),
});
export type AzureMemberRecord = z.infer<typeof AzureMemberRecord>;

/**
 * The Azure membership record (blob `members.json` in the manifest container, beside the manifest
 * entries at the same keys as on AWS, `FLEET_STORE_KEYS`): members by normalised VM resource id.
 */
export const AzureFleetMembers = z.strictObject({
  version: z.literal(1),
  fleet: z.string(),
  members: z.record(z.string().check(z.regex(VM_RESOURCE_ID_PATTERN), z.toLowerCase()), AzureMemberRecord),
});
export type AzureFleetMembers = z.infer<typeof AzureFleetMembers>;

/**
 * The fixed script cloud-init installs on every persona VM; Run Command only ever calls it, with
 * quoted arguments: `personas-action feature <feature id> on|off` runs the persona's activate or
 * deactivate script, `personas-action command <response id> <index>` the persona's run-command.
 * So a Run Command can only do what the persona installed at boot.
 */
export const RUN_COMMAND_SCRIPT = "/opt/personas/bin/personas-action";

/** Every responder kind the Azure runtime serves through the intake and a queue. */
export const AZURE_QUEUED_KINDS = RESPONDER_KINDS.filter(
  (kind): kind is Exclude<ResponderKind, "firewall" | "value-feed"> =>
    kind !== "firewall" && kind !== "value-feed",
);
