/**
 * PutMetricData's shape and limits, shared by both CloudWatch publishers: the datum conversion and
 * the batching. Only types come from the SDK, so the bundled agent does not include it.
 */
import type { MetricDatum as CloudWatchDatum } from "@aws-sdk/client-cloudwatch";
import type { MetricDatum } from "./publisher.js";

/**
 * PutMetricData's limits (AWS API reference, checked 2025): at most 1,000 metric data items per
 * request and a 1 MB request body. The byte budget leaves room for the envelope and headers.
 */
export const PUT_METRIC_DATA_LIMITS = {
  /** Most MetricData items in one request. */
  maxDatums: 1000,
  /** Largest request body in bytes (1 MB, counted as 1,000,000 to stay clear of either reading). */
  maxPayloadBytes: 1_000_000,
} as const;

/** Limits used by {@link batchForCloudWatch}; tests pass smaller ones. */
export interface BatchLimits {
  readonly maxDatums: number;
  readonly maxPayloadBytes: number;
}

/** Bytes kept free in each request for `{"Namespace":…,"MetricData":[…]}` and separators. */
const ENVELOPE_BYTES = 1_024;

/** Converts a datum into PutMetricData's shape: a statistic set, StorageResolution 1 for 10 s periods. */
export function toCloudWatchDatum(datum: MetricDatum): CloudWatchDatum {
  return {
    MetricName: datum.name,
    Dimensions: Object.entries(datum.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Timestamp: datum.timestamp,
    Unit: datum.unit,
    StorageResolution: datum.periodSeconds === 10 ? 1 : 60,
    StatisticValues: {
      SampleCount: datum.statistics.sampleCount,
      Sum: datum.statistics.sum,
      Minimum: datum.statistics.minimum,
      Maximum: datum.statistics.maximum,
    },
  };
}

/**
 * The serialized size of one datum in the request body, an upper bound for the JSON protocol the SDK
 * uses (a timestamp is written as epoch seconds, shorter than the ISO string counted here).
 */
export function estimateDatumBytes(datum: MetricDatum): number {
  return Buffer.byteLength(JSON.stringify(toCloudWatchDatum(datum))) + 1;
}

/**
 * Splits data into PutMetricData requests: one namespace per request, at most `maxDatums` items and
 * `maxPayloadBytes` bytes each, in the original order. `measure` gives a datum's size in the
 * request's encoding (the JSON protocol's by default).
 */
export function batchForCloudWatch(
  data: readonly MetricDatum[],
  limits: BatchLimits = PUT_METRIC_DATA_LIMITS,
  measure: (datum: MetricDatum) => number = estimateDatumBytes,
): MetricDatum[][] {
  const batches: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  const budget = limits.maxPayloadBytes - ENVELOPE_BYTES;
  for (const datum of data) {
    const size = measure(datum) + Buffer.byteLength(datum.namespace);
    const full =
      current.length > 0 &&
      (current.length >= limits.maxDatums ||
        bytes + size > budget ||
        current[0]!.namespace !== datum.namespace);
    if (full) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
