import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AzureMonitorPublisher, type CustomMetricBody } from "../../src/agent/azure-monitor.js";
import { PublishError } from "../../src/agent/errors.js";
import { jsonLineLogger } from "../../src/agent/logger.js";
import { PublishQueue } from "../../src/agent/publisher.js";
import { latencyDatum as datum } from "../support/agent.js";

const VM =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-web-prod/providers/Microsoft.Compute/virtualMachines/web-1";
const NOW = Date.parse("2027-01-15T10:03:30Z");

interface Seen {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

async function listen(
  handler: (req: IncomingMessage, body: string) => { status: number; body: string },
  seen: Seen[],
): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      seen.push({ path: req.url ?? "", headers: req.headers, body });
      const answer = handler(req, body);
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

const origin = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe("AzureMonitorPublisher (loopback IMDS and custom-metrics endpoint)", () => {
  const imdsSeen: Seen[] = [];
  const metricsSeen: Seen[] = [];
  let imds: Server;
  let metrics: Server;
  let metricsAnswers: { status: number; body: string }[] = [];

  beforeAll(async () => {
    imds = await listen((req) => {
      if (req.headers.metadata !== "true") return { status: 400, body: "{}" };
      if (req.url?.startsWith("/metadata/instance/compute"))
        return { status: 200, body: JSON.stringify({ location: "westeurope", resourceId: VM }) };
      return {
        status: 200,
        body: JSON.stringify({ access_token: "vm-token", expires_on: String(NOW / 1000 + 3600) }),
      };
    }, imdsSeen);
    metrics = await listen(() => metricsAnswers.shift() ?? { status: 200, body: "{}" }, metricsSeen);
  });
  afterAll(() => {
    imds.close();
    metrics.close();
  });
  beforeEach(() => {
    imdsSeen.length = 0;
    metricsSeen.length = 0;
    metricsAnswers = [];
  });

  const publisher = () =>
    new AzureMonitorPublisher({
      imdsOrigin: origin(imds),
      metricsOrigin: (location) => `${origin(metrics)}/${location}`,
      clientId: "client-1",
      now: () => NOW,
    });

  it("posts one request per metric and minute, with each dimension combination as a series, using the VM's identity", async () => {
    const queue = new PublishQueue(publisher(), {
      capacity: 100,
      retryBaseMs: 1,
      retryMaxMs: 1,
      logger: jsonLineLogger(() => {}),
    });
    queue.enqueue([
      datum("latency", "2027-01-15T10:02:00Z", { route: "/a" }, 120),
      datum("latency", "2027-01-15T10:02:00Z", { route: "/b" }, 80),
      datum("latency", "2027-01-15T10:02:10Z", { route: "/a" }, 200, 10),
      datum("errors", "2027-01-15T10:02:00Z", {}, 3),
    ]);

    await queue.flush();

    expect(metricsSeen.map((s) => s.path)).toEqual([`/westeurope${VM}/metrics`, `/westeurope${VM}/metrics`]);
    expect(metricsSeen[0]!.headers.authorization).toBe("Bearer vm-token");
    const latency = JSON.parse(metricsSeen[0]!.body) as CustomMetricBody;
    expect(latency).toEqual({
      time: "2027-01-15T10:02:00.000Z",
      data: {
        baseData: {
          metric: "latency",
          namespace: "Personas/Agent",
          dimNames: ["route"],
          series: [
            { dimValues: ["/a"], min: 120, max: 200, sum: 320, count: 2 },
            { dimValues: ["/b"], min: 80, max: 80, sum: 80, count: 1 },
          ],
        },
      },
    });
    // The token is asked for the monitoring resource with the VM's user-assigned identity, once.
    const tokenCalls = imdsSeen.filter((s) => s.path.startsWith("/metadata/identity/oauth2/token"));
    expect(tokenCalls).toHaveLength(1);
    expect(new URL(tokenCalls[0]!.path, "http://x").searchParams.get("resource")).toBe(
      "https://monitoring.azure.com/",
    );
    expect(new URL(tokenCalls[0]!.path, "http://x").searchParams.get("client_id")).toBe("client-1");
    expect(queue.stats()).toEqual(expect.objectContaining({ sent: 3, buffered: 0, rejected: 0 }));
  });

  it("keeps the data for a retry when Azure Monitor throttles, and drops what Azure refuses", async () => {
    const p = publisher();
    metricsAnswers = [
      { status: 429, body: '{"error":"throttled"}' },
      { status: 400, body: '{"error":"bad"}' },
    ];
    const batch = [datum("latency", "2027-01-15T10:02:00Z", {}, 1)];

    const throttled = await p.send(batch).catch((e: unknown) => e);
    const refused = await p.send(batch).catch((e: unknown) => e);

    expect(throttled).toBeInstanceOf(PublishError);
    expect((throttled as PublishError).retryable).toBe(true);
    expect((refused as PublishError).retryable).toBe(false);
  });

  it("refuses data older than 20 minutes without calling Azure (Azure Monitor would refuse it)", async () => {
    const old = [datum("latency", "2027-01-15T09:40:00Z", {}, 1)];

    const error = (await publisher()
      .send(old)
      .catch((e: unknown) => e)) as PublishError;

    expect(error.message).toBe(
      "custom metric Personas/Agent/latency (1 series) is older than 20 minutes; Azure Monitor refuses it, so it is dropped.",
    );
    expect(error.retryable).toBe(false);
    expect(metricsSeen).toEqual([]);
  });
});
