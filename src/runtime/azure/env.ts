/**
 * The Azure runtime's app settings, read once per Function App instance through one typed reader.
 * A missing or malformed setting fails the first invocation with a sentence naming it.
 */

import type * as z from "zod/mini";
import {
  APP_SETTINGS,
  AzureIsolationConfig,
  AzureTrafficConfig,
  KIND_APP_SETTINGS,
  RUNTIME_METRICS_NAMESPACE,
  STORAGE_CONNECTION_SUFFIXES,
} from "./contract.js";
import { AzureConfigError } from "./errors.js";

/** How the runtime reaches the fleet's storage account. */
export type StorageAccess =
  /** Deployed: the service URIs of the identity-based `PersonasStorage` connection and the app's managed identity. */
  | { blobServiceUri: string; queueServiceUri: string; tableServiceUri: string }
  /** Local runs and tests (Azurite): `PersonasStorage` holds a connection string. */
  | { connectionString: string };

/** Every setting the runtime reads. */
export interface AzureRuntimeEnv {
  fleet: string;
  stack: string;
  fleetTagKey: string;
  subscriptionId: string;
  resourceGroup: string;
  /** Lowercased resource group ids of attached VMs ({@link APP_SETTINGS.memberGroups}). */
  memberGroups: string[];
  stateTable: string;
  fleetContainer: string;
  metricsNamespace: string;
  storage: StorageAccess;
  identityClientId?: string;
  /** Channel → HTTPS webhook URL. */
  notifyWebhooks: Record<string, string>;
  /** Function name → HTTPS URL. */
  invokeTargets: Record<string, string>;
  /** Responder kind → action group resource id (the orchestrator's run-time alerts). */
  actionGroups: Record<string, string>;
  /** The fleet's region as {@link regionName} writes it, when set ({@link KIND_APP_SETTINGS.location}). */
  location?: string;
  /** What the traffic responder may touch; absent when the fleet declares no `traffic`. */
  traffic?: AzureTrafficConfig;
  /** The isolate responder's quarantine NSG; absent when the fleet declares no `isolation`. */
  isolation?: AzureIsolationConfig;
}

const RESOURCE_GROUP_ID = /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w._()]{1,90}$/i;

const REDEPLOY =
  "(the Azure persona fleet component sets it on every runtime Function App; redeploy the stack)";

