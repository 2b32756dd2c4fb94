/**
 * The plan: `ResolvedPersona` → `PersonaPlan`, the cloud-neutral intermediate representation, and a
 * fleet's instances → `FleetPlan`. Every decision the clouds, the simulator and `explain` share is
 * made here once: alarm periods and thresholds in each cloud's units, which responders exist and
 * what they may touch, feed schedules and enforcement points, guard rails.
 *
 * @example
 * ```ts
 * const plan = planPersona({ persona, ref: { name: "HighTraffic", version: "1.0.0", digest } });
 * plan.alarms[0].aws; // { namespace: "AWS/EC2", metricName: "CPUUtilization", period: 60, evaluationPeriods: 5, ... }
 * ```
 */
import type { Action } from "../pdl/actions/index.js";
import { describeCondition } from "../pdl/conditions.js";
import { metricById } from "../pdl/metrics/index.js";
import type { MetricSource } from "../pdl/metrics/metric.js";
import type {
  Bounds,
  Condition,
  Feature,
  FeedFormat,
  FetchLimits,
  Persona,
  ValueCondition,
} from "../pdl/model.js";
import {
  type AzureAlertSpec,
  azureAlertOf,
  type CloudWatchAlarmSpec,
  clearWatcherOf,
  cloudWatchAlarmOf,
} from "./alarms.js";
import { GUARD_DEFAULTS, LIST_SAFETY_DEFAULTS, NETWORK_ACL_MAX_ENTRIES } from "./defaults.js";
import { PlanError } from "./errors.js";
import { fleetNameProblem } from "./names.js";
import { type PlannedPackage, planPackages } from "./packages.js";
import { RESPONDER_ORDER, type ResponderKind, responderOf } from "./responders.js";
import { PERSONA_TAGS } from "./tags.js";
import { type AlarmTopologyPlan, planTopology, type TopologySettings } from "./topology.js";

/** What the plan needs from resolution (a `ResolvedPersona` satisfies it). */
export interface PlanInput {
  persona: Persona;
  ref: { name: string; version: string; digest: string };
  /** The chosen size on the target cloud, when resolution picked one. */
  size?: { cloud: "aws" | "azure"; name: string; reason?: string; runnerUp?: string };
}

/** What an alarm runs when it makes its acting transition (see {@link AlarmPlan.actsOn}). */
export interface AlarmAction {
  /** `activate` runs the response; `clear` runs the trigger's clear actions (the revert). */
  intent: "activate" | "clear";
  /** The response run on `activate`. */
  responseId: string;
  /** The actions run (the response's, or the clear actions). */
  actions: readonly Action[];
  /** The responders the alarm invokes: one per kind among `actions`. */
  responders: readonly ResponderKind[];
}

/**
 * One alarm per trigger, and one more per trigger with a `Clear`: the clear watcher. The watcher is
 * the clear condition's complement (`> 80` in any of 30 minutes for "clear after 30 minutes" of
 * `> 80`), so it is in ALARM only while the load was recently high, and its return to OK runs the
 * clear (docs/alarm-semantics.md, "Clear alarms").
 */
export interface AlarmPlan {
  /** `<trigger id>` or `<trigger id>-clear`; unique within the persona. */
  id: string;
  triggerId: string;
  role: "activate" | "clear";
  /**
   * The transition that runs `onAlarm`: entering ALARM for a trigger's alarm; ALARM → OK for a clear
   * watcher (an OK reached from INSUFFICIENT_DATA, as a new alarm's first evaluation is, clears nothing).
   */
  actsOn: "ALARM" | "OK";
  /** What the cloud evaluates: the trigger's condition, or for a clear watcher the clear condition's complement. */
  condition: Condition;
  /** Clear watchers: the condition the author wrote for the clear (OK means it holds). */
  clearCondition?: Condition;
  /** Human-readable condition, e.g. `cpu-utilization > 80% for 5 minutes`. */
  description: string;
  /** Who produces the metric on AWS (native, cloud agent, personas agent). */
  source: MetricSource;
  onAlarm: AlarmAction;
  aws: CloudWatchAlarmSpec;
  azure: AzureAlertSpec;
}

