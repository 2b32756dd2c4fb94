/**
 * The simulator: replays telemetry through a persona's plan, period by period. Each alarm is a
 * {@link CloudWatchAlarmEvaluator} fed the plan's period, statistic, threshold and window; each
 * transition into ALARM runs the alarm's response through {@link decide}, the guard rails the
 * responders apply; list feeds follow the last-good-list rule; value feeds are replayed like
 * telemetry. The core loop runs over typed arrays and allocates only when something happens (a
 * transition, an action, a feed tick), so fleets of thousands of instances simulate in seconds.
 */
import { type Action, describeAction, revertAction } from "../pdl/actions/index.js";
import { type MetricDefinition, metricById } from "../pdl/metrics/index.js";
import type { AlarmPlan, FeedPlan, PersonaPlan, ResponsePlan } from "../plan/plan.js";
import { actsOnTransition } from "../plan/render.js";
import { baselineSize, type Cloud, findSize, SizingError } from "../resolve/sizing/index.js";
import { decide, type GuardRequest, MemoryGuardState, type SkipReason } from "../runtime/decide.js";
import type { CidrSet } from "../runtime/feeds/cidr-set.js";
import type { feedFormatSetting } from "../runtime/feeds/formats/index.js";
import type { FeedDecisionReason } from "../runtime/feeds/policy.js";
import { judgeFeed } from "../runtime/feeds/refresh.js";
import { CloudWatchAlarmEvaluator, type CloudWatchAlarmState } from "./alarm/index.js";
import {
  applyAction,
  type EffectOutcome,
  type InstanceState,
  inRotation,
  loadFactor,
  NO_FEATURE_EFFECTS,
  type RecordedState,
} from "./effects/index.js";
import { SimulationError } from "./errors.js";
import {
  aggregatePeriods,
  type FeedTickInput,
  type MetricSeries,
  type Statistic,
  type Telemetry,
} from "./telemetry.js";

/** Alarm states as stored in a timeline's `states` array. */
export const STATE_CODES = { OK: 0, ALARM: 1, INSUFFICIENT_DATA: 2, NOT_IN_FORCE: 255 } as const;

/**
 * The state names by code (255 is "not in force": the alarm's persona was not active).
 * @internal
 */
export function stateName(code: number): CloudWatchAlarmState | undefined {
  return code === 0 ? "OK" : code === 1 ? "ALARM" : code === 2 ? "INSUFFICIENT_DATA" : undefined;
}

/**
 * Re-plans the target of a persona shift. The run-time orchestrator plugs its resolution here
 * (repository look-up, tags, sizing); return `undefined` to keep evaluating the current plan while
 * the timeline records the shift.
 * @example
 * const resolvePersona: PersonaResolver = (reference) => planPersona(repository.resolve(reference));
 */
export type PersonaResolver = (
  reference: string,
  context: { readonly from: PersonaPlan; readonly atSeconds: number },
) => PersonaPlan | undefined;

/** Options of {@link simulate}. */
export interface SimulationOptions {
  /**
   * The seed the telemetry was generated with; recorded in the result. The engine itself draws no
   * random numbers, so a seed and a plan always give the same timeline.
   * @default 1
   */
  readonly seed?: number;
  /**
   * Epoch milliseconds of the simulation's time 0: the clock the guard rails see and the time
   * labels show.
   * @default Date.UTC(2026, 0, 1) (2026-01-01T00:00:00Z)
   */
  readonly startMs?: number;
  /**
   * How long to simulate, in seconds.
   * @default the telemetry's durationSeconds
   */
  readonly durationSeconds?: number;
  /**
   * The cloud whose size catalog scale actions use.
   * @default "aws"
   */
  readonly cloud?: Cloud;
  /**
   * The instance's size at time 0.
   * @default the plan's size, else the cheapest size that meets the persona's base configuration
   */
  readonly initialSize?: string;
  /**
   * `full` keeps every period's datapoint and state, every action and feed tick; `summary` keeps
   * counts only, for fleets.
   * @default "full"
   */
  readonly detail?: "full" | "summary";
  /**
   * Re-plans the persona a shift-persona action moves to; without it the shift is recorded and
   * the current plan keeps running.
   * @default undefined
   */
  readonly resolvePersona?: PersonaResolver;
  /**
   * The alarms deployed as one fleet-wide rule (a CloudWatch Metrics Insights alarm over many
   * instances), keyed by {@link fleetWideAlarmKey}: this instance is one contributor of each. A
   * contributor is only ALARM or OK, never INSUFFICIENT_DATA, "because a time series only exists when
   * data is present" (Amazon CloudWatch User Guide, "Acting on alarm changes",
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Acting_Alarm_Changes.html); see
   * {@link contributorState}. The other alarms are the instance's own.
   * @default no fleet-wide alarms: every alarm is the instance's own (per-instance topology)
   */
  readonly fleetWideAlarms?: ReadonlySet<string>;
}

