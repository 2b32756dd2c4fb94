/**
 * Built-in telemetry scenarios, generated for a plan: every metric its alarms read gets a quiet,
 * slightly noisy series below its thresholds, value feeds read quiet values, list feeds answer
 * with a healthy list; then the scenario adds its event (a spike, a ramp, flapping, missing data, a
 * feed outage). Levels default to the plan's own thresholds, so a spike breaches whatever the
 * persona says. Every number comes from a {@link SeededRandom}: the same seed, the same series.
 */
import { metricById } from "../pdl/metrics/index.js";
import type { AlarmPlan, PersonaPlan } from "../plan/plan.js";
import { checkFeatureEffects, type FeatureEffects } from "./effects/declared.js";
import { TelemetryFormatError } from "./errors.js";
import { SeededRandom } from "./random.js";
import type { FeedTickInput, MetricSeries, Telemetry } from "./telemetry.js";

interface Window {
  /** When the event starts, seconds from the start. */
  readonly at?: number;
  /** How long it lasts, seconds. */
  readonly durationSeconds?: number;
}

/** A built-in scenario and its parameters; every parameter has a default taken from the plan. */
export type ScenarioSpec =
  /** Quiet telemetry only. */
  | { readonly kind: "steady" }
  /**
   * The metric jumps to `level` for the window.
   * Defaults: the first alarm's metric, at 30 min for 20 min, 15 % beyond its threshold.
   */
  | ({ readonly kind: "spike"; readonly metric?: string; readonly level?: number } & Window)
  /** The metric moves linearly from `from` to `to` over the window, then stays at `to`. Defaults: quiet → spike level, at 30 min for 60 min. */
  | ({
      readonly kind: "ramp";
      readonly metric?: string;
      readonly from?: number;
      readonly to?: number;
    } & Window)
  /**
   * The metric alternates `highSeconds` at `high` and `lowSeconds` at `low` over the window.
   * Defaults: spike level for the alarm's datapointsToAlarm periods, quiet for one period, at 30 min for 60 min.
   */
  | ({
      readonly kind: "flapping";
      readonly metric?: string;
      readonly high?: number;
      readonly low?: number;
      readonly highSeconds?: number;
      readonly lowSeconds?: number;
    } & Window)
  /** No datapoints for `metric` (every metric by default) over the window: the agent or the instance is down. Defaults: at 30 min for 20 min. */
  | ({ readonly kind: "outage"; readonly metric?: string } & Window)
  /** The list feed `feed` (every list feed by default) fails over the window. Defaults: at 30 min for 45 min. */
  | ({ readonly kind: "feed-outage"; readonly feed?: string } & Window)
  /**
   * A day: a diurnal load, a spike on the first non-latency trigger's metric at `spikeAt` (10:00)
   * for `spikeSeconds` (25 min), a latency incident at `latencyAt` (15:00) for `latencySeconds`
   * (20 min), and a list-feed outage at `feedOutageAt` (18:00) for `feedOutageSeconds` (45 min).
   */
  | {
      readonly kind: "day";
      readonly spikeAt?: number;
      readonly spikeSeconds?: number;
      readonly latencyAt?: number;
      readonly latencySeconds?: number;
      readonly feedOutageAt?: number;
      readonly feedOutageSeconds?: number;
    };

/** When a scenario's event starts unless its parameters say otherwise, seconds from the start. */
const EVENT_START = { window: 1800, daySpike: 10 * 3600, dayLatency: 15 * 3600 } as const;

/** The scenario names. */
export const SCENARIO_KINDS = [
  "steady",
  "spike",
  "ramp",
  "flapping",
  "outage",
  "feed-outage",
  "day",
] as const;