/** A response with its guard rails filled in. */
export interface ResponsePlan {
  id: string;
  actions: readonly Action[];
  responders: readonly ResponderKind[];
  cooldownSeconds: number;
  maxActionsPerHour: number;
}

/** A scheduled fetch of an external source. */
export interface FeedPlan {
  sourceId: string;
  kind: "list" | "value";
  url: string;
  frequencySeconds: number;
  /** EventBridge Scheduler / cron-style rate, e.g. `rate(5 minutes)`. */
  scheduleExpression: string;
  limits: FetchLimits;
  responseId: string;
  /** The responder the schedule invokes: `firewall` for lists, `value-feed` for values. */
  responder: ResponderKind;
  /** List feeds: how to read the body, the firewall mode, and the shrink guard. */
  format?: FeedFormat;
  mode?: "block" | "allow";
  maxShrinkPercent?: number;
  /** Value feeds: the condition on the fetched value and how long it must stop holding to clear. */
  valueFormat?: "json" | "text";
  condition?: ValueCondition;
  cooldownSeconds?: number;
  clearAfterSeconds?: number;
}

/** The metrics a persona needs collected, by who collects them. */
export interface TelemetryPlan {
  /** Metric ids the cloud collects by itself. */
  native: readonly string[];
  /** Metrics the cloud's own agent must publish (Amazon CloudWatch agent): name and finest period. */
  cloudAgent: readonly { metricId: string; metricName: string; periodSeconds: number }[];
  /** Metrics this project's agent must publish. */
  personasAgent: readonly { metricId: string; metricName: string; periodSeconds: number }[];
}

/** The cloud-neutral plan of one persona (shared by every instance with the same digest). */
export interface PersonaPlan {
  persona: { name: string; version: string; digest: string };
  compute: { base: Persona["base"]; bounds: Bounds; size?: string; sizeReason?: string; runnerUp?: string };
  software: readonly PlannedPackage[];
  features: readonly Feature[];
  telemetry: TelemetryPlan;
  /** How often the cloud samples the instance's own metrics (see {@link monitoringOf}). */
  monitoring: MonitoringPlan;
  alarms: readonly AlarmPlan[];
  responses: readonly ResponsePlan[];
  /** Responders this persona needs, in `RESPONDER_ORDER`. */
  responders: readonly ResponderKind[];
  feeds: readonly FeedPlan[];
  guards: { maxActionsPerHour: number; defaultCooldownSeconds: number; lockTtlSeconds: number };
  /** Baseline tags every instance of this persona carries (the fleet tag is added by the fleet). */
  tags: Readonly<Record<string, string>>;
}

/** Whether the instance needs the cloud's finer (1-minute) sampling of its own metrics. */
export interface MonitoringPlan {
  /** EC2 detailed monitoring (`monitoring: true`): AWS/EC2 metrics every minute instead of every 5. */
  detailed: boolean;
  /** Why, naming the alarms that need it; absent when `detailed` is false. */
  reason?: string;
}

/**
 * EC2 publishes AWS/EC2 metrics every 5 minutes with basic monitoring.
 * @internal
 */
export const BASIC_MONITORING_PERIOD_SECONDS = 300;

/**
 * Detailed monitoring is needed when an alarm watches an AWS/EC2 metric with a period under 300 s:
 * with basic monitoring such an alarm sees at most one datapoint per 5 minutes, so "5 of 5 one-minute
 * periods" can never hold (Amazon EC2 User Guide, "Manage detailed monitoring for your EC2 instances").
 */
export function monitoringOf(alarms: readonly AlarmPlan[]): MonitoringPlan {
  const needing = alarms.filter(
    (a) => a.aws.namespace === "AWS/EC2" && a.aws.period < BASIC_MONITORING_PERIOD_SECONDS,
  );
  if (needing.length === 0) return { detailed: false };
  const list = needing.map((a) => `${a.id} (${a.aws.metricName}, ${a.aws.period} s)`).join(", ");
  return {
    detailed: true,
    reason: `alarm${needing.length === 1 ? "" : "s"} ${list} need${needing.length === 1 ? "s" : ""} AWS/EC2 datapoints more often than every ${BASIC_MONITORING_PERIOD_SECONDS} s`,
  };
}

