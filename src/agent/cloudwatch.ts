/**
 * The SDK-based CloudWatch {@link MetricPublisher}: PutMetricData with statistic sets, high resolution
 * for 10-second periods, and batches within the API's limits. For programs that already carry the
 * AWS SDK; the bundled agent uses the SDK-free {@link CloudWatchQueryPublisher} instead.
 */
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { batchForCloudWatch, toCloudWatchDatum } from "./cloudwatch-batch.js";
import { PublishError } from "./errors.js";
import type { MetricDatum, MetricPublisher } from "./publisher.js";

export {
  type BatchLimits,
  batchForCloudWatch,
  estimateDatumBytes,
  PUT_METRIC_DATA_LIMITS,
  toCloudWatchDatum,
} from "./cloudwatch-batch.js";

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
