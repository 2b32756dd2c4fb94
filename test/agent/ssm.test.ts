import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AwsRequestError } from "../../src/agent/errors.js";
import { SsmParameterReader } from "../../src/agent/ssm.js";

/** A loopback stand-in for SSM: answers each request with the next scripted answer. */
const ssm = {
  requests: [] as { headers: IncomingHttpHeaders; body: string }[],
  answers: [] as { status: number; body: string }[],
  server: undefined as Server | undefined,
  endpoint: "",
};

beforeAll(async () => {
  ssm.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      ssm.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      const answer = ssm.answers.shift() ?? { status: 500, body: "{}" };
      res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.1" }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => ssm.server!.listen(0, "127.0.0.1", resolve));
  ssm.endpoint = `http://127.0.0.1:${(ssm.server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => ssm.server!.close(() => resolve())));
beforeEach(() => {
  ssm.requests = [];
  ssm.answers = [];
});

function reader() {
  return new SsmParameterReader({
    region: "eu-west-1",
    endpoint: ssm.endpoint,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    retryBaseMs: 1,
  });
}

const found = { status: 200, body: JSON.stringify({ Parameter: { Name: "/p", Value: '{"version":1}' } }) };

describe("SsmParameterReader", () => {
  it("sends a signed JSON 1.1 GetParameter with decryption", async () => {
    ssm.answers = [found];

    const value = await reader().get("/personas/web-1/agent");

    expect(value).toBe('{"version":1}');
    const { headers, body } = ssm.requests[0]!;
    expect(JSON.parse(body)).toEqual({ Name: "/personas/web-1/agent", WithDecryption: true });
    expect([headers["x-amz-target"], headers["content-type"]]).toEqual([
      "AmazonSSM.GetParameter",
      "application/x-amz-json-1.1",
    ]);
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/ssm\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
  });

  it("retries throttling and 5xx, then returns the value", async () => {
    ssm.answers = [
      { status: 400, body: JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }) },
      { status: 503, body: JSON.stringify({ __type: "InternalServerError", message: "try again" }) },
      found,
    ];

    expect(await reader().get("/p")).toBe('{"version":1}');
    expect(ssm.requests).toHaveLength(3);
  });

  it("gives up after 3 attempts with the last error", async () => {
    ssm.answers = Array.from({ length: 3 }, () => ({
      status: 503,
      body: JSON.stringify({ __type: "com.amazonaws.ssm#InternalServerError", message: "down" }),
    }));

    const error = (await reader()
      .get("/p")
      .catch((e: unknown) => e)) as AwsRequestError;

    expect(error).toBeInstanceOf(AwsRequestError);
    expect(error.message).toBe("SSM GetParameter of /p failed (HTTP 503): InternalServerError: down");
    expect(ssm.requests).toHaveLength(3);
  });

  it("does not retry a missing parameter", async () => {
    ssm.answers = [{ status: 400, body: JSON.stringify({ __type: "ParameterNotFound", message: "" }) }];

    const error = (await reader()
      .get("/missing")
      .catch((e: unknown) => e)) as AwsRequestError;

    expect([error.errorCode, error.retryable, error.message]).toEqual([
      "ParameterNotFound",
      false,
      "SSM GetParameter of /missing failed (HTTP 400): ParameterNotFound: ",
    ]);
    expect(ssm.requests).toHaveLength(1);
  });
});
