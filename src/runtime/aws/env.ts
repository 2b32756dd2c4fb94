/**
 * The responders' configuration, read from environment variables once per container through typed
 * getters. A missing or malformed variable fails the first invocation with a sentence naming the
 * variable, what it should hold and who sets it. The AWS components set every variable; see
 * docs/runtime-aws.md for the contract.
 */
import * as z from "zod/mini";
import "./zod.js";
import { type NameScope, parameterPath } from "../../plan/names.js";
import { ResponderConfigError } from "./errors.js";

const NonEmpty = z.string().check(z.minLength(1));

const StringMap = z.record(z.string(), NonEmpty);
/** The responders a value feed can dispatch a response through. */
export const DispatchKind = z.enum([
  "scale",
  "feature",
  "firewall",
  "shift-persona",
  "notify",
  "run-command",
  "invoke-function",
  "traffic",
  "isolate",
]);
export type DispatchKind = z.infer<typeof DispatchKind>;
const ResponderFunctions = z.partialRecord(DispatchKind, NonEmpty);

/**
 * A Route 53 weighted record a fleet may send traffic to (`Redirect traffic to <name>`): the record
 * is identified by zone, name, type and set identifier; `weight` is what a redirect sets (0–255,
 * Route 53 API Reference, ResourceRecordSet `Weight`).
 */
const RedirectTargetConfig = z.strictObject({
  hostedZoneId: z.string().check(z.regex(/^[A-Z0-9]{1,32}$/)),
  recordName: NonEmpty,
  recordType: z.enum(["A", "AAAA", "CNAME"]),
  setIdentifier: NonEmpty,
  weight: z.int().check(z.minimum(0), z.maximum(255)),
});
export type RedirectTargetConfig = z.infer<typeof RedirectTargetConfig>;

/** What the traffic responder may touch: the fleet's target groups and named redirect targets. */
const TrafficConfig = z.strictObject({
  targetGroupArns: z.array(
    z
      .string()
      .check(z.regex(/^arn:[\w-]+:elasticloadbalancing:[\w-]+:\d{12}:targetgroup\/[\w-]+\/[0-9a-f]+$/)),
  ),
  targets: z.record(z.string(), RedirectTargetConfig),
});
export type TrafficConfig = z.infer<typeof TrafficConfig>;

/** Where the isolate responder puts an instance, and who it tells. */
const IsolationConfig = z.strictObject({
  quarantineGroupId: z.string().check(z.regex(/^sg-[0-9a-f]{8,17}$/)),
  notifyTopicArn: z.optional(z.string().check(z.regex(/^arn:[\w-]+:sns:/))),
});
export type IsolationConfig = z.infer<typeof IsolationConfig>;

/** Variable names, in one place. */
export const ENV = {
  fleetBucket: "FLEET_BUCKET",
  stateTable: "STATE_TABLE",
  fleetName: "FLEET_NAME",
  stackName: "STACK_NAME",
  fleetTagKey: "FLEET_TAG_KEY",
  metricsNamespace: "METRICS_NAMESPACE",
  notifyTopics: "SNS_TOPICS",
  featureParameterPrefix: "FEATURE_PARAMETER_PREFIX",
  featureDocument: "FEATURE_DOCUMENT",
  commandDocument: "RUN_COMMAND_DOCUMENT",
  responderFunctions: "RESPONDER_FUNCTIONS",
  scaleWaitSeconds: "SCALE_WAIT_SECONDS",
  pollSeconds: "POLL_SECONDS",
  wafWriteIntervalMs: "WAF_WRITE_INTERVAL_MS",
  resizeStateMachineArn: "RESIZE_STATE_MACHINE_ARN",
  resizeTimeoutSeconds: "RESIZE_TIMEOUT_SECONDS",
  trafficConfig: "TRAFFIC_CONFIG",
  isolationConfig: "ISOLATION_CONFIG",
} as const;

/** Defaults of the optional variables. */
export const ENV_DEFAULTS = {
  fleetTagKey: "persona:fleet",
  metricsNamespace: "Personas/Responders",
  commandDocument: "AWS-RunShellScript",
  /** Each of the stop and start waits of a resize; Lambda's own limit is 900 s. */
  scaleWaitSeconds: 300,
  pollSeconds: 5,
  /** WAF accepts about one write per second per account. */
  wafWriteIntervalMs: 1000,
  /** The resize workflow's TimeoutSeconds with the default timings (src/aws/resize-definition.ts). */
  resizeTimeoutSeconds: 9300,
} as const;

