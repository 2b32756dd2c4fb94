/** The orchestrator's per-container context: environment, clients, log and the published source. */
import { AwsClients } from "../context.js";
import { type LogSink, ResponderLog } from "../log.js";
import { ManifestSource } from "../manifest-source.js";
import { OrchestratorEnv } from "./env.js";
import { Orchestrator } from "./orchestrator.js";
import { PublishedSource } from "./source.js";

/** The orchestrator uses the responders' clients. */
export class OrchestratorClients extends AwsClients {}

/** Options of {@link createOrchestrator}; the deployed handler passes none. */
export interface OrchestratorOptions {
  /** Environment variables. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Configuration of every AWS client (tests point it at moto). @default {} */
  clientConfig?: Record<string, unknown>;
  /** Where log lines go. @default stdout */
  logSink?: LogSink;
  /** The clients (tests pass doubles that follow AWS's documented behaviour where moto does not). @default built from clientConfig */
  clients?: OrchestratorClients;
  /** The clock. @default Date.now */
  now?: () => number;
  /** How long the install command's result is awaited per invocation. @default { polls: 3, delayMs: 2000 } */
  commandWait?: { polls: number; delayMs: number };
}

/** The per-container orchestrator. */
export interface OrchestratorContext {
  readonly env: OrchestratorEnv;
  readonly clients: OrchestratorClients;
  readonly log: ResponderLog;
  readonly orchestrator: Orchestrator;
}

/**
 * Builds the orchestrator; reads the required variables now, so a missing one fails here.
 * @example
 * const { orchestrator } = createOrchestrator({ env: process.env });
 * await orchestrator.reconcile(); // a sweep of the fleet
 */
export function createOrchestrator(options: OrchestratorOptions = {}): OrchestratorContext {
  const env = new OrchestratorEnv(options.env ?? process.env);
  const clients = options.clients ?? new OrchestratorClients(options.clientConfig ?? {});
  const log = new ResponderLog(
    { responder: "orchestrator", fleet: env.fleetName, namespace: env.metricsNamespace },
    options.logSink,
  );
  void env.stateTable;
  void env.fleetBucket;
  const source = new PublishedSource({
    client: clients.s3,
    bucket: env.bucket,
    prefix: env.prefix,
    mappingKey: env.mappingKey,
    ...(env.maxInputBytes === undefined ? {} : { maxInputBytes: env.maxInputBytes }),
  });
  const orchestrator = new Orchestrator({
    env,
    clients,
    log,
    source,
    store: new ManifestSource(clients.s3, env.fleetBucket),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.commandWait === undefined ? {} : { commandWait: options.commandWait }),
  });
  return { env, clients, log, orchestrator };
}
