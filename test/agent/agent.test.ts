import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryAgent } from "../../src/agent/agent.js";
import { parseAgentConfig } from "../../src/agent/config.js";
import { PublishError } from "../../src/agent/errors.js";
import {
  backoffDelay,
  type MetricDatum,
  type MetricPublisher,
  PublishQueue,
} from "../../src/agent/publisher.js";
import { evaluateCloudWatchAlarm } from "../../src/sim/alarm/cloudwatch.js";
import { recordingLogger } from "../support/agent.js";

/** A publisher that keeps what it receives and fails while `down` is set. */
class MemoryPublisher implements MetricPublisher {
  readonly received: MetricDatum[] = [];
  down = false;
  constructor(readonly name = "memory") {}
  batch(data: readonly MetricDatum[]): MetricDatum[][] {
    return [data.slice()];
  }
  async send(batch: readonly MetricDatum[]): Promise<void> {
    if (this.down) throw new PublishError(this.name, "unreachable", true);
    this.received.push(...batch);
  }
}

function datum(i: number): MetricDatum {
  return {
    namespace: "Personas/Agent",
    name: `M${i}`,
    unit: "Count",
    timestamp: new Date(0),
    periodSeconds: 10,
    dimensions: {},
    statistics: { sampleCount: 1, sum: i, minimum: i, maximum: i },
  };
}

describe("backoffDelay", () => {
  it("doubles the ceiling per failure up to the maximum, scaled by the jitter", () => {
    const half = () => 0.5;
    expect([1, 2, 3, 10].map((n) => backoffDelay(n, 500, 60_000, half))).toEqual([250, 500, 1000, 30_000]);
  });
});

describe("PublishQueue", () => {
  it("keeps the newest datums when full, counts the dropped ones, and recovers by itself", async () => {
    // Prepare
    const publisher = new MemoryPublisher();
    const logger = recordingLogger();
    const queue = new PublishQueue(publisher, {
      capacity: 5,
      retryBaseMs: 1,
      retryMaxMs: 1,
      logger,
      random: () => 0,
    });
    publisher.down = true;

    // Act: 8 datums while unreachable
    queue.enqueue([1, 2, 3].map(datum));
    await queue.flush();
    queue.enqueue([4, 5, 6, 7, 8].map(datum));
    expect(queue.stats()).toMatchObject({
      buffered: 5,
      dropped: 3,
      sent: 0,
      failedAttempts: 1,
      consecutiveFailures: 1,
    });
    publisher.down = false;
    await new Promise((r) => setTimeout(r, 20)); // the scheduled retry (0 ms with this jitter)

    // Assess
    expect(publisher.received.map((d) => d.name)).toEqual(["M4", "M5", "M6", "M7", "M8"]);
    expect(queue.stats()).toEqual({
      buffered: 0,
      sent: 5,
      dropped: 3,
      rejected: 0,
      failedAttempts: 1,
      consecutiveFailures: 0,
    });
    expect(logger.lines.map((l) => l.msg)).toEqual(["publishing failed; will retry", "publishing recovered"]);
  });

  it.each([
    ["waits as long as Retry-After asks when that is longer than the backoff", 45_000, 45_000],
    ["keeps its own backoff when Retry-After is shorter", 10, 500],
    ["waits at most an hour, whatever Retry-After says", 36_000_000, 3_600_000],
  ])("%s", async (_case, retryAfterMs, retryInMs) => {
    const publisher: MetricPublisher = {
      name: "throttled",
      batch: (data) => [data.slice()],
      send: async () => {
        throw new PublishError("throttled", "429", true, { retryAfterMs });
      },
    };
    const logger = recordingLogger();
    const queue = new PublishQueue(publisher, {
      capacity: 10,
      retryBaseMs: 1_000,
      retryMaxMs: 1_000,
      logger,
      random: () => 0.5,
    });

    queue.enqueue([datum(1)]);
    await queue.flush();

    expect(logger.lines.find((l) => l.msg === "publishing failed; will retry")?.fields).toMatchObject({
      retryInMs,
    });
    await queue.close();
  });

  it("drops a batch the backend rejects as invalid instead of retrying it forever", async () => {
    const publisher: MetricPublisher = {
      name: "strict",
      batch: (data) => [data.slice()],
      send: async () => {
        throw new PublishError("strict", "InvalidParameterValue", false);
      },
    };
    const queue = new PublishQueue(publisher, {
      capacity: 10,
      retryBaseMs: 1,
      retryMaxMs: 1,
      logger: recordingLogger(),
    });

    queue.enqueue([datum(1), datum(2)]);
    await queue.flush();

    expect(queue.stats()).toMatchObject({ buffered: 0, rejected: 2, failedAttempts: 0 });
    expect(queue.backingOff).toBe(false);
  });
});

