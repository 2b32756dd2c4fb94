/**
 * The orchestrator's configuration, read from environment variables once per container. The
 * PersonaFleet component sets every variable (see docs/orchestrator.md); a missing or malformed one
 * fails the first invocation with a sentence naming it.
 */
import * as z from "zod/mini";
import { parameterPath } from "../../../plan/names.js";
import { type AgentOptions, OPERATING_SYSTEMS, type OperatingSystem } from "../../../plan/user-data.js";
import { ENV, EnvReader } from "../env.js";
import { ResponderConfigError } from "../errors.js";

/** Variable names, in one place. */
export const ORCHESTRATOR_ENV = {
  fleetName: ENV.fleetName,
  stackName: ENV.stackName,
  fleetTagKey: ENV.fleetTagKey,
  fleetBucket: ENV.fleetBucket,
  bucket: "REPOSITORY_BUCKET",
  prefix: "REPOSITORY_PREFIX",
  mappingKey: "MAPPING_KEY",
  stateTable: ENV.stateTable,
  scaleFunction: "SCALE_FUNCTION",
  responderArns: "RESPONDER_ARNS",
  featureParameterPrefix: ENV.featureParameterPrefix,
  agentParameterPrefix: "AGENT_PARAMETER_PREFIX",
  commandDocument: ENV.commandDocument,
  operatingSystem: "INSTANCE_OS",
  concurrency: "CONCURRENCY",
  metricsNamespace: ENV.metricsNamespace,
  agentOptions: "AGENT_OPTIONS",
  maxInputBytes: "MAX_INPUT_BYTES",
} as const;

const SET_BY = "the PersonaFleet component sets it on the orchestrator function; redeploy the stack";

const ResponderArns = z.record(z.string(), z.string().check(z.minLength(1)));

/**
 * Typed, memoised access to the orchestrator's environment: the responders' reader
 * ({@link EnvReader}: fleet, fleet store, state table, feature prefix, command document) plus the
 * orchestrator's own variables.
 * @example
 * const env = new OrchestratorEnv(process.env);
 * env.mappingKey; // "mappings/web.yaml"
 */
export class OrchestratorEnv extends EnvReader {
  constructor(source: Readonly<Record<string, string | undefined>> = process.env) {
    super(source, SET_BY);
  }

  /** The persona repository's bucket (REPOSITORY_BUCKET). */
  get bucket(): string {
    return this.required(ORCHESTRATOR_ENV.bucket, "the S3 bucket personas are published to");
  }

  /** The repository's key prefix (REPOSITORY_PREFIX). @default "personas/" */
  get prefix(): string {
    const prefix = this.optional(ORCHESTRATOR_ENV.prefix) ?? "personas/";
    return prefix.endsWith("/") ? prefix : `${prefix}/`;
  }

  /** The key of the fleet's published mapping (MAPPING_KEY). @default "mappings/<fleet>.yaml" */
  get mappingKey(): string {
    return this.optional(ORCHESTRATOR_ENV.mappingKey) ?? `mappings/${this.fleetName}.yaml`;
  }

  /** The scale responder's function name or ARN (SCALE_FUNCTION); unset: sizes are left alone. */
  get scaleFunction(): string | undefined {
    return this.optional(ORCHESTRATOR_ENV.scaleFunction);
  }

  /** Responder ARNs by kind, the actions of run-time alarms (RESPONDER_ARNS, JSON). @default {} */
  get responderArns(): Readonly<Record<string, string>> {
    return this.json(ORCHESTRATOR_ENV.responderArns, ResponderArns, '{"scale": "arn:aws:lambda:..."}') ?? {};
  }

  /** Parameter path of per-instance agent configurations (AGENT_PARAMETER_PREFIX). @default "/personas/<fleet>/<stack>/agent" */
  get agentParameterPrefix(): string {
    return (
      this.optional(ORCHESTRATOR_ENV.agentParameterPrefix) ?? parameterPath(this.nameScope, "agent")
    ).replace(/\/+$/, "");
  }

  /** The instances' operating system, for the install script (INSTANCE_OS). @default "amazon-linux" */
  get operatingSystem(): OperatingSystem {
    const os = this.optional(ORCHESTRATOR_ENV.operatingSystem) ?? "amazon-linux";
    if (!(OPERATING_SYSTEMS as readonly string[]).includes(os)) {
      throw new ResponderConfigError(
        ORCHESTRATOR_ENV.operatingSystem,
        `Environment variable ${ORCHESTRATOR_ENV.operatingSystem} is '${os}'; it must be one of ${OPERATING_SYSTEMS.join(", ")} (${SET_BY}).`,
      );
    }
    return os as OperatingSystem;
  }

  /** The personas agent's install options, as the user data's (AGENT_OPTIONS, JSON `AgentOptions`). */
  get agentOptions(): AgentOptions | undefined {
    return this.memo("agentOptions", () => {
      const text = this.optional(ORCHESTRATOR_ENV.agentOptions);
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as AgentOptions;
      } catch (error) {
        throw new ResponderConfigError(
          ORCHESTRATOR_ENV.agentOptions,
          `Environment variable ${ORCHESTRATOR_ENV.agentOptions} is not valid JSON; it must hold the agent options the fleet's user data uses (${SET_BY}).`,
          { cause: error },
        );
      }
    });
  }

  /** Instances reconciled at once (CONCURRENCY). @default 8 */
  get concurrency(): number {
    return this.number(ORCHESTRATOR_ENV.concurrency, 8, 1, 64, true);
  }

  /** The largest persona object or mapping read from S3, in bytes (MAX_INPUT_BYTES). @default 1 MiB */
  get maxInputBytes(): number | undefined {
    return this.memo("maxInputBytes", () => {
      const text = this.optional(ORCHESTRATOR_ENV.maxInputBytes);
      if (text === undefined) return undefined;
      const value = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
        throw new ResponderConfigError(
          ORCHESTRATOR_ENV.maxInputBytes,
          `Environment variable ${ORCHESTRATOR_ENV.maxInputBytes} is '${text}'; it must be a positive whole number of bytes (unset, it defaults to 1048576).`,
        );
      }
      return value;
    });
  }

  /** Namespace of the orchestrator's metrics (METRICS_NAMESPACE). @default "Personas/Orchestrator" */
  get metricsNamespace(): string {
    return this.optional(ORCHESTRATOR_ENV.metricsNamespace) ?? "Personas/Orchestrator";
  }
}
