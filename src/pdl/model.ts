/**
 * The normalised persona model: what every PDL form (seed notation, structured YAML, TypeScript
 * objects) becomes after parsing and validation. Later stages (repository, resolve, plan) read only
 * this. All quantities are in canonical units: vCPU, GiB, Gbps, seconds, and each metric's unit.
 */
import { z } from "zod";
import { Action } from "./actions/index.js";

/** Comparison operators of conditions. */
export const Operator = z.enum([">", ">=", "<", "<="]);
export type Operator = z.infer<typeof Operator>;

/** CloudWatch's four treatments of missing data (Azure has equivalents); see docs/pdl.md. */
export const MissingData = z.enum(["missing", "ignore", "breaching", "notBreaching"]);
export type MissingData = z.infer<typeof MissingData>;

/**
 * The cloud-neutral evaluation window of a condition: `datapointsToAlarm` of the last
 * `evaluationPeriods` periods of `periodSeconds` must breach. "for 5 minutes" is 60 s × 5 of 5.
 */
export const EvaluationWindow = z.strictObject({
  periodSeconds: z.union([z.literal(10), z.literal(60)]),
  evaluationPeriods: z.int().min(1).max(1440),
  datapointsToAlarm: z.int().min(1).max(1440),
});
export type EvaluationWindow = z.infer<typeof EvaluationWindow>;

/** A telemetry condition: `<metric> <operator> <threshold>` over a window. */
export const Condition = z.strictObject({
  /** Metric id from the catalog (src/pdl/metrics), e.g. `cpu-utilization`. */
  metric: z.string(),
  operator: Operator,
  /** Threshold in the metric's canonical unit (`unit`). */
  threshold: z.number(),
  /** The canonical unit of the threshold: `%`, `ms`, `Gbps`, or "" for counts. */
  unit: z.string(),
  window: EvaluationWindow,
  missingData: MissingData,
});
export type Condition = z.infer<typeof Condition>;

/** The instance's baseline shape; the resolver turns it into an instance type / VM size. */
export const BaseConfiguration = z.strictObject({
  /** Minimum vCPUs. */
  cpu: z.int().min(1).max(448).optional(),
  /** Minimum memory, GiB. */
  memoryGiB: z.number().positive().max(24576).optional(),
  /** Minimum network bandwidth, Gbps. */
  networkGbps: z.number().positive().max(400).optional(),
  /** Instance family to choose from, e.g. `c7i` or `Dsv5`. */
  family: z.string().optional(),
  /** CPU architecture. */
  architecture: z.enum(["x86_64", "arm64"]).optional(),
  /** An explicit size, bypassing the cheapest-fit choice. */
  size: z.string().optional(),
});
export type BaseConfiguration = z.infer<typeof BaseConfiguration>;

/**
 * A package version as apt and dnf write it: a digit first, then letters, digits and `. + ~ _ -`,
 * with `*` for "any rest", at most 64 characters. Versions are written into install scripts, so
 * nothing else is accepted (no spaces, quotes, `;`, `$` or newlines).
 * @internal
 */
export const PACKAGE_VERSION = /^\d[A-Za-z0-9.+~_*-]{0,63}$/;

/**
 * A software name: words of letters, digits and `. + _ -`, one space between words, at most 64 characters.
 * @internal
 */
export const SOFTWARE_NAME = /^(?=.{1,64}$)[A-Za-z0-9][\w.+-]*(?: [A-Za-z0-9][\w.+-]*)*$/;

/** One entry of the software stack. */
export const SoftwarePackage = z.strictObject({
  /** The package's name as written ("Nginx"); the package catalog maps it per distribution. */
  name: z.string().regex(SOFTWARE_NAME),
  /** `latest`, or a version prefix to pin such as `1.24` or `1.24.0`. */
  version: z
    .string()
    .refine((v) => v === "latest" || PACKAGE_VERSION.test(v), "expected 'latest' or a package version"),
  /** Free text, e.g. "caching". */
  note: z.string().optional(),
});
export type SoftwarePackage = z.infer<typeof SoftwarePackage>;

/** A named toggle that actions switch on and off. */
export const Feature = z.strictObject({
  /** Slug of the name, used by actions: `cdn-caching`. */
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  /** Shell script run when the feature is activated. */
  activate: z.string().optional(),
  /** Shell script run when the feature is deactivated. */
  deactivate: z.string().optional(),
  /** State at deployment. */
  initial: z.enum(["on", "off"]),
  /** False when an action refers to a feature the persona does not declare (state only, no scripts). */
  declared: z.boolean(),
});
export type Feature = z.infer<typeof Feature>;

/** What happens when a trigger or source stops holding. */
export const ClearBehaviour = z.strictObject({
  /** The condition that must hold for the response to be reverted. */
  condition: Condition,
  /** The actions run when it holds (the response's inverse unless `ClearAction` says otherwise). */
  actions: z.array(Action).min(1),
});
export type ClearBehaviour = z.infer<typeof ClearBehaviour>;

