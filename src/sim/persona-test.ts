/**
 * Persona tests, in the spirit of `promtool test rules`: a YAML file names a persona and lists test
 * cases, each with input series (promtool's expanding notation or plain lists), feed answers and the
 * alarm states, actions, sizes, features, rotation, isolation and firewall lists expected at given times. The runner
 * simulates each case and reports every difference.
 */
import { z } from "zod";
import type { PersonaPlan } from "../plan/plan.js";
import {
  checkFeatureEffects,
  type FeatureEffects,
  mergeFeatureEffects,
  NO_FEATURE_EFFECTS,
  parseFeatureEffects,
} from "./effects/index.js";
import {
  type ActionRecord,
  type ChangeRecord,
  ISOLATION,
  type PersonaResolver,
  ROTATION,
  type SimulationResult,
  simulate,
  stateName,
} from "./engine.js";
import { PersonaTestFileError, TelemetryFormatError } from "./errors.js";
import { fleetAlarmsOf } from "./fleet.js";
import { clockLabel } from "./render.js";
import {
  type FeedTickInput,
  type MetricSeries,
  metricIdOf,
  parseDuration,
  regularSeries,
  type Telemetry,
} from "./telemetry.js";

const Duration = z.union([z.number().min(0), z.string().min(1)]);
const SeriesInput = z.union([z.string(), z.array(z.union([z.number(), z.null()]))]);

const AlarmExpectation = z.strictObject({
  at: Duration,
  alarm: z.string().min(1),
  /** The persona whose alarm is meant, when personas shifted between share an alarm id. @default the one in force */
  persona: z.string().min(1).optional(),
  state: z.enum(["OK", "ALARM", "INSUFFICIENT_DATA", "NOT_IN_FORCE"]),
});
const ActionExpectation = z.strictObject({
  at: Duration,
  /** The alarm id or `feed:<source id>` that asked for the response. */
  source: z.string().min(1),
  outcome: z.enum(["ran", "skipped"]),
  intent: z.enum(["activate", "clear"]).optional(),
  reason: z.string().optional(),
  actions: z.array(z.string()).optional(),
});
const PersonaTestCase = z.strictObject({
  name: z.string().min(1),
  /** Spacing of series samples. @default 1m */
  interval: Duration.optional(),
  /** How long to simulate. @default the longest series */
  duration: Duration.optional(),
  seed: z.int().optional(),
  initialSize: z.string().optional(),
  /** What features do to metrics while on, for this case (replaces the file's entry for a feature). */
  effects: z.unknown().optional(),
  /** Series by metric name (id or alias). */
  series: z.record(z.string(), SeriesInput),
  /** Value-feed readings by source id, at `interval`. */
  values: z.record(z.string(), SeriesInput).optional(),
  /** List-feed answers by source id. */
  feeds: z
    .record(
      z.string(),
      z.array(
        z.union([
          z.strictObject({ at: Duration, entries: z.array(z.string()) }),
          z.strictObject({ at: Duration, error: z.string().min(1) }),
        ]),
      ),
    )
    .optional(),
  expect: z.strictObject({
    alarms: z.array(AlarmExpectation).optional(),
    /** The complete list of response runs, in order. */
    actions: z.array(ActionExpectation).optional(),
    size: z.array(z.strictObject({ at: Duration, size: z.string() })).optional(),
    features: z
      .array(z.strictObject({ at: Duration, feature: z.string(), state: z.enum(["on", "off"]) }))
      .optional(),
    persona: z.array(z.strictObject({ at: Duration, persona: z.string() })).optional(),
    /** Whether the load balancer sends the instance traffic: `in rotation`, `out of rotation` (or `out of rotation → <target>`). */
    traffic: z.array(z.strictObject({ at: Duration, state: z.string().min(1) })).optional(),
    /** Whether the instance is isolated: `isolated` or `not isolated`. */
    isolation: z
      .array(z.strictObject({ at: Duration, state: z.enum([ISOLATION.yes, ISOLATION.no]) }))
      .optional(),
    firewall: z
      .array(
        z.strictObject({
          at: Duration,
          feed: z.string(),
          entries: z.int().min(0),
          decision: z.string().optional(),
        }),
      )
      .optional(),
  }),
});
export type PersonaTestCase = z.infer<typeof PersonaTestCase>;

