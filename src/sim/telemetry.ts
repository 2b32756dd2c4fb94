/**
 * Telemetry the simulator replays: per-metric time series, value-feed readings and list-feed
 * bodies, with readers for CSV and JSON files (formats in docs/simulation.md) and the per-period
 * aggregation the clouds apply before an alarm sees a datapoint.
 */
import { z } from "zod";
import { findMetric } from "../pdl/metrics/index.js";
import { type FeatureEffects, parseFeatureEffects } from "./effects/declared.js";
import { TelemetryFormatError } from "./errors.js";

/**
 * One time series: sample times in seconds from the start of the simulation, ascending, and the
 * values at those times in the metric's canonical unit (`%`, `ms`, `Gbps`, a count); NaN is a
 * missing sample.
 */
export interface MetricSeries {
  /** Seconds from the start, ascending. */
  readonly times: ArrayLike<number>;
  /** One value per time; NaN where the sample is missing. */
  readonly values: ArrayLike<number>;
}

/** What one scheduled fetch of a list feed returned. */
export type FeedTickInput =
  /** The feed answered with this body (parsed with the feed's format). */
  | { readonly at: number; readonly body: string }
  /** The fetch failed with this error. */
  | { readonly at: number; readonly error: string };

/** Everything a simulation replays. */
export interface Telemetry {
  /** How long the simulation runs, in seconds. */
  readonly durationSeconds: number;
  /** Metric series by catalog metric id (`cpu-utilization`). */
  readonly metrics: Readonly<Record<string, MetricSeries>>;
  /** Value-feed readings (the number the feed's path selects) by source id; NaN is a failed fetch. */
  readonly values?: Readonly<Record<string, MetricSeries>>;
  /** List-feed answers by source id; each fetch uses the latest answer at or before its time. */
  readonly feeds?: Readonly<Record<string, readonly FeedTickInput[]>>;
  /**
   * What each feature does to the metrics while it is on (the workload's owners know; the persona
   * does not say). Features without a declared effect change no metric.
   * @default no declared effects
   */
  readonly effects?: FeatureEffects;
}

/**
 * A series sampled at a fixed interval starting at `offsetSeconds`; `null` and NaN are missing.
 * @example
 * regularSeries([50, 90, null], 60).times; // Float64Array [0, 60, 120]
 */
export function regularSeries(
  values: ArrayLike<number | null>,
  intervalSeconds: number,
  offsetSeconds = 0,
): MetricSeries {
  const times = new Float64Array(values.length);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    times[i] = offsetSeconds + i * intervalSeconds;
    const v = values[i];
    out[i] = v === null || v === undefined ? Number.NaN : v;
  }
  return { times, values: out };
}

const DURATION = /^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/**
 * Seconds in a duration written as a number of seconds or with units `d`, `h`, `m`, `s`
 * (`90`, `90s`, `5m`, `1h30m`, `1d`).
 * @throws {TelemetryFormatError} when the text is not a duration.
 * @example
 * parseDuration("1h30m"); // 5400
 */
export function parseDuration(value: string | number, where = "duration"): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new TelemetryFormatError(
      where,
      `a duration must be a number of seconds of at least 0; received ${value}`,
    );
  }
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  const match = DURATION.exec(text);
  if (!match || text === "") {
    throw new TelemetryFormatError(
      where,
      `'${value}' is not a duration; write seconds (90) or units d, h, m, s (90s, 5m, 1h30m)`,
    );
  }
  const [, d, h, m, s] = match;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

/**
 * The catalog id of a metric name as written (`CPU Load`, `cpu`, `cpu-utilization`).
 * @internal
 */
export function metricIdOf(name: string, where: string): string {
  const metric = findMetric(name);
  if (!metric) {
    throw new TelemetryFormatError(
      where,
      `unknown metric '${name}'; use a catalog id such as cpu-utilization, network-latency, error-rate (see docs/pdl.md)`,
    );
  }
  return metric.id;
}

