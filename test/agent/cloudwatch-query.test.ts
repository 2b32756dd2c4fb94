import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultCredentials, InstanceMetadata } from "../../src/agent/aws.js";
import { CloudWatchQueryPublisher, encodePutMetricData } from "../../src/agent/cloudwatch-query.js";
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

/** A loopback stand-in for CloudWatch: records each request and answers `status` with `body`. */
const cloudwatch = {
  requests: [] as { headers: IncomingHttpHeaders; body: string }[],
  answer: { status: 200, body: "<PutMetricDataResponse/>" },
  server: undefined as Server | undefined,
  endpoint: "",
};

beforeAll(async () => {
  cloudwatch.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      cloudwatch.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(cloudwatch.answer.status, { "content-type": "text/xml" }).end(cloudwatch.answer.body);
    });
  });
  await new Promise<void>((resolve) => cloudwatch.server!.listen(0, "127.0.0.1", resolve));
  cloudwatch.endpoint = `http://127.0.0.1:${(cloudwatch.server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => cloudwatch.server!.close(() => resolve())));
beforeEach(() => {
  cloudwatch.requests = [];
  cloudwatch.answer = { status: 200, body: "<PutMetricDataResponse/>" };
});

function publisher(sessionToken?: string) {
  return new CloudWatchQueryPublisher({
    region: "us-east-1",
    endpoint: cloudwatch.endpoint,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret", sessionToken },
  });
}

function errorAnswer(status: number, code: string, message: string) {
  return {
    status,
    body: `<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
  };
}

describe("encodePutMetricData", () => {
  it("writes a statistic set at high resolution in the query protocol's form encoding", () => {
    expect(encodePutMetricData("Personas/Agent", [datum(1)]).split("&")).toEqual([
      "Action=PutMetricData",
      "Version=2010-08-01",
      "Namespace=Personas%2FAgent",
      "MetricData.member.1.MetricName=Metric1",
      "MetricData.member.1.Dimensions.member.1.Name=InstanceId",
      "MetricData.member.1.Dimensions.member.1.Value=i-0123456789abcdef0",
      "MetricData.member.1.Dimensions.member.2.Name=PersonaName",
      "MetricData.member.1.Dimensions.member.2.Value=HighTraffic",
      "MetricData.member.1.Timestamp=2025-11-26T10%3A00%3A00.000Z",
      "MetricData.member.1.Unit=Milliseconds",
      "MetricData.member.1.StorageResolution=1",
      "MetricData.member.1.StatisticValues.SampleCount=4",
      "MetricData.member.1.StatisticValues.Sum=400",
      "MetricData.member.1.StatisticValues.Minimum=50",
      "MetricData.member.1.StatisticValues.Maximum=150",
    ]);
  });

  it("numbers members from 1, a 60 s period at standard resolution, and escapes what form encoding would change", () => {
    const body = encodePutMetricData("A B", [
      datum(1),
      datum(2, {
        periodSeconds: 60,
        dimensions: { "Name (1)": "a+b=c&d" },
        statistics: { sampleCount: 1, sum: 1e21, minimum: 0.5, maximum: 1e21 },
      }),
    ]);

    const second = body.split("&").filter((p) => p.startsWith("MetricData.member.2."));
    expect(body.split("&")[2]).toBe("Namespace=A%20B");
    expect(second).toEqual([
      "MetricData.member.2.MetricName=Metric2",
      "MetricData.member.2.Dimensions.member.1.Name=Name%20%281%29",
      "MetricData.member.2.Dimensions.member.1.Value=a%2Bb%3Dc%26d",
      "MetricData.member.2.Timestamp=2025-11-26T10%3A00%3A00.000Z",
      "MetricData.member.2.Unit=Milliseconds",
      "MetricData.member.2.StorageResolution=60",
      "MetricData.member.2.StatisticValues.SampleCount=1",
      "MetricData.member.2.StatisticValues.Sum=1e%2B21",
      "MetricData.member.2.StatisticValues.Minimum=0.5",
      "MetricData.member.2.StatisticValues.Maximum=1e%2B21",
    ]);
  });
});