describe("TelemetryAgent", () => {
  const config = parseAgentConfig(
    {
      version: 1,
      dimensions: { InstanceId: "i-1", PersonaName: "HighTraffic" },
      probes: { targets: [{ name: "web", kind: "tcp", host: "127.0.0.1", port: 9 }] },
      metrics: [
        { name: "NetworkLatency", signal: "probe.latency", period: 10 },
        { name: "NetworkLatencyP90", signal: "probe.latencyP90", period: 10 },
        { name: "LatencySeconds", signal: "probe.latency", unit: "Seconds", period: 60 },
        { name: "ProbeFailures", signal: "probe.failures", period: 10 },
      ],
    },
    "test",
  );

  it("turns one period's probe results into statistic sets, the p90, failures and a heartbeat", () => {
    // Prepare: a window that starts at t = 100 s
    const t0 = 100_000;
    const agent = new TelemetryAgent({
      config,
      publisher: new MemoryPublisher(),
      logger: recordingLogger(),
      clock: () => t0,
    });
    const latencies = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

    // Act
    agent.recordProbes(
      [
        ...latencies.map((latencyMs) => ({ target: "web", ok: true as const, latencyMs })),
        { target: "web", ok: false, latencyMs: 2000, reason: "timeout after 2000 ms" },
      ],
      t0 + 1_000,
    );
    const datums = agent.closePeriods(t0 + 10_000);

    // Assess: the 60 s metric is still open
    const dimensions = { InstanceId: "i-1", PersonaName: "HighTraffic" };
    const at = new Date(t0);
    const common = { namespace: "Personas/Agent", timestamp: at, periodSeconds: 10, dimensions };
    expect(datums).toEqual([
      {
        ...common,
        name: "NetworkLatency",
        unit: "Milliseconds",
        statistics: { sampleCount: 10, sum: 550, minimum: 10, maximum: 100 },
      },
      {
        ...common,
        name: "NetworkLatencyP90",
        unit: "Milliseconds",
        statistics: { sampleCount: 1, sum: 90, minimum: 90, maximum: 90 },
      },
      {
        ...common,
        name: "ProbeFailures",
        unit: "Count",
        statistics: { sampleCount: 1, sum: 1, minimum: 1, maximum: 1 },
      },
      {
        ...common,
        name: "AgentHeartbeat",
        unit: "Count",
        statistics: { sampleCount: 1, sum: 1, minimum: 1, maximum: 1 },
      },
    ]);
  });

  it("publishes to every publisher through a queue of its own, so one that is down holds no other back", async () => {
    // Prepare: Azure's two publishers, the table's endpoint unreachable
    const customMetrics = new MemoryPublisher("azure-monitor");
    const table = new MemoryPublisher("logs-ingestion");
    table.down = true;
    const agent = new TelemetryAgent({
      config,
      publisher: [customMetrics, table],
      logger: recordingLogger(),
      clock: () => 100_000,
      random: () => 0.99,
    });
    agent.recordProbes([{ target: "web", ok: true, latencyMs: 5 }], 101_000);
    const names = ["NetworkLatency", "NetworkLatencyP90", "ProbeFailures", "AgentHeartbeat"];

    // Act
    agent.closePeriods(110_000);
    await agent.flush();

    // Assess: custom metrics sent, the table's data kept for a retry
    expect(customMetrics.received.map((d) => d.name)).toEqual(names);
    expect(table.received).toEqual([]);
    const stats = agent.stats();
    expect(stats.publish).toMatchObject({ sent: 4, buffered: 0 });
    expect(stats.publishers).toEqual({
      "azure-monitor": expect.objectContaining({ sent: 4, buffered: 0, consecutiveFailures: 0 }),
      "logs-ingestion": expect.objectContaining({ sent: 0, buffered: 4, consecutiveFailures: 1 }),
    });
    table.down = false;
    await agent.stop();
    expect(table.received.slice(0, 4).map((d) => d.name)).toEqual(names);
    expect(table.received).toEqual(customMetrics.received);
  });

  it("converts to the metric's unit and publishes a 60 s metric when its minute ends", () => {
    const agent = new TelemetryAgent({
      config,
      publisher: new MemoryPublisher(),
      logger: recordingLogger(),
      clock: () => 120_000,
    });

    agent.recordProbes([{ target: "web", ok: true, latencyMs: 250 }], 121_000);
    const datums = agent.closePeriods(180_000);

    expect(datums.find((d) => d.name === "LatencySeconds")).toMatchObject({
      unit: "Seconds",
      periodSeconds: 60,
      timestamp: new Date(120_000),
      statistics: { sampleCount: 1, sum: 0.25, minimum: 0.25, maximum: 0.25 },
    });
  });

  it("keeps the last good configuration when a reload is invalid, and logs why", async () => {
    const logger = recordingLogger();
    const agent = new TelemetryAgent({ config, publisher: new MemoryPublisher(), logger });

    const applied = await agent.reload(
      async () => '{"version": 1, "metrics": [{"name": "X"}]}',
      "ssm:/personas/web",
    );

    expect(applied).toBe(false);
    expect(agent.config).toBe(config);
    expect(agent.stats()).toMatchObject({ configReloads: 0, configRejected: 1 });
    expect(logger.lines.at(-1)).toEqual({
      level: "error",
      msg: "configuration rejected; keeping the last good one",
      fields: {
        source: "ssm:/personas/web",
        reason:
          "The agent configuration from ssm:/personas/web is invalid (1 problem); fix it and send SIGHUP to reload:\n" +
          '  - metrics[0].signal: required, expected one of "probe.latency", "probe.latencyP90", "probe.failures", "log.requests", "log.errors", "log.errorRate"',
      },
    });
  });

  it("applies a good reload", async () => {
    const agent = new TelemetryAgent({ config, publisher: new MemoryPublisher(), logger: recordingLogger() });

    const applied = await agent.reload(
      async () => JSON.stringify({ version: 1, namespace: "Web", metrics: [] }),
      "/etc/personas-agent/config.json",
    );

    expect(applied).toBe(true);
    expect(agent.config.namespace).toBe("Web");
    expect(agent.stats().configReloads).toBe(1);
  });

  it("counts requests and errors from a tailed log and derives the error rate", async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), "agent-logs-"));
    const path = join(dir, "access.log");
    writeFileSync(path, "");
    // A fixed clock inside one 10-second window: with the real clock the lines could land in the
    // next window when the test runs across a window boundary.
    const windowStart = 1_767_225_600_000;
    const agent = new TelemetryAgent({
      clock: () => windowStart + 3_000,
      config: parseAgentConfig(
        {
          version: 1,
          logs: {
            files: [{ name: "nginx", path, requestPattern: 'HTTP/1\\.1"', errorPattern: '" 5\\d\\d ' }],
          },
          metrics: [
            { name: "RequestCount", signal: "log.requests", period: 10 },
            { name: "ErrorCount", signal: "log.errors", period: 10 },
            { name: "ErrorRate", signal: "log.errorRate", period: 10 },
          ],
          publish: { heartbeatMetric: "" },
        },
        "test",
      ),
      publisher: new MemoryPublisher(),
      logger: recordingLogger(),
    });
    await agent.pollLogs();

    // Act: 8 requests, 2 of them 5xx, and one line that is neither
    for (let i = 0; i < 8; i++) appendFileSync(path, `"GET /${i} HTTP/1.1" ${i < 2 ? 503 : 200} 12\n`);
    appendFileSync(path, "worker process started\n");
    await agent.pollLogs();
    const datums = agent.closePeriods(windowStart + 10_000);
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(datums.map((d) => [d.name, d.unit, d.statistics.sum])).toEqual([
      ["RequestCount", "Count", 8],
      ["ErrorCount", "Count", 2],
      ["ErrorRate", "Percent", 25],
    ]);
  });
});

