/**
 * What every Azure runtime invocation works with: settings, the ARM client, the fleet store, the
 * state store, the responder queues, the logger and the clock. Built once per Function App
 * instance, at the first invocation (so a missing setting fails an invocation with a clear message
 * instead of the module load), and reused.
 */
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { type QueueClient, QueueServiceClient } from "@azure/storage-queue";
import { type LogSink, ResponderLog } from "../aws/log.js";
import { ArmClient } from "./arm.js";
import { type AzureRuntimeEnv, readAzureEnv } from "./env.js";
import { AzureFleetStore } from "./fleet-store.js";
import { managedIdentityToken, tokenCredential } from "./identity.js";
import { TableStateStore } from "./state.js";

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
  readonly queue: (name: string) => QueueClient;
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
  const storage = storageClients(env, identity);
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
    fleet: new AzureFleetStore(storage.container, now),
    state: new TableStateStore(storage.table, now),
    log: new ResponderLog({ responder, fleet: env.fleet, namespace: env.metricsNamespace }, options.logSink),
    queue: (name) => storage.queues.getQueueClient(name),
    webhookFetch: options.webhookFetch ?? globalThis.fetch,
    now,
    sleep,
  };
}

function storageClients(
  env: AzureRuntimeEnv,
  identity: { env: NodeJS.ProcessEnv; clientId?: string },
): { table: TableClient; container: ContainerClient; queues: QueueServiceClient } {
  if ("connectionString" in env.storage) {
    const connection = env.storage.connectionString;
    // Azurite and local runs speak plain http on loopback only.
    const local = /127\.0\.0\.1|localhost|UseDevelopmentStorage/.test(connection);
    return {
      table: TableClient.fromConnectionString(connection, env.stateTable, { allowInsecureConnection: local }),
      container: BlobServiceClient.fromConnectionString(connection).getContainerClient(env.fleetContainer),
      queues: QueueServiceClient.fromConnectionString(connection),
    };
  }
  const credential = tokenCredential(identity);
  return {
    table: new TableClient(env.storage.tableServiceUri, env.stateTable, credential),
    container: new BlobServiceClient(env.storage.blobServiceUri, credential).getContainerClient(
      env.fleetContainer,
    ),
    queues: new QueueServiceClient(env.storage.queueServiceUri, credential),
  };
}
