/**
 * The agent: probe rounds and log tailers feed per-metric period windows; at each period boundary
 * the closed windows become datums for the {@link PublishQueue}, plus a heartbeat.
 */
import {
  type AgentConfig,
  type AgentMetric,
  type AgentUnit,
  DEFAULT_UNIT,
  parseAgentConfig,
} from "./config.js";
import { type AgentLogger, jsonLineLogger } from "./logger.js";
import { type ProbeResult, ProbeRounds, probeAll } from "./probes.js";
import { type MetricDatum, type MetricPublisher, PublishQueue, type PublishStats } from "./publisher.js";
import { PeriodSamples, singleValue } from "./stats.js";
import { LogTailer, type TailStats } from "./tail.js";

/** Options of a {@link TelemetryAgent}. */
export interface TelemetryAgentOptions {
  /** A validated configuration (see `parseAgentConfig`). */
  readonly config: AgentConfig;
  /**
   * Where datums go, e.g. a `CloudWatchPublisher`. Several publishers (Azure: custom metrics and the
   * Logs Ingestion table) get a queue each, so a backend that fails never holds the others back; the
   * first is the primary one, whose counters are `stats().publish`.
   */
  readonly publisher: MetricPublisher | readonly MetricPublisher[];
  /** Structured log sink. @default JSON lines on stdout */
  readonly logger?: AgentLogger;
  /** Random source for retry jitter. @default Math.random */
  readonly random?: () => number;
  /** Milliseconds since the epoch; tests pass a controlled clock. @default Date.now */
  readonly clock?: () => number;
}

/** What the agent has done since it started. */
export interface AgentStats {
  /** Probe rounds started. */
  readonly probeRounds: number;
  /** Probe rounds skipped because the previous one overran. */
  readonly skippedProbeRounds: number;
  /** Configurations applied after start-up. */
  readonly configReloads: number;
  /** Configurations rejected (the last good one kept running). */
  readonly configRejected: number;
  /** The primary publish queue's counters (the first publisher's). */
  readonly publish: PublishStats;
  /** Every publish queue's counters, by publisher name. */
  readonly publishers: Readonly<Record<string, PublishStats>>;
  /** Each tailed log, by name. */
  readonly logs: Readonly<Record<string, TailStats>>;
}

const MS_PER_UNIT: Partial<Record<AgentUnit, number>> = {
  Milliseconds: 1,
  Seconds: 1000,
  Microseconds: 0.001,
};

/** One metric's current period window. */
class MetricWindow {
  readonly sources: ReadonlySet<string> | undefined;
  start: number;
  latencies = new PeriodSamples();
  failures = 0;
  requests = 0;
  errors = 0;

  constructor(
    readonly metric: AgentMetric,
    readonly key: string,
    now: number,
  ) {
    this.sources = metric.from === undefined ? undefined : new Set(metric.from);
    this.start = windowStart(now, metric.period);
  }

  takes(source: string): boolean {
    return this.sources === undefined || this.sources.has(source);
  }

  get end(): number {
    return this.start + this.metric.period * 1000;
  }

  /** The datum for the finished window, if the signal has a value for it. */
  datum(namespace: string, dimensions: Record<string, string>): MetricDatum | undefined {
    const unit = this.metric.unit ?? DEFAULT_UNIT[this.metric.signal];
    const base = {
      namespace,
      name: this.metric.name,
      unit,
      timestamp: new Date(this.start),
      periodSeconds: this.metric.period,
      dimensions,
    };
    const scale = 1 / (MS_PER_UNIT[unit] ?? 1);
    switch (this.metric.signal) {
      case "probe.latency": {
        const set = this.latencies.statisticSet();
        if (set === undefined) return undefined;
        return {
          ...base,
          statistics: {
            sampleCount: set.sampleCount,
            sum: set.sum * scale,
            minimum: set.minimum * scale,
            maximum: set.maximum * scale,
          },
        };
      }
      case "probe.latencyP90": {
        const p90 = this.latencies.percentile(90);
        return p90 === undefined ? undefined : { ...base, statistics: singleValue(p90 * scale) };
      }
      case "probe.failures":
        return { ...base, statistics: singleValue(this.failures) };
      case "log.requests":
        return { ...base, statistics: singleValue(this.requests) };
      case "log.errors":
        return { ...base, statistics: singleValue(this.errors) };
      case "log.errorRate": {
        // No requests, no rate: a missing datapoint, left to the alarm's missing-data treatment.
        if (this.requests === 0) return undefined;
        const ratio = this.errors / this.requests;
        return { ...base, statistics: singleValue(unit === "Percent" ? ratio * 100 : ratio) };
      }
    }
  }

