/**
 * The Logs Ingestion publisher against a loopback double of IMDS and of the Logs Ingestion endpoint.
 * The double enforces what "Logs Ingestion API in Azure Monitor" (Microsoft Learn,
 * https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview) documents for the
 * REST call — path `/dataCollectionRules/{immutable id}/streams/{stream}`, `api-version=2023-01-01`,
 * a bearer token for the audience `https://monitor.azure.com`, `Content-Type: application/json`, a
 * JSON array body — with the limit of "Azure Monitor service limits" (1 MB per call, taken as 10^6
 * bytes), and the rows against the stream the components declare from src/plan/agent-log-table.ts:
 * exactly its columns, each of its type. A role missing on the DCR answers 403 as the tutorial's
 * "Troubleshooting" section describes.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PublishError } from "../../src/agent/errors.js";
import { AzureInstanceMetadata } from "../../src/agent/imds.js";
import type { AgentLogger } from "../../src/agent/logger.js";
import {
  LOGS_INGESTION_LIMITS,
  LogsIngestionPublisher,
  parseRetryAfter,
} from "../../src/agent/logs-ingestion.js";
import { PublishQueue } from "../../src/agent/publisher.js";
import { AGENT_LOG_TABLE, type AgentLogColumn } from "../../src/plan/agent-log-table.js";
import { latencyDatum as datum, recordingLogger } from "../support/agent.js";

const VM =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-web-prod/providers/Microsoft.Compute/virtualMachines/web-1";
const DCR = "dcr-000a00a000a00000a000000aa000a0aa";
const ENDPOINT = "https://personas-ab12.westeurope-1.ingest.monitor.azure.com";
const NOW = Date.parse("2027-01-15T10:03:30Z");

interface Seen {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** What the double answers when a request is well-formed, in order; then 204. */
type Scripted = { status: number; headers?: Record<string, string>; body?: string };

/** The type check of a stream column, as the DCR's stream declaration types it. */
function hasType(value: unknown, type: AgentLogColumn["type"]): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "datetime":
      return typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value);
    case "real":
      return typeof value === "number" && Number.isFinite(value);
    case "long":
      return typeof value === "number" && Number.isSafeInteger(value);
    case "dynamic":
      return typeof value === "object" && value !== null && !Array.isArray(value);
  }
}

/** Why the double refuses a body (400), or undefined when every row matches the declared stream. */
function rowProblem(body: string): string | undefined {
  let rows: unknown;
  try {
    rows = JSON.parse(body);
  } catch {
    return "body is not JSON";
  }
  if (!Array.isArray(rows) || rows.length === 0) return "body is not a non-empty JSON array";
  const names = AGENT_LOG_TABLE.columns.map((c) => c.name);
  for (const [i, row] of rows.entries()) {
    if (typeof row !== "object" || row === null) return `row ${i} is not an object`;
    const keys = Object.keys(row);
    if (keys.length !== names.length || !names.every((n) => keys.includes(n)))
      return `row ${i} has columns ${keys.join(",")}`;
    for (const column of AGENT_LOG_TABLE.columns)
      if (!hasType((row as Record<string, unknown>)[column.name], column.type))
        return `row ${i} column ${column.name} is not ${column.type}`;
  }
  return undefined;
}

interface Double {
  readonly imds: Server;
  readonly ingestion: Server;
  readonly imdsSeen: Seen[];
  readonly seen: Seen[];
  /** Answers for well-formed requests, used in order. */
  script: Scripted[];
  /** False: every call answers 403 (no Monitoring Metrics Publisher on the DCR). */
  roleAssigned: boolean;
  /** Tokens IMDS has issued. */
  issued: number;
  /** The resource id IMDS reports. */
  resourceId: string;
}

function listen(handler: (req: IncomingMessage, body: string) => Scripted, seen: Seen[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ path: req.url ?? "", headers: req.headers, body });
      const answer = handler(req, body);
      res
        .writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
        .end(answer.body ?? "");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const origin = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const refusal = (status: number, code: string, message: string): Scripted => ({
  status,
  body: JSON.stringify({ error: { code, message } }),
});

