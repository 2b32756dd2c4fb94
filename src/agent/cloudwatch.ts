/**
 * The CloudWatch {@link MetricPublisher}: PutMetricData with statistic sets, high resolution for
 * 10-second periods, and batches within the API's limits.
 */
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  type MetricDatum as CloudWatchDatum,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { PublishError } from "./errors.js";
import type { MetricDatum, MetricPublisher } from "./publisher.js";

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
 * `maxPayloadBytes` bytes each, in the original order.
 */
export function batchForCloudWatch(
  data: readonly MetricDatum[],
  limits: BatchLimits = PUT_METRIC_DATA_LIMITS,
): MetricDatum[][] {
  const batches: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  const budget = limits.maxPayloadBytes - ENVELOPE_BYTES;
  for (const datum of data) {
    const size = estimateDatumBytes(datum) + Buffer.byteLength(datum.namespace);
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

/** Options of a {@link CloudWatchPublisher}. */
export interface CloudWatchPublisherOptions {
  /** A ready client (tests, custom credentials); otherwise one is built from `region` and `endpoint`. */
  readonly client?: CloudWatchClient;
  /** AWS region. @default from the environment or instance metadata */
  readonly region?: string;
  /** Endpoint override, e.g. a VPC endpoint or moto. */
  readonly endpoint?: string;
  /** Extra client settings (credentials in tests). */
  readonly clientConfig?: CloudWatchClientConfig;
}

/**
 * Publishes with PutMetricData. Credentials come from the SDK's default chain, which on EC2 ends at
 * the instance profile. The SDK's own retries are off: the {@link PublishQueue} retries with backoff
 * and keeps the data buffered meanwhile.
 *
 * @example
 * ```ts
 * const publisher = new CloudWatchPublisher({ region: "eu-west-1" });
 * ```
 */
export class CloudWatchPublisher implements MetricPublisher {
  readonly name = "cloudwatch";
  private readonly client: CloudWatchClient;

  constructor(options: CloudWatchPublisherOptions = {}) {
    this.client =
      options.client ??
      new CloudWatchClient({
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
        ...(options.region === undefined ? {} : { region: options.region }),
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        ...options.clientConfig,
      });
  }

  batch(data: readonly MetricDatum[]): MetricDatum[][] {
    return batchForCloudWatch(data);
  }

  async send(batch: readonly MetricDatum[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.client.send(
        new PutMetricDataCommand({
          Namespace: batch[0]!.namespace,
          MetricData: batch.map(toCloudWatchDatum),
        }),
      );
    } catch (cause) {
      const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const name = (cause as Error).name;
      // No status: the request never got an answer (network, DNS, credentials not yet available).
      const retryable =
        status === undefined || status >= 500 || status === 429 || /Throttl|RequestLimitExceeded/.test(name);
      throw new PublishError(
        this.name,
        `PutMetricData of ${batch.length} datums failed${status === undefined ? "" : ` (HTTP ${status})`}: ${name}: ${(cause as Error).message}`,
        retryable,
        { cause },
      );
    }
  }

  /** Releases the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }
}