const planCache = new Map<string, PersonaPlan>();

/**
 * The memo key: every field of the reference and of the size, not only the ones this module names.
 * The plan copies the caller's `ref` (a resolved persona's carries `file`) and the size's reason and
 * runner-up, so any field left out of the key would hand one caller's value to another.
 */
function planKey(input: PlanInput): string {
  const fields = (value: object | undefined): [string, unknown][] =>
    value === undefined ? [] : Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([fields(input.ref), fields(input.size)]);
}

/**
 * Plans a resolved persona. Memoised by the whole reference and size (see {@link planKey}): a fleet
 * of 1,000 shares one plan. The digest stands for the persona's content.
 */
export function planPersona(input: PlanInput): PersonaPlan {
  const key = planKey(input);
  const cached = planCache.get(key);
  if (cached) return cached;
  const plan = buildPlan(input);
  planCache.set(key, plan);
  return plan;
}

function sortResponders(kinds: Iterable<ResponderKind>): ResponderKind[] {
  const set = new Set(kinds);
  return RESPONDER_ORDER.filter((k) => set.has(k));
}

function rate(seconds: number): string {
  if (seconds % 86400 === 0) return `rate(${seconds / 86400} day${seconds === 86400 ? "" : "s"})`;
  if (seconds % 3600 === 0) return `rate(${seconds / 3600} hour${seconds === 3600 ? "" : "s"})`;
  const minutes = Math.ceil(seconds / 60);
  return `rate(${minutes} minute${minutes === 1 ? "" : "s"})`;
}

function buildPlan(input: PlanInput): PersonaPlan {
  const { persona } = input;
  const maxActionsPerHour = persona.bounds.maxActionsPerHour ?? GUARD_DEFAULTS.maxActionsPerHour;
  const responses: ResponsePlan[] = persona.responses.map((r) => ({
    id: r.id,
    actions: r.actions,
    responders: sortResponders(r.actions.map(responderOf)),
    cooldownSeconds: r.cooldownSeconds ?? GUARD_DEFAULTS.cooldownSeconds,
    maxActionsPerHour: Math.min(r.maxActionsPerHour ?? maxActionsPerHour, maxActionsPerHour),
  }));
  const responseById = new Map(responses.map((r) => [r.id, r]));
  const responseOf = (id: string): ResponsePlan => {
    const response = responseById.get(id);
    if (!response)
      throw new PlanError(`persona ${persona.name} refers to response '${id}', which it does not define`, {
        persona: persona.name,
      });
    return response;
  };

  const alarms: AlarmPlan[] = [];
  for (const trigger of persona.triggers) {
    const response = responseOf(trigger.response);
    // A trigger's own cooldown overrides its response's.
    if (trigger.cooldownSeconds !== undefined && trigger.cooldownSeconds !== response.cooldownSeconds) {
      responseById.set(response.id, { ...response, cooldownSeconds: trigger.cooldownSeconds });
    }
    alarms.push(
      alarmOf(trigger.id, trigger.condition, {
        intent: "activate",
        responseId: response.id,
        actions: response.actions,
        responders: response.responders,
      }),
    );
    if (trigger.clear) {
      alarms.push(
        clearAlarmOf(trigger.id, trigger.clear.condition, {
          intent: "clear",
          responseId: response.id,
          actions: trigger.clear.actions,
          responders: sortResponders(trigger.clear.actions.map(responderOf)),
        }),
      );
    }
  }

  const feeds: FeedPlan[] = persona.sources.map((source) => {
    const response = responseOf(source.response);
    const common = {
      sourceId: source.id,
      url: source.url,
      frequencySeconds: source.frequencySeconds,
      scheduleExpression: rate(source.frequencySeconds),
      limits: source.limits,
      responseId: response.id,
    };
    if (source.kind === "list") {
      const firewall = response.actions.find((a) => a.kind === "firewall");
      const feed: FeedPlan = {
        ...common,
        kind: "list",
        responder: "firewall",
        format: source.format,
        maxShrinkPercent: source.maxShrinkPercent,
      };
      if (firewall?.kind === "firewall") feed.mode = firewall.mode;
      return feed;
    }
    const feed: FeedPlan = {
      ...common,
      kind: "value",
      responder: "value-feed",
      valueFormat: source.format,
      condition: source.condition,
    };
    if (source.cooldownSeconds !== undefined) feed.cooldownSeconds = source.cooldownSeconds;
    if (source.clearAfterSeconds !== undefined) feed.clearAfterSeconds = source.clearAfterSeconds;
    return feed;
  });

  const finalResponses = responses.map((r) => responseById.get(r.id)!);
  const responders = sortResponders([
    ...alarms.flatMap((a) => a.onAlarm.responders),
    ...feeds.map((f) => f.responder),
    ...feeds.filter((f) => f.kind === "value").flatMap((f) => responseOf(f.responseId).responders),
  ]);

  const compute: PersonaPlan["compute"] = { base: persona.base, bounds: persona.bounds };
  if (input.size) {
    compute.size = input.size.name;
    if (input.size.reason !== undefined) compute.sizeReason = input.size.reason;
    if (input.size.runnerUp !== undefined) compute.runnerUp = input.size.runnerUp;
  }
  return {
    persona: { ...input.ref },
    compute,
    software: planPackages(persona.software, `${input.ref.name} ${input.ref.version}`),
    features: persona.features,
    telemetry: telemetryOf(alarms),
    monitoring: monitoringOf(alarms),
    alarms,
    responses: finalResponses,
    responders,
    feeds,
    guards: {
      maxActionsPerHour,
      defaultCooldownSeconds: GUARD_DEFAULTS.cooldownSeconds,
      lockTtlSeconds: GUARD_DEFAULTS.lockTtlSeconds,
    },
    tags: {
      [PERSONA_TAGS.name]: input.ref.name,
      [PERSONA_TAGS.version]: input.ref.version,
      [PERSONA_TAGS.digest]: input.ref.digest,
      [PERSONA_TAGS.active]: input.ref.name,
    },
  };
}