/** Reads and checks the app settings. @throws {AzureConfigError} naming the first bad setting. */
export function readAzureEnv(env: NodeJS.ProcessEnv = process.env): AzureRuntimeEnv {
  const required = (name: string, what: string, pattern?: RegExp): string => {
    const value = env[name]?.trim();
    if (value === undefined || value === "") {
      throw new AzureConfigError(name, `App setting ${name} is not set; it must hold ${what} ${REDEPLOY}.`);
    }
    if (pattern !== undefined && !pattern.test(value)) {
      throw new AzureConfigError(
        name,
        `App setting ${name} is '${value.slice(0, 80)}', which is not ${what} ${REDEPLOY}.`,
      );
    }
    return value;
  };
  const urls = (name: string, what: string): Record<string, string> => {
    const text = env[name]?.trim();
    if (text === undefined || text === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new AzureConfigError(
        name,
        `App setting ${name} is not JSON; it must map ${what} to HTTPS URLs ${REDEPLOY}.`,
        {
          cause: error,
        },
      );
    }
    if (
      typeof parsed !== "object" ||
      parsed === null ||
      Array.isArray(parsed) ||
      !Object.values(parsed).every((url) => typeof url === "string" && url.startsWith("https://"))
    ) {
      throw new AzureConfigError(name, `App setting ${name} must map ${what} to HTTPS URLs ${REDEPLOY}.`);
    }
    return parsed as Record<string, string>;
  };
  const resourceIds = (name: string, what: string): Record<string, string> => {
    const text = env[name]?.trim();
    if (text === undefined || text === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new AzureConfigError(
        name,
        `App setting ${name} is not JSON; it must map ${what} to resource ids ${REDEPLOY}.`,
        { cause: error },
      );
    }
    if (
      typeof parsed !== "object" ||
      parsed === null ||
      !Object.values(parsed).every((id) => typeof id === "string" && id.startsWith("/subscriptions/"))
    ) {
      throw new AzureConfigError(name, `App setting ${name} must map ${what} to resource ids ${REDEPLOY}.`);
    }
    return parsed as Record<string, string>;
  };
  const groupIds = (name: string): string[] => {
    const text = env[name]?.trim();
    if (text === undefined || text === "") return [];
    const must = `App setting ${name} must be a JSON array of resource group ids (/subscriptions/<id>/resourceGroups/<name>) ${REDEPLOY}.`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new AzureConfigError(name, must, { cause: error });
    }
    if (!Array.isArray(parsed) || !parsed.every((id) => typeof id === "string" && RESOURCE_GROUP_ID.test(id)))
      throw new AzureConfigError(name, must);
    return parsed.map((id: string) => id.toLowerCase());
  };
  const S = APP_SETTINGS;
  const connection = S.storageConnection;
  const connectionString = env[connection]?.trim();
  const account = env[S.storageAccount]?.trim();
  const uri = (suffix: string, service: string) =>
    env[`${connection}${suffix}`]?.trim() ||
    (account ? `https://${account}.${service}.core.windows.net` : "");
  let storage: StorageAccess;
  if (connectionString) storage = { connectionString };
  else {
    const uris = {
      blobServiceUri: uri(STORAGE_CONNECTION_SUFFIXES.blobServiceUri, "blob"),
      queueServiceUri: uri(STORAGE_CONNECTION_SUFFIXES.queueServiceUri, "queue"),
      tableServiceUri: uri(STORAGE_CONNECTION_SUFFIXES.tableServiceUri, "table"),
    };
    if (Object.values(uris).some((value) => value === "")) {
      throw new AzureConfigError(
        S.storageAccount,
        `App setting ${S.storageAccount} (or ${connection}__blobServiceUri, __queueServiceUri and __tableServiceUri; or ${connection} with a connection string for local runs) is not set; it must name the fleet's storage account ${REDEPLOY}.`,
      );
    }
    storage = uris;
  }
  const result: AzureRuntimeEnv = {
    fleet: required(S.fleetName, "the fleet name"),
    stack: required(S.stackName, "the stack name"),
    fleetTagKey: env[S.fleetTagKey]?.trim() || "persona:fleet",
    subscriptionId: required(S.subscriptionId, "a subscription id (a GUID)", /^[0-9a-fA-F-]{36}$/),
    resourceGroup: required(S.resourceGroup, "the fleet's resource group name", /^[-\w._()]{1,90}$/),
    memberGroups: groupIds(S.memberGroups),
    stateTable: required(
      S.stateTable,
      "a table name (3-63 letters and digits)",
      /^[A-Za-z][A-Za-z0-9]{2,62}$/,
    ),
    fleetContainer: required(S.fleetContainer, "a blob container name", /^[a-z0-9](?:-?[a-z0-9]){2,62}$/),
    metricsNamespace: env[S.metricsNamespace]?.trim() || RUNTIME_METRICS_NAMESPACE,
    storage,
    notifyWebhooks: urls(KIND_APP_SETTINGS.notifyTargets, "notify channels"),
    invokeTargets: urls(KIND_APP_SETTINGS.invokeTargets, "function names"),
    actionGroups: resourceIds(KIND_APP_SETTINGS.actionGroups, "responder kinds"),
  };
  const traffic = config(
    env,
    KIND_APP_SETTINGS.trafficConfig,
    AzureTrafficConfig,
    "the fleet's traffic pools and targets",
  );
  if (traffic !== undefined) result.traffic = traffic;
  const isolation = config(
    env,
    KIND_APP_SETTINGS.isolationConfig,
    AzureIsolationConfig,
    "the fleet's quarantine network security group",
  );
  if (isolation !== undefined) result.isolation = isolation;
  const location = env[KIND_APP_SETTINGS.location]?.trim();
  if (location) {
    if (!/^[a-z0-9]{2,40}$/.test(regionName(location)))
      throw new AzureConfigError(
        KIND_APP_SETTINGS.location,
        `App setting ${KIND_APP_SETTINGS.location} is '${location.slice(0, 80)}', which is not an Azure region name (e.g. westeurope) ${REDEPLOY}.`,
      );
    result.location = regionName(location);
  }
  const clientId = env[S.identityClientId]?.trim();
  if (clientId) result.identityClientId = clientId;
  return result;
}

/** A JSON setting checked against its schema; undefined when unset. */
function config<T>(
  env: NodeJS.ProcessEnv,
  name: string,
  schema: z.ZodMiniType<T>,
  what: string,
): T | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AzureConfigError(
      name,
      `App setting ${name} is not JSON; it must describe ${what} ${REDEPLOY}.`,
      {
        cause: error,
      },
    );
  }
  const checked = schema.safeParse(parsed);
  if (!checked.success)
    throw new AzureConfigError(
      name,
      `App setting ${name} does not describe ${what} (${checked.error.issues[0]?.path.join(".") || "value"}: ${checked.error.issues[0]?.message}) ${REDEPLOY}.`,
    );
  return checked.data;
}

/**
 * A region as ARM names it in resource bodies: lowercase, without spaces (`West Europe` → `westeurope`);
 * Azure accepts either form where a location is written.
 */
export function regionName(location: string): string {
  return location.toLowerCase().replace(/\s+/g, "");
}

/** `/subscriptions/<id>/resourceGroups/<group>`: the fleet's group (its alert rules, storage and VMs). */
export function fleetScope(env: Pick<AzureRuntimeEnv, "subscriptionId" | "resourceGroup">): string {
  return `/subscriptions/${env.subscriptionId}/resourceGroups/${env.resourceGroup}`;
}

/**
 * Whether a lowercased VM id is in a group the runtime may act in: the fleet's, or one holding VMs the
 * stack attached ({@link AzureRuntimeEnv.memberGroups}). Membership is checked separately.
 */
export function inMemberGroup(
  env: Pick<AzureRuntimeEnv, "subscriptionId" | "resourceGroup" | "memberGroups">,
  vmId: string,
): boolean {
  return [fleetScope(env).toLowerCase(), ...env.memberGroups].some((group) => vmId.startsWith(`${group}/`));
}
