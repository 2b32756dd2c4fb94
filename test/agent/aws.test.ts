import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultCredentials, InstanceMetadata, resolveRegion, serviceEndpoint } from "../../src/agent/aws.js";
import { AwsCredentialsError, AwsRegionError } from "../../src/agent/errors.js";

const ROLE = "/latest/meta-data/iam/security-credentials/";

/**
 * A loopback stand-in for the EC2 instance metadata service (IMDSv2): a token from PUT, required on
 * every GET; one role whose credentials change with each fetch.
 */
function fakeMetadataService() {
  const state = {
    requests: [] as string[],
    tokens: new Set<string>(),
    issued: 0,
    credentialFetches: 0,
    expiration: "2030-01-01T01:00:00Z",
    failCredentials: false,
  };
  const server: Server = createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url}`);
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      if (req.headers["x-aws-ec2-metadata-token-ttl-seconds"] === undefined)
        return void res.writeHead(400).end();
      const token = `token-${++state.issued}`;
      state.tokens.add(token);
      return void res.end(token);
    }
    if (!state.tokens.has(String(req.headers["x-aws-ec2-metadata-token"])))
      return void res.writeHead(401).end();
    if (req.url === ROLE) return void res.end("agent-role");
    if (req.url === `${ROLE}agent-role`) {
      if (state.failCredentials) return void res.writeHead(500).end();
      state.credentialFetches++;
      return void res.end(
        JSON.stringify({
          Code: "Success",
          Type: "AWS-HMAC",
          AccessKeyId: `ASIA${state.credentialFetches}`,
          SecretAccessKey: `secret-${state.credentialFetches}`,
          Token: `session-${state.credentialFetches}`,
          Expiration: state.expiration,
        }),
      );
    }
    if (req.url === "/latest/meta-data/placement/region") return void res.end("eu-west-1");
    res.writeHead(404).end();
  });
  return { server, state };
}

const imds = fakeMetadataService();
let endpoint = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => imds.server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(imds.server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => imds.server.close(() => resolve())));
beforeEach(() => {
  Object.assign(imds.state, {
    requests: [],
    tokens: new Set(),
    issued: 0,
    credentialFetches: 0,
    expiration: "2030-01-01T01:00:00Z",
    failCredentials: false,
  });
});

describe("defaultCredentials", () => {
  it("uses keys from the environment without asking instance metadata", async () => {
    const credentials = defaultCredentials({
      env: {
        AWS_ACCESS_KEY_ID: "AKIAENV",
        AWS_SECRET_ACCESS_KEY: "env-secret",
        AWS_SESSION_TOKEN: "env-session",
      },
      metadata: new InstanceMetadata({ endpoint }),
    });

    expect(await credentials()).toEqual({
      accessKeyId: "AKIAENV",
      secretAccessKey: "env-secret",
      sessionToken: "env-session",
    });
    expect(imds.state.requests).toEqual([]);
  });

  it("gets the instance profile's credentials with an IMDSv2 token", async () => {
    const credentials = defaultCredentials({ env: {}, metadata: new InstanceMetadata({ endpoint }) });

    const result = await credentials();

    expect(result).toEqual({
      accessKeyId: "ASIA1",
      secretAccessKey: "secret-1",
      sessionToken: "session-1",
      expiration: new Date("2030-01-01T01:00:00Z"),
    });
    expect(imds.state.requests).toEqual(["PUT /latest/api/token", `GET ${ROLE}`, `GET ${ROLE}agent-role`]);
  });

  it("reuses them until 5 minutes before they expire, then fetches new ones", async () => {
    // Prepare
    let now = Date.parse("2030-01-01T00:00:00Z");
    const credentials = defaultCredentials({
      env: {},
      metadata: new InstanceMetadata({ endpoint, clock: () => now }),
      clock: () => now,
    });

    // Act
    const first = await credentials();
    now = Date.parse("2030-01-01T00:54:59Z");
    const beforeMargin = await credentials();
    imds.state.expiration = "2030-01-01T02:00:00Z";
    now = Date.parse("2030-01-01T00:55:00Z");
    const refreshed = await credentials();

    // Assess
    expect([first.accessKeyId, beforeMargin.accessKeyId, refreshed.accessKeyId]).toEqual([
      "ASIA1",
      "ASIA1",
      "ASIA2",
    ]);
    expect(refreshed.expiration).toEqual(new Date("2030-01-01T02:00:00Z"));
    expect(imds.state.issued).toBe(1);
  });

  it("keeps using valid credentials while a refresh fails, and fails once they expired", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const credentials = defaultCredentials({
      env: {},
      metadata: new InstanceMetadata({ endpoint, clock: () => now }),
      clock: () => now,
    });
    await credentials();
    imds.state.failCredentials = true;

    now = Date.parse("2030-01-01T00:58:00Z");
    const stillValid = await credentials();
    now = Date.parse("2030-01-01T01:00:00Z");
    const error = await credentials().catch((e: unknown) => e);

    expect(stillValid.accessKeyId).toBe("ASIA1");
    expect(error).toBeInstanceOf(AwsCredentialsError);
    expect((error as Error).message).toBe(
      `No AWS credentials: none in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and none from the instance profile at ${endpoint} (instance metadata ${ROLE}agent-role answered HTTP 500); attach an instance profile with cloudwatch:PutMetricData to the instance`,
    );
  });

  it("says what to do when there is no instance metadata service", async () => {
    const credentials = defaultCredentials({
      env: {},
      metadata: new InstanceMetadata({ endpoint: "http://127.0.0.1:1" }),
    });

    const error = await credentials().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsCredentialsError);
    expect((error as Error).message).toBe(
      "No AWS credentials: none in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and none from the instance profile at http://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1); attach an instance profile with cloudwatch:PutMetricData to the instance",
    );
  });
});

describe("InstanceMetadata", () => {
  it("fetches a new token when the service no longer accepts the old one", async () => {
    const metadata = new InstanceMetadata({ endpoint });
    await metadata.get("/latest/meta-data/placement/region");
    imds.state.tokens.clear();

    const region = await metadata.get("/latest/meta-data/placement/region");

    expect(region).toBe("eu-west-1");
    expect(imds.state.requests.filter((r) => r.startsWith("PUT"))).toHaveLength(2);
  });
});

describe("resolveRegion", () => {
  it("takes the configured region first, then AWS_REGION, AWS_DEFAULT_REGION and instance metadata", async () => {
    const metadata = () => new InstanceMetadata({ endpoint });

    expect(await resolveRegion("us-west-2", { AWS_REGION: "eu-central-1" }, metadata)).toBe("us-west-2");
    expect(await resolveRegion(undefined, { AWS_REGION: "eu-central-1" }, metadata)).toBe("eu-central-1");
    expect(await resolveRegion(undefined, { AWS_DEFAULT_REGION: "ap-south-1" }, metadata)).toBe("ap-south-1");
    expect(await resolveRegion(undefined, {}, metadata)).toBe("eu-west-1");
  });

  it("says what to set when no region can be found", async () => {
    const error = await resolveRegion(
      undefined,
      {},
      () => new InstanceMetadata({ endpoint: "http://127.0.0.1:1" }),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsRegionError);
    expect((error as Error).message).toBe(
      "No AWS region: set publish.region in the agent configuration or AWS_REGION, or run on EC2 (instance metadata at http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1)",
    );
  });
});

describe("serviceEndpoint", () => {
  it("names the public endpoint, in the .com.cn domain for China regions", () => {
    expect(serviceEndpoint("monitoring", "eu-west-1")).toBe("https://monitoring.eu-west-1.amazonaws.com");
    expect(serviceEndpoint("ssm", "cn-north-1")).toBe("https://ssm.cn-north-1.amazonaws.com.cn");
  });
});