/** Options of {@link scenarioTelemetry}. */
export interface ScenarioOptions {
  /** Seed of the noise and the feed lists. @default 1 */
  readonly seed?: number;
  /** Length of the series. @default 86,400 s for `day`, 7,200 s otherwise */
  readonly durationSeconds?: number;
  /** Spacing of samples. @default the plan's smallest alarm period (60 s) */
  readonly intervalSeconds?: number;
  /** Standard deviation of the noise, as a share of the level. @default 0.03 */
  readonly noise?: number;
  /** Entries in the generated list feeds. @default 200 */
  readonly feedEntries?: number;
  /**
   * What features do to the metrics while on, carried with the telemetry (see `parseFeatureEffects`).
   * @default no declared effects
   */
  readonly effects?: FeatureEffects;
}

interface Level {
  quiet: number;
  breach: number;
  alarm: AlarmPlan | undefined;
}

/** A value comfortably on the quiet side of every activate alarm on the metric, and one beyond the first. */
function levelsOf(plan: PersonaPlan, metric: string): Level {
  const alarms = plan.alarms.filter((a) => a.role === "activate" && a.condition.metric === metric);
  const above = alarms.filter((a) => a.condition.operator.startsWith(">")).map((a) => a.condition.threshold);
  const below = alarms.filter((a) => a.condition.operator.startsWith("<")).map((a) => a.condition.threshold);
  const range = metricById(metric).range;
  let quiet: number;
  if (above.length > 0 && below.length > 0) quiet = (Math.min(...above) + Math.max(...below)) / 2;
  else if (above.length > 0) quiet = Math.min(...above) / 2;
  else if (below.length > 0) quiet = Math.max(...below) * 1.5 || 1;
  else quiet = Math.min(range.max, 10);
  const first = alarms[0];
  let breach = quiet * 2;
  if (first) {
    const t = first.condition.threshold;
    breach = first.condition.operator.startsWith(">") ? t * 1.15 || 1 : t * 0.5;
  }
  return { quiet, breach: Math.min(breach, range.max), alarm: first };
}

function metricsOf(plan: PersonaPlan): string[] {
  return [...new Set(plan.alarms.map((a) => a.condition.metric))];
}

function firstMetric(plan: PersonaPlan, kind: string, exclude?: string): string {
  const alarm =
    plan.alarms.find((a) => a.role === "activate" && a.condition.metric !== exclude) ?? plan.alarms[0];
  if (!alarm)
    throw new TelemetryFormatError(
      `scenario ${kind}`,
      `persona ${plan.persona.name} has no telemetry triggers to drive`,
    );
  return alarm.condition.metric;
}

class Builder {
  readonly samples: number;
  readonly series = new Map<string, Float64Array>();
  readonly random: SeededRandom;

  constructor(
    readonly plan: PersonaPlan,
    readonly interval: number,
    readonly duration: number,
    readonly noise: number,
    seed: number,
  ) {
    this.samples = Math.floor(duration / interval);
    this.random = new SeededRandom(seed);
    for (const metric of metricsOf(plan)) {
      const { quiet } = levelsOf(plan, metric);
      this.series.set(metric, new Float64Array(this.samples).fill(quiet));
    }
  }

  values(metric: string): Float64Array {
    const values = this.series.get(metric);
    if (!values) {
      throw new TelemetryFormatError(
        "scenario",
        `persona ${this.plan.persona.name} has no trigger on '${metric}'; its triggers watch ${metricsOf(this.plan).join(", ")}`,
      );
    }
    return values;
  }

  /** Calls `fn(index, t)` for every sample in [at, at + duration). */
  each(at: number, duration: number, fn: (i: number, t: number) => void): void {
    const from = Math.max(0, Math.ceil(at / this.interval));
    const to = Math.min(this.samples, Math.ceil((at + duration) / this.interval));
    for (let i = from; i < to; i++) fn(i, i * this.interval);
  }

