/**
 * What every Azure runtime invocation works with: settings, the ARM client, the fleet store, the
 * state store, the responder queues, the logger and the clock. Built once per Function App
 * instance, at the first invocation (so a missing setting fails an invocation with a clear message
 * instead of the module load), and reused.
 */
import { type LogSink, ResponderLog } from "../aws/log.js";
import { ArmClient } from "./arm.js";
import { type AzureRuntimeEnv, readAzureEnv } from "./env.js";
import { AzureFleetStore } from "./fleet-store.js";
import { managedIdentityToken } from "./identity.js";
import { TableStateStore } from "./state.js";
import { parseConnectionString, StorageRestClient, TableRest } from "./storage-rest.js";

/** Options of a handler factory; the deployed handlers pass none. */
export interface AzureRuntimeOptions {
  /** App settings. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The `fetch` ARM calls go through (tests: the ARM double). @default globalThis.fetch */
  armFetch?: typeof fetch;
  /** Where ARM tokens come from. @default the Function App's managed identity */
  armToken?: () => Promise<string>;
  /** The ARM endpoint. @default "https://management.azure.com" */
  armEndpoint?: string;
  /** The `fetch` notify and invoke-function calls go through. @default globalThis.fetch */
  webhookFetch?: typeof fetch;
  /** The `fetch` storage requests go through. @default globalThis.fetch */
  storageFetch?: typeof fetch;
  /** Where log lines go. @default stdout (the Functions host sends it to Application Insights) */
  logSink?: LogSink;
  /** @default Date.now */
  now?: () => number;
  /** Waits between polls and retries. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/** The per-instance context. */
export interface AzureRuntimeContext {
  readonly responder: string;
  readonly env: AzureRuntimeEnv;
  readonly arm: ArmClient;
  readonly fleet: AzureFleetStore;
  readonly state: TableStateStore;
  readonly log: ResponderLog;
  /** Blob, queue and table requests to the fleet's storage account. */
  readonly storage: StorageRestClient;
  readonly webhookFetch: typeof fetch;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Builds the context; reads the settings now, so a missing one fails here. */
export function createAzureContext(
  responder: string,
  options: AzureRuntimeOptions = {},
): AzureRuntimeContext {
  const env = readAzureEnv(options.env ?? process.env);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const identity = {
    env: options.env ?? process.env,
    ...(env.identityClientId ? { clientId: env.identityClientId } : {}),
  };
  const storage = storageClient(env, identity, options.storageFetch);
  return {
    responder,
    env,
    arm: new ArmClient({
      token:
        options.armToken ?? managedIdentityToken({ ...identity, resource: "https://management.azure.com/" }),
      ...(options.armFetch ? { fetch: options.armFetch } : {}),
      ...(options.armEndpoint ? { endpoint: options.armEndpoint } : {}),
      sleep,
    }),
    fleet: new AzureFleetStore(storage, env.fleetContainer, now),
    state: new TableStateStore(new TableRest(storage, env.stateTable), now),
    log: new ResponderLog({ responder, fleet: env.fleet, namespace: env.metricsNamespace }, options.logSink),
    storage,
    webhookFetch: options.webhookFetch ?? globalThis.fetch,
    now,
    sleep,
  };
}

function storageClient(
  env: AzureRuntimeEnv,
  identity: { env: NodeJS.ProcessEnv; clientId?: string },
  fetchImpl: typeof fetch | undefined,
): StorageRestClient {
  if ("connectionString" in env.storage) {
    const { endpoints, credential } = parseConnectionString(env.storage.connectionString);
    return new StorageRestClient(endpoints, credential, fetchImpl);
  }
  const token = managedIdentityToken({ ...identity, resource: "https://storage.azure.com/" });
  return new StorageRestClient(
    {
      blob: env.storage.blobServiceUri,
      queue: env.storage.queueServiceUri,
      table: env.storage.tableServiceUri,
    },
    { kind: "bearer", token },
    fetchImpl,
  );
}
