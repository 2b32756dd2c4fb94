/**
 * Structured logging: one JSON object per line on stdout, which systemd hands to the journal.
 */

/** Extra fields of a log line. */
export type LogFields = Record<string, unknown>;

/** Where the agent reports what it does; tests pass one that records lines. */
export interface AgentLogger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * A logger writing `{"time","level","msg",...fields}` lines to `write` (stdout by default).
 *
 * @example
 * ```ts
 * const log = jsonLineLogger();
 * log.warn("configuration rejected", { source: "ssm:/personas/web" });
 * ```
 */
export function jsonLineLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
): AgentLogger {
  const emit = (level: string, msg: string, fields?: LogFields) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, errorReplacer)}\n`);
  };
  return {
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
