/** Builders the agent's tests share: a datum of one value and a logger that records its lines. */
import type { AgentLogger } from "../../src/agent/logger.js";
import type { MetricDatum } from "../../src/agent/publisher.js";

/** A `Personas/Agent` datum in milliseconds holding one value. */
export function latencyDatum(
  name: string,
  at: string,
  dimensions: Record<string, string>,
  value: number,
  period: 10 | 60 = 60,
): MetricDatum {
  return {
    namespace: "Personas/Agent",
    name,
    unit: "Milliseconds",
    timestamp: new Date(at),
    periodSeconds: period,
    dimensions,
    statistics: { sampleCount: 1, sum: value, minimum: value, maximum: value },
  };
}

/** One recorded log line. */
export interface LoggedLine {
  level: string;
  msg: string;
  fields?: object;
}

/** A logger that keeps every line in `lines`. */
export function recordingLogger(): AgentLogger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (msg: string, fields?: object) => {
    lines.push({ level, msg, ...(fields === undefined ? {} : { fields }) });
  };
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}
