/**
 * Just enough of an AWS client for the agent, without the SDK (which alone costs the agent about
 * 17 MiB of memory): credentials from the environment or the EC2 instance profile (IMDSv2), the
 * region, service endpoints, and signed HTTPS requests. Retries are the caller's: the agent's
 * publish queue retries with backoff and keeps the data meanwhile.
 */
import type { request as HttpRequest, IncomingHttpHeaders } from "node:http";
import { AwsCredentialsError, AwsRegionError, AwsRequestError } from "./errors.js";
import { type AwsCredentials, signRequest } from "./sigv4.js";

/** An HTTP answer, its body read whole. */
export interface HttpAnswer {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers. */
  readonly headers: IncomingHttpHeaders;
  /** Response body as UTF-8 text. */
  readonly body: string;
}

/** Largest answer body read; AWS answers to the agent's calls are a few kilobytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * One HTTP(S) exchange. `node:https` is loaded on the first https URL only, so a plain-HTTP setup
 * (tests, a local endpoint) never pays for TLS. Rejects when no complete answer arrives: refused,
 * reset, silent for `timeoutMs`, or a body over 1 MiB.
 * @internal
 */
export async function httpExchange(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpAnswer> {
  const request: typeof HttpRequest =
    url.protocol === "https:" ? (await import("node:https")).request : (await import("node:http")).request;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method, headers: init.headers, timeout: init.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_ANSWER_BYTES) {
            req.destroy(new Error(`answer from ${url.host} larger than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.once("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.once("error", reject);
      },
    );
    req.once("timeout", () =>
      req.destroy(new Error(`no answer from ${url.host} within ${init.timeoutMs} ms`)),
    );
    req.once("error", reject);
    req.end(init.body);
  });
}

/** Options of {@link InstanceMetadata}. */
export interface InstanceMetadataOptions {
  /** Base URL of the instance metadata service. @default env AWS_EC2_METADATA_SERVICE_ENDPOINT, else "http://169.254.169.254" */
  readonly endpoint?: string;
  /** Time allowed for each metadata request. @default 1000 */
  readonly timeoutMs?: number;
  /** Lifetime requested for a session token, in seconds. @default 21600 */
  readonly tokenTtlSeconds?: number;
  /** Clock in milliseconds. @default Date.now */
  readonly clock?: () => number;
}

/**
 * The EC2 instance metadata service, version 2: a session token from `PUT /latest/api/token`, sent
 * with every `GET`. The token is reused until shortly before it expires, and fetched again when the
 * service answers 401.
 *
 * @example
 * ```ts
 * const region = await new InstanceMetadata().get("/latest/meta-data/placement/region");
 * ```
 */
export class InstanceMetadata {
  readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly tokenTtlSeconds: number;
  private readonly clock: () => number;
  private token: { value: string; renewAt: number } | undefined;

  constructor(options: InstanceMetadataOptions = {}) {
    this.endpoint = (
      options.endpoint ??
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ??
      "http://169.254.169.254"
    ).replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 21_600;
    this.clock = options.clock ?? Date.now;
  }

  /** GETs `path` (e.g. `/latest/meta-data/placement/region`) and returns the body. */
  async get(path: string): Promise<string> {
    let answer = await this.getWithToken(path);
    if (answer.status === 401) {
      this.token = undefined;
      answer = await this.getWithToken(path);
    }
    if (answer.status !== 200) {
      throw new Error(`instance metadata ${path} answered HTTP ${answer.status}`);
    }
    return answer.body;
  }

  private async getWithToken(path: string): Promise<HttpAnswer> {
    const token = await this.sessionToken();
    return httpExchange(new URL(`${this.endpoint}${path}`), {
      method: "GET",
      headers: { "x-aws-ec2-metadata-token": token },
      timeoutMs: this.timeoutMs,
    });
  }

  private async sessionToken(): Promise<string> {
    const now = this.clock();
    if (this.token !== undefined && now < this.token.renewAt) return this.token.value;
    const answer = await httpExchange(new URL(`${this.endpoint}/latest/api/token`), {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": String(this.tokenTtlSeconds) },
      timeoutMs: this.timeoutMs,
    });
    if (answer.status !== 200) {
      throw new Error(`instance metadata token request answered HTTP ${answer.status}`);
    }
    // Renewed a minute early, so a token never expires between check and use.
    this.token = { value: answer.body, renewAt: now + Math.max(0, this.tokenTtlSeconds - 60) * 1000 };
    return this.token.value;
  }
}

/** Something that returns credentials to sign with, fetching fresh ones when needed. */
export type CredentialSource = () => Promise<AwsCredentials>;

/** Options of {@link defaultCredentials}. */
export interface DefaultCredentialsOptions {
  /** Environment to read `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` from (once). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The instance metadata service. @default new InstanceMetadata() */
  readonly metadata?: InstanceMetadata;
  /** Instance-profile credentials are fetched again this long before they expire. @default 300000 (5 min) */
  readonly refreshMarginMs?: number;
  /** Clock in milliseconds. @default Date.now */
  readonly clock?: () => number;
}

const ROLE_PATH = "/latest/meta-data/iam/security-credentials/";

/**
 * The credential chain the agent needs: keys in the environment, else the EC2 instance profile from
 * instance metadata. Instance-profile credentials are cached and fetched again `refreshMarginMs`
 * before they expire; when a refresh fails, the cached ones are used for as long as they are valid.
 * Concurrent calls share one fetch.
 *
 * @throws AwsCredentialsError (from the returned function) when there are none.
 * @example
 * ```ts
 * const credentials = defaultCredentials();
 * const { accessKeyId } = await credentials();
 * ```
 */
export function defaultCredentials(options: DefaultCredentialsOptions = {}): CredentialSource {
  const env = options.env ?? process.env;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    const fixed: AwsCredentials = {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
    return () => Promise.resolve(fixed);
  }
  const metadata = options.metadata ?? new InstanceMetadata();
  const margin = options.refreshMarginMs ?? 300_000;
  const clock = options.clock ?? Date.now;
  let cached: { credentials: AwsCredentials; refreshAt: number; expiresAt: number } | undefined;
  let pending: Promise<AwsCredentials> | undefined;

  const fetchFromProfile = async (): Promise<AwsCredentials> => {
    let role: string;
    let document: Record<string, unknown>;
    try {
      role = (await metadata.get(ROLE_PATH)).split("\n")[0]!.trim();
      document = JSON.parse(await metadata.get(`${ROLE_PATH}${encodeURIComponent(role)}`)) as Record<
        string,
        unknown
      >;
    } catch (cause) {
      throw new AwsCredentialsError(
        `No AWS credentials: none in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and none from the instance profile at ${metadata.endpoint} (${(cause as Error).message}); attach an instance profile with cloudwatch:PutMetricData to the instance`,
        { cause },
      );
    }
    const { AccessKeyId, SecretAccessKey, Token, Expiration } = document;
    if (typeof AccessKeyId !== "string" || typeof SecretAccessKey !== "string") {
      throw new AwsCredentialsError(
        `The instance profile role "${role}" returned no credentials (Code: ${String(document.Code)}); check the role attached to the instance`,
      );
    }
    const expiration = typeof Expiration === "string" ? new Date(Expiration) : undefined;
    const now = clock();
    const expiresAt = expiration?.getTime() ?? Number.POSITIVE_INFINITY;
    // Fresh credentials appear some minutes before the old ones expire; until then, ask again
    // now and then rather than on every call.
    let refreshAt = expiresAt - margin;
    if (refreshAt <= now) refreshAt = now + Math.min(60_000, Math.max(0, (expiresAt - now) / 2));
    const credentials: AwsCredentials = {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      ...(typeof Token === "string" ? { sessionToken: Token } : {}),
      ...(expiration === undefined ? {} : { expiration }),
    };
    cached = { credentials, refreshAt, expiresAt };
    return credentials;
  };

  return async () => {
    const now = clock();
    if (cached !== undefined && now < cached.refreshAt) return cached.credentials;
    pending ??= fetchFromProfile().finally(() => {
      pending = undefined;
    });
    try {
      return await pending;
    } catch (error) {
      if (cached !== undefined && clock() < cached.expiresAt) return cached.credentials;
      throw error;
    }
  };
}

/**
 * The region: `explicit`, else `AWS_REGION` or `AWS_DEFAULT_REGION`, else the instance's region from
 * instance metadata.
 *
 * @throws AwsRegionError when none of them gives one.
 * @internal
 */
export async function resolveRegion(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  metadata: () => InstanceMetadata = () => new InstanceMetadata(),
): Promise<string> {
  const configured = explicit ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (configured) return configured;
  const source = metadata();
  try {
    return (await source.get("/latest/meta-data/placement/region")).trim();
  } catch (cause) {
    throw new AwsRegionError(
      `No AWS region: set publish.region in the agent configuration or AWS_REGION, or run on EC2 (instance metadata at ${source.endpoint}: ${(cause as Error).message})`,
      { cause },
    );
  }
}

/**
 * The public endpoint of `service` in `region`, e.g. `https://monitoring.eu-west-1.amazonaws.com`.
 * @internal
 */
export function serviceEndpoint(service: string, region: string): string {
  return `https://${service}.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

/** Options of {@link AwsClient}. */
export interface AwsClientOptions {
  /** AWS region. @default from the environment or instance metadata */
  readonly region?: string | undefined;
  /** Endpoint override, e.g. a VPC endpoint or moto. @default the service's public endpoint */
  readonly endpoint?: string | undefined;
  /** Credentials, or a source of them. @default defaultCredentials() */
  readonly credentials?: AwsCredentials | CredentialSource | undefined;
  /** Time a request may stay silent before it fails. @default 15000 */
  readonly timeoutMs?: number | undefined;
  /** Instance metadata, for the region and the instance profile. @default new InstanceMetadata() */
  readonly metadata?: InstanceMetadata | undefined;
}

/**
 * Signed POST requests to one AWS service. The region, endpoint and credentials are resolved on the
 * first request, so constructing a client never touches the network.
 *
 * @example
 * ```ts
 * const ssm = new AwsClient("ssm", { region: "eu-west-1" });
 * const answer = await ssm.post("GetParameter", { "x-amz-target": "AmazonSSM.GetParameter",
 *   "content-type": "application/x-amz-json-1.1" }, JSON.stringify({ Name: "/personas/web" }));
 * ```
 */
export class AwsClient {
  private readonly credentials: CredentialSource;
  private readonly timeoutMs: number;
  private target: Promise<{ url: URL; region: string }> | undefined;
  private metadata: InstanceMetadata | undefined;

  constructor(
    readonly service: string,
    private readonly options: AwsClientOptions = {},
  ) {
    this.metadata = options.metadata;
    const given = options.credentials;
    this.credentials =
      given === undefined
        ? defaultCredentials({ metadata: this.instanceMetadata() })
        : typeof given === "function"
          ? given
          : () => Promise.resolve(given);
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /**
   * Signs and sends a POST of `body` to the service and returns its answer, whatever the status.
   *
   * @throws AwsCredentialsError or AwsRegionError without credentials or region; AwsRequestError (retryable) when no
   * answer arrives.
   */
  async post(operation: string, headers: Record<string, string>, body: string): Promise<HttpAnswer> {
    const { url, region } = await this.resolveTarget();
    const credentials = await this.credentials();
    const signed = signRequest(
      { method: "POST", host: url.host, path: url.pathname || "/", headers, body },
      credentials,
      { region, service: this.service, date: new Date() },
    );
    try {
      return await httpExchange(url, { method: "POST", headers: signed, body, timeoutMs: this.timeoutMs });
    } catch (cause) {
      const error = cause as NodeJS.ErrnoException;
      throw new AwsRequestError(
        operation,
        `${operation} got no answer from ${url.host}: ${error.code ?? error.name}: ${error.message}`,
        { retryable: true },
        { cause },
      );
    }
  }

  private instanceMetadata(): InstanceMetadata {
    this.metadata ??= new InstanceMetadata();
    return this.metadata;
  }

  private resolveTarget(): Promise<{ url: URL; region: string }> {
    this.target ??= resolveRegion(this.options.region, process.env, () => this.instanceMetadata()).then(
      (region) => ({ region, url: new URL(this.options.endpoint ?? serviceEndpoint(this.service, region)) }),
      (error: unknown) => {
        // Not cached: the next request asks again.
        this.target = undefined;
        throw error;
      },
    );
    return this.target;
  }
}