async function startDouble(): Promise<Double> {
  const double = {
    imdsSeen: [],
    seen: [],
    script: [],
    roleAssigned: true,
    issued: 0,
    resourceId: VM,
  } as unknown as Double;
  const imds = await listen((req) => {
    if (req.headers.metadata !== "true") return { status: 400, body: "{}" };
    const url = new URL(req.url ?? "/", "http://imds");
    if (url.pathname === "/metadata/instance/compute")
      return { status: 200, body: JSON.stringify({ location: "westeurope", resourceId: double.resourceId }) };
    double.issued++;
    const resource = url.searchParams.get("resource");
    return {
      status: 200,
      body: JSON.stringify({
        access_token: `token-for ${resource} #${double.issued}`,
        expires_on: String(NOW / 1000 + 3600),
      }),
    };
  }, double.imdsSeen);
  const ingestion = await listen((req, body) => {
    const url = new URL(req.url ?? "/", "http://ingest");
    if (url.pathname !== `/dataCollectionRules/${DCR}/streams/${AGENT_LOG_TABLE.stream}`)
      return refusal(404, "NotFound", `no such rule or stream: ${url.pathname}`);
    if (url.searchParams.get("api-version") !== "2023-01-01")
      return refusal(400, "InvalidApiVersion", "unsupported api-version");
    if (!/^Bearer token-for https:\/\/monitor\.azure\.com #\d+$/.test(req.headers.authorization ?? ""))
      return refusal(401, "InvalidToken", "the token's audience is not https://monitor.azure.com");
    if (!double.roleAssigned)
      return refusal(
        403,
        "Forbidden",
        "The authentication token provided does not have access to ingest data",
      );
    if (req.headers["content-type"] !== "application/json")
      return refusal(400, "InvalidContentType", "Content-Type must be application/json");
    if (Buffer.byteLength(body, "utf8") > LOGS_INGESTION_LIMITS.maxBodyBytes)
      return refusal(413, "ContentLengthLimitExceeded", "Maximum request size is 1 MB");
    const problem = rowProblem(body);
    if (problem !== undefined) return refusal(400, "InvalidStream", problem);
    return double.script.shift() ?? { status: 204 };
  }, double.seen);
  return Object.assign(double, { imds, ingestion });
}

describe("LogsIngestionPublisher (loopback IMDS and Logs Ingestion endpoint)", () => {
  let double: Double;
  let clock = NOW;

  beforeAll(async () => {
    double = await startDouble();
  });
  afterAll(() => {
    double.imds.close();
    double.ingestion.close();
  });
  beforeEach(() => {
    double.imdsSeen.length = 0;
    double.seen.length = 0;
    double.script = [];
    double.roleAssigned = true;
    double.resourceId = VM;
    clock = NOW;
  });

  const publisher = (logger?: AgentLogger) =>
    new LogsIngestionPublisher({
      endpoint: ENDPOINT,
      dcrImmutableId: DCR,
      ingestionOrigin: origin(double.ingestion),
      metadata: new AzureInstanceMetadata({
        imdsOrigin: origin(double.imds),
        clientId: "client-1",
        now: () => clock,
      }),
      ...(logger === undefined ? {} : { logger }),
    });
  const queueOf = (p: LogsIngestionPublisher, logger: AgentLogger = recordingLogger()) =>
    new PublishQueue(p, { capacity: 100_000, retryBaseMs: 1, retryMaxMs: 1, logger, random: () => 0 });
  const rowsSent = () => double.seen.flatMap((s) => JSON.parse(s.body) as Record<string, unknown>[]);

  it("writes one row per metric, minute and dimension set, with the VM's resource id, in the documented call", async () => {
    const queue = queueOf(publisher());
    queue.enqueue([
      datum("NetworkLatency", "2027-01-15T10:02:00Z", { InstanceId: "vm-1" }, 120),
      datum("NetworkLatency", "2027-01-15T10:02:10Z", { InstanceId: "vm-1" }, 200, 10),
      datum("NetworkLatency", "2027-01-15T10:02:00Z", { InstanceId: "vm-2" }, 80),
      datum("AgentHeartbeat", "2027-01-15T10:02:00Z", {}, 1),
    ]);

    await queue.flush();

    expect(double.seen).toHaveLength(1);
    expect(double.seen[0]!.path).toBe(
      `/dataCollectionRules/${DCR}/streams/Custom-PersonasAgentMetrics_CL?api-version=2023-01-01`,
    );
    expect(double.seen[0]!.headers["x-ms-client-request-id"]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    const minute = "2027-01-15T10:02:00.000Z";
    const row = { TimeGenerated: minute, VmResourceId: VM, Namespace: "Personas/Agent" };
    expect(rowsSent()).toEqual([
      {
        ...row,
        Metric: "NetworkLatency",
        Dimensions: { InstanceId: "vm-1" },
        Minimum: 120,
        Maximum: 200,
        Sum: 320,
        Count: 2,
      },
      {
        ...row,
        Metric: "NetworkLatency",
        Dimensions: { InstanceId: "vm-2" },
        Minimum: 80,
        Maximum: 80,
        Sum: 80,
        Count: 1,
      },
      { ...row, Metric: "AgentHeartbeat", Dimensions: {}, Minimum: 1, Maximum: 1, Sum: 1, Count: 1 },
    ]);
    // The token: the audience the API documents, with the VM's user-assigned identity, asked once.
    const tokens = double.imdsSeen.filter((s) => s.path.startsWith("/metadata/identity/oauth2/token"));
    expect(tokens.map((s) => Object.fromEntries(new URL(s.path, "http://imds").searchParams))).toEqual([
      { "api-version": "2018-02-01", resource: "https://monitor.azure.com", client_id: "client-1" },
    ]);
    expect(queue.stats()).toMatchObject({ sent: 3, buffered: 0, rejected: 0 });
  });

  it("the double refuses what the API would: a missing column, a wrong type, an extra column, another stream", async () => {
    const good = {
      TimeGenerated: "2027-01-15T10:02:00.000Z",
      VmResourceId: VM,
      Namespace: "N",
      Metric: "M",
      Dimensions: {},
      Minimum: 1,
      Maximum: 1,
      Sum: 1,
      Count: 1,
    };
    const { Count: _count, ...missing } = good;
    const post = (rows: unknown, stream: string = AGENT_LOG_TABLE.stream) =>
      fetch(
        `${origin(double.ingestion)}/dataCollectionRules/${DCR}/streams/${stream}?api-version=2023-01-01`,
        {
          method: "POST",
          headers: {
            authorization: "Bearer token-for https://monitor.azure.com #1",
            "content-type": "application/json",
          },
          body: JSON.stringify(rows),
        },
      ).then(async (r) => `${r.status} ${await r.text()}`);

    expect(await post([good])).toBe("204 ");
    expect(await post([missing])).toContain("400");
    expect(await post([{ ...good, Count: 1.5 }])).toContain("row 0 column Count is not long");
    expect(await post([{ ...good, Dimensions: "{}" }])).toContain("row 0 column Dimensions is not dynamic");
    expect(await post([{ ...good, Extra: 1 }])).toContain("400");
    expect(await post([good], "Custom-Other_CL")).toContain("404");
  });

  describe("batching at the 1 MB limit", () => {
    // Dimension values this long make rows of ~1 to ~20 kB, so a few hundred to a few thousand rows
    // cross the limit.
    it.each([
      ["1,000 small rows: one call", 1_000, 10, 1],
      ["3,000 rows of ~1.2 kB: the limit splits them", 3_000, 1_000, 4],
      ["400 rows of ~10 kB", 400, 10_000, 5],
      ["60 rows of ~40 kB (30 dimensions at their longest)", 60, 40_000, 3],
    ])("%s", async (_case, count, dimensionBytes, calls) => {
      const dims = (i: number) => {
        const dimensions: Record<string, string> = {};
        for (let d = 0; d < Math.max(1, Math.ceil(dimensionBytes / 1_024)); d++)
          dimensions[`D${d}`] = `${i}-`.padEnd(Math.min(1_024, dimensionBytes), "x");
        return dimensions;
      };
      const data = Array.from({ length: count }, (_, i) =>
        datum("NetworkLatency", "2027-01-15T10:02:00Z", dims(i), i),
      );
      const p = publisher();
      await p.send([datum("Warm", "2027-01-15T10:02:00Z", {}, 0)]); // IMDS has told the resource id
      double.seen.length = 0;
      const queue = queueOf(p);
      queue.enqueue(data);

      await queue.flush();

      // Every call within the limit (the double answers 413 otherwise), each as full as it can be.
      const sizes = double.seen.map((s) => Buffer.byteLength(s.body, "utf8"));
      expect(sizes.every((size) => size <= LOGS_INGESTION_LIMITS.maxBodyBytes)).toBe(true);
      expect(double.seen).toHaveLength(calls);
      const rows = double.seen.map((s) => JSON.parse(s.body) as unknown[]);
      for (let i = 0; i + 1 < rows.length; i++) {
        const next = Buffer.byteLength(JSON.stringify(rows[i + 1]![0]), "utf8");
        expect(sizes[i]! + next + 1).toBeGreaterThan(LOGS_INGESTION_LIMITS.maxBodyBytes);
      }
      expect(rowsSent()).toHaveLength(count);
      expect(queue.stats()).toMatchObject({ sent: count, rejected: 0, failedAttempts: 0 });
    });

    it("before IMDS has told the resource id, reserves 1,024 bytes a row for it, and still fills calls to the limit", async () => {
      const dims = { D0: "x".repeat(1_000) };
      const data = Array.from({ length: 3_000 }, (_, i) => datum(`M${i}`, "2027-01-15T10:02:00Z", dims, i));
      const queue = queueOf(publisher());
      queue.enqueue(data);

      await queue.flush();

      // Sizes as the batching counted them: each row's id (the VM's, ASCII) counted as 1,024 bytes.
      const bodies = double.seen.map((s) => JSON.parse(s.body) as unknown[]);
      const counted = (rows: readonly unknown[]) =>
        Buffer.byteLength(JSON.stringify(rows), "utf8") + rows.length * (1_024 - VM.length);
      for (let i = 0; i < bodies.length; i++) {
        expect(Buffer.byteLength(double.seen[i]!.body, "utf8")).toBeLessThanOrEqual(
          LOGS_INGESTION_LIMITS.maxBodyBytes,
        );
        expect(counted(bodies[i]!)).toBeLessThanOrEqual(LOGS_INGESTION_LIMITS.maxBodyBytes);
        if (i + 1 < bodies.length)
          expect(counted([...bodies[i]!, bodies[i + 1]![0]])).toBeGreaterThan(
            LOGS_INGESTION_LIMITS.maxBodyBytes,
          );
      }
      const rows = bodies.map((b) => b.length);
      expect(rows.reduce((a, b) => a + b, 0)).toBe(3_000);
    });
  });

  describe("failures: what may succeed later", () => {
    const batch = [datum("NetworkLatency", "2027-01-15T10:02:00Z", { InstanceId: "vm-1" }, 1)];
    const what =
      "1 row of PersonasAgentMetrics_CL (from Personas/Agent/NetworkLatency at 2027-01-15T10:02:00.000Z)";
    it.each<[string, Scripted, boolean, number | undefined, string]>([
      [
        "429 with Retry-After in seconds",
        { ...refusal(429, "TooManyRequests", "Request rate exceeded"), headers: { "retry-after": "17" } },
        true,
        17_000,
        `${what} failed (HTTP 429, TooManyRequests: Request rate exceeded); will retry.`,
      ],
      [
        "503 with Retry-After as a date",
        { status: 503, headers: { "retry-after": "Fri, 15 Jan 2027 10:04:00 GMT" }, body: "" },
        true,
        30_000,
        `${what} failed (HTTP 503); will retry.`,
      ],
      [
        "500 without Retry-After",
        { status: 500, body: "oops" },
        true,
        undefined,
        `${what} failed (HTTP 500, oops); will retry.`,
      ],
      [
        "400: the rows do not match the DCR's stream",
        refusal(400, "InvalidStream", "column Count"),
        false,
        undefined,
        `${what} failed (HTTP 400, InvalidStream: column Count): the rows do not match what the data collection rule ${DCR} expects on stream Custom-PersonasAgentMetrics_CL. The agent writes the columns of PersonasAgentMetrics_CL this agent version defines; redeploy the fleet with the same pulumi-personas version so its data collection rule declares the same columns.`,
      ],
      [
        "401: the token is refused",
        refusal(401, "InvalidToken", "expired"),
        false,
        undefined,
        `${what} failed (HTTP 401, InvalidToken: expired): the token of the VM's identity (client id client-1) for https://monitor.azure.com was refused; check that the identity is assigned to the VM and belongs to the DCR's tenant.`,
      ],
      [
        "404: no such DCR or stream",
        refusal(404, "NotFound", "rule"),
        false,
        undefined,
        `${what} failed (HTTP 404, NotFound: rule): no data collection rule ${DCR} with stream Custom-PersonasAgentMetrics_CL at ${ENDPOINT}; check PERSONAS_AGENT_LOGS_ENDPOINT and PERSONAS_AGENT_LOGS_RULE_ID in personas-agent.service against the DCR's endpoints.logsIngestion and immutableId.`,
      ],
      [
        "413: over 1 MB",
        refusal(413, "ContentLengthLimitExceeded", "too big"),
        false,
        undefined,
        `${what} failed (HTTP 413, ContentLengthLimitExceeded: too big): the body (${Buffer.byteLength(JSON.stringify([{ TimeGenerated: "2027-01-15T10:02:00.000Z", VmResourceId: VM, Namespace: "Personas/Agent", Metric: "NetworkLatency", Dimensions: { InstanceId: "vm-1" }, Minimum: 1, Maximum: 1, Sum: 1, Count: 1 }]))} bytes) is over the Logs Ingestion API's 1 MB per call, which the agent's batching should prevent; please report it.`,
      ],
      [
        "another 4xx",
        refusal(409, "Conflict", "x"),
        false,
        undefined,
        `${what} failed (HTTP 409, Conflict: x).`,
      ],
    ])("%s", async (_case, answer, retryable, retryAfterMs, message) => {
      double.script = [answer];

      const error = (await publisher()
        .send(batch)
        .catch((e: unknown) => e)) as PublishError;

      expect(error).toBeInstanceOf(PublishError);
      expect({
        retryable: error.retryable,
        retryAfterMs: error.retryAfterMs,
        message: error.message,
      }).toEqual({
        retryable,
        retryAfterMs,
        message,
      });
    });

    it("403: retries while a new role assignment may still be propagating (30 minutes), then gives up saying what to assign", async () => {
      double.roleAssigned = false;
      const p = publisher();

      const early = (await p.send(batch).catch((e: unknown) => e)) as PublishError;
      clock = NOW + 29 * 60_000;
      const stillEarly = (await p.send(batch).catch((e: unknown) => e)) as PublishError;
      clock = NOW + 31 * 60_000;
      const late = (await p.send(batch).catch((e: unknown) => e)) as PublishError;

      expect([early.retryable, stillEarly.retryable, late.retryable]).toEqual([true, true, false]);
      expect(late.message).toBe(
        `${what} failed (HTTP 403, Forbidden: The authentication token provided does not have access to ingest data): the VM's identity (client id client-1) lacks the role Monitoring Metrics Publisher on the data collection rule ${DCR}; assign it on the DCR (AzurePersonaFleet does). A new assignment can take up to 30 minutes to apply, so the agent retries for its first 30 minutes and has stopped retrying.`,
      );
    });

    it("401 forgets the token, so the next call asks IMDS for a new one", async () => {
      const p = publisher();
      double.script = [refusal(401, "InvalidToken", "expired")];

      await p.send(batch).catch(() => undefined);
      await p.send(batch);

      const tokens = double.imdsSeen.filter((s) => s.path.startsWith("/metadata/identity/oauth2/token"));
      expect(tokens).toHaveLength(2);
      expect(double.seen[1]!.headers.authorization).toMatch(/#\d+$/);
      expect(double.seen[1]!.headers.authorization).not.toBe(double.seen[0]!.headers.authorization);
    });

    it("keeps the data when the endpoint or IMDS does not answer", async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const deadOrigin = origin(closed);
      await new Promise<void>((r) => closed.close(() => r()));
      const noEndpoint = new LogsIngestionPublisher({
        endpoint: ENDPOINT,
        dcrImmutableId: DCR,
        ingestionOrigin: deadOrigin,
        metadata: new AzureInstanceMetadata({ imdsOrigin: origin(double.imds), now: () => clock }),
      });
      const noImds = new LogsIngestionPublisher({
        endpoint: ENDPOINT,
        dcrImmutableId: DCR,
        ingestionOrigin: origin(double.ingestion),
        metadata: new AzureInstanceMetadata({ imdsOrigin: deadOrigin, now: () => clock }),
      });

      const errors = (await Promise.all(
        [noEndpoint.send(batch), noImds.send(batch)].map((p) => p.catch((e: unknown) => e)),
      )) as PublishError[];

      expect(errors.map((e) => [e instanceof PublishError, e.retryable])).toEqual([
        [true, true],
        [true, true],
      ]);
      expect(errors[0]!.message).toMatch(new RegExp(`^${what.replace(/[()]/g, "\\$&")}: no answer \\(`));
    });

    it("the queue waits at least as long as Retry-After asks", async () => {
      double.script = [{ ...refusal(429, "TooManyRequests", "slow down"), headers: { "retry-after": "45" } }];
      const logger = recordingLogger();
      const queue = queueOf(publisher(), logger);
      queue.enqueue(batch);

      await queue.flush();

      expect(queue.backingOff).toBe(true);
      const retry = logger.lines.find((l) => l.msg === "publishing failed; will retry");
      expect(retry?.fields).toMatchObject({ publisher: "logs-ingestion", retryInMs: 45_000, buffered: 1 });
      await queue.flush(true);
      expect(queue.stats()).toMatchObject({ sent: 1, buffered: 0 });
    });
  });

  describe("timestamps outside the ingestion window", () => {
    it("drops rows over 2 days old (or 1 day ahead) with a log line and sends the rest", async () => {
      const logger = recordingLogger();
      const queue = queueOf(publisher(), logger);
      queue.enqueue([
        datum("NetworkLatency", "2027-01-13T10:03:00Z", {}, 1),
        datum("NetworkLatency", "2027-01-15T10:02:00Z", {}, 2),
        datum("NetworkLatency", "2027-01-16T10:05:00Z", {}, 3),
      ]);

      await queue.flush();

      expect(rowsSent().map((r) => r.Sum)).toEqual([2]);
      expect(queue.stats()).toMatchObject({ sent: 1, rejected: 2 });
      expect(logger.lines.filter((l) => l.level === "error")).toEqual([
        {
          level: "error",
          msg: "datums rejected",
          fields: {
            publisher: "logs-ingestion",
            datums: 2,
            error: expect.objectContaining({
              message:
                "2 rows of PersonasAgentMetrics_CL (from Personas/Agent/NetworkLatency at 2027-01-13T10:03:00.000Z) are outside the window Azure Monitor Logs keeps timestamps in (2 days old to 1 day ahead; it would store them as received now), so they are dropped.",
            }),
          },
        },
      ]);
    });

    it("drops rows that aged past 2 days while waiting for a retry, logging them, and sends the rest", async () => {
      const logger = recordingLogger();
      const p = publisher(logger);
      const batch = p.batch([
        datum("NetworkLatency", "2027-01-13T10:04:00Z", {}, 1),
        datum("NetworkLatency", "2027-01-15T10:02:00Z", {}, 2),
      ]);
      expect(batch).toHaveLength(1);
      clock = NOW + 60_000;

      await p.send(batch[0]!);

      expect(rowsSent().map((r) => r.Sum)).toEqual([2]);
      expect(logger.lines).toEqual([
        {
          level: "warn",
          msg: "rows dropped: outside the Logs Ingestion timestamp window",
          fields: { publisher: "logs-ingestion", rows: 1, oldest: "2027-01-13T10:04:00.000Z" },
        },
      ]);
    });
  });

  it("refuses to label rows with a resource id that is not a VM's", async () => {
    double.resourceId = "/subscriptions/x/resourceGroups/rg";

    const p = publisher();
    const error = (await p
      .send([datum("M", "2027-01-15T10:02:00Z", {}, 1)])
      .catch((e: unknown) => e)) as PublishError;

    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      "1 row of PersonasAgentMetrics_CL (from Personas/Agent/M at 2027-01-15T10:02:00.000Z): the instance metadata's resourceId \"/subscriptions/x/resourceGroups/rg\" is not a virtual machine's resource id, so no alert rule could tell the VM; the rows are dropped.",
    );
    expect(double.seen).toEqual([]);
  });
});

describe("parseRetryAfter", () => {
  it.each<[string | null, number | undefined]>([
    ["30", 30_000],
    [" 0 ", 0],
    ["Fri, 15 Jan 2027 10:03:40 GMT", 10_000],
    ["Fri, 15 Jan 2027 10:00:00 GMT", 0],
    ["soon", undefined],
    ["-5", undefined],
    [null, undefined],
  ])("%s → %s ms", (header, ms) => {
    expect(parseRetryAfter(header, NOW)).toBe(ms);
  });
});