/**
 * A case over a fleet: each instance is one contributor of the persona's fleet-wide alarms (one
 * Metrics Insights alarm per alarm, src/plan/topology.ts), with its own series and expectations. A
 * contributor is only ALARM or OK, never INSUFFICIENT_DATA, "because a time series only exists when
 * data is present" (CloudWatch User Guide, "Acting on alarm changes"): the simulator evaluates each
 * instance as a contributor (engine `contributorState`), so a fleet case may not expect
 * INSUFFICIENT_DATA of a fleet-wide alarm. Alarms the plan keeps per instance (a 10-second period)
 * keep their three states.
 */
const FleetTestCase = PersonaTestCase.omit({
  series: true,
  values: true,
  feeds: true,
  expect: true,
  initialSize: true,
}).extend({
  fleet: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/),
      PersonaTestCase.pick({ initialSize: true, series: true, expect: true }),
    )
    .refine((instances) => Object.keys(instances).length >= 1, "a fleet has at least one instance"),
});
export type FleetTestCase = z.infer<typeof FleetTestCase>;

/** A persona test file. */
export const PersonaTestFile = z.strictObject({
  /** A persona file (relative to the test file) or a repository reference (`HighTraffic@1.3.0`). */
  persona: z.string().min(1),
  /** What features do to metrics while on: `{ cdn-caching: { latency: x0.3 } }`, for every case. */
  effects: z.unknown().optional(),
  tests: z.array(z.union([PersonaTestCase, FleetTestCase])).min(1),
});
export type PersonaTestFile = z.infer<typeof PersonaTestFile>;

/** Turns a test file's `persona` into a plan (the CLI reads files and the repository). */
export type PlanLoader = (persona: string) => PersonaPlan;

/** The outcome of one test case. */
export interface PersonaTestResult {
  readonly name: string;
  readonly passed: boolean;
  /** One entry per difference, ready to print. */
  readonly failures: readonly string[];
}

/** The outcome of one file. */
export interface PersonaTestReport {
  readonly file: string;
  readonly persona: string;
  readonly results: readonly PersonaTestResult[];
}

/**
 * Expands promtool's notation: `a+bxn` is `a a+b … a+n×b` (n + 1 values), `a-bxn` likewise
 * downwards, `axn` is `a` n + 1 times, `_` is a missing sample and `_xn` n missing samples.
 * @throws {TelemetryFormatError} naming the token that is not understood.
 * @example
 * parseSeriesNotation("50x2 90+5x2 _x2"); // [50, 50, 50, 90, 95, 100, null, null]
 */
export function parseSeriesNotation(text: string, where = "series"): (number | null)[] {
  const out: (number | null)[] = [];
  for (const token of text.trim().split(/\s+/)) {
    if (token === "") continue;
    if (token === "_") {
      out.push(null);
      continue;
    }
    const missing = /^_x(\d+)$/.exec(token);
    if (missing) {
      for (let i = 0; i < Number(missing[1]); i++) out.push(null);
      continue;
    }
    const expanding = /^(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?:([+-])(\d+(?:\.\d+)?))?x(\d+)$/i.exec(token);
    if (expanding) {
      const start = Number(expanding[1]);
      const step = expanding[2] === undefined ? 0 : Number(expanding[3]) * (expanding[2] === "-" ? -1 : 1);
      for (let i = 0; i <= Number(expanding[4]); i++) out.push(Math.round((start + i * step) * 1e9) / 1e9);
      continue;
    }
    const value = Number(token);
    if (!Number.isFinite(value)) {
      throw new TelemetryFormatError(
        where,
        `'${token}' is not a value; write a number, '_' (missing), 'a+bxn' (n + 1 values from a in steps of b), 'axn' or '_xn'`,
      );
    }
    out.push(value);
  }
  return out;
}

/**
 * Validates a parsed test file (YAML or JSON).
 * @throws {PersonaTestFileError} listing every problem with its path.
 */