/** A named response: one action or an ordered sequence, with its guard rails. */
export const Response = z.strictObject({
  id: z.string(),
  actions: z.array(Action).min(1),
  /** Minimum time between two runs of this response on one instance. */
  cooldownSeconds: z.int().min(0).max(86400).optional(),
  /** At most this many runs per instance per hour (a circuit breaker). */
  maxActionsPerHour: z.int().min(1).max(3600).optional(),
  /** True when written inline on a trigger or source (`Action:`), false for `AutomatedResponses`. */
  inline: z.boolean(),
});
export type Response = z.infer<typeof Response>;

/** A telemetry trigger: when its condition holds, its response runs. */
export const Trigger = z.strictObject({
  id: z.string(),
  condition: Condition,
  /** Id of the response in `responses`. */
  response: z.string(),
  cooldownSeconds: z.int().min(0).max(86400).optional(),
  clear: ClearBehaviour.optional(),
});
export type Trigger = z.infer<typeof Trigger>;

/** How a list feed's body is read; see src/runtime/feeds for the parsers. */
export const FeedFormat = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("plain") }),
  z.strictObject({ type: z.literal("spamhaus-drop") }),
  z.strictObject({ type: z.literal("csv"), column: z.union([z.int().min(0), z.string().min(1)]) }),
  z.strictObject({ type: z.literal("json"), path: z.string() }),
]);
export type FeedFormat = z.infer<typeof FeedFormat>;

/** Safety limits of a fetch. */
export const FetchLimits = z.strictObject({
  timeoutSeconds: z.number().positive().max(60),
  maxBytes: z
    .int()
    .positive()
    .max(100 * 1024 * 1024),
});
export type FetchLimits = z.infer<typeof FetchLimits>;

/** A list feed (threat intelligence and the like) whose entries drive a firewall. */
export const ListSource = z.strictObject({
  kind: z.literal("list"),
  id: z.string(),
  url: z.url({ protocol: /^https$/ }),
  frequencySeconds: z.int().min(60).max(86400),
  format: FeedFormat,
  response: z.string(),
  limits: FetchLimits,
  /** A new list smaller than the last good one by more than this share (%) is refused. */
  maxShrinkPercent: z.number().min(0).max(100),
});
export type ListSource = z.infer<typeof ListSource>;

/** A condition on a fetched value: `$.threat.level >= 4`. */
export const ValueCondition = z.strictObject({
  /** JSON path into the body (`$` for a body that is just a number). */
  path: z.string(),
  operator: Operator,
  threshold: z.number(),
});
export type ValueCondition = z.infer<typeof ValueCondition>;

/** A value feed (market data, a threat level): when its condition holds, its response runs. */
export const ValueSource = z.strictObject({
  kind: z.literal("value"),
  id: z.string(),
  url: z.url({ protocol: /^https$/ }),
  frequencySeconds: z.int().min(60).max(86400),
  format: z.enum(["json", "text"]),
  condition: ValueCondition,
  response: z.string(),
  cooldownSeconds: z.int().min(0).max(86400).optional(),
  /** Revert the response when the condition has not held for this long. */
  clearAfterSeconds: z.int().min(60).max(86400).optional(),
  limits: FetchLimits,
});
export type ValueSource = z.infer<typeof ValueSource>;

/** Any external data source. */
export const ExternalSource = z.discriminatedUnion("kind", [ListSource, ValueSource]);
export type ExternalSource = z.infer<typeof ExternalSource>;

/** Limits on what responses may do, whatever triggers them. */
export const Bounds = z.strictObject({
  maxCpu: z.int().min(1).max(448).optional(),
  maxMemoryGiB: z.number().positive().max(24576).optional(),
  maxSize: z.string().optional(),
  maxActionsPerHour: z.int().min(1).max(3600).optional(),
});
export type Bounds = z.infer<typeof Bounds>;

/** A validated, normalised persona. */
export const Persona = z.strictObject({
  name: z.string().regex(/^[A-Za-z][\w-]*$/),
  /** Semantic version; required for personas in a repository. */
  version: z.string().optional(),
  description: z.string().optional(),
  /** Parent persona reference, `Name` or `Name@range`. */
  extends: z.string().optional(),
  base: BaseConfiguration,
  software: z.array(SoftwarePackage),
  features: z.array(Feature),
  triggers: z.array(Trigger),
  sources: z.array(ExternalSource),
  responses: z.array(Response),
  bounds: Bounds,
});
export type Persona = z.infer<typeof Persona>;

/**
 * Defaults applied when a persona leaves a setting out (documented in docs/pdl.md).
 * @internal
 */
export const DEFAULTS = {
  /** Period and datapoints of a condition without `for`: one 1-minute datapoint. */
  windowSeconds: 60,
  fetchTimeoutSeconds: 10,
  fetchMaxBytes: 10 * 1024 * 1024,
  maxShrinkPercent: 50,
} as const;
