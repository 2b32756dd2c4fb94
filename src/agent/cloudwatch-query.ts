/**
 * The SDK-free CloudWatch {@link MetricPublisher} the bundled agent uses: PutMetricData over the
 * query protocol (a form-encoded POST, `Action=PutMetricData&Version=2010-08-01`), signed with
 * SigV4, with statistic sets and high resolution for 10-second periods.
 */
import { AwsClient, type AwsClientOptions } from "./aws.js";
import { batchForCloudWatch } from "./cloudwatch-batch.js";
import { AwsRequestError, PublishError } from "./errors.js";
import type { MetricDatum, MetricPublisher } from "./publisher.js";

/** RFC 3986 encoding, as SigV4 and the query protocol expect (`encodeURIComponent` leaves `!'()*`). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A number as the query protocol reads it; `1e+21` would otherwise lose its `+` to a space. */
function number(value: number): string {
  return encode(String(value));
}

/**
 * One datum as query parameters, `MetricData.member.<member>.…`, joined by `&`: name, dimensions,
 * timestamp (ISO 8601), unit, storage resolution and the statistic set.
 * @internal
 */
export function encodeQueryDatum(datum: MetricDatum, member: number): string {
  const prefix = `MetricData.member.${member}.`;
  const parts = [`${prefix}MetricName=${encode(datum.name)}`];
  let dimension = 0;
  for (const [name, value] of Object.entries(datum.dimensions)) {
    dimension++;
    parts.push(
      `${prefix}Dimensions.member.${dimension}.Name=${encode(name)}`,
      `${prefix}Dimensions.member.${dimension}.Value=${encode(value)}`,
    );
  }
  const s = datum.statistics;
  parts.push(
    `${prefix}Timestamp=${encode(datum.timestamp.toISOString())}`,
    `${prefix}Unit=${datum.unit}`,
    `${prefix}StorageResolution=${datum.periodSeconds === 10 ? 1 : 60}`,
    `${prefix}StatisticValues.SampleCount=${number(s.sampleCount)}`,
    `${prefix}StatisticValues.Sum=${number(s.sum)}`,
    `${prefix}StatisticValues.Minimum=${number(s.minimum)}`,
    `${prefix}StatisticValues.Maximum=${number(s.maximum)}`,
  );
  return parts.join("&");
}

/**
 * The form-encoded body of one PutMetricData request; every datum must share `namespace`.
 * @internal
 */
export function encodePutMetricData(namespace: string, data: readonly MetricDatum[]): string {
  const parts = ["Action=PutMetricData", "Version=2010-08-01", `Namespace=${encode(namespace)}`];
  data.forEach((datum, i) => {
    parts.push(encodeQueryDatum(datum, i + 1));
  });
  return parts.join("&");
}

/**
 * A datum's size in a request body, counted at the longest member number (1000) plus its `&`.
 * @internal
 */
export function queryDatumBytes(datum: MetricDatum): number {
  return encodeQueryDatum(datum, 1000).length + 1;
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * Reads `<Code>` and `<Message>` from a query-protocol error answer.
 * @internal
 */
export function parseQueryError(body: string): { code: string; message: string } {
  const field = (tag: string) =>
    (new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(body)?.[1] ?? "").replace(
      /&(amp|lt|gt|quot|apos);/g,
      (_, name: string) => XML_ENTITIES[name]!,
    );
  return { code: field("Code") || "UnknownError", message: field("Message") };
}

/** Error codes CloudWatch answers with HTTP 400 that still mean "try again later". */
const RETRYABLE_CODES = /^(Throttling|ThrottlingException|RequestLimitExceeded|RequestExpired|ExpiredToken)$/;

/** Options of a {@link CloudWatchQueryPublisher}: those of the {@link AwsClient} it uses. */
export type CloudWatchQueryPublisherOptions = AwsClientOptions;

/**
 * Publishes with PutMetricData over the query protocol, without the AWS SDK. Credentials come from
 * the environment or the instance profile (IMDSv2), refreshed before they expire. Failures are
 * {@link PublishError}s: retryable for no answer, missing credentials or region, throttling and
 * 5xx, which the {@link PublishQueue} retries with backoff; not retryable when CloudWatch rejects
 * the data.
 *
 * @example
 * ```ts
 * const publisher = new CloudWatchQueryPublisher({ region: "eu-west-1" });
 * ```
 */
export class CloudWatchQueryPublisher implements MetricPublisher {
  readonly name = "cloudwatch";
  private readonly client: AwsClient;

  constructor(options: CloudWatchQueryPublisherOptions = {}) {
    this.client = new AwsClient("monitoring", options);
  }

  batch(data: readonly MetricDatum[]): MetricDatum[][] {
    return batchForCloudWatch(data, undefined, queryDatumBytes);
  }

  async send(batch: readonly MetricDatum[]): Promise<void> {
    if (batch.length === 0) return;
    const what = `PutMetricData of ${batch.length} datums failed`;
    let answer: Awaited<ReturnType<AwsClient["post"]>>;
    try {
      answer = await this.client.post(
        "PutMetricData",
        { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        encodePutMetricData(batch[0]!.namespace, batch),
      );
    } catch (cause) {
      // No answer, or no credentials or region yet: all may change, so the data is kept.
      const retryable = !(cause instanceof AwsRequestError) || cause.retryable;
      throw new PublishError(this.name, `${what}: ${(cause as Error).message}`, retryable, { cause });
    }
    if (answer.status >= 200 && answer.status < 300) return;
    const { code, message } = parseQueryError(answer.body);
    const retryable = answer.status >= 500 || answer.status === 429 || RETRYABLE_CODES.test(code);
    throw new PublishError(this.name, `${what} (HTTP ${answer.status}): ${code}: ${message}`, retryable);
  }
}