// --- CSV ------------------------------------------------------------------------------------------

/** Options of the telemetry readers. */
export interface ReadTelemetryOptions {
  /** Name of the source, for messages. @default "<telemetry>" */
  readonly file?: string;
  /**
   * Epoch milliseconds of the simulation's start, to turn ISO timestamps into offsets.
   * @default the first timestamp in the file
   */
  readonly startMs?: number;
  /** How long the simulation runs. @default the last sample's time plus one interval */
  readonly durationSeconds?: number;
}

const MISSING_CELLS = new Set(["", "_", "null", "nan", "na", "-"]);

/**
 * Reads a CSV time series in wide form: a header `time,<column>,...` and one row per sample time.
 * Columns are metric names (ids or aliases) or `value:<source id>` for value-feed readings; `time`
 * is seconds from the start, a duration (`5m`) or an ISO 8601 timestamp; an empty cell, `_` or
 * `null` is a missing sample.
 * @throws {TelemetryFormatError} naming the line and column of the first problem.
 * @example
 * readTelemetryCsv("time,cpu\n0,50\n60,92\n").metrics["cpu-utilization"].values; // Float64Array [50, 92]
 */
export function readTelemetryCsv(text: string, options: ReadTelemetryOptions = {}): Telemetry {
  const file = options.file ?? "<telemetry>";
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((cell) => cell.trim());
  if (header.length < 2 || !/^(time|t|timestamp)$/i.test(header[0]!)) {
    throw new TelemetryFormatError(
      `${file}:1`,
      "the header must start with 'time' and name at least one metric, e.g. 'time,cpu-utilization,network-latency'",
    );
  }
  const columns = header.slice(1).map((name, i) => {
    const where = `${file}:1:${i + 2}`;
    if (name.toLowerCase().startsWith("value:")) return { kind: "value" as const, key: name.slice(6).trim() };
    return { kind: "metric" as const, key: metricIdOf(name, where) };
  });
  const times: number[] = [];
  const cells: number[][] = columns.map(() => []);
  let firstMs: number | undefined = options.startMs;
  for (let row = 1; row < lines.length; row++) {
    const line = lines[row]!;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const parts = line.split(",").map((cell) => cell.trim());
    const where = `${file}:${row + 1}`;
    if (parts.length !== header.length) {
      throw new TelemetryFormatError(
        where,
        `expected ${header.length} cells like the header, found ${parts.length}`,
      );
    }
    const rawTime = parts[0]!;
    let t: number;
    if (/^\d{4}-\d\d-\d\dT/.test(rawTime)) {
      const ms = Date.parse(rawTime);
      if (Number.isNaN(ms))
        throw new TelemetryFormatError(`${where}:1`, `'${rawTime}' is not an ISO 8601 timestamp`);
      firstMs ??= ms;
      t = (ms - firstMs) / 1000;
    } else t = parseDuration(rawTime, `${where}:1`);
    if (times.length > 0 && t <= times[times.length - 1]!) {
      throw new TelemetryFormatError(
        `${where}:1`,
        `time ${rawTime} is not after the previous row's; sort the rows by time`,
      );
    }
    times.push(t);
    for (let c = 0; c < columns.length; c++) {
      const raw = parts[c + 1]!;
      if (MISSING_CELLS.has(raw.toLowerCase())) {
        cells[c]!.push(Number.NaN);
        continue;
      }
      const value = Number(raw);
      if (!Number.isFinite(value)) {
        throw new TelemetryFormatError(
          `${where}:${c + 2}`,
          `'${raw}' is not a number (leave the cell empty for a missing sample)`,
        );
      }
      cells[c]!.push(value);
    }
  }
  if (times.length === 0) throw new TelemetryFormatError(file, "the file has a header but no rows");
  const metrics: Record<string, MetricSeries> = {};
  const values: Record<string, MetricSeries> = {};
  const timeArray = Float64Array.from(times);
  columns.forEach((column, c) => {
    const series = { times: timeArray, values: Float64Array.from(cells[c]!) };
    if (column.kind === "metric") metrics[column.key] = series;
    else values[column.key] = series;
  });
  return {
    durationSeconds: options.durationSeconds ?? durationOf(times),
    metrics,
    ...(Object.keys(values).length > 0 ? { values } : {}),
  };
}

