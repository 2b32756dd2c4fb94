/**
 * The orchestrator's configuration, read from environment variables once per container. The
 * PersonaFleet component sets every variable (see docs/orchestrator.md); a missing or malformed one
 * fails the first invocation with a sentence naming it.
 */
import { z } from "zod";
import { type NameScope, parameterPath } from "../../../plan/names.js";
import { type AgentOptions, OPERATING_SYSTEMS, type OperatingSystem } from "../../../plan/user-data.js";
import { ResponderConfigError } from "../errors.js";

/** Variable names, in one place. */
export const ORCHESTRATOR_ENV = {
  fleetName: "FLEET_NAME",
  stackName: "STACK_NAME",
  fleetTagKey: "FLEET_TAG_KEY",
  bucket: "REPOSITORY_BUCKET",
  prefix: "REPOSITORY_PREFIX",
  mappingKey: "MAPPING_KEY",
  stateTable: "STATE_TABLE",
  scaleFunction: "SCALE_FUNCTION",
  responderArns: "RESPONDER_ARNS",
  featureParameterPrefix: "FEATURE_PARAMETER_PREFIX",
  agentParameterPrefix: "AGENT_PARAMETER_PREFIX",
  commandDocument: "RUN_COMMAND_DOCUMENT",
  operatingSystem: "INSTANCE_OS",
  concurrency: "CONCURRENCY",
  metricsNamespace: "METRICS_NAMESPACE",
  agentOptions: "AGENT_OPTIONS",
  maxInputBytes: "MAX_INPUT_BYTES",
} as const;

const SET_BY = "the PersonaFleet component sets it on the orchestrator function; redeploy the stack";

const ResponderArns = z.record(z.string(), z.string().min(1));

/**
 * Typed, memoised access to the orchestrator's environment.
 * @example
 * const env = new OrchestratorEnv(process.env);
 * env.mappingKey; // "mappings/web.yaml"
 */
export class OrchestratorEnv {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly source: Readonly<Record<string, string | undefined>> = process.env) {}

  /** The fleet this function reconciles (FLEET_NAME). */
  get fleetName(): string {
    return this.required(ORCHESTRATOR_ENV.fleetName, "the fleet's name");
  }

  /** The stack that deployed the fleet (STACK_NAME): part of every name the orchestrator writes. */
  get stackName(): string {
    return this.required(ORCHESTRATOR_ENV.stackName, "the deploying stack's name");
  }

  /** Whose names the orchestrator writes: the fleet and its stack (src/plan/names.ts). */
  get nameScope(): NameScope {
    return { fleet: this.fleetName, stack: this.stackName };
  }

  /** The tag key naming an instance's fleet (FLEET_TAG_KEY). @default "persona:fleet" */
  get fleetTagKey(): string {
    return this.optional(ORCHESTRATOR_ENV.fleetTagKey) ?? "persona:fleet";
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

  /** The responders' DynamoDB table; the orchestrator keeps what it applied there (STATE_TABLE). */
  get stateTable(): string {
    return this.required(ORCHESTRATOR_ENV.stateTable, "the name of the responders' DynamoDB state table");
  }

  /** The scale responder's function name or ARN (SCALE_FUNCTION); unset: sizes are left alone. */
  get scaleFunction(): string | undefined {
    return this.optional(ORCHESTRATOR_ENV.scaleFunction);
  }

  /** Responder ARNs by kind, the actions of run-time alarms (RESPONDER_ARNS, JSON). @default {} */
  get responderArns(): Readonly<Record<string, string>> {
    return this.memo("responderArns", () => {
      const text = this.optional(ORCHESTRATOR_ENV.responderArns);
      if (text === undefined) return {};
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new ResponderConfigError(
          ORCHESTRATOR_ENV.responderArns,
          `Environment variable ${ORCHESTRATOR_ENV.responderArns} is not valid JSON; expected for example {"scale": "arn:aws:lambda:..."} (${SET_BY}).`,
          { cause: error },
        );
      }
      const parsed = ResponderArns.safeParse(value);
      if (!parsed.success) {
        throw new ResponderConfigError(
          ORCHESTRATOR_ENV.responderArns,
          `Environment variable ${ORCHESTRATOR_ENV.responderArns} must map responder kinds to function ARNs, for example {"scale": "arn:aws:lambda:..."} (${SET_BY}).`,
          { cause: parsed.error },
        );
      }
      return parsed.data;
    });
  }

  /** Parameter path of feature states, as the feature responder's (FEATURE_PARAMETER_PREFIX). @default "/personas/<fleet>/<stack>/features" */
  get featureParameterPrefix(): string {
    return (
      this.optional(ORCHESTRATOR_ENV.featureParameterPrefix) ?? parameterPath(this.nameScope, "features")
    ).replace(/\/+$/, "");
  }

  /** Parameter path of per-instance agent configurations (AGENT_PARAMETER_PREFIX). @default "/personas/<fleet>/<stack>/agent" */
  get agentParameterPrefix(): string {
    return (
      this.optional(ORCHESTRATOR_ENV.agentParameterPrefix) ?? parameterPath(this.nameScope, "agent")
    ).replace(/\/+$/, "");
  }

  /** The SSM document that runs the install script (RUN_COMMAND_DOCUMENT). @default "AWS-RunShellScript" */
  get commandDocument(): string {
    return this.optional(ORCHESTRATOR_ENV.commandDocument) ?? "AWS-RunShellScript";
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
    return this.memo("concurrency", () => {
      const text = this.optional(ORCHESTRATOR_ENV.concurrency);
      if (text === undefined) return 8;
      const value = Number(text);
      if (!Number.isInteger(value) || value < 1 || value > 64) {
        throw new ResponderConfigError(
          ORCHESTRATOR_ENV.concurrency,
          `Environment variable ${ORCHESTRATOR_ENV.concurrency} is '${text}'; it must be a whole number from 1 to 64 (unset, it defaults to 8).`,
        );
      }
      return value;
    });
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

  private memo<T>(key: string, read: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, read());
    return this.cache.get(key) as T;
  }

  private optional(name: string): string | undefined {
    const value = this.source[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  private required(name: string, what: string): string {
    const value = this.optional(name);
    if (value === undefined) {
      throw new ResponderConfigError(
        name,
        `Environment variable ${name} is not set; it must hold ${what} (${SET_BY}).`,
      );
    }
    return value;
  }
}
