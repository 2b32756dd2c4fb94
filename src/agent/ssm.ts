/**
 * SSM GetParameter without the AWS SDK, for the configuration the agent re-reads on SIGHUP: the
 * JSON 1.1 protocol (`X-Amz-Target: AmazonSSM.GetParameter`), signed with SigV4.
 */
import { AwsClient, type AwsClientOptions } from "./aws.js";
import { AwsRequestError } from "./errors.js";

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

  constructor(options: AwsClientOptions = {}) {
    this.client = new AwsClient("ssm", options);
  }

  /**
   * Returns the parameter's value.
   *
   * @throws AwsRequestError when SSM answers with an error (e.g. `ParameterNotFound`) or not at all;
   * AwsCredentialsError or AwsRegionError without credentials or region.
   */
  async get(name: string): Promise<string> {
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
