/**
 * The cloud-neutral publishing side: a datum model, the one-interface {@link MetricPublisher} each
 * backend implements (CloudWatch, Azure Monitor custom metrics, the Azure Logs Ingestion table), and
 * the {@link PublishQueue} that buffers, batches and retries for any of them.
 */
import type { AgentUnit } from "./config.js";
import { PublishError } from "./errors.js";
import type { AgentLogger } from "./logger.js";
import type { StatisticSet } from "./stats.js";

/** One aggregated datapoint: a metric's statistic set over one period. */
export interface MetricDatum {
  /** Namespace (CloudWatch) or metric namespace (Azure) it belongs to. */
  readonly namespace: string;
  /** Metric name. */
  readonly name: string;
  /** Unit of the values. */
  readonly unit: AgentUnit;
  /** Start of the period. */
  readonly timestamp: Date;
  /** Period length in seconds; 10 is published at high resolution. */
  readonly periodSeconds: 10 | 60;
  /** Dimension name → value. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** The values of the period. */
  readonly statistics: StatisticSet;
}

/**
 * A metrics backend. `batch` splits data into requests the backend accepts; `send` delivers one of
 * them and throws {@link PublishError} (with `retryable`) when it cannot.
 */
export interface MetricPublisher {
  /** Short name for logs, e.g. `cloudwatch`. */
  readonly name: string;
  /** Splits `data` into batches within the backend's request limits, keeping their order. */
  batch(data: readonly MetricDatum[]): MetricDatum[][];
  /** Delivers one batch produced by {@link MetricPublisher.batch}. */
  send(batch: readonly MetricDatum[]): Promise<void>;
}

/** Options of a {@link PublishQueue}. */
export interface PublishQueueOptions {
  /** Most datums kept while the backend is unreachable; the oldest are dropped and counted. */
  readonly capacity: number;
  /** First retry delay in milliseconds; it doubles with each consecutive failure. */
  readonly retryBaseMs: number;
  /** Longest retry delay in milliseconds. */
  readonly retryMaxMs: number;
  /** Where failures and recoveries are reported. */
  readonly logger: AgentLogger;
  /** Random source in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

/** Counters of a {@link PublishQueue}, since it was created. */
export interface PublishStats {
  /** Datums waiting to be sent. */
  readonly buffered: number;
  /** Datums delivered. */
  readonly sent: number;
  /** Datums dropped because the buffer was full (the oldest go first). */
  readonly dropped: number;
  /** Datums the backend refused as invalid (not retried). */
  readonly rejected: number;
  /** Requests that failed and were retried later. */
  readonly failedAttempts: number;
  /** Failures since the last success; 0 when healthy. */
  readonly consecutiveFailures: number;
}

/**
 * Groups datums by namespace, metric, minute and dimension names (as `dimensionNames` picks them),
 * in first-seen order, merging the datums of one minute and dimension values into one whose
 * timestamp is the minute's start. Azure stores agent metrics per minute (custom metrics and the
 * Log Analytics table alike), so a 10-second datum joins its minute.
 * @internal
 */
export function minuteSeries(
  data: readonly MetricDatum[],
  dimensionNames: (datum: MetricDatum) => readonly string[],
): MetricDatum[][] {
  const groups = new Map<string, Map<string, MetricDatum>>();
  for (const datum of data) {
    const names = dimensionNames(datum);
    const minute = Math.floor(datum.timestamp.getTime() / 60_000) * 60_000;
    const key = JSON.stringify([datum.namespace, datum.name, minute, names]);
    const series = groups.get(key) ?? new Map<string, MetricDatum>();
    groups.set(key, series);
    const values = JSON.stringify(names.map((n) => datum.dimensions[n]));
    const seen = series.get(values);
    series.set(
      values,
      seen === undefined
        ? { ...datum, timestamp: new Date(minute), periodSeconds: 60 }
        : {
            ...seen,
            statistics: {
              sampleCount: seen.statistics.sampleCount + datum.statistics.sampleCount,
              sum: seen.statistics.sum + datum.statistics.sum,
              minimum: Math.min(seen.statistics.minimum, datum.statistics.minimum),
              maximum: Math.max(seen.statistics.maximum, datum.statistics.maximum),
            },
          },
    );
  }
  return [...groups.values()].map((series) => [...series.values()]);
}

/**
 * The longest `Retry-After` a {@link PublishQueue} honours: a service asking for more is retried
 * after an hour anyway, so a wrong header cannot stop publishing for days.
 * @internal
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Full-jitter exponential backoff: a random delay in [0, min(max, base × 2^(failures − 1))).
 * Jitter spreads a fleet's retries so instances do not return to CloudWatch in lockstep.
 * @internal
 */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

/**
 * A bounded buffer in front of a {@link MetricPublisher}. `enqueue` never blocks; `flush` sends what
 * is buffered, one request at a time. On a retryable failure the data stays buffered and a retry is
 * scheduled with backoff; it recovers by itself once the backend answers again.
 *
 * @example
 * ```ts
 * const queue = new PublishQueue(new CloudWatchPublisher({}), { capacity: 10_000, retryBaseMs: 500,
 *   retryMaxMs: 60_000, logger: jsonLineLogger() });
 * queue.enqueue(datums);
 * await queue.flush();
 * ```
 */
export class PublishQueue {
  private buffer: MetricDatum[] = [];
  private counters = { sent: 0, dropped: 0, rejected: 0, failedAttempts: 0, consecutiveFailures: 0 };
  private inFlight: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly random: () => number;

