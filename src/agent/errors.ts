/**
 * Errors of the on-VM telemetry agent. Each carries the context a user needs to act on it.
 */
import { PersonasError } from "../errors.js";

/**
 * Thrown when an agent configuration (a file, an SSM parameter or an object) is not valid JSON or
 * breaks the schema. The message lists every problem at once, one per line, sorted by path.
 */
export class AgentConfigError extends PersonasError {
  /** Where the configuration came from, e.g. `/etc/personas-agent/config.json` or `ssm:/personas/web`. */
  readonly source: string;
  /** Each problem as `path: what is wrong`, sorted by path. */
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[], options?: { cause?: unknown }) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(
      "AGENT_CONFIG_INVALID",
      `The agent configuration from ${source} is invalid (${count}); fix it and send SIGHUP to reload:\n${problems
        .map((p) => `  - ${p}`)
        .join("\n")}`,
      options,
    );
    this.source = source;
    this.problems = problems;
  }
}

/**
 * Thrown by a {@link MetricPublisher} when a batch could not be delivered. `retryable` says whether
 * sending the same batch again may succeed (network failure, throttling, a 5xx) or not (the service
 * rejected the data itself).
 */
export class PublishError extends PersonasError {
  /** The publisher that failed, e.g. `cloudwatch`. */
  readonly publisher: string;
  /** True when the same batch may succeed later. */
  readonly retryable: boolean;

  constructor(publisher: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super("AGENT_PUBLISH_FAILED", message, options);
    this.publisher = publisher;
    this.retryable = retryable;
  }
}