export function parsePersonaTestFile(data: unknown, file: string): PersonaTestFile {
  const parsed = PersonaTestFile.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(top)"}: ${issue.message}`,
    );
    throw new PersonaTestFileError(file, `invalid test file:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  return parsed.data;
}

function seriesOf(
  input: z.infer<typeof SeriesInput>,
  interval: number,
  where: string,
): MetricSeries & { length: number } {
  const values = typeof input === "string" ? parseSeriesNotation(input, where) : input;
  return { ...regularSeries(values, interval), length: values.length };
}

function telemetryOf(
  test: PersonaTestCase,
  where: string,
  effects: FeatureEffects,
): { telemetry: Telemetry; interval: number } {
  const interval = parseDuration(test.interval ?? "1m", `${where}.interval`);
  let longest = 0;
  const metrics: Record<string, MetricSeries> = {};
  for (const [name, input] of Object.entries(test.series)) {
    const series = seriesOf(input, interval, `${where}.series.${name}`);
    longest = Math.max(longest, series.length);
    metrics[metricIdOf(name, `${where}.series.${name}`)] = series;
  }
  const values: Record<string, MetricSeries> = {};
  for (const [name, input] of Object.entries(test.values ?? {})) {
    const series = seriesOf(input, interval, `${where}.values.${name}`);
    longest = Math.max(longest, series.length);
    values[name] = series;
  }
  const feeds: Record<string, FeedTickInput[]> = {};
  for (const [name, ticks] of Object.entries(test.feeds ?? {})) {
    feeds[name] = ticks.map((tick, i) => {
      const at = parseDuration(tick.at, `${where}.feeds.${name}[${i}].at`);
      return "error" in tick ? { at, error: tick.error } : { at, body: `${tick.entries.join("\n")}\n` };
    });
  }
  const durationSeconds =
    test.duration !== undefined ? parseDuration(test.duration, `${where}.duration`) : longest * interval;
  return {
    interval,
    telemetry: {
      durationSeconds,
      metrics,
      ...(Object.keys(values).length > 0 ? { values } : {}),
      ...(Object.keys(feeds).length > 0 ? { feeds } : {}),
      ...(effects.size > 0 ? { effects } : {}),
    },
  };
}

function actionLine(
  startMs: number,
  a: {
    at: number;
    source: string;
    outcome: string;
    intent?: string | undefined;
    reason?: string | undefined;
    actions?: readonly string[] | undefined;
  },
): string {
  const parts = [clockLabel(startMs, a.at), a.source, a.outcome];
  if (a.intent !== undefined) parts.push(a.intent);
  if (a.reason !== undefined) parts.push(`(${a.reason})`);
  if (a.actions !== undefined) parts.push(`[${a.actions.join("; ")}]`);
  return parts.join(" ");
}

function sourceOf(record: ActionRecord): string {
  return record.source.kind === "alarm" ? record.source.alarmId : `feed:${record.source.sourceId}`;
}

/** A line diff (longest common subsequence): `  ` same, `- ` expected only, `+ ` actual only. */
function diffLines(expected: readonly string[], actual: readonly string[]): string[] {
  const m = expected.length;
  const n = actual.length;
  const lcs: number[][] = Array.from({ length: m + 1 }, () => new Array<number>(n + 1).fill(0));
  for (let i = m - 1; i >= 0; i--)
    for (let j = n - 1; j >= 0; j--)
      lcs[i]![j] =
        expected[i] === actual[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < m || j < n) {
    if (i < m && j < n && expected[i] === actual[j]) {
      out.push(`  ${expected[i]}`);
      i++;
      j++;
    } else if (i < m && (j === n || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${expected[i++]}`);
    else out.push(`+ ${actual[j++]}`);
  }
  return out;
}

/** The value of something that changes over time (size, feature, persona, rotation, isolation) at `at`. */
function valueAt(result: SimulationResult, kind: ChangeRecord["kind"], at: number, name?: string): string {
  const initial: Record<ChangeRecord["kind"], () => string> = {
    size: () => result.initialSize ?? "unknown",
    persona: () => result.persona.name,
    feature: () => (result.initialFeatures[name!] === true ? "on" : "off"),
    traffic: () => ROTATION.in,
    isolation: () => ISOLATION.no,
  };
  let value = initial[kind]();
  for (const change of result.changes) {
    if (change.at > at) break;
    if (change.kind === kind && (kind !== "feature" || change.name === name)) value = change.to;
  }
  return value;
}