/**
 * The key of a fleet-wide alarm in {@link SimulationOptions.fleetWideAlarms}: the persona's digest and
 * the alarm's id, as the plan's topology names it (src/plan/topology.ts `topologyOf`).
 * @example
 * fleetWideAlarmKey(plan.persona.digest, "cpu-utilization-above"); // "sha256:…/cpu-utilization-above"
 */
export function fleetWideAlarmKey(digest: string, alarmId: string): string {
  return `${digest}/${alarmId}`;
}

/**
 * The state of one contributor of a fleet-wide (multi-time-series) alarm, from what its own series'
 * evaluation gives and whether the series exists. The documented rules (CloudWatch User Guide,
 * "Acting on alarm changes"): a contributor is only ALARM or OK, never INSUFFICIENT_DATA, because a
 * time series only exists when data is present. So:
 * - no datapoint in the alarm's evaluation range: the series is absent, and an absent series is not
 *   in ALARM, whatever the missing-data treatment would say of a single-metric alarm (`breaching` does
 *   not make an absent series breach);
 * - otherwise the evaluation's state, with INSUFFICIENT_DATA (too few datapoints to decide) read as OK.
 *
 * Whether CloudWatch sends an OK event when a contributor's series disappears is not documented; the
 * simulator assumes it does (the contributor left ALARM), and says so in the timeline
 * (docs/alarm-semantics.md, "Contributors of fleet-wide alarms").
 *
 * @example
 * contributorState("INSUFFICIENT_DATA", true); // "OK"
 * contributorState("ALARM", false); // "OK": the series is absent
 */
export function contributorState(evaluated: CloudWatchAlarmState, seriesPresent: boolean): "OK" | "ALARM" {
  return seriesPresent && evaluated === "ALARM" ? "ALARM" : "OK";
}

/** One alarm's datapoints and states, one entry per period. */
export interface TriggerTimeline {
  /** The alarm's id in its plan (`<trigger id>` or `<trigger id>-clear`). */
  readonly alarmId: string;
  readonly triggerId: string;
  readonly role: "activate" | "clear";
  /**
   * `fleet-wide`: the instance is one contributor of the persona's fleet-wide alarm, so its states are
   * only OK and ALARM ({@link contributorState}); `per-instance`: the instance's own alarm.
   */
  readonly topology: "fleet-wide" | "per-instance";
  /** The persona whose plan holds the alarm. */
  readonly persona: string;
  readonly metric: string;
  /** e.g. `cpu-utilization > 80% for 5 minutes`. */
  readonly description: string;
  readonly periodSeconds: number;
  /** The condition's threshold and operator, in the metric's canonical unit. */
  readonly threshold: number;
  readonly operator: string;
  readonly unit: string;
  /**
   * The datapoint the alarm saw in each period, canonical unit; NaN when missing. It is the
   * recorded datapoint times the effects of the responses in force (a scale-up divides CPU).
   */
  readonly datapoints: Float64Array;
  /** The datapoint of each period as recorded, before any response's effect. */
  readonly recorded: Float64Array;
  /** The state after evaluating each period ({@link STATE_CODES}). */
  readonly states: Uint8Array;
  /**
   * Fleet-wide alarms: the periods at which the contributor's series was absent (no datapoint in the
   * evaluation range), so a move to OK there is the series leaving, not the metric recovering.
   * Empty for per-instance alarms.
   */
  readonly absent: readonly number[];
}

/** One response run considered by the guard rails. */
export interface ActionRecord {
  /** Seconds from the start (the timestamp of the datapoint or feed tick that caused it). */
  readonly at: number;
  /** What asked for it. */
  readonly source:
    | { readonly kind: "alarm"; readonly alarmId: string; readonly persona: string }
    | { readonly kind: "value-feed"; readonly sourceId: string; readonly persona: string };
  readonly intent: "activate" | "clear";
  readonly responseId: string;
  /** The actions, as phrases ("Scale up to 16 cores"). */
  readonly actions: readonly string[];
  /** `dispatched`: the guard rails let it act; `skipped`: they did not. */
  readonly outcome: "dispatched" | "skipped";
  /** Why it was skipped: {@link decide}'s reason, or `nothing-to-revert` for a clear with nothing active. */
  readonly reason?: SkipReason | "nothing-to-revert";
  /** The guard rails' sentence, for skips. */
  readonly detail?: string;
  /** What each action did, when dispatched. */
  readonly effects: readonly EffectOutcome[];
}

