/**
 * Network latency probes: TCP connect time and HTTP request time (sent → last byte), each with a
 * timeout, and {@link ProbeRounds}, which runs rounds on a fixed rate without ever overlapping them.
 */
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import type { ProbeTarget } from "./config.js";

/** The outcome of one probe. */
export type ProbeResult =
  | { readonly target: string; readonly ok: true; readonly latencyMs: number }
  | { readonly target: string; readonly ok: false; readonly latencyMs: number; readonly reason: string };

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Times a TCP connect to the target's host and port; never rejects.
 *
 * @example
 * ```ts
 * const result = await probeTcp({ name: "db", kind: "tcp", host: "10.0.0.5", port: 5432, timeoutMs: 2000 });
 * ```
 */
export function probeTcp(target: Extract<ProbeTarget, { kind: "tcp" }>): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const socket = connect({ host: target.host, port: target.port });
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish({
          target: target.name,
          ok: false,
          latencyMs: elapsedMs(start),
          reason: `timeout after ${target.timeoutMs} ms`,
        }),
      target.timeoutMs,
    );
    socket.once("connect", () => finish({ target: target.name, ok: true, latencyMs: elapsedMs(start) }));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      finish({
        target: target.name,
        ok: false,
        latencyMs: elapsedMs(start),
        reason: error.code ?? error.message,
      }),
    );
  });
}

/**
 * Times an HTTP(S) request on a fresh connection, from sending it to the last byte of the response;
 * a status outside `minStatus..maxStatus` is a failure. Never rejects.
 *
 * @example
 * ```ts
 * const result = await probeHttp({ name: "web", kind: "http", url: "http://127.0.0.1/health",
 *   method: "GET", minStatus: 200, maxStatus: 399, timeoutMs: 2000 });
 * ```
 */
export async function probeHttp(target: Extract<ProbeTarget, { kind: "http" }>): Promise<ProbeResult> {
  // node:https (and TLS) is loaded only when an https target is configured.
  const send: typeof httpRequest = target.url.startsWith("https:")
    ? (await import("node:https")).request
    : httpRequest;
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    // A fresh connection each time (agent: false): the probe measures what a new client would see.
    const req = send(target.url, { method: target.method, agent: false }, (response) => {
      response.resume();
      response.once("end", () => {
        const status = response.statusCode ?? 0;
        const latencyMs = elapsedMs(start);
        if (status >= target.minStatus && status <= target.maxStatus) {
          finish({ target: target.name, ok: true, latencyMs });
        } else {
          finish({ target: target.name, ok: false, latencyMs, reason: `HTTP ${status}` });
        }
      });
      response.once("error", (error) =>
        finish({ target: target.name, ok: false, latencyMs: elapsedMs(start), reason: error.message }),
      );
    });
    const timer = setTimeout(
      () =>
        finish({
          target: target.name,
          ok: false,
          latencyMs: elapsedMs(start),
          reason: `timeout after ${target.timeoutMs} ms`,
        }),
      target.timeoutMs,
    );
    req.once("error", (error: NodeJS.ErrnoException) =>
      finish({
        target: target.name,
        ok: false,
        latencyMs: elapsedMs(start),
        reason: error.code ?? error.message,
      }),
    );
    req.end();
  });
}

/**
 * Probes one target of either kind.
 * @internal
 */
export function probeTarget(target: ProbeTarget): Promise<ProbeResult> {
  return target.kind === "tcp" ? probeTcp(target) : probeHttp(target);
}

/** Probes all targets at once; resolves when every probe has finished or timed out. */
export function probeAll(targets: readonly ProbeTarget[]): Promise<ProbeResult[]> {
  return Promise.all(targets.map(probeTarget));
}

/**
 * Runs `round` every `intervalMs` on a fixed rate (slots at start + k × interval). A round never
 * overlaps the previous one: when a round overruns, the slots it covered are skipped and counted,
 * and the next round starts at the next free slot.
 *
 * @example
 * ```ts
 * const rounds = new ProbeRounds(5_000, async () => record(await probeAll(targets)));
 * rounds.start();
 * ```
 */
export class ProbeRounds {
  /** Rounds started. */
  started = 0;
  /** Slots skipped because the previous round was still running. */
  skipped = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private nextSlot = 0;
  private stopped = true;

  constructor(
    private intervalMs: number,
    private readonly round: () => Promise<void>,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Starts the first round now. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.nextSlot = Date.now();
    this.tick();
  }

  /** Changes the interval from the next slot on. */
  setInterval(intervalMs: number): void {
    this.intervalMs = intervalMs;
  }

  /** Stops scheduling and waits for a running round to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.stopped) return;
    this.started++;
    this.running = this.round()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        this.scheduleNext();
      });
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.nextSlot += this.intervalMs;
    while (this.nextSlot < now) {
      this.nextSlot += this.intervalMs;
      this.skipped++;
    }
    this.timer = setTimeout(() => this.tick(), this.nextSlot - now);
  }
}