function durationOf(times: readonly number[]): number {
  const last = times[times.length - 1] ?? 0;
  let interval = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) interval = Math.min(interval, times[i]! - times[i - 1]!);
  return last + (Number.isFinite(interval) ? interval : 60);
}

// --- JSON -----------------------------------------------------------------------------------------

const Duration = z.union([z.number().min(0), z.string().min(1)]);
const Sample = z.union([z.number(), z.null()]);
const TimedSample = z.strictObject({ t: Duration, v: Sample });
const SeriesJson = z.union([z.array(Sample), z.array(TimedSample)]);
const FeedTickJson = z.union([
  z.strictObject({ at: Duration, body: z.string() }),
  z.strictObject({ at: Duration, entries: z.array(z.string()) }),
  z.strictObject({ at: Duration, error: z.string().min(1) }),
]);

/**
 * The JSON telemetry document. `metrics` and `values` take either a list of samples one
 * `intervalSeconds` apart (`[50, 51, null, 90]`) or timed samples (`[{ "t": "5m", "v": 90 }]`).
 */
export const TelemetryJson = z.strictObject({
  /** How long the simulation runs. @default the last sample's time plus one interval */
  durationSeconds: Duration.optional(),
  /** Spacing of untimed samples. @default 60 */
  intervalSeconds: Duration.optional(),
  /** Series by metric name (catalog id or alias). */
  metrics: z.record(z.string(), SeriesJson),
  /** Value-feed readings by source id. */
  values: z.record(z.string(), SeriesJson).optional(),
  /** List-feed answers by source id: a body, a list of entries, or an error. */
  feeds: z.record(z.string(), z.array(FeedTickJson)).optional(),
  /** What features do to metrics while on: `{ "cdn-caching": { "latency": "x0.3" } }` (docs/simulation.md). */
  effects: z.unknown().optional(),
});
export type TelemetryJson = z.infer<typeof TelemetryJson>;

/**
 * Reads a JSON telemetry document (see {@link TelemetryJson} and docs/simulation.md).
 * @throws {TelemetryFormatError} with the JSON path of every problem.
 * @example
 * readTelemetryJson('{"metrics":{"cpu":[50,92]}}').durationSeconds; // 120
 */