function alarmOf(id: string, condition: Condition, onAlarm: AlarmAction): AlarmPlan {
  return {
    id,
    triggerId: id,
    role: "activate",
    actsOn: "ALARM",
    condition,
    description: describeCondition(condition),
    source: metricById(condition.metric).aws.source,
    onAlarm,
    aws: cloudWatchAlarmOf(condition),
    azure: azureAlertOf(condition),
  };
}

/** A trigger's clear watcher: in ALARM while the clear does not hold; its ALARM → OK runs the clear. */
function clearAlarmOf(triggerId: string, clear: Condition, onAlarm: AlarmAction): AlarmPlan {
  const watcher = clearWatcherOf(clear);
  return {
    id: `${triggerId}-clear`,
    triggerId,
    role: "clear",
    actsOn: "OK",
    condition: watcher,
    clearCondition: clear,
    description: `clears when ${describeCondition(clear)} (in ALARM while ${describeCondition(watcher)})`,
    source: metricById(watcher.metric).aws.source,
    onAlarm,
    aws: cloudWatchAlarmOf(watcher),
    azure: azureAlertOf(watcher),
  };
}

function telemetryOf(alarms: readonly AlarmPlan[]): TelemetryPlan {
  const native = new Set<string>();
  const cloudAgent = new Map<string, { metricId: string; metricName: string; periodSeconds: number }>();
  const personasAgent = new Map<string, { metricId: string; metricName: string; periodSeconds: number }>();
  for (const alarm of alarms) {
    const metric = metricById(alarm.condition.metric);
    const period = alarm.condition.window.periodSeconds;
    const target =
      metric.aws.source === "cloud-agent"
        ? cloudAgent
        : metric.aws.source === "personas-agent"
          ? personasAgent
          : undefined;
    if (!target) {
      native.add(metric.id);
      continue;
    }
    // Collect at the finest period any alarm on the metric needs.
    const existing = target.get(metric.id);
    if (!existing || existing.periodSeconds > period)
      target.set(metric.id, {
        metricId: metric.id,
        metricName: metric.aws.metricName,
        periodSeconds: period,
      });
  }
  return {
    native: [...native],
    cloudAgent: [...cloudAgent.values()],
    personasAgent: [...personasAgent.values()],
  };
}

