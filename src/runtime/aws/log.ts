/**
 * Structured JSON logs with CloudWatch metrics embedded (the Embedded Metric Format): one line per
 * decision carries the fields for people and the metric for alarms, with no PutMetricData call and
 * no extra latency. Lambda sends stdout to CloudWatch Logs, which extracts the metrics.
 */

/** Where log lines go. @default one line on stdout */
export type LogSink = (line: string) => void;

/** One metric in a log line. */
export interface MetricPoint {
  /** Metric name, e.g. `Decisions`. */
  name: string;
  value: number;
  unit: "Count" | "Milliseconds" | "None";
  /** Dimension name → value; `Fleet` and `Responder` are added to every metric. */
  dimensions: Record<string, string>;
}

/** The outcome of one decision. */
export type DecisionOutcome = "acted" | "skipped" | "failed" | "rejected";

/** A logger bound to one responder of one fleet. */
export class ResponderLog {
  constructor(
    private readonly base: { responder: string; fleet: string; namespace: string },
    private readonly sink: LogSink = (line) => process.stdout.write(`${line}\n`),
  ) {}

  /** Writes an informational line. */
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.write("info", message, fields);
  }

  /** Writes a warning line. */
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.write("warn", message, fields);
  }

  /** Writes an error line; `error` is flattened to its name, code, message and cause. */
  error(message: string, error: unknown, fields: Record<string, unknown> = {}): void {
    this.write("error", message, { ...fields, error: describeError(error) });
  }

  /**
   * Logs a decision with the `Decisions` metric (dimensions Fleet, Responder, Outcome, and Reason
   * when given), so every acted / skipped / failed / rejected invocation is counted.
   */
  decision(
    outcome: DecisionOutcome,
    message: string,
    fields: Record<string, unknown> & { reason?: string } = {},
  ): void {
    const dimensions: Record<string, string> = { Outcome: outcome };
    if (fields.reason !== undefined) dimensions.Reason = fields.reason;
    const level = outcome === "failed" || outcome === "rejected" ? "error" : "info";
    this.write(level, message, { ...fields, outcome }, [
      { name: "Decisions", value: 1, unit: "Count", dimensions },
    ]);
  }

  /** Logs a line that carries metrics. */
  metric(message: string, metrics: readonly MetricPoint[], fields: Record<string, unknown> = {}): void {
    this.write("info", message, fields, metrics);
  }

  private write(
    level: string,
    message: string,
    fields: Record<string, unknown>,
    metrics: readonly MetricPoint[] = [],
  ): void {
    const line: Record<string, unknown> = {
      level,
      message,
      responder: this.base.responder,
      fleet: this.base.fleet,
      ...fields,
    };
    if (metrics.length > 0) {
      const directives = metrics.map((m) => {
        const dimensions = { Fleet: this.base.fleet, Responder: this.base.responder, ...m.dimensions };
        for (const [key, value] of Object.entries(dimensions)) line[key] = value;
        line[m.name] = (typeof line[m.name] === "number" ? (line[m.name] as number) : 0) + m.value;
        return {
          Namespace: this.base.namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: [{ Name: m.name, Unit: m.unit }],
        };
      });
      line._aws = { Timestamp: Date.now(), CloudWatchMetrics: directives };
    }
    this.sink(JSON.stringify(line));
  }
}

/** An error as plain fields for a log line. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") out.code = code;
  if (error.cause !== undefined) out.cause = describeError(error.cause);
  return out;
}