  reset(now: number): void {
    this.start = windowStart(now, this.metric.period);
    this.latencies = new PeriodSamples();
    this.failures = 0;
    this.requests = 0;
    this.errors = 0;
  }
}

function windowStart(now: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.floor(now / periodMs) * periodMs;
}

function metricKey(metric: AgentMetric): string {
  return JSON.stringify([
    metric.name,
    metric.period,
    metric.signal,
    metric.from ?? null,
    metric.unit ?? null,
  ]);
}

/**
 * The on-VM telemetry agent. `start()` runs it on timers; the methods it calls (`runProbeRound`,
 * `pollLogs`, `closePeriods`, `flush`) are public so tests and tools can drive it step by step.
 *
 * @example
 * ```ts
 * const agent = new TelemetryAgent({ config, publisher: new CloudWatchPublisher({}) });
 * agent.start();
 * process.once("SIGTERM", () => void agent.stop().then(() => process.exit(0)));
 * ```
 */
export class TelemetryAgent {
  private current: AgentConfig;
  private windows: MetricWindow[] = [];
  private readonly tailers = new Map<string, { tailer: LogTailer; name: string }>();
  private readonly queues: { readonly name: string; readonly queue: PublishQueue }[];
  private readonly logger: AgentLogger;
  private readonly rounds: ProbeRounds;
  private heartbeatStart: number;
  private periodTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private running = false;
  private reloads = 0;
  private rejected = 0;
  private readonly clock: () => number;

  constructor(options: TelemetryAgentOptions) {
    this.current = options.config;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? jsonLineLogger();
    const publishers = Array.isArray(options.publisher)
      ? (options.publisher as readonly MetricPublisher[])
      : [options.publisher as MetricPublisher];
    if (publishers.length === 0) throw new Error("TelemetryAgent needs at least one publisher");
    this.queues = publishers.map((publisher) => ({
      name: publisher.name,
      queue: new PublishQueue(publisher, {
        capacity: options.config.publish.maxBufferedDatums,
        retryBaseMs: options.config.publish.retryBaseMs,
        retryMaxMs: options.config.publish.retryMaxMs,
        logger: this.logger,
        ...(options.random === undefined ? {} : { random: options.random }),
      }),
    }));
    this.rounds = new ProbeRounds(
      options.config.probes.intervalSeconds * 1000,
      async () => {
        await this.runProbeRound();
      },
      (error) => this.logger.error("probe round failed", { error }),
    );
    this.heartbeatStart = windowStart(this.clock(), this.tickSeconds());
    this.applyConfig(options.config, this.clock());
  }

  /** The configuration in force. */
  get config(): AgentConfig {
    return this.current;
  }