// --- fleets -------------------------------------------------------------------------------------

/** Where a fleet can enforce list feeds. */
export interface FirewallTargets {
  /** A WAF web ACL is given: lists go to WAF IP sets (10,000 entries per set, one set per IP version). */
  webAcl?: boolean;
  /** A network ACL is given: short lists (up to 18 entries) become deny/allow rules. */
  networkAcl?: boolean;
  /**
   * Azure: lists go to a network security group's rules (`nsg`) or a WAF policy's custom rules
   * (`waf-policy`); the Azure components record the capacities in the feed's store entry.
   */
  azure?: "nsg" | "waf-policy";
  /**
   * What list feeds may put into the firewall.
   * @default LIST_SAFETY_DEFAULTS (IPv4 /8, IPv6 /29, growth up to 100% per update)
   */
  lists?: ListSafetySettings;
}

/** Limits on what a list feed may put into a firewall (the feed's publisher is not trusted). */
export interface ListSafetySettings {
  /** Shortest IPv4 prefix a feed entry may have (1–32). @default 8 */
  minPrefixIpv4?: number;
  /** Shortest IPv6 prefix a feed entry may have (1–128). @default 29 */
  minPrefixIpv6?: number;
  /** Largest growth in covered addresses per update, in percent of the last good list. @default 100 */
  maxGrowPercent?: number;
}

/** A feed deployed once per fleet, whatever number of instances use it. */
export interface FleetFeedPlan extends FeedPlan {
  /** Unique within the fleet: `<persona>-<source>`. */
  id: string;
  persona: string;
  /** For list feeds: where the list is enforced. */
  enforcement?: "waf-ip-set" | "network-acl" | "azure-nsg" | "azure-waf-policy";
  /** For network ACLs: the largest list applied; longer lists keep the last good one and raise a metric. */
  maxEntries?: number;
  /** For list feeds: the shortest IPv4 prefix an entry may have. */
  minPrefixIpv4?: number;
  /** For list feeds: the shortest IPv6 prefix an entry may have. */
  minPrefixIpv6?: number;
  /** For list feeds: the largest growth in covered addresses per update, in percent. */
  maxGrowPercent?: number;
}

/** The plan of a fleet: the distinct persona plans, one per instance, and the fleet-level parts. */
export interface FleetPlan {
  fleet: string;
  /** Distinct persona plans (by digest and size), in first-use order. */
  personas: readonly PersonaPlan[];
  instances: readonly { key: string; plan: PersonaPlan }[];
  /** Union of the responders the fleet's personas need: one function each per fleet. */
  responders: readonly ResponderKind[];
  feeds: readonly FleetFeedPlan[];
  /** Features by id across personas (one SSM document / parameter tree per feature per fleet). */
  features: readonly Feature[];
  /**
   * Per persona digest × alarm: one fleet-wide rule or one alarm per instance on each cloud, with the
   * reason and the rule's query (src/plan/topology.ts).
   */
  alarmTopology: readonly AlarmTopologyPlan[];
}

/**
 * Plans a fleet. Responders and feeds are per fleet, never per instance or alarm.
 * @throws {PlanError} when the fleet name cannot name cloud resources, or a list feed has no enforcement point.
 */
