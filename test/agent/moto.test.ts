import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, describe, expect, it } from "vitest";
import { TelemetryAgent } from "../../src/agent/agent.js";
import { CloudWatchPublisher } from "../../src/agent/cloudwatch.js";
import { CloudWatchQueryPublisher } from "../../src/agent/cloudwatch-query.js";
import { parseAgentConfig } from "../../src/agent/config.js";
import { AwsRequestError } from "../../src/agent/errors.js";
import type { AgentLogger } from "../../src/agent/logger.js";
import type { MetricPublisher } from "../../src/agent/publisher.js";
import { SsmParameterReader } from "../../src/agent/ssm.js";
import { motoClientConfig, motoEndpoint, noMoto } from "../support/moto.js";

const quiet: AgentLogger = { info: () => {}, warn: () => {}, error: () => {} };
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

/** Both CloudWatch publishers: the SDK-free one the bundled agent uses, and the SDK-based one. */
const publishers: { name: string; create: (endpoint: string) => MetricPublisher & { destroy?(): void } }[] = [
  {
    name: "CloudWatchQueryPublisher",
    create: (endpoint) => new CloudWatchQueryPublisher({ region: "us-east-1", endpoint, credentials }),
  },
  {
    name: "CloudWatchPublisher",
    create: (endpoint) =>
      new CloudWatchPublisher({ clientConfig: { ...motoClientConfig(), endpoint, credentials } }),
  },
];

function configFor(endpoint: string, instanceId: string, maxBufferedDatums = 10_000) {
  return parseAgentConfig(
    {
      version: 1,
      dimensions: { InstanceId: instanceId, PersonaName: "HighTraffic" },
      probes: { targets: [{ name: "web", kind: "tcp", host: "127.0.0.1", port: 9 }] },
      metrics: [
        { name: "NetworkLatency", signal: "probe.latency", period: 10 },
        { name: "ProbeFailures", signal: "probe.failures", period: 10 },
      ],
      publish: { region: "us-east-1", endpoint, maxBufferedDatums, retryBaseMs: 20, retryMaxMs: 100 },
    },
    "test",
  );
}

async function readBack(
  client: CloudWatchClient,
  instanceId: string,
  metric: string,
  from: number,
  to: number,
) {
  const result = await client.send(
    new GetMetricStatisticsCommand({
      Namespace: "Personas/Agent",
      MetricName: metric,
      Dimensions: [
        { Name: "InstanceId", Value: instanceId },
        { Name: "PersonaName", Value: "HighTraffic" },
      ],
      StartTime: new Date(from),
      EndTime: new Date(to),
      Period: 10,
      Statistics: ["SampleCount", "Sum", "Minimum", "Maximum", "Average"],
    }),
  );
  return (result.Datapoints ?? []).sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
}

