/**
 * Declared feature effects: what a feature does to the telemetry while it is on, written in a
 * scenario (telemetry file, `--effect`) or a persona test file, because only the people who run
 * the workload know what "CDN caching" does to its latency:
 *
 * ```yaml
 * effects:
 *   cdn-caching: { latency: x0.3 }     # latency × 0.3 while cdn-caching is on
 * ```
 *
 * Keys are feature ids; inside, metric names (catalog ids or aliases) map to a factor written
 * `x<positive number>`. A factor multiplies the aggregated datapoint, so it holds for every
 * statistic (the average, maximum, minimum and sum of scaled samples are the scaled aggregate).
 */
import { findMetric } from "../../pdl/metrics/index.js";
import { nearest } from "../../pdl/suggest.js";
import { TelemetryFormatError } from "../errors.js";

/** Feature id → metric id → factor applied while the feature is on. */
export type FeatureEffects = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** No declared effects. */
export const NO_FEATURE_EFFECTS: FeatureEffects = new Map();

const FACTOR = /^x(\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One problem and where it is. */
interface Problem {
  readonly where: string;
  readonly message: string;
}

/** One problem is reported at its own location; several are listed under `where`. */
function throwProblems(where: string, problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  if (problems.length === 1) throw new TelemetryFormatError(problems[0]!.where, problems[0]!.message);
  throw new TelemetryFormatError(
    where,
    `${problems.length} problems in the declared effects:\n${problems.map((p) => `  - ${p.where}: ${p.message}`).join("\n")}`,
  );
}

/**
 * Reads an `effects` value (already parsed from YAML or JSON). Every problem is reported at once,
 * each located by its path under `where`.
 * @throws {TelemetryFormatError} naming `<where>.<feature>.<metric>` and what to write instead.
 * @example
 * parseFeatureEffects({ "cdn-caching": { latency: "x0.3" } }, "effects").get("cdn-caching");
 * // Map { "network-latency" => 0.3 }
 */
export function parseFeatureEffects(value: unknown, where: string): FeatureEffects {
  if (!isRecord(value)) {
    throw new TelemetryFormatError(
      where,
      `expected a map of feature ids to metric factors, e.g. { cdn-caching: { latency: x0.3 } }; received ${describe(value)}`,
    );
  }
  const problems: Problem[] = [];
  const out = new Map<string, Map<string, number>>();
  for (const [feature, metrics] of Object.entries(value)) {
    const featureAt = `${where}.${feature}`;
    if (!isRecord(metrics)) {
      problems.push({
        where: featureAt,
        message: `expected a map of metric names to factors, e.g. { latency: x0.3 }; received ${describe(metrics)}`,
      });
      continue;
    }
    const factors = new Map<string, number>();
    for (const [name, raw] of Object.entries(metrics)) {
      const metricAt = `${featureAt}.${name}`;
      const metric = findMetric(name);
      if (!metric) {
        problems.push({
          where: metricAt,
          message: `unknown metric '${name}'; use a catalog id or alias such as cpu-utilization, latency, error-rate (see docs/pdl.md)`,
        });
        continue;
      }
      const match = typeof raw === "string" ? FACTOR.exec(raw.trim()) : null;
      const factor = match ? Number(match[1]) : Number.NaN;
      if (!(factor > 0) || !Number.isFinite(factor)) {
        problems.push({
          where: metricAt,
          message: `${describe(raw)} is not a factor; write x and a number above 0, e.g. x0.3 for 30 % of the recorded value`,
        });
        continue;
      }
      if (factors.has(metric.id)) {
        problems.push({
          where: metricAt,
          message: `${metric.id} is already given for ${feature} under another name`,
        });
        continue;
      }
      factors.set(metric.id, factor);
    }
    out.set(feature, factors);
  }
  throwProblems(where, problems);
  return out;
}

/**
 * Checks that every feature an effect is declared for is one the persona has.
 * @throws {TelemetryFormatError} naming the unknown feature, the nearest known one and the list.
 */
export function checkFeatureEffects(
  effects: FeatureEffects,
  features: readonly string[],
  where: string,
  persona: string,
): void {
  const problems: Problem[] = [];
  for (const feature of effects.keys()) {
    if (features.includes(feature)) continue;
    const suggestion = nearest(feature, features);
    problems.push({
      where: `${where}.${feature}`,
      message: `${persona} has no feature '${feature}'${suggestion !== undefined ? ` (did you mean '${suggestion}'?)` : ""}; its features are ${features.join(", ") || "none"}`,
    });
  }
  throwProblems(where, problems);
}

/**
 * Merges effects declared at two levels (a test file and one of its cases): the inner
 * declaration of a feature replaces the outer one.
 */
export function mergeFeatureEffects(outer: FeatureEffects, inner: FeatureEffects): FeatureEffects {
  if (inner.size === 0) return outer;
  if (outer.size === 0) return inner;
  return new Map([...outer, ...inner]);
}

function describe(value: unknown): string {
  if (typeof value === "string") return `'${value}'`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a map" : `${typeof value} ${String(value)}`;
}