function check(result: SimulationResult, test: PersonaTestCase, where: string): string[] {
  const failures: string[] = [];
  const clock = (at: number) => clockLabel(result.startMs, at);
  const expect = test.expect;
  for (const [i, e] of (expect.alarms ?? []).entries()) {
    const at = parseDuration(e.at, `${where}.expect.alarms[${i}].at`);
    // After a shift two personas may have an alarm of the same id: take the named one, else the one in force.
    const candidates = result.triggers.filter(
      (t) => t.alarmId === e.alarm && (e.persona === undefined || t.persona === e.persona),
    );
    const trigger =
      candidates.find((t) => at % t.periodSeconds === 0 && t.states[at / t.periodSeconds] !== 255) ??
      candidates[0];
    if (!trigger) {
      failures.push(
        `alarm '${e.alarm}'${e.persona !== undefined ? ` of ${e.persona}` : ""} does not exist; the persona's alarms are ${
          [...new Set(result.triggers.map((t) => t.alarmId))].join(", ") || "none"
        }`,
      );
      continue;
    }
    if (at % trigger.periodSeconds !== 0 || at / trigger.periodSeconds >= trigger.states.length) {
      failures.push(
        `alarm ${e.alarm} at ${clock(at)}: no datapoint at that time (period ${trigger.periodSeconds} s, last datapoint at ${clock((trigger.states.length - 1) * trigger.periodSeconds)})`,
      );
      continue;
    }
    const p = at / trigger.periodSeconds;
    // A contributor of a fleet-wide alarm is only ALARM or OK: the engine follows contributorState.
    const actual = stateName(trigger.states[p]!) ?? "NOT_IN_FORCE";
    if (actual !== e.state) {
      const value = trigger.datapoints[p]!;
      failures.push(
        `alarm ${e.alarm} at ${clock(at)}: expected ${e.state}, got ${actual} (datapoint ${Number.isNaN(value) ? "missing" : value})`,
      );
    }
  }
  if (expect.actions !== undefined) {
    const expected = expect.actions.map((e, i) =>
      actionLine(result.startMs, { ...e, at: parseDuration(e.at, `${where}.expect.actions[${i}].at`) }),
    );
    // Show each actual run with only the fields its expected counterpart names, so lines compare.
    const actual = result.actions.map((a, i) => {
      const shape = expect.actions![i] ?? expect.actions![expect.actions!.length - 1];
      return actionLine(result.startMs, {
        at: a.at,
        source: sourceOf(a),
        outcome: a.outcome === "dispatched" ? "ran" : "skipped",
        intent: shape?.intent !== undefined ? a.intent : undefined,
        reason: shape?.reason !== undefined ? a.reason : undefined,
        actions: shape?.actions !== undefined ? a.actions : undefined,
      });
    });
    if (expected.join("\n") !== actual.join("\n")) {
      failures.push(
        `actions differ (- expected, + actual):\n${diffLines(expected, actual)
          .map((l) => `    ${l}`)
          .join("\n")}`,
      );
    }
  }
  for (const [i, e] of (expect.size ?? []).entries()) {
    const at = parseDuration(e.at, `${where}.expect.size[${i}].at`);
    const actual = valueAt(result, "size", at);
    if (actual !== e.size) failures.push(`size at ${clock(at)}: expected ${e.size}, got ${actual}`);
  }
  for (const [i, e] of (expect.features ?? []).entries()) {
    const at = parseDuration(e.at, `${where}.expect.features[${i}].at`);
    const actual = valueAt(result, "feature", at, e.feature);
    if (actual !== e.state)
      failures.push(`feature ${e.feature} at ${clock(at)}: expected ${e.state}, got ${actual}`);
  }
  for (const [i, e] of (expect.persona ?? []).entries()) {
    const at = parseDuration(e.at, `${where}.expect.persona[${i}].at`);
    const actual = valueAt(result, "persona", at);
    if (actual !== e.persona) failures.push(`persona at ${clock(at)}: expected ${e.persona}, got ${actual}`);
  }
  for (const [i, e] of (expect.traffic ?? []).entries()) {
    const at = parseDuration(e.at, `${where}.expect.traffic[${i}].at`);
    const actual = valueAt(result, "traffic", at);
    if (actual !== e.state) failures.push(`traffic at ${clock(at)}: expected ${e.state}, got ${actual}`);
  }
  for (const [i, e] of (expect.isolation ?? []).entries()) {
    const at = parseDuration(e.at, `${where}.expect.isolation[${i}].at`);
    const actual = valueAt(result, "isolation", at);
    if (actual !== e.state) failures.push(`isolation at ${clock(at)}: expected ${e.state}, got ${actual}`);
  }
  for (const [i, e] of (expect.firewall ?? []).entries()) {
    const at = parseDuration(e.at, `${where}.expect.firewall[${i}].at`);
    const tick = result.feedTicks.find((f) => f.sourceId === e.feed && f.at === at && f.kind === "list");
    if (!tick) {
      failures.push(`feed ${e.feed} at ${clock(at)}: no fetch at that time`);
      continue;
    }
    if (tick.value !== e.entries || (e.decision !== undefined && tick.decision !== e.decision)) {
      failures.push(
        `feed ${e.feed} at ${clock(at)}: expected ${e.entries} entries${e.decision !== undefined ? ` (${e.decision})` : ""}, got ${tick.value} (${tick.decision}: ${tick.message})`,
      );
    }
  }
  return failures;
}

