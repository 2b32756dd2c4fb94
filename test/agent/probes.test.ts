import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ProbeRounds, probeHttp, probeTcp } from "../../src/agent/probes.js";

/**
 * Node's timers may fire up to about a millisecond before the high-resolution clock says the delay
 * has passed (a probe timed at 99.94 ms for a 100 ms timer), so lower bounds on a measured latency
 * allow this much.
 */
const TIMER_SLACK_MS = 2;

/** An HTTP server on loopback whose response delay and status tests can change. */
let delayMs = 0;
let status = 200;
let http: Server;
let httpPort = 0;
/** A TCP listener that accepts connections and never writes. */
let silent: TcpServer;
let silentPort = 0;
const held: Socket[] = [];

beforeAll(async () => {
  http = createHttpServer((_req, res) => {
    setTimeout(() => {
      res.statusCode = status;
      res.end("ok");
    }, delayMs);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  httpPort = (http.address() as { port: number }).port;
  silent = createTcpServer((socket) => held.push(socket));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  silentPort = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await new Promise((r) => silent.close(r));
});

const httpTarget = (path = "/") => ({
  name: "web",
  kind: "http" as const,
  url: `http://127.0.0.1:${httpPort}${path}`,
  method: "GET" as const,
  minStatus: 200,
  maxStatus: 399,
  timeoutMs: 1000,
});

describe("probeHttp", () => {
  it("times the request to the last byte, including the server's delay", async () => {
    // Prepare
    delayMs = 150;
    status = 200;

    // Act
    const result = await probeHttp(httpTarget());

    // Assess
    expect(result.ok).toBe(true);
    expect(result.target).toBe("web");
    expect(result.latencyMs).toBeGreaterThanOrEqual(150 - TIMER_SLACK_MS);
  });

  it("fails with the reason when the server answers later than the timeout", async () => {
    delayMs = 400;

    const result = await probeHttp({ ...httpTarget(), timeoutMs: 100 });

    expect(result).toMatchObject({ ok: false, reason: "timeout after 100 ms" });
    expect(result.latencyMs).toBeGreaterThanOrEqual(100 - TIMER_SLACK_MS);
  });

  it("fails on a status outside minStatus..maxStatus", async () => {
    delayMs = 0;
    status = 503;

    const result = await probeHttp(httpTarget());

    expect(result).toMatchObject({ target: "web", ok: false, reason: "HTTP 503" });
  });
});

describe("probeTcp", () => {
  it("times a TCP connect to a listening port", async () => {
    const result = await probeTcp({
      name: "db",
      kind: "tcp",
      host: "127.0.0.1",
      port: httpPort,
      timeoutMs: 1000,
    });

    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("fails with ECONNREFUSED on a closed port", async () => {
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));

    const result = await probeTcp({ name: "db", kind: "tcp", host: "127.0.0.1", port, timeoutMs: 1000 });

    expect(result).toMatchObject({ target: "db", ok: false, reason: "ECONNREFUSED" });
  });

  it("succeeds on a listener that accepts but never speaks (connect is all it measures)", async () => {
    const result = await probeTcp({
      name: "db",
      kind: "tcp",
      host: "127.0.0.1",
      port: silentPort,
      timeoutMs: 1000,
    });

    expect(result.ok).toBe(true);
  });
});

describe("ProbeRounds", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("never overlaps rounds: a round that overruns skips the slots it covered, and counts them", async () => {
    // Prepare: rounds every 1 s; the second round takes 2.5 s.
    vi.useFakeTimers({ now: 0 });
    const startedAt: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const rounds = new ProbeRounds(1000, async () => {
      startedAt.push(Date.now());
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, startedAt.length === 2 ? 2500 : 10));
      running--;
    });

    // Act
    rounds.start();
    await vi.advanceTimersByTimeAsync(6000);
    const stopped = rounds.stop();
    await vi.advanceTimersByTimeAsync(100);
    await stopped;

    // Assess: slots at 0, 1000, [2000, 3000 skipped], 4000, 5000, 6000
    expect(startedAt).toEqual([0, 1000, 4000, 5000, 6000]);
    expect(rounds.started).toBe(5);
    expect(rounds.skipped).toBe(2);
    expect(maxRunning).toBe(1);
  });
});
