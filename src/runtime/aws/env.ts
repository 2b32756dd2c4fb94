/**
 * The responders' configuration, read from environment variables once per container through typed
 * getters. A missing or malformed variable fails the first invocation with a sentence naming the
 * variable, what it should hold and who sets it. The AWS components set every variable; see
 * docs/runtime-aws.md for the contract.
 */
import * as z from "zod/mini";
import "./zod.js";
import { ResponderConfigError } from "./errors.js";

const NonEmpty = z.string().check(z.minLength(1));

/** A WAF IP set the firewall responder writes. */
export const WafIpSetRef = z.strictObject({
  /** The IP set's name. */
  name: NonEmpty,
  /** The IP set's id. */
  id: NonEmpty,
  /** The IP set's ARN (not needed to write it). */
  arn: z.optional(z.string()),
});
export type WafIpSetRef = z.infer<typeof WafIpSetRef>;

/** The WAF IP sets of one list feed: one per IP version, as WAF requires. */
export const WafFeedSets = z.strictObject({
  /** `REGIONAL` (ALB, API Gateway) or `CLOUDFRONT`. */
  scope: z.enum(["REGIONAL", "CLOUDFRONT"]),
  ipv4: z.optional(WafIpSetRef),
  ipv6: z.optional(WafIpSetRef),
});
export type WafFeedSets = z.infer<typeof WafFeedSets>;

const WafIpSets = z.record(z.string(), WafFeedSets);
const StringMap = z.record(z.string(), NonEmpty);
/** The network ACL rules one list feed owns. */
export const NetworkAclRules = z.object({
  networkAclId: NonEmpty,
  /** The feed owns rule numbers firstRuleNumber … firstRuleNumber + maxEntries - 1. */
  firstRuleNumber: z.int().check(z.minimum(1), z.maximum(32766)),
  maxEntries: z.int().check(z.minimum(1), z.maximum(40)),
  /**
   * Inbound rules the ACL may hold in all ("Rules per network ACL", Amazon VPC quotas: 20 per
   * direction by default, adjustable up to 40); the ACL's other rules count against it too.
   */
  ruleQuota: z.optional(z.int().check(z.minimum(1), z.maximum(40))),
});
export type NetworkAclRules = z.infer<typeof NetworkAclRules>;
const NetworkAclRuleMap = z.record(z.string(), NetworkAclRules);
/** The responders a value feed can dispatch a response through. */
export const DispatchKind = z.enum([
  "scale",
  "feature",
  "firewall",
  "shift-persona",
  "notify",
  "run-command",
  "invoke-function",
]);
export type DispatchKind = z.infer<typeof DispatchKind>;
const ResponderFunctions = z.partialRecord(DispatchKind, NonEmpty);

/** Variable names, in one place. */
export const ENV = {
  manifestParameter: "MANIFEST_PARAMETER",
  stateTable: "STATE_TABLE",
  fleetName: "FLEET_NAME",
  fleetTagKey: "FLEET_TAG_KEY",
  metricsNamespace: "METRICS_NAMESPACE",
  wafIpSets: "WAF_IP_SETS",
  networkAclRules: "NETWORK_ACL_RULES",
  notifyTopics: "SNS_TOPICS",
  featureParameterPrefix: "FEATURE_PARAMETER_PREFIX",
  featureDocument: "FEATURE_DOCUMENT",
  commandDocument: "RUN_COMMAND_DOCUMENT",
  responderFunctions: "RESPONDER_FUNCTIONS",
  scaleWaitSeconds: "SCALE_WAIT_SECONDS",
  pollSeconds: "POLL_SECONDS",
  wafWriteIntervalMs: "WAF_WRITE_INTERVAL_MS",
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
} as const;

const SET_BY = "the PersonaFleet component sets it on every responder function; redeploy the stack";

/**
 * Typed, memoised access to the responder's environment.
 * @example
 * const env = new ResponderEnv(process.env);
 * env.stateTable; // "web-fleet-responder-state", or throws ResponderConfigError naming STATE_TABLE
 */