describe.skipIf(noMoto).each(publishers)("$name against moto", ({ name, create }) => {
  // One instance per publisher, so their datapoints never mix in the shared moto.
  const readbackId = `i-readback-${name}`;
  it("publishes statistic sets that GetMetricStatistics reads back", async () => {
    // Prepare
    let now = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
    const start = now;
    const publisher = create(motoEndpoint);
    const agent = new TelemetryAgent({
      config: configFor(motoEndpoint, readbackId),
      publisher,
      logger: quiet,
      clock: () => now,
    });

    // Act
    agent.recordProbes([
      { target: "web", ok: true, latencyMs: 40 },
      { target: "web", ok: true, latencyMs: 160 },
      { target: "web", ok: false, latencyMs: 2000, reason: "ECONNREFUSED" },
    ]);
    now += 10_000;
    agent.closePeriods();
    await agent.flush();
    publisher.destroy?.();

    // Assess
    const client = new CloudWatchClient(motoClientConfig());
    const latency = await readBack(client, readbackId, "NetworkLatency", start - 1, start + 30_000);
    const failures = await readBack(client, readbackId, "ProbeFailures", start - 1, start + 30_000);
    client.destroy();
    expect(latency).toEqual([
      {
        Timestamp: new Date(start),
        SampleCount: 2,
        Sum: 200,
        Minimum: 40,
        Maximum: 160,
        Average: 100,
        Unit: "Milliseconds",
      },
    ]);
    expect(failures.map((d) => d.Sum)).toEqual([1]);
    expect(agent.stats().publish).toMatchObject({ sent: 3, dropped: 0, buffered: 0 });
  });

  describe("when moto stops mid-run and comes back", () => {
    let moto: ChildProcess | undefined;
    afterAll(() => {
      if (moto?.pid !== undefined && moto.exitCode === null) process.kill(moto.pid, "SIGTERM");
    });

    it("keeps memory bounded, counts drops, and resumes publishing by itself", async () => {
      // Prepare: our own moto, so stopping it leaves the shared one alone
      const port = await freePort();
      const endpoint = `http://127.0.0.1:${port}`;
      moto = await startMoto(port);
      let now = Math.floor(Date.now() / 10_000) * 10_000 - 300_000;
      const publisher = create(endpoint);
      const capacity = 12;
      const agent = new TelemetryAgent({
        config: configFor(endpoint, "i-outage", capacity),
        publisher,
        logger: quiet,
        clock: () => now,
      });
      const period = async (latencyMs: number) => {
        agent.recordProbes([{ target: "web", ok: true, latencyMs }]);
        now += 10_000;
        agent.closePeriods();
        await agent.flush();
      };
      await period(10);
      expect(agent.stats().publish).toMatchObject({ sent: 3, buffered: 0 });

      // Act 1: moto goes away for 10 periods (3 datums each: 30 datums into a buffer of 12)
      process.kill(moto.pid!, "SIGTERM");
      await new Promise((r) => moto!.once("exit", r));
      const buffered: number[] = [];
      for (let i = 0; i < 10; i++) {
        await period(100 + i);
        buffered.push(agent.stats().publish.buffered);
      }
      const during = agent.stats().publish;

      // Act 2: moto comes back on the same port; the scheduled retries find it
      moto = await startMoto(port);
      for (let attempt = 0; attempt < 100 && agent.stats().publish.buffered > 0; attempt++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await period(500);
      const after = agent.stats().publish;

      // Assess
      expect(Math.max(...buffered)).toBe(capacity);
      expect(during).toMatchObject({ sent: 3, buffered: capacity, dropped: 30 - capacity });
      expect(during.consecutiveFailures).toBeGreaterThan(0);
      expect(after).toMatchObject({
        sent: 3 + capacity + 3,
        buffered: 0,
        dropped: 30 - capacity,
        consecutiveFailures: 0,
      });
      // The restarted moto holds the newest 4 latency datapoints that survived, then the new one.
      const client = new CloudWatchClient({ ...motoClientConfig(), endpoint });
      const latency = await readBack(client, "i-outage", "NetworkLatency", now - 400_000, now + 10_000);
      client.destroy();
      publisher.destroy?.();
      expect(latency.map((d) => d.Maximum)).toEqual([106, 107, 108, 109, 500]);
    });
  });
});

describe.skipIf(noMoto)("SsmParameterReader against moto", () => {
  const name = "/personas/test/agent";
  const ssm = new SSMClient(motoClientConfig());
  afterAll(async () => {
    await ssm.send(new DeleteParameterCommand({ Name: name })).catch(() => undefined);
    ssm.destroy();
  });

  it("reads a SecureString parameter, decrypted", async () => {
    await ssm.send(
      new PutParameterCommand({ Name: name, Value: '{"version":1}', Type: "SecureString", Overwrite: true }),
    );

    const value = await new SsmParameterReader({
      region: "us-east-1",
      endpoint: motoEndpoint,
      credentials,
    }).get(name);

    expect(value).toBe('{"version":1}');
  });

  it("reports a missing parameter with SSM's error code, not retryable", async () => {
    const reader = new SsmParameterReader({ region: "us-east-1", endpoint: motoEndpoint, credentials });

    const error = (await reader.get("/personas/missing").catch((e: unknown) => e)) as AwsRequestError;

    expect(error).toBeInstanceOf(AwsRequestError);
    expect([error.errorCode, error.status, error.retryable]).toEqual(["ParameterNotFound", 400, false]);
    expect(error.message).toMatch(
      /^SSM GetParameter of \/personas\/missing failed \(HTTP 400\): ParameterNotFound: /,
    );
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function startMoto(port: number): Promise<ChildProcess> {
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      await fetch(`http://127.0.0.1:${port}/moto-api/`);
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`moto_server did not start on port ${port} within 15 s`);
}