const RESPONDERS_SET_BY =
  "the PersonaFleet component sets it on every responder function; redeploy the stack";

/**
 * The one environment reader of every runtime handler (responders and the orchestrator): typed,
 * memoised getters over a variable source, each failure a {@link ResponderConfigError} naming the
 * variable, what it must hold and who sets it.
 */
export class EnvReader {
  private readonly cache = new Map<string, unknown>();

  constructor(
    private readonly source: Readonly<Record<string, string | undefined>> = process.env,
    /** Who sets the variables, for error messages. */
    private readonly setBy: string = RESPONDERS_SET_BY,
  ) {}

  /** The fleet this function serves (FLEET_NAME). */
  get fleetName(): string {
    return this.required(ENV.fleetName, "the fleet's name");
  }

  /** The stack that deployed the fleet (STACK_NAME): part of every name the fleet's functions compute. */
  get stackName(): string {
    return this.required(ENV.stackName, "the deploying stack's name");
  }

  /** Whose names this function writes and recognises: the fleet and its stack (src/plan/names.ts). */
  get nameScope(): NameScope {
    return { fleet: this.fleetName, stack: this.stackName };
  }

  /** The tag key that names an instance's fleet (FLEET_TAG_KEY); informational, never proof of membership. @default "persona:fleet" */
  get fleetTagKey(): string {
    return this.optional(ENV.fleetTagKey) ?? ENV_DEFAULTS.fleetTagKey;
  }

  /** The fleet store: the S3 bucket holding the manifest entries and the membership record (FLEET_BUCKET). */
  get fleetBucket(): string {
    return this.required(
      ENV.fleetBucket,
      "the name of the fleet store bucket (manifest and membership record)",
    );
  }

  /** DynamoDB table for locks, idempotency, cooldowns, the circuit breaker, audit and the orchestrator's records (STATE_TABLE). */
  get stateTable(): string {
    return this.required(ENV.stateTable, "the name of the responders' DynamoDB state table");
  }

  /** Parameter path under which feature states live (FEATURE_PARAMETER_PREFIX). @default "/personas/<fleet>/<stack>/features" */
  get featureParameterPrefix(): string {
    return (this.optional(ENV.featureParameterPrefix) ?? parameterPath(this.nameScope, "features")).replace(
      /\/+$/,
      "",
    );
  }

  /** SSM document that runs shell commands (RUN_COMMAND_DOCUMENT). @default "AWS-RunShellScript" */
  get commandDocument(): string {
    return this.optional(ENV.commandDocument) ?? ENV_DEFAULTS.commandDocument;
  }

  protected memo<T>(key: string, read: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, read());
    return this.cache.get(key) as T;
  }

  protected optional(name: string): string | undefined {
    return this.memo(name, () => {
      const value = this.source[name]?.trim();
      return value === undefined || value === "" ? undefined : value;
    });
  }

  protected required(name: string, what: string): string {
    const value = this.optional(name);
    if (value === undefined) {
      throw new ResponderConfigError(
        name,
        `Environment variable ${name} is not set; it must hold ${what} (${this.setBy}).`,
      );
    }
    return value;
  }

  /** A number from `min` to `max`; `integer` refuses fractions. */
  protected number(name: string, fallback: number, min: number, max: number, integer = false): number {
    return this.memo(`${name}#number`, () => {
      const text = this.optional(name);
      if (text === undefined) return fallback;
      const value = Number(text);
      if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
        throw new ResponderConfigError(
          name,
          `Environment variable ${name} is '${text}'; it must be a ${integer ? "whole number" : "number"} from ${min} to ${max} (unset, it defaults to ${fallback}).`,
        );
      }
      return value;
    });
  }

  /** {@link json}, and a {@link ResponderConfigError} naming `what` when the variable is not set. */
  protected requiredJson<T>(name: string, schema: z.ZodMiniType<T>, example: string, what: string): T {
    const value = this.json(name, schema, example);
    if (value === undefined)
      throw new ResponderConfigError(
        name,
        `Environment variable ${name} is not set; it must hold ${what} (${this.setBy}).`,
      );
    return value;
  }

  protected json<T>(name: string, schema: z.ZodMiniType<T>, example: string): T | undefined {
    return this.memo(`${name}#json`, () => {
      const text = this.optional(name);
      if (text === undefined) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new ResponderConfigError(
          name,
          `Environment variable ${name} is not valid JSON; expected for example ${example}.`,
          {
            cause: error,
          },
        );
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (i) => `${i.path.length > 0 ? `${i.path.join(".")}: ` : ""}${i.message}`,
        );
        throw new ResponderConfigError(
          name,
          `Environment variable ${name} is malformed (${problems.join("; ")}); expected for example ${example}.`,
          { cause: parsed.error },
        );
      }
      return parsed.data;
    });
  }
}

