/**
 * Platform rules on the fleets' own resources: responders run on a supported Lambda runtime, their
 * log groups keep logs for a bounded time (remediable), the state table has point-in-time recovery.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, schema } from "../config.js";
import { fleetOf, listOf, recordOf, stringOf, TYPES } from "../stack.js";

/** Configuration of {@link lambdaRuntimeSupported}. */
export interface RuntimeConfig {
  /** The Lambda runtimes responders may use. */
  runtimes: string[];
}

/** Defaults of {@link RuntimeConfig}: the Node.js runtimes Lambda supports and the bundles target. */
export const RUNTIME_DEFAULTS: RuntimeConfig = { runtimes: ["nodejs22.x", "nodejs24.x"] };

/** Checks whether every responder function uses a supported Lambda runtime. */
export const lambdaRuntimeSupported: ResourceValidationPolicy = {
  name: "persona-lambda-runtime-supported",
  description: "Checks whether every responder function uses a supported Lambda runtime.",
  enforcementLevel: "mandatory",
  configSchema: schema({
    runtimes: {
      type: "array",
      items: { type: "string" },
      minItems: 1,
      default: RUNTIME_DEFAULTS.runtimes,
      description: "The Lambda runtimes responders may use.",
    },
  }),
  validateResource: (args, reportViolation) => {
    const props = args.props as Record<string, unknown>;
    if (args.type !== TYPES.function || fleetOf(props) === undefined) return;
    const { runtimes } = configOf(args, RUNTIME_DEFAULTS);
    const runtime = stringOf(props.runtime);
    if (runtime === undefined || !runtimes.includes(runtime))
      reportViolation(
        `Function '${args.name}' must use a supported Lambda runtime: ${runtime ?? "none"} is not ${runtimes.length === 1 ? "" : "one of "}${listOf(runtimes)}; set responders.runtime on the fleet component.`,
      );
  },
};

/** Configuration of {@link logGroupRetention}. */
export interface RetentionConfig {
  /** The retention remediation sets, in days (one of CloudWatch Logs' allowed values). */
  retentionDays: number;
}

/** Defaults of {@link RetentionConfig}. */
export const RETENTION_DEFAULTS: RetentionConfig = { retentionDays: 30 };

function isFleetLogGroup(type: string, props: Record<string, unknown>): boolean {
  return (
    type === TYPES.logGroup &&
    (fleetOf(props) !== undefined || (stringOf(props.name) ?? "").startsWith("/aws/lambda/personas-"))
  );
}

function hasRetention(props: Record<string, unknown>): boolean {
  return typeof props.retentionInDays === "number" && props.retentionInDays > 0;
}

/** Checks whether every responder log group has a retention period; `remediate` sets one. */
export const logGroupRetention: ResourceValidationPolicy = {
  name: "persona-log-group-retention",
  description: "Checks whether every responder log group has a retention period.",
  enforcementLevel: "mandatory",
  configSchema: schema({
    retentionDays: {
      type: "integer",
      enum: [
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
        3653,
      ],
      default: RETENTION_DEFAULTS.retentionDays,
      description: "The retention remediation sets, in days.",
    },
  }),
  remediateResource: (args) => {
    const props = args.props as Record<string, unknown>;
    if (!isFleetLogGroup(args.type, props) || hasRetention(props)) return undefined;
    return { ...props, retentionInDays: configOf(args, RETENTION_DEFAULTS).retentionDays };
  },
  validateResource: (args, reportViolation) => {
    const props = args.props as Record<string, unknown>;
    if (!isFleetLogGroup(args.type, props) || hasRetention(props)) return;
    reportViolation(
      `Log group '${args.name}' must have a retention period: set responders.logRetentionDays on the fleet component, or run the pack with enforcement remediate to set ${configOf(args, RETENTION_DEFAULTS).retentionDays} days.`,
    );
  },
};

/** Checks whether every fleet state table has point-in-time recovery enabled. */
export const stateTablePointInTimeRecovery: ResourceValidationPolicy = {
  name: "persona-state-table-point-in-time-recovery",
  description: "Checks whether every fleet state table has point-in-time recovery enabled.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const props = args.props as Record<string, unknown>;
    if (args.type !== TYPES.table || fleetOf(props) === undefined) return;
    if (recordOf(props.pointInTimeRecovery)?.enabled !== true)
      reportViolation(
        `Table '${args.name}' must have point-in-time recovery enabled: set pointInTimeRecovery.enabled to true; the responders' locks, cooldowns and audit live in it.`,
      );
  },
};