export function readTelemetryJson(text: string, options: ReadTelemetryOptions = {}): Telemetry {
  const file = options.file ?? "<telemetry>";
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TelemetryFormatError(file, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return telemetryFromJson(data, { ...options, file });
}

/** Builds telemetry from an already parsed JSON (or YAML) value; see {@link readTelemetryJson}. */
export function telemetryFromJson(data: unknown, options: ReadTelemetryOptions = {}): Telemetry {
  const file = options.file ?? "<telemetry>";
  const parsed = TelemetryJson.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) =>
        `$${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${i.message}`,
    );
    throw new TelemetryFormatError(file, problems.join("; "));
  }
  const doc = parsed.data;
  const interval = parseDuration(doc.intervalSeconds ?? 60, `${file}: $.intervalSeconds`);
  if (interval <= 0)
    throw new TelemetryFormatError(`${file}: $.intervalSeconds`, "the interval must be above 0");
  let end = 0;
  const seriesOf = (raw: z.infer<typeof SeriesJson>, where: string): MetricSeries => {
    if (raw.length === 0) return { times: new Float64Array(0), values: new Float64Array(0) };
    if (typeof raw[0] === "object" && raw[0] !== null) {
      const timed = raw as { t: number | string; v: number | null }[];
      const times = new Float64Array(timed.length);
      const values = new Float64Array(timed.length);
      timed.forEach((sample, i) => {
        times[i] = parseDuration(sample.t, `${where}[${i}].t`);
        if (i > 0 && times[i]! <= times[i - 1]!) {
          throw new TelemetryFormatError(`${where}[${i}].t`, "samples must be in ascending time order");
        }
        values[i] = sample.v ?? Number.NaN;
      });
      end = Math.max(end, times[times.length - 1]! + interval);
      return { times, values };
    }
    const series = regularSeries(raw as (number | null)[], interval);
    end = Math.max(end, raw.length * interval);
    return series;
  };
  const metrics: Record<string, MetricSeries> = {};
  for (const [name, raw] of Object.entries(doc.metrics)) {
    const where = `${file}: $.metrics.${name}`;
    metrics[metricIdOf(name, where)] = seriesOf(raw, where);
  }
  const values: Record<string, MetricSeries> = {};
  for (const [name, raw] of Object.entries(doc.values ?? {}))
    values[name] = seriesOf(raw, `${file}: $.values.${name}`);
  const feeds: Record<string, FeedTickInput[]> = {};
  for (const [name, ticks] of Object.entries(doc.feeds ?? {})) {
    feeds[name] = ticks.map((tick, i) => {
      const at = parseDuration(tick.at, `${file}: $.feeds.${name}[${i}].at`);
      if ("error" in tick) return { at, error: tick.error };
      return { at, body: "body" in tick ? tick.body : tick.entries.join("\n") };
    });
  }
  const duration =
    doc.durationSeconds !== undefined
      ? parseDuration(doc.durationSeconds, `${file}: $.durationSeconds`)
      : end;
  return {
    durationSeconds: options.durationSeconds ?? duration,
    metrics,
    ...(Object.keys(values).length > 0 ? { values } : {}),
    ...(Object.keys(feeds).length > 0 ? { feeds } : {}),
    ...(doc.effects !== undefined ? { effects: parseFeatureEffects(doc.effects, `${file}: $.effects`) } : {}),
  };
}

// --- aggregation ----------------------------------------------------------------------------------

/** The statistics CloudWatch and Azure aggregate a period's samples with. */
export type Statistic = "Average" | "Maximum" | "Minimum" | "Sum" | "SampleCount";

/**
 * Aggregates `series` into one datapoint per period of `periodSeconds` (period `i` covers
 * `[i × period, (i + 1) × period)`), writing `out.length` datapoints; a period without samples is
 * NaN (missing). Allocates nothing.
 * @example
 * const out = new Float64Array(2);
 * aggregatePeriods({ times: [0, 30, 60], values: [10, 20, 90] }, "Average", 60, out); // out: [15, 90]
 */
export function aggregatePeriods(
  series: MetricSeries | undefined,
  statistic: Statistic,
  periodSeconds: number,
  out: Float64Array,
): Float64Array {
  out.fill(Number.NaN);
  if (!series) return out;
  const { times, values } = series;
  const n = times.length;
  const periods = out.length;
  let current = -1;
  let acc = 0;
  let count = 0;
  const average = statistic === "Average";
  const sum = statistic === "Sum";
  const max = statistic === "Maximum";
  const min = statistic === "Minimum";
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue; // a missing sample adds nothing
    const p = Math.floor(times[i]! / periodSeconds);
    if (p < 0) continue;
    if (p >= periods) break;
    if (p !== current) {
      if (count > 0) out[current] = average ? acc / count : statistic === "SampleCount" ? count : acc;
      current = p;
      acc = average || sum ? 0 : v;
      count = 0;
    }
    if (average || sum) acc += v;
    else if (max) acc = Math.max(v, acc);
    else if (min) acc = Math.min(v, acc);
    count++;
  }
  if (count > 0) out[current] = average ? acc / count : statistic === "SampleCount" ? count : acc;
  return out;
}
