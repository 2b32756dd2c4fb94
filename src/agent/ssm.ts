/**
 * SSM GetParameter without the AWS SDK, for the configuration the agent re-reads on SIGHUP: the
 * JSON 1.1 protocol (`X-Amz-Target: AmazonSSM.GetParameter`), signed with SigV4.
 */
import { AwsClient, type AwsClientOptions } from "./aws.js";
import { AwsRequestError } from "./errors.js";
import { backoffDelay } from "./publisher.js";

/** Options of a {@link SsmParameterReader}: those of its {@link AwsClient}, and retries. */
export interface SsmParameterReaderOptions extends AwsClientOptions {
  /** Attempts per read when SSM throttles, answers 5xx or does not answer. @default 3 */
  readonly maxAttempts?: number;
  /** First retry delay in milliseconds (full jitter, doubling). @default 200 */
  readonly retryBaseMs?: number;
}

/**
 * Reads SSM parameters (SecureString ones decrypted).
 *
 * @example
 * ```ts
 * const text = await new SsmParameterReader({ region: "eu-west-1" }).get("/personas/web-1/agent");
 * ```
 */
export class SsmParameterReader {
  private readonly client: AwsClient;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;

  constructor(options: SsmParameterReaderOptions = {}) {
    this.client = new AwsClient("ssm", options);
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 200;
  }

  /**
   * Returns the parameter's value, retrying throttling, 5xx and no answer up to `maxAttempts` times.
   *
   * @throws AwsRequestError when SSM answers with an error (e.g. `ParameterNotFound`) or not at all;
   * AwsCredentialsError or AwsRegionError without credentials or region.
   */
  async get(name: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.getOnce(name);
      } catch (error) {
        if (!(error instanceof AwsRequestError && error.retryable) || attempt >= this.maxAttempts)
          throw error;
        const delayMs = backoffDelay(attempt, this.retryBaseMs, 10 * this.retryBaseMs, Math.random);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  private async getOnce(name: string): Promise<string> {
    const answer = await this.client.post(
      "GetParameter",
      { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonSSM.GetParameter" },
      JSON.stringify({ Name: name, WithDecryption: true }),
    );
    let document: { Parameter?: { Value?: unknown }; __type?: unknown; message?: unknown; Message?: unknown };
    try {
      document = JSON.parse(answer.body) as typeof document;
    } catch (cause) {
      throw new AwsRequestError(
        "GetParameter",
        `SSM GetParameter of ${name} answered HTTP ${answer.status} with a body that is not JSON`,
        { status: answer.status, retryable: answer.status >= 500 },
        { cause },
      );
    }
    if (answer.status >= 200 && answer.status < 300) {
      const value = document.Parameter?.Value;
      if (typeof value !== "string") {
        throw new AwsRequestError("GetParameter", `SSM parameter ${name} has no value`, {
          status: answer.status,
          retryable: false,
        });
      }
      return value;
    }
    // `__type` may carry a namespace: `com.amazonaws.ssm#ParameterNotFound`.
    const code = String(document.__type ?? "UnknownError").replace(/^.*#/, "");
    const message = String(document.message ?? document.Message ?? "");
    throw new AwsRequestError(
      "GetParameter",
      `SSM GetParameter of ${name} failed (HTTP ${answer.status}): ${code}: ${message}`,
      { status: answer.status, errorCode: code, retryable: answer.status >= 500 || /Throttl/.test(code) },
    );
  }
}
