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
 * Thrown when a setting the agent's systemd unit passes in its environment (the Azure Logs Ingestion
 * settings) is invalid. The agent does not start: without them the fleet's log search rules would
 * never see this VM. The message lists every problem, one per line.
 */
export class AgentEnvironmentError extends PersonasError {
  /** Each problem as `VARIABLE: what is wrong`, sorted. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(
      "AGENT_ENVIRONMENT_INVALID",
      `The personas agent's environment is invalid (${count}); the Azure custom data sets these variables in personas-agent.service: fix the unit, then restart the agent:\n${problems
        .map((p) => `  - ${p}`)
        .join("\n")}`,
      options,
    );
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
  /** How long the service asked to wait before the next attempt (its `Retry-After`), if it did. */
  readonly retryAfterMs: number | undefined;

  constructor(
    publisher: string,
    message: string,
    retryable: boolean,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(
      "AGENT_PUBLISH_FAILED",
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.publisher = publisher;
    this.retryable = retryable;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * Thrown by the agent's AWS client when it has no credentials to sign with: none in the environment
 * and none from the EC2 instance profile (instance metadata unreachable, or no role attached).
 * Publishing retries later, since a role can be attached to a running instance.
 */
export class AwsCredentialsError extends PersonasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("AGENT_AWS_CREDENTIALS", message, options);
  }
}

/**
 * Thrown by the agent's AWS client when it cannot tell which region to call: none configured, none
 * in the environment, and instance metadata unreachable. Publishing retries later.
 */
export class AwsRegionError extends PersonasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("AGENT_AWS_REGION", message, options);
  }
}

/**
 * Thrown by the agent's AWS client when an AWS API call fails: no answer (network), or an error
 * answer from the service. `retryable` says whether the same call may succeed later.
 */
export class AwsRequestError extends PersonasError {
  /** The API operation, e.g. `PutMetricData`. */
  readonly operation: string;
  /** HTTP status of the answer; undefined when there was none. */
  readonly status: number | undefined;
  /** The service's error code, e.g. `Throttling` or `ParameterNotFound`. */
  readonly errorCode: string | undefined;
  /** True for no answer, throttling and 5xx. */
  readonly retryable: boolean;

  constructor(
    operation: string,
    message: string,
    details: { status?: number | undefined; errorCode?: string | undefined; retryable: boolean },
    options?: { cause?: unknown },
  ) {
    super("AGENT_AWS_REQUEST", message, options);
    this.operation = operation;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.retryable = details.retryable;
  }
}