  build(extra: {
    values?: Record<string, MetricSeries>;
    feeds?: Record<string, FeedTickInput[]>;
    effects?: FeatureEffects;
  }): Telemetry {
    const times = new Float64Array(this.samples);
    for (let i = 0; i < this.samples; i++) times[i] = i * this.interval;
    const metrics: Record<string, MetricSeries> = {};
    for (const [metric, values] of this.series) {
      const range = metricById(metric).range;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (Number.isNaN(v)) continue;
        // Bounded multiplicative noise: never more than three deviations, so levels keep their side of a threshold.
        const z = Math.max(-3, Math.min(3, this.random.normal(0, 1)));
        values[i] = Math.max(range.min, Math.min(range.max, round(v * (1 + this.noise * z))));
      }
      metrics[metric] = { times, values };
    }
    return { durationSeconds: this.duration, metrics, ...extra };
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * A healthy-looking blocklist of public addresses (documentation and benchmarking ranges would be
 * refused by the block-list safety screen, as they are special-purpose).
 */
function feedList(random: SeededRandom, entries: number): string[] {
  const out = new Set<string>();
  const prefixes = ["185.220.100", "185.220.101", "185.220.102"];
  while (out.size < entries) {
    if (random.next() < 0.3)
      out.add(`${prefixes[Math.floor(random.next() * 3)]}.${Math.floor(random.next() * 256)}`);
    else out.add(`45.${144 + Math.floor(random.next() * 2)}.${Math.floor(random.next() * 256)}.0/24`);
  }
  return [...out];
}

function feedTicks(
  plan: PersonaPlan,
  random: SeededRandom,
  duration: number,
  entries: number,
  outage?: { feed: string | undefined; at: number; duration: number },
): Record<string, FeedTickInput[]> {
  const feeds: Record<string, FeedTickInput[]> = {};
  for (const feed of plan.feeds) {
    if (feed.kind !== "list") continue;
    let list = feedList(random, entries);
    const ticks: FeedTickInput[] = [];
    for (let at = 0; at < duration; at += feed.frequencySeconds) {
      const down =
        outage !== undefined &&
        (outage.feed === undefined || outage.feed === feed.sourceId) &&
        at >= outage.at &&
        at < outage.at + outage.duration;
      if (down) {
        ticks.push({ at, error: "connection timed out after 10 s" });
        continue;
      }
      // A live feed drifts: a few entries leave and a few arrive between fetches.
      const replaced = feedList(random, Math.max(1, Math.round(entries * 0.02)));
      list = [...list.slice(replaced.length), ...replaced];
      ticks.push({ at, body: `${list.join("\n")}\n` });
    }
    feeds[feed.sourceId] = ticks;
  }
  return feeds;
}

function valueReadings(plan: PersonaPlan, duration: number): Record<string, MetricSeries> {
  const values: Record<string, MetricSeries> = {};
  for (const feed of plan.feeds) {
    if (feed.kind !== "value" || !feed.condition) continue;
    const { operator, threshold } = feed.condition;
    const quiet = operator.startsWith(">") ? threshold / 2 : threshold * 2 || 1;
    const count = Math.floor(duration / feed.frequencySeconds);
    const times = new Float64Array(count);
    for (let i = 0; i < count; i++) times[i] = i * feed.frequencySeconds;
    values[feed.sourceId] = { times, values: new Float64Array(count).fill(quiet) };
  }
  return values;
}

/**
 * Generates the telemetry of a built-in scenario for a plan.
 *
 * @throws {TelemetryFormatError} when a parameter names a metric the plan has no trigger on, or a
 *   window is negative, or `options.effects` names a feature the persona does not have.
 * @example
 * const telemetry = scenarioTelemetry(plan, { kind: "spike", at: 600, durationSeconds: 300 }, { seed: 7 });
 * telemetry.metrics["cpu-utilization"].values[10]; // about 92: 15 % above the 80 % threshold
 */
export function scenarioTelemetry(
  plan: PersonaPlan,
  spec: ScenarioSpec,
  options: ScenarioOptions = {},
): Telemetry {
  if (options.effects !== undefined) {
    checkFeatureEffects(
      options.effects,
      plan.features.map((f) => f.id),
      "effects",
      plan.persona.name,
    );
  }
  const seed = options.seed ?? 1;
  const duration = options.durationSeconds ?? (spec.kind === "day" ? 86_400 : 7_200);
  const smallestPeriod = Math.min(60, ...plan.alarms.map((a) => a.aws.period));
  const interval = options.intervalSeconds ?? smallestPeriod;
  const builder = new Builder(plan, interval, duration, options.noise ?? 0.03, seed);
  const entries = options.feedEntries ?? 200;
  const values = valueReadings(plan, duration);
  const window = (w: Window, at: number, length: number) => {
    const start = w.at ?? at;
    const span = w.durationSeconds ?? length;
    if (start < 0 || span < 0) {
      throw new TelemetryFormatError(
        `scenario ${spec.kind}`,
        `at and durationSeconds must be at least 0; received ${start} and ${span}`,
      );
    }
    return { start, span };
  };
  let outage: { feed: string | undefined; at: number; duration: number } | undefined;
  switch (spec.kind) {
    case "steady":
      break;
    case "spike": {
      const metric = spec.metric ?? firstMetric(plan, spec.kind);
      const level = spec.level ?? levelsOf(plan, metric).breach;
      const { start, span } = window(spec, EVENT_START.window, 1200);
      const target = builder.values(metric);
      builder.each(start, span, (i) => {
        target[i] = level;
      });
      break;
    }
    case "ramp": {
      const metric = spec.metric ?? firstMetric(plan, spec.kind);
      const levels = levelsOf(plan, metric);
      const from = spec.from ?? levels.quiet;
      const to = spec.to ?? levels.breach;
      const { start, span } = window(spec, EVENT_START.window, 3600);
      const target = builder.values(metric);
      builder.each(start, duration, (i, t) => {
        target[i] = t >= start + span ? to : from + ((to - from) * (t - start)) / Math.max(1, span);
      });
      break;
    }
    case "flapping": {
      const metric = spec.metric ?? firstMetric(plan, spec.kind);
      const levels = levelsOf(plan, metric);
      const period = levels.alarm?.aws.period ?? 60;
      const high = spec.high ?? levels.breach;
      const low = spec.low ?? levels.quiet;
      const highSeconds = spec.highSeconds ?? period * (levels.alarm?.aws.datapointsToAlarm ?? 1);
      const lowSeconds = spec.lowSeconds ?? period;
      const { start, span } = window(spec, EVENT_START.window, 3600);
      const target = builder.values(metric);
      builder.each(start, span, (i, t) => {
        target[i] = (t - start) % (highSeconds + lowSeconds) < highSeconds ? high : low;
      });
      break;
    }
    case "outage": {
      const { start, span } = window(spec, EVENT_START.window, 1200);
      const metrics = spec.metric !== undefined ? [spec.metric] : metricsOf(plan);
      for (const metric of metrics) {
        const target = builder.values(metric);
        builder.each(start, span, (i) => {
          target[i] = Number.NaN;
        });
      }
      break;
    }
    case "feed-outage": {
      const { start, span } = window(spec, EVENT_START.window, 2700);
      if (spec.feed !== undefined && !plan.feeds.some((f) => f.sourceId === spec.feed && f.kind === "list")) {
        throw new TelemetryFormatError(
          "scenario feed-outage",
          `persona ${plan.persona.name} has no list feed '${spec.feed}'; its list feeds are ${
            plan.feeds
              .filter((f) => f.kind === "list")
              .map((f) => f.sourceId)
              .join(", ") || "none"
          }`,
        );
      }
      outage = { feed: spec.feed, at: start, duration: span };
      break;
    }
    case "day": {
      // A working day's shape: lowest at 03:00, highest at 15:00, within ±25 % of the quiet level.
      for (const values of builder.series.values()) {
        builder.each(0, duration, (i, t) => {
          values[i] = values[i]! * (1 + 0.25 * Math.sin((2 * Math.PI * (t - 9 * 3600)) / 86_400));
        });
      }
      // A traffic spike shows as CPU load first; personas that don't watch CPU get it on their first metric.
      const spikeMetric = builder.series.has("cpu-utilization")
        ? "cpu-utilization"
        : firstMetric(plan, spec.kind, "network-latency");
      const spike = levelsOf(plan, spikeMetric).breach;
      const spikeTarget = builder.values(spikeMetric);
      builder.each(spec.spikeAt ?? EVENT_START.daySpike, spec.spikeSeconds ?? 1500, (i) => {
        spikeTarget[i] = spike;
      });
      const latencyMetric = builder.series.has("network-latency")
        ? "network-latency"
        : builder.series.has("error-rate")
          ? "error-rate"
          : undefined;
      if (latencyMetric !== undefined && latencyMetric !== spikeMetric) {
        const level = levelsOf(plan, latencyMetric).breach;
        const target = builder.values(latencyMetric);
        builder.each(spec.latencyAt ?? EVENT_START.dayLatency, spec.latencySeconds ?? 1200, (i) => {
          target[i] = level;
        });
      }
      outage = {
        feed: undefined,
        at: spec.feedOutageAt ?? 18 * 3600,
        duration: spec.feedOutageSeconds ?? 2700,
      };
      break;
    }
    default:
      throw new TelemetryFormatError(
        `scenario ${(spec as { kind: string }).kind}`,
        `unknown scenario; the built-in scenarios are ${SCENARIO_KINDS.join(", ")}`,
      );
  }
  const feeds = feedTicks(plan, builder.random, duration, entries, outage);
  return builder.build({
    ...(Object.keys(values).length > 0 ? { values } : {}),
    ...(Object.keys(feeds).length > 0 ? { feeds } : {}),
    ...(options.effects !== undefined ? { effects: options.effects } : {}),
  });
}

/**
 * Whether a scenario's event happens on each instance (a spike, a ramp, flapping, an outage, the day's
 * spike and latency incident) rather than to the whole fleet at once (a list feed's outage: the feed
 * is one fleet-wide schedule).
 */
export function hasInstanceEvent(spec: ScenarioSpec): boolean {
  return spec.kind !== "steady" && spec.kind !== "feed-outage";
}

/**
 * The scenario with its instance event starting `seconds` later (the day: its spike and latency
 * incident; the feed outage stays where it is, the feed being fleet-wide).
 * @example
 * shiftInstanceEvent({ kind: "spike" }, 300); // { kind: "spike", at: 2100 }
 */
export function shiftInstanceEvent(spec: ScenarioSpec, seconds: number): ScenarioSpec {
  switch (spec.kind) {
    case "steady":
    case "feed-outage":
      return spec;
    case "day":
      return {
        ...spec,
        spikeAt: (spec.spikeAt ?? EVENT_START.daySpike) + seconds,
        latencyAt: (spec.latencyAt ?? EVENT_START.dayLatency) + seconds,
      };
    default:
      return { ...spec, at: (spec.at ?? EVENT_START.window) + seconds };
  }
}

/**
 * The scenario an instance the event does not reach sees: the same quiet telemetry (the day keeps its
 * diurnal load and feed outage, without the spike and the latency incident).
 */
export function withoutInstanceEvent(spec: ScenarioSpec): ScenarioSpec {
  if (spec.kind === "day") return { ...spec, spikeSeconds: 0, latencySeconds: 0 };
  return hasInstanceEvent(spec) ? { kind: "steady" } : spec;
}

/**
 * When the scenario's instance event starts (the day: its spike), seconds from the start; undefined
 * when it has none.
 */
export function instanceEventStart(spec: ScenarioSpec): number | undefined {
  if (!hasInstanceEvent(spec)) return undefined;
  if (spec.kind === "day") return spec.spikeAt ?? EVENT_START.daySpike;
  return (spec as { at?: number }).at ?? EVENT_START.window;
}