/**
 * Runs every case of a test file against the plan `loadPlan` returns for its persona.
 * @throws {PersonaTestFileError} when the file is malformed or a series cannot be read.
 * @example
 * const report = runPersonaTestFile(parseYaml(text), "HighTraffic.test.yaml", (p) => planPersona(load(p)));
 * report.results.every((r) => r.passed);
 */
export function runPersonaTestFile(data: unknown, file: string, loadPlan: PlanLoader): PersonaTestReport {
  const doc = parsePersonaTestFile(data, file);
  const plan = loadPlan(doc.persona);
  const features = plan.features.map((f) => f.id);
  const declared = (value: unknown, where: string): FeatureEffects => {
    if (value === undefined) return NO_FEATURE_EFFECTS;
    try {
      const effects = parseFeatureEffects(value, where);
      checkFeatureEffects(effects, features, where, plan.persona.name);
      return effects;
    } catch (error) {
      if (error instanceof TelemetryFormatError)
        throw new PersonaTestFileError(file, error.message, { cause: error });
      throw error;
    }
  };
  const fileEffects = declared(doc.effects, "effects");
  // A shift puts the target's triggers in force: its plan comes from the same loader.
  const resolvePersona: PersonaResolver = (reference) => loadPlan(reference);
  const run = (test: PersonaTestCase, where: string, fleetWideAlarms?: ReadonlySet<string>): string[] => {
    const effects = mergeFeatureEffects(fileEffects, declared(test.effects, `${where}.effects`));
    const { telemetry } = telemetryOf(test, where, effects);
    const result = simulate(plan, telemetry, {
      seed: test.seed ?? 1,
      resolvePersona,
      ...(test.initialSize !== undefined ? { initialSize: test.initialSize } : {}),
      ...(fleetWideAlarms !== undefined ? { fleetWideAlarms } : {}),
    });
    return check(result, test, where);
  };
  const results = doc.tests.map((test, index): PersonaTestResult => {
    const where = `tests[${index}]`;
    try {
      if ("fleet" in test) {
        // Each instance is one contributor: simulated on its own series, its failures named after it.
        const { fleet, ...common } = test;
        const { alarms, fleetWideAlarms } = fleetAlarmsOf(plan, Object.keys(fleet).length, "fleet-wide");
        const fleetWide = new Set(
          alarms.filter((a) => a.topology.kind === "fleet-wide").map((a) => a.alarmId),
        );
        const failures = Object.entries(fleet).flatMap(([instance, own]) => {
          const at = `${where}.fleet.${instance}`;
          const wanted =
            own.expect.alarms?.findIndex((e) => e.state === "INSUFFICIENT_DATA" && fleetWide.has(e.alarm)) ??
            -1;
          if (wanted >= 0)
            return [
              `${instance}: ${at}.expect.alarms[${wanted}] expects INSUFFICIENT_DATA, which a contributor of a fleet-wide alarm never is (only ALARM or OK)`,
            ];
          return run({ ...common, ...own }, at, fleetWideAlarms).map((f) => `${instance}: ${f}`);
        });
        return { name: test.name, passed: failures.length === 0, failures };
      }
      const failures = run(test, where);
      return { name: test.name, passed: failures.length === 0, failures };
    } catch (error) {
      if (error instanceof TelemetryFormatError) {
        throw new PersonaTestFileError(file, `${test.name}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  });
  return { file, persona: doc.persona, results };
}