describe("CloudWatchQueryPublisher", () => {
  it("sends a SigV4-signed form POST, with the session token of temporary credentials", async () => {
    await publisher("session-1").send([datum(1)]);

    expect(cloudwatch.requests).toHaveLength(1);
    const { headers, body } = cloudwatch.requests[0]!;
    expect(body).toBe(encodePutMetricData("Personas/Agent", [datum(1)]));
    expect(headers["content-type"]).toBe("application/x-www-form-urlencoded; charset=utf-8");
    expect(headers["x-amz-security-token"]).toBe("session-1");
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/monitoring\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });

  it("keeps every request within 1,000 datums and 1 MB, with the largest datums CloudWatch accepts", async () => {
    // Prepare: 30 dimensions with 1,024-character values: about 35 KB per datum in form encoding
    const dimensions = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`Dimension${i}`, "v".repeat(1024)]),
    );
    const big = Array.from({ length: 100 }, (_, i) => datum(i, { dimensions }));
    const small = Array.from({ length: 1500 }, (_, i) => datum(i));
    const cw = publisher();

    // Act
    for (const batch of cw.batch([...big, ...small])) await cw.send(batch);

    // Assess
    const sizes = cloudwatch.requests.map((r) => Buffer.byteLength(r.body));
    const counts = cloudwatch.requests.map((r) => r.body.match(/\.MetricName=/g)!.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1600);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1_000_000);
    // 28 big datums fill a request; the last 16 share one with 684 small ones, closed by bytes.
    expect(counts).toEqual([28, 28, 28, 700, 816]);
  });

  it("reports data CloudWatch rejects as a PublishError that is not retried", async () => {
    cloudwatch.answer = errorAnswer(400, "InvalidParameterValue", "The value &lt;NaN&gt; is not valid");

    const error = await publisher()
      .send([datum(1)])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).retryable).toBe(false);
    expect((error as PublishError).message).toBe(
      "PutMetricData of 1 datums failed (HTTP 400): InvalidParameterValue: The value <NaN> is not valid",
    );
  });

  it("retries throttling (HTTP 400 Throttling) and server errors (5xx)", async () => {
    cloudwatch.answer = errorAnswer(400, "Throttling", "Rate exceeded");
    const throttled = (await publisher()
      .send([datum(1)])
      .catch((e: unknown) => e)) as PublishError;
    cloudwatch.answer = { status: 503, body: "" };
    const unavailable = (await publisher()
      .send([datum(1)])
      .catch((e: unknown) => e)) as PublishError;

    expect([throttled.retryable, throttled.message]).toEqual([
      true,
      "PutMetricData of 1 datums failed (HTTP 400): Throttling: Rate exceeded",
    ]);
    expect([unavailable.retryable, unavailable.message]).toEqual([
      true,
      "PutMetricData of 1 datums failed (HTTP 503): UnknownError: ",
    ]);
  });

  it("reports an unreachable endpoint as retryable", async () => {
    const cw = new CloudWatchQueryPublisher({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:1",
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    });

    const error = (await cw.send([datum(1)]).catch((e: unknown) => e)) as PublishError;

    expect(error).toBeInstanceOf(PublishError);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      "PutMetricData of 1 datums failed: PutMetricData got no answer from 127.0.0.1:1: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1",
    );
  });

  it("keeps the data (retryable) while there are no credentials yet", async () => {
    const cw = new CloudWatchQueryPublisher({
      region: "us-east-1",
      endpoint: cloudwatch.endpoint,
      credentials: defaultCredentials({
        env: {},
        metadata: new InstanceMetadata({ endpoint: "http://127.0.0.1:1" }),
      }),
    });

    const error = (await cw.send([datum(1)]).catch((e: unknown) => e)) as PublishError;

    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      "PutMetricData of 1 datums failed: No AWS credentials: none in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and none from the instance profile at http://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1); attach an instance profile with cloudwatch:PutMetricData to the instance",
    );
    expect(cloudwatch.requests).toEqual([]);
  });
});