/**
 * Typed, memoised access to a responder's environment.
 * @example
 * const env = new ResponderEnv(process.env);
 * env.stateTable; // "web-fleet-responder-state", or throws ResponderConfigError naming STATE_TABLE
 */
export class ResponderEnv extends EnvReader {
  constructor(source: Readonly<Record<string, string | undefined>> = process.env) {
    super(source, RESPONDERS_SET_BY);
  }

  /** CloudWatch namespace of the decision metrics (METRICS_NAMESPACE). @default "Personas/Responders" */
  get metricsNamespace(): string {
    return this.optional(ENV.metricsNamespace) ?? ENV_DEFAULTS.metricsNamespace;
  }

  /** SNS topic ARN by notification channel (SNS_TOPICS, JSON). */
  get notifyTopics(): Readonly<Record<string, string>> {
    return this.json(ENV.notifyTopics, StringMap, '{"ops-team": "arn:aws:sns:..."}') ?? {};
  }

  /**
   * SSM document that runs features' scripts, with parameters `feature` and `state`
   * (FEATURE_DOCUMENT). Unset: features change state only.
   */
  get featureDocument(): string | undefined {
    return this.optional(ENV.featureDocument);
  }

  /** Function name or ARN of each responder, for value feeds to dispatch through (RESPONDER_FUNCTIONS, JSON). */
  get responderFunctions(): Readonly<Partial<Record<DispatchKind, string>>> {
    return this.json(ENV.responderFunctions, ResponderFunctions, '{"scale": "arn:aws:lambda:..."}') ?? {};
  }

  /** Longest wait for an instance to stop, and again to start (SCALE_WAIT_SECONDS). @default 300 */
  get scaleWaitSeconds(): number {
    return this.number(ENV.scaleWaitSeconds, ENV_DEFAULTS.scaleWaitSeconds, 1, 840);
  }

  /** Seconds between two polls of an instance's state (POLL_SECONDS). @default 5 */
  get pollSeconds(): number {
    return this.number(ENV.pollSeconds, ENV_DEFAULTS.pollSeconds, 0, 60);
  }

  /** The fleet's resize state machine (RESIZE_STATE_MACHINE_ARN); the scale responder starts its executions. */
  get resizeStateMachineArn(): string {
    return this.required(ENV.resizeStateMachineArn, "the ARN of the fleet's resize state machine");
  }

  /**
   * The longest a resize execution runs (RESIZE_TIMEOUT_SECONDS): the lock on the instance lasts this
   * long unless an invocation sees the execution end first. @default 9300
   */
  get resizeTimeoutSeconds(): number {
    return this.number(ENV.resizeTimeoutSeconds, ENV_DEFAULTS.resizeTimeoutSeconds, 60, 31_536_000);
  }

  /** The target groups and redirect targets the traffic responder may touch (TRAFFIC_CONFIG, JSON). */
  get trafficConfig(): TrafficConfig {
    return this.requiredJson(
      ENV.trafficConfig,
      TrafficConfig,
      '{"targetGroupArns": ["arn:aws:elasticloadbalancing:..."], "targets": {}}',
      "the fleet's target groups and redirect targets",
    );
  }

  /** The quarantine group and the isolation notice topic (ISOLATION_CONFIG, JSON). */
  get isolationConfig(): IsolationConfig {
    return this.requiredJson(
      ENV.isolationConfig,
      IsolationConfig,
      '{"quarantineGroupId": "sg-0123456789abcdef0"}',
      "the fleet's quarantine security group",
    );
  }

  /** Least time between two WAF writes (WAF_WRITE_INTERVAL_MS). @default 1000 */
  get wafWriteIntervalMs(): number {
    return this.number(ENV.wafWriteIntervalMs, ENV_DEFAULTS.wafWriteIntervalMs, 0, 60_000);
  }
}