/** One scheduled fetch of a feed. */
export interface FeedTickRecord {
  readonly at: number;
  readonly sourceId: string;
  readonly kind: "list" | "value";
  /** List feeds: the last-good-list decision; value feeds: whether the condition held. */
  readonly decision: FeedDecisionReason | "held" | "not-held" | "no-reading";
  /** List feeds: entries in force after the tick; value feeds: the reading (NaN when none). */
  readonly value: number;
  readonly message: string;
}

/** Something that changed on the instance: its size, a feature, its persona, its rotation, its isolation. */
export interface ChangeRecord {
  readonly at: number;
  /**
   * `traffic` goes between {@link ROTATION.in} and {@link ROTATION.out} (or `out of rotation → <target>`);
   * `isolation` between {@link ISOLATION.no} and {@link ISOLATION.yes}.
   */
  readonly kind: "size" | "feature" | "persona" | "traffic" | "isolation";
  /** The feature id, for features. */
  readonly name?: string;
  readonly from: string;
  readonly to: string;
}

/** The values of `traffic` changes: whether the load balancer sends the instance traffic. */
export const ROTATION = { in: "in rotation", out: "out of rotation" } as const;
/** The values of `isolation` changes. */
export const ISOLATION = { no: "not isolated", yes: "isolated" } as const;

/** Counts over a run (also the whole result in `summary` mode). */
export interface SimulationSummary {
  /** Alarm evaluations (datapoints consumed), over every alarm. */
  datapoints: number;
  /** Transitions into ALARM, by alarm id. */
  alarms: Record<string, number>;
  dispatched: number;
  skipped: Partial<Record<SkipReason | "nothing-to-revert", number>>;
  /** Feed ticks by decision. */
  feedTicks: Partial<Record<FeedTickRecord["decision"], number>>;
  finalSize: string | undefined;
  finalPersona: string;
  finalFeatures: Record<string, boolean>;
  /** Whether the instance took traffic at the end (not drained, not isolated). */
  finalInRotation: boolean;
  finalIsolated: boolean;
}

/** The result of a simulation. */
export interface SimulationResult {
  /** The persona simulated, as planned: its name, version and content digest. */
  readonly persona: { readonly name: string; readonly version: string; readonly digest: string };
  readonly seed: number;
  readonly startMs: number;
  readonly durationSeconds: number;
  /** The finest step of the run: the smallest alarm period (10 or 60 s). */
  readonly tickSeconds: number;
  readonly initialSize: string | undefined;
  readonly initialFeatures: Readonly<Record<string, boolean>>;
  /** Per alarm, in plan order (alarms of personas shifted to follow). Empty in `summary` mode. */
  readonly triggers: readonly TriggerTimeline[];
  readonly actions: readonly ActionRecord[];
  readonly feedTicks: readonly FeedTickRecord[];
  readonly changes: readonly ChangeRecord[];
  readonly summary: SimulationSummary;
}

/** The instance's rotation as the timeline shows it: in, out, or out with the target that took the traffic. */
function rotationOf(instance: InstanceState): string {
  if (inRotation(instance)) return ROTATION.in;
  const target = instance.drained?.target;
  return target === undefined ? ROTATION.out : `${ROTATION.out} → ${target}`;
}

// --- compiled plans -------------------------------------------------------------------------------

interface CompiledAlarm {
  readonly plan: AlarmPlan;
  readonly metric: MetricDefinition;
  readonly persona: string;
  readonly response: ResponsePlan;
  readonly period: number;
  readonly statistic: Statistic;
  /** CloudWatch value = canonical × scale, or 100 − canonical when `complement`. */
  readonly scale: number;
  readonly complement: boolean;
  readonly evaluator: CloudWatchAlarmEvaluator;
}

interface CompiledPlan {
  readonly plan: PersonaPlan;
  readonly alarms: readonly CompiledAlarm[];
  readonly responses: ReadonlyMap<string, ResponsePlan>;
}

const compiledPlans = new WeakMap<PersonaPlan, CompiledPlan>();

