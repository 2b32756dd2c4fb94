/**
 * AWS Signature Version 4 for the agent's few requests (a POST to `/` with a body), on node:crypto,
 * so the bundled agent needs no AWS SDK. Follows the published algorithm: canonical request, string
 * to sign, HMAC-SHA256 key derivation over date, region and service.
 */
import { createHash, createHmac } from "node:crypto";

/** AWS credentials: a long-term key pair, or temporary ones with a session token and an expiry. */
export interface AwsCredentials {
  /** Access key id, e.g. `AKIA…` or `ASIA…` (temporary). */
  readonly accessKeyId: string;
  /** Secret access key. */
  readonly secretAccessKey: string;
  /** Session token of temporary credentials; signed as `x-amz-security-token`. */
  readonly sessionToken?: string | undefined;
  /** When temporary credentials stop working. */
  readonly expiration?: Date | undefined;
}

/** A request to sign. */
export interface SignableRequest {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** The `Host` header as sent: the host name, with `:port` when it is not the protocol's default. */
  readonly host: string;
  /** The path, already URI-encoded, e.g. `/`. */
  readonly path: string;
  /** Headers to sign besides `host`, `x-amz-date` and `x-amz-security-token` (added here). */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body. */
  readonly body: string;
}

/** Where and when a request is signed. */
export interface SigningScope {
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /** Signing name of the service, e.g. `monitoring` (CloudWatch) or `ssm`. */
  readonly service: string;
  /** Signing time. */
  readonly date: Date;
}

/**
 * `20150830T123600Z`, the form of `x-amz-date`.
 * @internal
 */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();
const sha256Hex = (data: string): string => createHash("sha256").update(data).digest("hex");

/**
 * Signs `request` and returns every header to send: the request's own, `host`, `x-amz-date`,
 * `x-amz-security-token` when the credentials have a session token, and `authorization`. Header names
 * are lower case.
 *
 * @example
 * ```ts
 * const headers = signRequest(
 *   { method: "POST", host: "monitoring.eu-west-1.amazonaws.com", path: "/", body,
 *     headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" } },
 *   credentials,
 *   { region: "eu-west-1", service: "monitoring", date: new Date() },
 * );
 * ```
 */
export function signRequest(
  request: SignableRequest,
  credentials: AwsCredentials,
  scope: SigningScope,
): Record<string, string> {
  const timestamp = amzDate(scope.date);
  const day = timestamp.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host = request.host;
  headers["x-amz-date"] = timestamp;
  if (credentials.sessionToken !== undefined) headers["x-amz-security-token"] = credentials.sessionToken;

  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(";");
  const canonicalHeaders = names
    .map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const canonicalRequest = [
    request.method,
    request.path,
    "",
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join("\n");
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", timestamp, credentialScope, sha256Hex(canonicalRequest)].join(
    "\n",
  );
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), scope.region), scope.service),
    "aws4_request",
  );
  const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
