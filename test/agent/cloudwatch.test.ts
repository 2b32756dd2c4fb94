import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import { CloudWatchPublisher } from "../../src/agent/cloudwatch.js";
import {
  batchForCloudWatch,
  PUT_METRIC_DATA_LIMITS,
  toCloudWatchDatum,
} from "../../src/agent/cloudwatch-batch.js";
import { PublishError } from "../../src/agent/errors.js";
import type { MetricDatum } from "../../src/agent/publisher.js";

function datum(i: number, overrides: Partial<MetricDatum> = {}): MetricDatum {
  return {
    namespace: "Personas/Agent",
    name: `Metric${i}`,
    unit: "Milliseconds",
    timestamp: new Date(Date.UTC(2025, 10, 26, 10, 0, 0)),
    periodSeconds: 10,
    dimensions: { InstanceId: "i-0123456789abcdef0", PersonaName: "HighTraffic" },
    statistics: { sampleCount: 4, sum: 400, minimum: 50, maximum: 150 },
    ...overrides,
  };
}

/**
 * A CloudWatch client whose requests never leave the process: it records each body (uncompressed;
 * the SDK gzips large PutMetricData bodies) and answers `status`.
 */
function recordingClient(status = 200) {
  const bodies: string[] = [];
  const client = new CloudWatchClient({
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body?: unknown; headers: Record<string, string> }) => {
        const raw =
          typeof request.body === "string"
            ? Buffer.from(request.body)
            : Buffer.from(request.body as Uint8Array);
        bodies.push((request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString());
        const answer =
          status === 200 ? "{}" : JSON.stringify({ __type: "InvalidParameterValue", message: "bad datum" });
        return {
          response: {
            statusCode: status,
            headers: { "content-type": "application/x-amz-json-1.0" },
            body: Readable.from([Buffer.from(answer)]),
          },
        };
      },
    } as never,
  });
  return { client, bodies };
}

describe("toCloudWatchDatum", () => {
  it("publishes a statistic set, at high resolution for a 10 s period", () => {
    expect(toCloudWatchDatum(datum(1))).toEqual({
      MetricName: "Metric1",
      Dimensions: [
        { Name: "InstanceId", Value: "i-0123456789abcdef0" },
        { Name: "PersonaName", Value: "HighTraffic" },
      ],
      Timestamp: new Date(Date.UTC(2025, 10, 26, 10, 0, 0)),
      Unit: "Milliseconds",
      StorageResolution: 1,
      StatisticValues: { SampleCount: 4, Sum: 400, Minimum: 50, Maximum: 150 },
    });
  });

  it("publishes a 60 s period at standard resolution", () => {
    expect(toCloudWatchDatum(datum(1, { periodSeconds: 60 })).StorageResolution).toBe(60);
  });
});

describe("batchForCloudWatch", () => {
  it("puts at most 1,000 datums in one request", () => {
    const data = Array.from({ length: 2500 }, (_, i) => datum(i));

    const batches = batchForCloudWatch(data);

    expect(PUT_METRIC_DATA_LIMITS.maxDatums).toBe(1000);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches.flat()).toEqual(data);
  });

  it("starts a new request at a namespace change, keeping the order", () => {
    const data = [datum(1), datum(2), datum(3, { namespace: "Other" }), datum(4)];

    expect(batchForCloudWatch(data).map((b) => b.map((d) => d.name))).toEqual([
      ["Metric1", "Metric2"],
      ["Metric3"],
      ["Metric4"],
    ]);
  });

  it("keeps every request the SDK sends within 1,000 datums and 1 MB, with the largest datums CloudWatch accepts", async () => {
    // Prepare: 30 dimensions with 1,024-character values: about 32 KB per datum
    const dimensions = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`Dimension${i}`, "v".repeat(1024)]),
    );
    const big = Array.from({ length: 100 }, (_, i) => datum(i, { dimensions }));
    const small = Array.from({ length: 1500 }, (_, i) => datum(i));
    const { client, bodies } = recordingClient();
    const publisher = new CloudWatchPublisher({ client });

    // Act
    for (const batch of publisher.batch([...big, ...small])) await publisher.send(batch);

    // Assess
    const sizes = bodies.map((b) => Buffer.byteLength(b));
    const counts = bodies.map((b) => (JSON.parse(b) as { MetricData: unknown[] }).MetricData.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1600);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1_000_000);
    expect(Math.max(...counts)).toBeLessThanOrEqual(1000);
    // 31 big datums fill a request; the last 7 share one with 993 small ones.
    expect(counts).toEqual([31, 31, 31, 1000, 507]);
  });
});

describe("CloudWatchPublisher", () => {
  it("reports a rejected request as a PublishError that is not retryable", async () => {
    const { client } = recordingClient(400);
    const publisher = new CloudWatchPublisher({ client });

    const error = await publisher.send([datum(1)]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).retryable).toBe(false);
    expect((error as PublishError).message).toBe(
      "PutMetricData of 1 datums failed (HTTP 400): InvalidParameterValueException: bad datum",
    );
  });

  it("reports an unreachable endpoint as retryable", async () => {
    const publisher = new CloudWatchPublisher({
      endpoint: "http://127.0.0.1:1",
      region: "us-east-1",
      clientConfig: { credentials: { accessKeyId: "test", secretAccessKey: "test" } },
    });

    const error = await publisher.send([datum(1)]).catch((e: unknown) => e);
    publisher.destroy();

    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).retryable).toBe(true);
    expect((error as PublishError).message).toMatch(/^PutMetricData of 1 datums failed: .*ECONNREFUSED/);
  });
});