  /** Starts probe rounds, log polling and the period timer. */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.current.probes.targets.length > 0) this.rounds.start();
    this.schedulePoll();
    this.schedulePeriod();
    this.logger.info("agent started", {
      metrics: this.current.metrics.length,
      probes: this.current.probes.targets.length,
      logs: this.current.logs.files.length,
      periodSeconds: this.tickSeconds(),
    });
  }

  /**
   * Replaces the configuration. Windows of unchanged metrics and the read offsets of files still
   * tailed are kept; publish settings other than the heartbeat name apply at the next start.
   */
  applyConfig(config: AgentConfig, now = this.clock()): void {
    const previous = new Map(this.windows.map((w) => [w.key, w]));
    this.windows = config.metrics.map((metric) => {
      const key = metricKey(metric);
      return previous.get(key) ?? new MetricWindow(metric, key, now);
    });
    const wanted = new Map(config.logs.files.map((file) => [file.path, file]));
    for (const [path, entry] of this.tailers) {
      if (!wanted.has(path)) {
        this.tailers.delete(path);
        void entry.tailer.close();
      }
    }
    for (const file of config.logs.files) {
      const onLine = this.lineCounter(file.name, file.requestPattern, file.errorPattern);
      const existing = this.tailers.get(file.path);
      if (existing) {
        existing.tailer.setLineHandler(onLine);
        existing.name = file.name;
      } else {
        this.tailers.set(file.path, { tailer: new LogTailer(file.path, onLine), name: file.name });
      }
    }
    const probesBefore = this.current.probes.targets.length;
    this.current = config;
    this.rounds.setInterval(config.probes.intervalSeconds * 1000);
    if (this.running) {
      if (probesBefore === 0 && config.probes.targets.length > 0) this.rounds.start();
      this.schedulePoll();
    }
  }

  /**
   * Reads, validates and applies a new configuration. A bad one is logged with every problem and the
   * last good configuration keeps running.
   *
   * @returns true when the new configuration was applied.
   */
  async reload(read: () => Promise<string>, source: string): Promise<boolean> {
    try {
      const config = parseAgentConfig(await read(), source);
      this.applyConfig(config);
      this.reloads++;
      this.logger.info("configuration reloaded", { source, metrics: config.metrics.length });
      return true;
    } catch (error) {
      this.rejected++;
      this.logger.error("configuration rejected; keeping the last good one", {
        source,
        reason: (error as Error).message,
      });
      return false;
    }
  }

  /** Probes every target once and records the results. */
  async runProbeRound(): Promise<ProbeResult[]> {
    const results = await probeAll(this.current.probes.targets);
    this.recordProbes(results, this.clock());
    return results;
  }

  /** Records probe results into the windows open at `now`. */
  recordProbes(results: readonly ProbeResult[], now = this.clock()): void {
    for (const window of this.windows) {
      if (!window.metric.signal.startsWith("probe.")) continue;
      for (const result of results) {
        if (!window.takes(result.target)) continue;
        if (now >= window.end) this.carry(window, now);
        if (result.ok) window.latencies.add(result.latencyMs);
        else window.failures++;
      }
    }
  }

  /** Reads new lines from every tailed file. */
  async pollLogs(): Promise<void> {
    await Promise.all(
      [...this.tailers.values()].map(({ tailer, name }) =>
        tailer
          .poll()
          .catch((error) => this.logger.warn("log read failed", { log: name, path: tailer.path, error })),
      ),
    );
  }

  /**
   * Closes every window that ended at or before `now`, queues their datums and the heartbeat, and
   * returns what was queued.
   */
  closePeriods(now = this.clock()): MetricDatum[] {
    const datums: MetricDatum[] = [];
    const { namespace, dimensions } = this.current;
    for (const window of this.windows) {
      if (now < window.end) continue;
      const datum = window.datum(namespace, dimensions);
      if (datum) datums.push(datum);
      window.reset(now);
    }
    datums.push(...this.drainCarried());
    const tick = this.tickSeconds();
    const heartbeat = this.current.publish.heartbeatMetric;
    if (now >= this.heartbeatStart + tick * 1000) {
      if (heartbeat !== "") {
        datums.push({
          namespace,
          name: heartbeat,
          unit: "Count",
          timestamp: new Date(this.heartbeatStart),
          periodSeconds: tick,
          dimensions,
          statistics: singleValue(1),
        });
      }
      this.heartbeatStart = windowStart(now, tick);
    }
    for (const { queue } of this.queues) queue.enqueue(datums);
    return datums;
  }

  /** Sends what is queued, to every publisher at once (each unless backing off after a failure). */
  async flush(): Promise<void> {
    await Promise.all(this.queues.map(({ queue }) => queue.flush()));
  }

  /** Counters for logs and tests. */
  stats(): AgentStats {
    const logs: Record<string, TailStats> = {};
    for (const { tailer, name } of this.tailers.values()) logs[name] = tailer.stats();
    return {
      probeRounds: this.rounds.started,
      skippedProbeRounds: this.rounds.skipped,
      configReloads: this.reloads,
      configRejected: this.rejected,
      publish: this.queues[0]!.queue.stats(),
      publishers: Object.fromEntries(this.queues.map(({ name, queue }) => [name, queue.stats()])),
      logs,
    };
  }

  /**
   * Stops the timers, reads the logs one last time, publishes the unfinished periods (so a SIGTERM
   * loses nothing already measured) and makes a last attempt to send the buffer.
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.periodTimer !== undefined) clearTimeout(this.periodTimer);
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    await this.rounds.stop();
    await this.pollLogs();
    const now = this.clock();
    const { namespace, dimensions } = this.current;
    const partial = this.windows.flatMap((w) => w.datum(namespace, dimensions) ?? []);
    const last = [...this.drainCarried(), ...partial];
    for (const { queue } of this.queues) queue.enqueue(last);
    this.windows.forEach((w) => {
      w.reset(now);
    });
    await Promise.all(this.queues.map(({ queue }) => queue.close()));
    await Promise.all([...this.tailers.values()].map(({ tailer }) => tailer.close()));
    for (const { name, queue } of this.queues) {
      const stats = queue.stats();
      this.logger.info("agent stopped", {
        ...(this.queues.length > 1 ? { publisher: name } : {}),
        sent: stats.sent,
        buffered: stats.buffered,
        dropped: stats.dropped,
      });
    }
  }

  /** The shortest metric period: the timer's beat and the heartbeat's period. */
  private tickSeconds(): 10 | 60 {
    return this.current.metrics.some((m) => m.period === 10) ? 10 : 60;
  }

  private carried: MetricDatum[] = [];

  /** A sample arrived after its window ended but before the timer closed it: close it now. */
  private carry(window: MetricWindow, now: number): void {
    const datum = window.datum(this.current.namespace, this.current.dimensions);
    if (datum) this.carried.push(datum);
    window.reset(now);
  }

  private drainCarried(): MetricDatum[] {
    const carried = this.carried;
    this.carried = [];
    return carried;
  }

  private lineCounter(
    log: string,
    requestPattern: string | undefined,
    errorPattern: string,
  ): (line: string) => void {
    const request = requestPattern === undefined ? undefined : new RegExp(requestPattern);
    const error = new RegExp(errorPattern);
    return (line) => {
      const isRequest = request === undefined || request.test(line);
      const isError = error.test(line);
      if (!isRequest && !isError) return;
      const now = this.clock();
      for (const window of this.windows) {
        if (!window.metric.signal.startsWith("log.") || !window.takes(log)) continue;
        if (now >= window.end) this.carry(window, now);
        if (isRequest) window.requests++;
        if (isError) window.errors++;
      }
    };
  }

  private schedulePoll(): void {
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    if (!this.running || this.tailers.size === 0) return;
    this.pollTimer = setTimeout(() => {
      void this.pollLogs().finally(() => this.schedulePoll());
    }, this.current.logs.pollIntervalMs);
  }

  private schedulePeriod(): void {
    if (!this.running) return;
    const tickMs = this.tickSeconds() * 1000;
    const now = this.clock();
    // Just past the boundary, so the window that ended is complete.
    const delay = windowStart(now, this.tickSeconds()) + tickMs - now + 50;
    this.periodTimer = setTimeout(() => {
      void this.onPeriod().finally(() => this.schedulePeriod());
    }, delay);
  }

  private async onPeriod(): Promise<void> {
    await this.pollLogs();
    const datums = this.closePeriods();
    await this.flush();
    for (const { name, queue } of this.queues) {
      const stats = queue.stats();
      if (stats.consecutiveFailures > 0 || stats.dropped > 0) {
        this.logger.warn("publishing behind", {
          ...(this.queues.length > 1 ? { publisher: name } : {}),
          queued: datums.length,
          buffered: stats.buffered,
          dropped: stats.dropped,
        });
      }
    }
  }
}