function compile(plan: PersonaPlan): CompiledPlan {
  const cached = compiledPlans.get(plan);
  if (cached) return cached;
  const responses = new Map(plan.responses.map((r) => [r.id, r]));
  const alarms = plan.alarms.map((alarm): CompiledAlarm => {
    const response = responses.get(alarm.onAlarm.responseId);
    if (!response) {
      throw new SimulationError(
        `plan ${plan.persona.name}: alarm '${alarm.id}' runs response '${alarm.onAlarm.responseId}', which the plan does not hold`,
      );
    }
    const metric = metricById(alarm.condition.metric);
    const conversion = metric.aws.conversion;
    const aws = alarm.aws;
    return {
      plan: alarm,
      metric,
      persona: plan.persona.name,
      response,
      period: aws.period,
      // A byte counter summed per period is the period's average rate times its length.
      statistic: conversion === "gbps-to-bytes-per-period" ? "Average" : aws.statistic,
      scale: conversion === "gbps-to-bytes-per-period" ? (1e9 * aws.period) / 8 : 1,
      complement: conversion === "percent-complement",
      evaluator: new CloudWatchAlarmEvaluator({
        comparisonOperator: aws.comparisonOperator,
        threshold: aws.threshold,
        evaluationPeriods: aws.evaluationPeriods,
        datapointsToAlarm: aws.datapointsToAlarm,
        treatMissingData: aws.treatMissingData,
      }),
    };
  });
  const compiled = { plan, alarms, responses };
  compiledPlans.set(plan, compiled);
  return compiled;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function initialSizeOf(plan: PersonaPlan, options: SimulationOptions): string | undefined {
  if (options.initialSize !== undefined) {
    try {
      return findSize(options.initialSize).name;
    } catch (error) {
      throw new SimulationError(`initialSize: ${(error as Error).message}`, { cause: error });
    }
  }
  if (plan.compute.size !== undefined) return plan.compute.size;
  // Where the deployment would start: the same choice the components and resolution make.
  try {
    return baselineSize(
      {
        base: plan.compute.base,
        bounds: plan.compute.bounds,
        subject: `${plan.persona.name}@${plan.persona.version}`,
      },
      options.cloud ?? "aws",
    ).name;
  } catch (error) {
    if (error instanceof SizingError) return undefined;
    throw error;
  }
}

function formatSettingOf(feed: FeedPlan): feedFormatSetting {
  const format = feed.format ?? { type: "plain" };
  switch (format.type) {
    case "plain":
    case "spamhaus-drop":
      return format.type;
    case "csv":
      return { name: "csv", column: format.column };
    case "json":
      return { name: "json", path: format.path };
  }
}

function holds(value: number, operator: string, threshold: number): boolean {
  return operator === ">"
    ? value > threshold
    : operator === ">="
      ? value >= threshold
      : operator === "<"
        ? value < threshold
        : value <= threshold;
}

// --- the run --------------------------------------------------------------------------------------

interface ActiveAlarm {
  readonly compiled: CompiledAlarm;
  readonly datapoints: Float64Array;
  /** What the responses in force multiply the recorded datapoints by ({@link loadFactor}). */
  factor: number;
  readonly states: Uint8Array | undefined;
  /** Whether the instance is a contributor of this alarm (fleet-wide topology). */
  readonly contributor: boolean;
  /** Contributors: the state last reported (OK until the series first breaches). */
  contributorAlarm: boolean;
  /** Contributors: the last period with a datapoint (−∞ before the first). */
  lastPresent: number;
  /** Contributors, full detail: periods at which the series was absent. */
  readonly absent: number[] | undefined;
}

interface ValueFeedState {
  active: boolean;
  lastHeldAt: number;
}

/**
 * A reusable simulator for one plan: evaluators and buffers are allocated once and reset per run,
 * so simulating a fleet allocates per instance only what its timeline needs.
 */
class Run {
  private readonly full: boolean;
  private readonly startMs: number;
  private readonly duration: number;
  private readonly tick: number;
  private readonly periods: number;
  private readonly telemetry: Telemetry;
  private readonly options: SimulationOptions;
  private current: CompiledPlan;
  private readonly planStack: CompiledPlan[] = [];
  private active: ActiveAlarm[] = [];
  private readonly guard = new MemoryGuardState();
  private readonly instance: InstanceState;
  private readonly recorded: RecordedState;
  /** A response changed the instance this tick: the alarms' factors change from the next one. */
  private instanceChanged = false;
  private readonly activeResponses = new Set<string>();
  private readonly lastGood = new Map<string, CidrSet | undefined>();
  private readonly valueFeeds = new Map<string, ValueFeedState>();
  private readonly valueCursor = new Map<string, number>();
  readonly triggers: TriggerTimeline[] = [];
  readonly actions: ActionRecord[] = [];
  readonly feedTicks: FeedTickRecord[] = [];
  readonly changes: ChangeRecord[] = [];
  readonly summary: SimulationSummary;
  readonly initialSize: string | undefined;
  readonly initialFeatures: Record<string, boolean>;

  constructor(plan: PersonaPlan, telemetry: Telemetry, options: SimulationOptions) {
    this.options = options;
    this.telemetry = telemetry;
    this.full = (options.detail ?? "full") === "full";
    this.startMs = options.startMs ?? Date.UTC(2026, 0, 1);
    this.duration = options.durationSeconds ?? telemetry.durationSeconds;
    if (!(this.duration > 0) || !Number.isFinite(this.duration)) {
      throw new SimulationError(
        `the simulation needs a positive duration in seconds; received ${this.duration}`,
      );
    }
    this.current = compile(plan);
    let tick = 0;
    for (const alarm of plan.alarms) tick = gcd(tick, alarm.aws.period);
    this.tick = tick === 0 ? 60 : tick;
    this.periods = Math.floor(this.duration / this.tick);
    this.initialSize = initialSizeOf(plan, options);
    const features = new Map(plan.features.map((f) => [f.id, f.initial === "on"]));
    this.initialFeatures = Object.fromEntries(features);
    this.instance = {
      size: this.initialSize,
      baselineSize: this.initialSize,
      bounds: plan.compute.bounds,
      features,
      persona: plan.persona.name,
      personaStack: [],
      drained: undefined,
      isolated: false,
    };
    this.recorded = {
      size: this.initialSize === undefined ? undefined : findSize(this.initialSize),
      features: this.initialFeatures,
      featureEffects: telemetry.effects ?? NO_FEATURE_EFFECTS,
    };
    this.summary = {
      datapoints: 0,
      alarms: {},
      dispatched: 0,
      skipped: {},
      feedTicks: {},
      finalSize: undefined,
      finalPersona: plan.persona.name,
      finalFeatures: {},
      finalInRotation: true,
      finalIsolated: false,
    };
    this.enter(this.current);
  }

  /** Puts a plan's alarms in force (from the next period on). */
  private enter(compiled: CompiledPlan): void {
    // The alarms of the plan left behind stop being evaluated; their later states stay NOT_IN_FORCE.
    this.active = compiled.alarms.map((alarm) => {
      const count = Math.floor(this.duration / alarm.period);
      const datapoints = aggregatePeriods(
        this.telemetry.metrics[alarm.plan.condition.metric],
        alarm.statistic,
        alarm.period,
        new Float64Array(count),
      );
      alarm.evaluator.reset();
      let states: Uint8Array | undefined;
      const factor = loadFactor(alarm.metric, this.instance, this.recorded);
      const contributor =
        this.options.fleetWideAlarms?.has(fleetWideAlarmKey(compiled.plan.persona.digest, alarm.plan.id)) ===
        true;
      const absent: number[] | undefined = this.full && contributor ? [] : undefined;
      if (this.full) {
        states = new Uint8Array(count).fill(STATE_CODES.NOT_IN_FORCE);
        const c = alarm.plan.condition;
        this.triggers.push({
          alarmId: alarm.plan.id,
          triggerId: alarm.plan.triggerId,
          role: alarm.plan.role,
          topology: contributor ? "fleet-wide" : "per-instance",
          persona: alarm.persona,
          metric: c.metric,
          description: alarm.plan.description,
          periodSeconds: alarm.period,
          threshold: c.threshold,
          operator: c.operator,
          unit: c.unit,
          datapoints,
          recorded: datapoints.slice(),
          states,
          absent: absent ?? [],
        });
      }
      return {
        compiled: alarm,
        datapoints,
        states,
        factor,
        contributor,
        contributorAlarm: false,
        lastPresent: Number.NEGATIVE_INFINITY,
        absent,
      };
    });
  }

  run(): void {
    const tick = this.tick;
    let evaluations = 0;
    for (let k = 0; k < this.periods; k++) {
      const t = k * tick;
      const active = this.active;
      for (let i = 0; i < active.length; i++) {
        const a = active[i]!;
        const alarm = a.compiled;
        const period = alarm.period;
        if (t % period !== 0) continue;
        const p = t / period;
        let raw = a.datapoints[p]!;
        if (a.factor !== 1 && !Number.isNaN(raw)) {
          const range = alarm.metric.range;
          raw = Math.min(range.max, Math.max(range.min, raw * a.factor));
          a.datapoints[p] = raw;
        }
        const value = alarm.complement ? 100 - raw : raw * alarm.scale;
        const evaluator = alarm.evaluator;
        let previous = evaluator.state;
        let state = evaluator.step(value);
        let changed = evaluator.changed;
        evaluations++;
        if (a.contributor) {
          // One contributor of a fleet-wide alarm: only ALARM or OK, and absent without data.
          if (!Number.isNaN(value)) a.lastPresent = p;
          const present = p - a.lastPresent < alarm.plan.aws.evaluationPeriods;
          if (!present) a.absent?.push(p);
          previous = a.contributorAlarm ? "ALARM" : "OK";
          state = contributorState(state, present);
          a.contributorAlarm = state === "ALARM";
          changed = state !== previous;
        }
        if (a.states) a.states[p] = state === "OK" ? 0 : state === "ALARM" ? 1 : 2;
        if (!changed) continue;
        if (state === "ALARM") {
          const id = alarm.plan.id;
          this.summary.alarms[id] = (this.summary.alarms[id] ?? 0) + 1;
        }
        // The responders' rule: a trigger acts on entering ALARM, a clear watcher on ALARM → OK.
        if (actsOnTransition(alarm.plan.onAlarm.intent, previous, state)) {
          this.onAlarm(alarm, t);
          // A shift may have replaced the alarms in force.
          if (this.active !== active) break;
        }
      }
      const feeds = this.current.plan.feeds;
      for (let f = 0; f < feeds.length; f++) {
        const feed = feeds[f]!;
        if (t % feed.frequencySeconds !== 0) continue;
        if (feed.kind === "list") this.listTick(feed, t);
        else this.valueTick(feed, t, this.current);
      }
      // Feeds are fleet-wide schedules of the persona the instance was deployed as: they keep
      // ticking after a shift, so the feed that shifted the instance can shift it back when it clears.
      for (let s = 0; s < this.planStack.length; s++) {
        const left = this.planStack[s]!;
        for (const feed of left.plan.feeds) {
          if (t % feed.frequencySeconds !== 0 || feeds.some((f) => f.sourceId === feed.sourceId)) continue;
          if (feed.kind === "list") this.listTick(feed, t);
          else this.valueTick(feed, t, left);
        }
      }
      // A response acts after the datapoint that asked for it: its effect shows from the next tick.
      if (this.instanceChanged) {
        this.instanceChanged = false;
        for (const a of this.active) a.factor = loadFactor(a.compiled.metric, this.instance, this.recorded);
      }
    }
    this.summary.datapoints = evaluations;
    this.summary.finalSize = this.instance.size;
    this.summary.finalPersona = this.instance.persona;
    this.summary.finalFeatures = Object.fromEntries(this.instance.features);
    this.summary.finalInRotation = inRotation(this.instance);
    this.summary.finalIsolated = this.instance.isolated;
  }

  private onAlarm(alarm: CompiledAlarm, t: number): void {
    const id = alarm.plan.id;
    const { intent, actions } = alarm.plan.onAlarm;
    this.dispatch(
      { kind: "alarm", alarmId: id, persona: alarm.persona },
      intent,
      alarm.response,
      actions,
      t,
      alarm.response.cooldownSeconds,
    );
  }

  /**
   * Runs one response through the guard rails. One decision covers the whole response: the
   * responders of one response share it, so a two-action response is one action for the circuit
   * breaker, not two.
   */
  private dispatch(
    source: ActionRecord["source"],
    intent: "activate" | "clear",
    response: ResponsePlan,
    actions: readonly Action[],
    t: number,
    cooldownSeconds: number,
  ): boolean {
    const base = { at: t, source, intent, responseId: response.id, actions: actions.map(describeAction) };
    if (intent === "clear" && !this.activeResponses.has(response.id)) {
      this.skip("nothing-to-revert");
      if (this.full) {
        this.actions.push({
          ...base,
          outcome: "skipped",
          reason: "nothing-to-revert",
          detail: `response ${response.id} is not in effect; there is nothing to revert`,
          effects: [],
        });
      }
      return false;
    }
    const name = source.kind === "alarm" ? source.alarmId : source.sourceId;
    const request: GuardRequest = {
      now: this.startMs + t * 1000,
      responseId: response.id,
      intent,
      transitionId: `${source.persona}/${name}@${t}`,
      cooldownSeconds,
      maxActionsPerHour: response.maxActionsPerHour,
    };
    const decision = decide(request, this.guard);
    if (!decision.act) {
      this.guard.recordSkip(request);
      this.skip(decision.reason);
      if (this.full) {
        this.actions.push({
          ...base,
          outcome: "skipped",
          reason: decision.reason,
          detail: decision.detail,
          effects: [],
        });
      }
      return false;
    }
    this.guard.recordAction(request);
    this.summary.dispatched++;
    if (intent === "activate") this.activeResponses.add(response.id);
    else this.activeResponses.delete(response.id);
    const effects = actions.map((action) => this.apply(action, t));
    if (this.full) this.actions.push({ ...base, outcome: "dispatched", effects });
    return true;
  }

  private skip(reason: SkipReason | "nothing-to-revert"): void {
    this.summary.skipped[reason] = (this.summary.skipped[reason] ?? 0) + 1;
  }

  private apply(action: Action, t: number): EffectOutcome {
    const before = {
      size: this.instance.size,
      persona: this.instance.persona,
      rotation: rotationOf(this.instance),
      isolated: this.instance.isolated,
    };
    const feature =
      action.kind === "activate-feature" || action.kind === "deactivate-feature" ? action.feature : undefined;
    const wasOn = feature === undefined ? false : this.instance.features.get(feature) === true;
    const outcome = applyAction(action, this.instance);
    if (outcome.status !== "changed") return outcome;
    this.instanceChanged = true;
    if (this.full) {
      if (this.instance.size !== before.size) {
        this.changes.push({ at: t, kind: "size", from: before.size ?? "", to: this.instance.size ?? "" });
      }
      if (feature !== undefined) {
        this.changes.push({
          at: t,
          kind: "feature",
          name: feature,
          from: wasOn ? "on" : "off",
          to: wasOn ? "off" : "on",
        });
      }
      if (this.instance.persona !== before.persona) {
        this.changes.push({ at: t, kind: "persona", from: before.persona, to: this.instance.persona });
      }
      const rotation = rotationOf(this.instance);
      if (rotation !== before.rotation)
        this.changes.push({ at: t, kind: "traffic", from: before.rotation, to: rotation });
      if (this.instance.isolated !== before.isolated) {
        const name = (isolated: boolean) => (isolated ? ISOLATION.yes : ISOLATION.no);
        this.changes.push({
          at: t,
          kind: "isolation",
          from: name(before.isolated),
          to: name(this.instance.isolated),
        });
      }
    }
    if (action.kind === "shift-persona") this.shift(action, t);
    return outcome;
  }

  private shift(action: Action & { kind: "shift-persona" }, t: number): void {
    const resolver = this.options.resolvePersona;
    if (!resolver) return;
    let next: CompiledPlan | undefined;
    if (action.previous) next = this.planStack.pop();
    else {
      const plan = resolver(action.persona!, { from: this.current.plan, atSeconds: t });
      if (plan) {
        this.planStack.push(this.current);
        next = compile(plan);
      }
    }
    if (!next || next === this.current) return;
    this.current = next;
    this.instance.bounds = next.plan.compute.bounds;
    for (const feature of next.plan.features) {
      if (!this.instance.features.has(feature.id))
        this.instance.features.set(feature.id, feature.initial === "on");
    }
    this.enter(next);
  }

  private listTick(feed: FeedPlan, t: number): void {
    const input = latestAtOrBefore(this.telemetry.feeds?.[feed.sourceId], t);
    if (!input) return;
    const previous = this.lastGood.get(feed.sourceId);
    const { decision, list: next } = judgeFeed(
      previous,
      "error" in input ? { error: new Error(input.error) } : { text: input.body },
      {
        format: formatSettingOf(feed),
        policy: { maxShrinkShare: (feed.maxShrinkPercent ?? 50) / 100 },
        safety: { mode: feed.mode ?? "block" },
      },
    );
    // List updates are governed by the last-good-list rule (a fleet-wide WAF set, not an instance
    // change), so they are feed ticks, not guard-railed actions.
    if (decision.action === "replace" && next) this.lastGood.set(feed.sourceId, next);
    const entries = this.lastGood.get(feed.sourceId)?.size ?? 0;
    this.recordFeedTick({
      at: t,
      sourceId: feed.sourceId,
      kind: "list",
      decision: decision.reason,
      value: entries,
      message: decision.message,
    });
  }

  private valueTick(feed: FeedPlan, t: number, owner: CompiledPlan): void {
    const series = this.telemetry.values?.[feed.sourceId];
    const condition = feed.condition;
    if (!series || !condition) return;
    const persona = owner.plan.persona.name;
    const key = `${persona}/${feed.sourceId}`;
    const value = this.reading(key, series, t);
    let state = this.valueFeeds.get(key);
    if (!state) {
      state = { active: false, lastHeldAt: Number.NEGATIVE_INFINITY };
      this.valueFeeds.set(key, state);
    }
    const response = owner.responses.get(feed.responseId);
    if (!response)
      throw new SimulationError(
        `plan ${persona}: feed '${feed.sourceId}' runs response '${feed.responseId}', which the plan does not hold`,
      );
    const source = { kind: "value-feed" as const, sourceId: feed.sourceId, persona };
    if (Number.isNaN(value)) {
      this.recordFeedTick({
        at: t,
        sourceId: feed.sourceId,
        kind: "value",
        decision: "no-reading",
        value,
        message: "No reading: the fetch failed; nothing changes.",
      });
      return;
    }
    const held = holds(value, condition.operator, condition.threshold);
    const text = `${condition.path} = ${value} ${held ? "meets" : "does not meet"} ${condition.operator} ${condition.threshold}`;
    this.recordFeedTick({
      at: t,
      sourceId: feed.sourceId,
      kind: "value",
      decision: held ? "held" : "not-held",
      value,
      message: `${text}.`,
    });
    if (held) {
      state.lastHeldAt = t;
      if (!state.active) {
        const cooldown = feed.cooldownSeconds ?? response.cooldownSeconds;
        state.active = this.dispatch(source, "activate", response, response.actions, t, cooldown);
      }
      return;
    }
    if (
      state.active &&
      feed.clearAfterSeconds !== undefined &&
      t - state.lastHeldAt >= feed.clearAfterSeconds
    ) {
      const reverts = response.actions.map(revertAction).filter((a): a is Action => a !== undefined);
      if (this.dispatch(source, "clear", response, reverts, t, 0)) state.active = false;
    }
  }

  /** The latest reading at or before `t` (NaN when there is none yet or it failed). */
  private reading(key: string, series: MetricSeries, t: number): number {
    let i = this.valueCursor.get(key) ?? -1;
    while (i + 1 < series.times.length && series.times[i + 1]! <= t) i++;
    this.valueCursor.set(key, i);
    return i < 0 ? Number.NaN : series.values[i]!;
  }

  private recordFeedTick(record: FeedTickRecord): void {
    this.summary.feedTicks[record.decision] = (this.summary.feedTicks[record.decision] ?? 0) + 1;
    if (this.full) this.feedTicks.push(record);
  }

  result(plan: PersonaPlan): SimulationResult {
    return {
      persona: { name: plan.persona.name, version: plan.persona.version, digest: plan.persona.digest },
      seed: this.options.seed ?? 1,
      startMs: this.startMs,
      durationSeconds: this.duration,
      tickSeconds: this.tick,
      initialSize: this.initialSize,
      initialFeatures: this.initialFeatures,
      triggers: this.triggers,
      actions: this.actions,
      feedTicks: this.feedTicks,
      changes: this.changes,
      summary: this.summary,
    };
  }
}

function latestAtOrBefore(ticks: readonly FeedTickInput[] | undefined, t: number): FeedTickInput | undefined {
  if (!ticks) return undefined;
  let found: FeedTickInput | undefined;
  for (const tick of ticks) {
    if (tick.at <= t) found = tick;
    else break;
  }
  return found;
}

/**
 * Simulates one instance of a persona: replays `telemetry` through the plan's alarms, guard rails,
 * feeds and action effects.
 *
 * @throws {SimulationError} when the duration is not positive or the initial size is unknown.
 * @example
 * const plan = planPersona({ persona: parsePersona(text), ref });
 * const telemetry = scenarioTelemetry(plan, { kind: "spike" }, { seed: 7 });
 * const result = simulate(plan, telemetry, { seed: 7 });
 * result.actions[0]; // { at: 2100, intent: "activate", actions: ["Scale up to 16 cores"], outcome: "dispatched", ... }
 */
export function simulate(
  plan: PersonaPlan,
  telemetry: Telemetry,
  options: SimulationOptions = {},
): SimulationResult {
  const run = new Run(plan, telemetry, options);
  run.run();
  return run.result(plan);
}

/** Counts over a fleet. */
export interface FleetSummary {
  readonly instances: number;
  /** Alarm evaluations over every instance and alarm. */
  readonly datapoints: number;
  /** Transitions into ALARM, by alarm id, over the fleet. */
  readonly alarms: Readonly<Record<string, number>>;
  readonly dispatched: number;
  readonly skipped: Readonly<Partial<Record<SkipReason | "nothing-to-revert", number>>>;
  /** Instances by final size. */
  readonly finalSizes: Readonly<Record<string, number>>;
}

/**
 * Simulates many instances of one plan in `summary` mode (counts only): the evaluators and
 * compiled plan are shared, so the cost per datapoint is the evaluator's step.
 *
 * @param telemetryOf the telemetry of instance `i` (generate it lazily to bound memory).
 * @example
 * const fleet = simulateFleet(plan, 1000, (i) => scenarioTelemetry(plan, { kind: "spike" }, { seed: i }));
 * fleet.datapoints; // 4,320,000 for 3 alarms × 1,440 minutes × 1,000 instances
 */
export function simulateFleet(
  plan: PersonaPlan,
  instances: number,
  telemetryOf: (instance: number) => Telemetry,
  options: Omit<SimulationOptions, "detail"> = {},
): FleetSummary {
  let datapoints = 0;
  let dispatched = 0;
  const alarms: Record<string, number> = {};
  const skipped: Partial<Record<SkipReason | "nothing-to-revert", number>> = {};
  const finalSizes: Record<string, number> = {};
  for (let i = 0; i < instances; i++) {
    const run = new Run(plan, telemetryOf(i), { ...options, detail: "summary" });
    run.run();
    const s = run.summary;
    datapoints += s.datapoints;
    dispatched += s.dispatched;
    for (const [id, n] of Object.entries(s.alarms)) alarms[id] = (alarms[id] ?? 0) + n;
    for (const [reason, n] of Object.entries(s.skipped) as [SkipReason, number][])
      skipped[reason] = (skipped[reason] ?? 0) + n;
    const size = s.finalSize ?? "unknown";
    finalSizes[size] = (finalSizes[size] ?? 0) + 1;
  }
  return { instances, datapoints, alarms, dispatched, skipped, finalSizes };
}
