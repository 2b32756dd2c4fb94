/** The metrics catalog: every metric a condition may name, looked up by id, title or alias. */
import { cpuUtilization } from "./cpu-utilization.js";
import { diskUtilization } from "./disk-utilization.js";
import { errorRate } from "./error-rate.js";
import { memoryUtilization } from "./memory-utilization.js";
import type { MetricDefinition } from "./metric.js";
import { networkIn } from "./network-in.js";
import { networkLatency } from "./network-latency.js";
import { networkOut } from "./network-out.js";
import { requestCount } from "./request-count.js";

export type {
  CloudMetric,
  MetricDefinition,
  MetricSource,
  MissingDataTreatment,
  ThresholdConversion,
} from "./metric.js";
export { PERSONAS_AGENT_NAMESPACE } from "./metric.js";

/**
 * Every catalog metric, in documentation order.
 * @internal
 */
export const METRICS: readonly MetricDefinition[] = [
  cpuUtilization,
  memoryUtilization,
  diskUtilization,
  networkLatency,
  networkIn,
  networkOut,
  errorRate,
  requestCount,
];

const byName = new Map<string, MetricDefinition>();
for (const metric of METRICS) {
  for (const name of [metric.id, metric.title, ...metric.aliases])
    byName.set(normaliseMetricName(name), metric);
}

function normaliseMetricName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[\s_-]+/g, " ")
    .trim();
}

/** Finds a metric by id, title or alias ("CPU Load", "cpu", "cpu-utilization"), case-insensitively. */
export function findMetric(name: string): MetricDefinition | undefined {
  return byName.get(normaliseMetricName(name));
}

/** Every name a metric may be written as, for suggestions. */
export function metricNames(): string[] {
  return [...byName.keys()];
}

/**
 * Looks a metric up by id; throws when the id is not in the catalog (a programming error).
 * @internal
 */
export function metricById(id: string): MetricDefinition {
  const metric = METRICS.find((m) => m.id === id);
  if (!metric) throw new Error(`no metric with id '${id}' in the catalog`);
  return metric;
}