describe("end to end without a cloud", () => {
  let server: Server;
  let delayMs = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => setTimeout(() => res.end("ok"), delayMs));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("a server that turns slow moves the seed's latency trigger to ALARM", async () => {
    // Prepare: the seed's "Network Latency > 100ms", evaluated at the agent's 10 s period, 1 of 1
    const port = (server.address() as { port: number }).port;
    const publisher = new MemoryPublisher();
    let now = 1_000_000;
    const agent = new TelemetryAgent({
      config: parseAgentConfig(
        {
          version: 1,
          dimensions: { InstanceId: "i-1", PersonaName: "HighTraffic" },
          probes: {
            targets: [{ name: "web", kind: "http", url: `http://127.0.0.1:${port}/`, timeoutMs: 1000 }],
          },
          metrics: [{ name: "NetworkLatency", signal: "probe.latency", period: 10 }],
        },
        "test",
      ),
      publisher,
      logger: recordingLogger(),
      clock: () => now,
    });
    const trigger = {
      comparisonOperator: "GreaterThanThreshold" as const,
      threshold: 100,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    };
    const average = (d: MetricDatum) => d.statistics.sum / d.statistics.sampleCount;

    // Act: one fast period, then one slow period
    delayMs = 0;
    for (let round = 0; round < 3; round++) await agent.runProbeRound();
    now += 10_000;
    agent.closePeriods();
    await agent.flush();
    const fast = evaluateCloudWatchAlarm(
      trigger,
      publisher.received.filter((d) => d.name === "NetworkLatency").map(average),
    );
    delayMs = 150;
    await agent.runProbeRound();
    await agent.runProbeRound();
    now += 10_000;
    const slowDatums = agent.closePeriods();
    await agent.flush();
    const latency = publisher.received.filter((d) => d.name === "NetworkLatency").map(average);
    const slow = evaluateCloudWatchAlarm(trigger, latency, fast.state);

    // Assess
    expect(fast.state).toBe("OK");
    expect(slowDatums.find((d) => d.name === "NetworkLatency")!.statistics.minimum).toBeGreaterThan(100);
    expect(latency.at(-1)).toBeGreaterThan(100);
    expect(slow).toMatchObject({
      state: "ALARM",
      previousState: "OK",
      changed: true,
      reason: "threshold-crossed",
    });
  });
});