export function planFleet(
  fleet: string,
  instances: readonly { key: string; resolved: PlanInput }[],
  firewall: FirewallTargets = {},
  topology: TopologySettings = {},
): FleetPlan {
  const nameProblem = fleetNameProblem(fleet);
  if (nameProblem !== undefined) throw new PlanError(nameProblem, { fleet });
  const personas = new Map<PersonaPlan, true>();
  const planned = instances.map(({ key, resolved }) => {
    const plan = planPersona(resolved);
    personas.set(plan, true);
    return { key, plan };
  });
  const responders = sortResponders([...personas.keys()].flatMap((p) => p.responders));
  const listSafety = listSafetyOf(fleet, firewall.lists ?? {});
  const feeds = new Map<string, FleetFeedPlan>();
  const features = new Map<string, Feature>();
  for (const plan of personas.keys()) {
    for (const feed of plan.feeds) {
      const id = `${plan.persona.name}-${feed.sourceId}`;
      if (feeds.has(id)) continue;
      const fleetFeed: FleetFeedPlan = { ...feed, id, persona: plan.persona.name };
      if (feed.kind === "list") {
        Object.assign(fleetFeed, listSafety);
        if (firewall.webAcl) fleetFeed.enforcement = "waf-ip-set";
        else if (firewall.networkAcl) {
          fleetFeed.enforcement = "network-acl";
          fleetFeed.maxEntries = NETWORK_ACL_MAX_ENTRIES;
        } else if (firewall.azure) {
          fleetFeed.enforcement = firewall.azure === "nsg" ? "azure-nsg" : "azure-waf-policy";
        } else {
          throw new PlanError(
            `fleet '${fleet}': persona ${plan.persona.name} feed '${feed.sourceId}' (${feed.url}) needs a place to enforce its list: pass firewall.webAclArn (a WAF web ACL; lists up to 10,000 CIDRs per IP version) or firewall.networkAclId (a network ACL; lists up to ${NETWORK_ACL_MAX_ENTRIES} entries)`,
            { fleet, persona: plan.persona.name, source: feed.sourceId },
          );
        }
      }
      feeds.set(id, fleetFeed);
    }
    for (const feature of plan.features) if (!features.has(feature.id)) features.set(feature.id, feature);
  }
  const aclFeeds = [...feeds.values()].filter((f) => f.enforcement === "network-acl");
  if (aclFeeds.length > 1)
    // Each feed owns NETWORK_ACL_MAX_ENTRIES rules of one ACL, which holds 20 per direction in all.
    throw new PlanError(
      `fleet '${fleet}': ${aclFeeds.length} list feeds (${aclFeeds.map((f) => f.id).join(", ")}) would need ${aclFeeds.length * NETWORK_ACL_MAX_ENTRIES} rules of one network ACL, which holds 20 per direction: pass firewall.webAclArn (a WAF web ACL) instead, or keep one list feed per fleet that uses a network ACL`,
      { fleet },
    );
  return {
    fleet,
    personas: [...personas.keys()],
    instances: planned,
    responders,
    feeds: [...feeds.values()],
    features: [...features.values()],
    alarmTopology: planTopology(personasByDigest(planned), topology),
  };
}

/** One entry per persona digest (plans of one digest at several sizes share their alarms), with its instance count. */
function personasByDigest(planned: readonly { plan: PersonaPlan }[]) {
  const byDigest = new Map<
    string,
    { persona: PersonaPlan["persona"]; alarms: readonly AlarmPlan[]; instances: number }
  >();
  for (const { plan } of planned) {
    const entry = byDigest.get(plan.persona.digest);
    if (entry) entry.instances += 1;
    else byDigest.set(plan.persona.digest, { persona: plan.persona, alarms: plan.alarms, instances: 1 });
  }
  return [...byDigest.values()];
}

/** The fleet's list-safety settings with defaults filled in; a PlanError names a setting out of range. */
function listSafetyOf(fleet: string, settings: ListSafetySettings): Required<ListSafetySettings> {
  const resolved = { ...LIST_SAFETY_DEFAULTS, ...settings };
  const check = (name: keyof ListSafetySettings, min: number, max: number, why: string) => {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < min || value > max)
      throw new PlanError(
        `fleet '${fleet}': firewall.lists.${name} must be an integer from ${min} to ${max} (${why}), got ${value}`,
        { fleet },
      );
  };
  check("minPrefixIpv4", 1, 32, "a /0 would let a feed block or allow every IPv4 address");
  check("minPrefixIpv6", 1, 128, "a /0 would let a feed block or allow every IPv6 address");
  check("maxGrowPercent", 0, 1_000_000, "percent of the addresses the last good list covers");
  return resolved;
}