  constructor(
    private readonly publisher: MetricPublisher,
    private readonly options: PublishQueueOptions,
  ) {
    this.random = options.random ?? Math.random;
  }

  /** Adds datums at the back; beyond capacity, the oldest are dropped and counted. */
  enqueue(data: readonly MetricDatum[]): void {
    this.buffer.push(...data);
    this.trim();
  }

  /** True while waiting for a scheduled retry after a failure. */
  get backingOff(): boolean {
    return this.retryTimer !== undefined;
  }

  /**
   * Sends everything buffered now. While backing off after a failure it does nothing (the scheduled
   * retry will send), unless `force` is set (shutdown).
   */
  flush(force = false): Promise<void> {
    if (this.backingOff && !force) return Promise.resolve();
    if (force) this.cancelRetry();
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.drain().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** A snapshot of the counters. */
  stats(): PublishStats {
    return { buffered: this.buffer.length, ...this.counters };
  }

  /** Stops scheduling retries, then makes one last attempt to send what is buffered. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelRetry();
    await this.inFlight;
    await this.drain();
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const pending = this.buffer;
      this.buffer = [];
      const batches = this.publisher.batch(pending);
      for (let i = 0; i < batches.length; i++) {
        const batch = batches[i]!;
        try {
          await this.publisher.send(batch);
          this.counters.sent += batch.length;
          if (this.counters.consecutiveFailures > 0) {
            this.options.logger.info("publishing recovered", {
              publisher: this.publisher.name,
              afterFailures: this.counters.consecutiveFailures,
              dropped: this.counters.dropped,
            });
          }
          this.counters.consecutiveFailures = 0;
        } catch (error) {
          const retryable = !(error instanceof PublishError) || error.retryable;
          if (!retryable) {
            this.counters.rejected += batch.length;
            this.options.logger.error("datums rejected", {
              publisher: this.publisher.name,
              datums: batch.length,
              error,
            });
            continue;
          }
          // Put this batch and the unsent ones back in front of anything enqueued meanwhile.
          this.buffer = [...batches.slice(i).flat(), ...this.buffer];
          this.trim();
          this.counters.failedAttempts++;
          this.counters.consecutiveFailures++;
          this.scheduleRetry(error);
          return;
        }
      }
    }
  }

  private scheduleRetry(error: unknown): void {
    const backoffMs = backoffDelay(
      this.counters.consecutiveFailures,
      this.options.retryBaseMs,
      this.options.retryMaxMs,
      this.random,
    );
    // A service that says when to come back (429/503 with Retry-After) is not asked earlier.
    const retryAfterMs = error instanceof PublishError ? (error.retryAfterMs ?? 0) : 0;
    const delayMs = Math.max(backoffMs, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
    this.options.logger.warn("publishing failed; will retry", {
      publisher: this.publisher.name,
      consecutiveFailures: this.counters.consecutiveFailures,
      retryInMs: delayMs,
      buffered: this.buffer.length,
      dropped: this.counters.dropped,
      error,
    });
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, delayMs);
    this.retryTimer.unref();
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private trim(): void {
    const excess = this.buffer.length - this.options.capacity;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.counters.dropped += excess;
    }
  }
}