export class ResponderEnv {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly source: Readonly<Record<string, string | undefined>> = process.env) {}

  /** SSM parameter holding the fleet manifest (MANIFEST_PARAMETER). */
  get manifestParameter(): string {
    return this.required(ENV.manifestParameter, "the name of the SSM parameter holding the fleet manifest");
  }

  /** DynamoDB table for locks, idempotency, cooldowns, the circuit breaker and audit (STATE_TABLE). */
  get stateTable(): string {
    return this.required(ENV.stateTable, "the name of the responders' DynamoDB state table");
  }

  /** The fleet this function serves (FLEET_NAME); instances without the fleet tag are refused. */
  get fleetName(): string {
    return this.required(ENV.fleetName, "the fleet's name");
  }

  /** The tag key that names an instance's fleet (FLEET_TAG_KEY). @default "persona:fleet" */
  get fleetTagKey(): string {
    return this.optional(ENV.fleetTagKey) ?? ENV_DEFAULTS.fleetTagKey;
  }

  /** CloudWatch namespace of the decision metrics (METRICS_NAMESPACE). @default "Personas/Responders" */
  get metricsNamespace(): string {
    return this.optional(ENV.metricsNamespace) ?? ENV_DEFAULTS.metricsNamespace;
  }

  /** WAF IP sets by fleet feed id (WAF_IP_SETS, JSON). @default {} */
  get wafIpSets(): Readonly<Record<string, WafFeedSets>> {
    return (
      this.json(
        ENV.wafIpSets,
        WafIpSets,
        '{"<feed id>": {"scope": "REGIONAL", "ipv4": {"name": "...", "id": "..."}}}',
      ) ?? {}
    );
  }

  /** The network ACL rules a list feed owns (NETWORK_ACL_RULES, JSON). */
  networkAclRules(feedId: string): NetworkAclRules {
    const rules =
      this.json(
        ENV.networkAclRules,
        NetworkAclRuleMap,
        '{"<feed id>": {"networkAclId": "acl-...", "firstRuleNumber": 1, "maxEntries": 18}}',
      ) ?? {};
    const found = rules[feedId];
    if (found === undefined) {
      throw new ResponderConfigError(
        ENV.networkAclRules,
        `Environment variable ${ENV.networkAclRules} has no rules for feed ${feedId} (${SET_BY}).`,
      );
    }
    return found;
  }

  /** SNS topic ARN by notification channel (SNS_TOPICS, JSON). */
  get notifyTopics(): Readonly<Record<string, string>> {
    return this.json(ENV.notifyTopics, StringMap, '{"ops-team": "arn:aws:sns:..."}') ?? {};
  }

  /** Parameter path under which feature states live (FEATURE_PARAMETER_PREFIX). @default "/personas/<fleet>/features" */
  get featureParameterPrefix(): string {
    return (this.optional(ENV.featureParameterPrefix) ?? `/personas/${this.fleetName}/features`).replace(
      /\/+$/,
      "",
    );
  }

  /**
   * SSM document that runs features' scripts, with parameters `feature` and `state`
   * (FEATURE_DOCUMENT). Unset: features change state only.
   */
  get featureDocument(): string | undefined {
    return this.optional(ENV.featureDocument);
  }

  /** SSM document that runs shell commands (RUN_COMMAND_DOCUMENT). @default "AWS-RunShellScript" */
  get commandDocument(): string {
    return this.optional(ENV.commandDocument) ?? ENV_DEFAULTS.commandDocument;
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

  /** Least time between two WAF writes (WAF_WRITE_INTERVAL_MS). @default 1000 */
  get wafWriteIntervalMs(): number {
    return this.number(ENV.wafWriteIntervalMs, ENV_DEFAULTS.wafWriteIntervalMs, 0, 60_000);
  }

  private memo<T>(key: string, read: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, read());
    return this.cache.get(key) as T;
  }

  private optional(name: string): string | undefined {
    return this.memo(name, () => {
      const value = this.source[name]?.trim();
      return value === undefined || value === "" ? undefined : value;
    });
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

  private number(name: string, fallback: number, min: number, max: number): number {
    return this.memo(`${name}#number`, () => {
      const text = this.optional(name);
      if (text === undefined) return fallback;
      const value = Number(text);
      if (!Number.isFinite(value) || value < min || value > max) {
        throw new ResponderConfigError(
          name,
          `Environment variable ${name} is '${text}'; it must be a number from ${min} to ${max} (unset, it defaults to ${fallback}).`,
        );
      }
      return value;
    });
  }

  private json<T>(name: string, schema: z.ZodMiniType<T>, example: string): T | undefined {
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
