/**
 * Decisions every cloud renderer shares that the plan's core types do not carry: which size the
 * plan deploys on a cloud when resolution chose none, where an alarm's OK transition goes, and which
 * signal of the personas agent produces each metric it must publish. The AWS and Azure components
 * call these; they decide nothing of their own.
 */
import { baselineSize, findSize } from "../resolve/sizing/index.js";
import type { Architecture, Cloud } from "../resolve/sizing/types.js";
import { PlanError } from "./errors.js";
import type { AlarmPlan, PlanInput, TelemetryPlan } from "./plan.js";
import type { ResponderKind } from "./responders.js";

/**
 * The input with a size on `cloud`: the one resolution chose, else {@link baselineSize} (the persona's
 * explicit `size`, else the cheapest catalog size that meets its BaseConfiguration; `architecture`
 * narrows the choice when the persona names none).
 *
 * @example
 * ```ts
 * withCloudSize({ persona, ref }, "aws").size; // { cloud: "aws", name: "m7g.2xlarge", reason: "...", runnerUp: "m6i.2xlarge" }
 * ```
 */
export function withCloudSize(
  input: PlanInput,
  cloud: Cloud,
  options: { architecture?: Architecture } = {},
): PlanInput {
  if (input.size?.cloud === cloud) return input;
  const { persona, ref } = input;
  const size = baselineSize(
    { base: persona.base, bounds: persona.bounds, subject: `${ref.name}@${ref.version}` },
    cloud,
    options,
  );
  return { ...input, size: { ...size } };
}

/**
 * The processor architecture of a catalog size, or undefined for a size the catalog does not list
 * (a persona may name any size; its architecture is then the user's to match).
 *
 * @example
 * ```ts
 * architectureOfSize("m7g.2xlarge"); // "arm64"
 * ```
 */
export function architectureOfSize(size: string): Architecture | undefined {
  try {
    return findSize(size).architecture;
  } catch {
    // Unknown to the catalog: nothing to check against.
    return undefined;
  }
}

/**
 * Responders an alarm's ALARM transition is sent to (CloudWatch `AlarmActions`): a trigger's alarm
 * runs its response there. A clear watcher's ALARM means only "the load was high recently" and goes
 * nowhere.
 */
export function alarmResponders(alarm: AlarmPlan): readonly ResponderKind[] {
  return alarm.actsOn === "ALARM" ? alarm.onAlarm.responders : [];
}

/**
 * Responders an alarm's OK transition is sent to (CloudWatch `OKActions`). A clear watcher runs its
 * clear there. A trigger's alarm tells its responders the condition has recovered; they log it and
 * run nothing ({@link actsOnTransition}), so a trigger's OK is never taken for a clear.
 */
export function okResponders(alarm: AlarmPlan): readonly ResponderKind[] {
  return alarm.onAlarm.responders;
}

/** A CloudWatch alarm state. */
export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/**
 * Whether a state change runs an alarm's actions: entering ALARM for a trigger (`activate`), ALARM →
 * OK for a clear watcher (`clear`). CloudWatch sends OKActions on a transition to OK "from any other
 * state" (PutMetricAlarm, botocore monitoring 2010-08-01), so a new watcher's first INSUFFICIENT_DATA →
 * OK arrives too: it clears nothing. The responders and the simulator both decide with this.
 *
 * @example
 * ```ts
 * actsOnTransition("clear", "ALARM", "OK"); // true
 * actsOnTransition("activate", "ALARM", "OK"); // false: the trigger recovered, nothing to run
 * ```
 */
export function actsOnTransition(
  intent: "activate" | "clear",
  previous: AlarmStateValue,
  next: AlarmStateValue,
): boolean {
  return intent === "activate"
    ? next === "ALARM" && previous !== "ALARM"
    : next === "OK" && previous === "ALARM";
}

/** The personas agent's signals a plan can ask for (the agent's `AgentSignal`, src/agent/config.ts). */
export type AgentSignalName = "probe.latency" | "log.errorRate" | "log.requests";

/** One metric the personas agent publishes for a plan. */
export interface AgentMetricPlan {
  /** The CloudWatch / Azure metric name the alarm watches. */
  name: string;
  /** The agent signal that produces it. */
  signal: AgentSignalName;
  /** 10 (high resolution) when an alarm needs sub-minute periods, else 60. */
  period: 10 | 60;
}

/** Agent signals by catalog metric id: the metrics no cloud agent provides. */
const AGENT_SIGNALS: Readonly<Record<string, AgentSignalName>> = {
  "network-latency": "probe.latency",
  "error-rate": "log.errorRate",
  "request-count": "log.requests",
};

/**
 * The agent signal that measures a catalog metric, when the personas agent publishes it (no cloud
 * agent does): `log.*` signals need log files, `probe.*` signals probe targets.
 *
 * @example
 * ```ts
 * agentSignalOf("error-rate"); // "log.errorRate"
 * agentSignalOf("cpu-utilization"); // undefined: the cloud measures it
 * ```
 */
export function agentSignalOf(metricId: string): AgentSignalName | undefined {
  return AGENT_SIGNALS[metricId];
}

/**
 * The metrics the personas agent must publish for a plan's telemetry, with the signal that measures
 * each. Probe signals need probe targets and log signals need log files, which the fleet supplies.
 *
 * @throws {PlanError} when a metric has no agent signal (a catalog entry without one).
 */
export function agentMetricsOf(telemetry: TelemetryPlan): AgentMetricPlan[] {
  return telemetry.personasAgent.map((metric) => {
    const signal = AGENT_SIGNALS[metric.metricId];
    if (!signal)
      throw new PlanError(
        `metric '${metric.metricId}' is published by the personas agent but the agent has no signal for it: add it to AGENT_SIGNALS in src/plan/render.ts`,
      );
    return { name: metric.metricName, signal, period: metric.periodSeconds < 60 ? 10 : 60 };
  });
}
