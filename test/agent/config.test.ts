import { describe, expect, it } from "vitest";
import { logsIngestionFromEnvironment, parseAgentConfig } from "../../src/agent/config.js";
import { AgentConfigError, AgentEnvironmentError } from "../../src/agent/errors.js";

const minimal = {
  version: 1,
  probes: { targets: [{ name: "web", kind: "tcp", host: "127.0.0.1", port: 80 }] },
  metrics: [{ name: "NetworkLatency", signal: "probe.latency" }],
};

function problemsOf(input: unknown): string[] {
  try {
    parseAgentConfig(input, "config.json");
  } catch (error) {
    expect(error).toBeInstanceOf(AgentConfigError);
    return [...(error as AgentConfigError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}

describe("parseAgentConfig", () => {
  it("fills in every default of a minimal configuration", () => {
    // Act
    const config = parseAgentConfig(JSON.stringify(minimal), "config.json");

    // Assess
    expect(config).toEqual({
      version: 1,
      namespace: "Personas/Agent",
      dimensions: {},
      probes: {
        intervalSeconds: 5,
        targets: [{ name: "web", kind: "tcp", host: "127.0.0.1", port: 80, timeoutMs: 2000 }],
      },
      logs: { pollIntervalMs: 1000, files: [] },
      metrics: [{ name: "NetworkLatency", signal: "probe.latency", period: 60 }],
      publish: {
        maxBufferedDatums: 10000,
        retryBaseMs: 500,
        retryMaxMs: 60000,
        heartbeatMetric: "AgentHeartbeat",
      },
    });
  });

  it("fills in HTTP probe defaults", () => {
    const config = parseAgentConfig(
      { ...minimal, probes: { targets: [{ name: "web", kind: "http", url: "https://example.com/health" }] } },
      "plan",
    );

    expect(config.probes.targets[0]).toEqual({
      name: "web",
      kind: "http",
      url: "https://example.com/health",
      method: "GET",
      minStatus: 200,
      maxStatus: 399,
      timeoutMs: 2000,
    });
  });

  it("says the JSON is broken, naming the source", () => {
    expect(() => parseAgentConfig("{broken", "ssm:/personas/web")).toThrow(
      "The agent configuration from ssm:/personas/web is invalid (1 problem); fix it and send SIGHUP to reload:\n" +
        "  - (root): expected JSON, Expected property name or '}' in JSON at position 1",
    );
  });

  it("rejects another version", () => {
    expect(problemsOf({ ...minimal, version: 2 })).toEqual([
      "version: expected 1 (the only version this agent understands), received 2",
    ]);
  });

  it("reports every schema problem at once, sorted by path, with the nearest valid key", () => {
    const problems = problemsOf({
      version: 1,
      namespace: "a:b",
      dimensions: { InstanceId: 3 },
      probes: {
        targets: [
          { name: "web", kind: "tcp", host: "127.0.0.1", port: 70000 },
          { name: "x", kind: "udp" },
          { name: "h", kind: "http", url: "ftp://example.com/", timout: 3 },
        ],
      },
      logs: { files: [{ name: "nginx", path: "var/log/nginx.log", errorPattern: "(" }] },
      metrics: [{ name: "NetworkLatency", signal: "probe.latency", perod: 10 }],
    });

    expect(problems).toEqual([
      "dimensions.InstanceId: expected string, received 3",
      'logs.files[0].errorPattern: invalid regular expression "(": Unterminated group',
      'logs.files[0].path: expected an absolute path of letters, digits and . _ @ + - / (it is written into a systemd unit), received "var/log/nginx.log"',
      'metrics[0]: unrecognized key "perod"; did you mean "period"?',
      "namespace: expected 1 to 255 characters, no ':', received \"a:b\"",
      "probes.targets[0].port: expected a number at most 65535, received 70000",
      'probes.targets[1].kind: expected "kind" to be "tcp" or "http", received "udp"',
      'probes.targets[2]: unrecognized key "timout"; did you mean "timeoutMs"?',
      'probes.targets[2].url: expected an http:// or https:// URL, received "ftp://example.com/"',
    ]);
  });

  it("checks references, units, duplicates and round overlap once the shape is right", () => {
    const problems = problemsOf({
      version: 1,
      probes: {
        intervalSeconds: 2,
        targets: [
          { name: "web", kind: "tcp", host: "127.0.0.1", port: 80, timeoutMs: 2000 },
          { name: "web", kind: "http", url: "http://127.0.0.1/", minStatus: 300, maxStatus: 299 },
        ],
      },
      metrics: [
        { name: "NetworkLatency", signal: "probe.latency", from: ["web", "wbe"], period: 10 },
        { name: "NetworkLatency", signal: "probe.latencyP90", unit: "Count", period: 10 },
        { name: "ErrorRate", signal: "log.errorRate" },
      ],
    });

    expect(problems).toEqual([
      'metrics[0].from[1]: unknown probe "wbe"; expected one of "web"',
      'metrics[1].name: duplicate metric "NetworkLatency" with period 10',
      'metrics[1].unit: expected one of "Milliseconds", "Seconds", "Microseconds" for signal "probe.latencyP90", received "Count"',
      'metrics[2].signal: signal "log.errorRate" needs at least one logs.files entry',
      "probes.targets[0].timeoutMs: expected less than probes.intervalSeconds (2000 ms), received 2000, so rounds cannot overlap",
      "probes.targets[1].maxStatus: expected at least minStatus (300), received 299",
      'probes.targets[1].name: duplicate probe name "web"',
      "probes.targets[1].timeoutMs: expected less than probes.intervalSeconds (2000 ms), received 2000, so rounds cannot overlap",
    ]);
  });

  it("counts the dimensions against CloudWatch's limit of 30", () => {
    const dimensions = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`D${i}`, "v"]));

    expect(problemsOf({ ...minimal, dimensions })).toEqual([
      "dimensions: expected at most 30 dimensions, received 31",
    ]);
  });
});

describe("logsIngestionFromEnvironment (the Azure unit's Logs Ingestion variables)", () => {
  const good = {
    PERSONAS_AGENT_LOGS_ENDPOINT: "https://personas-ab12.westeurope-1.ingest.monitor.azure.com",
    PERSONAS_AGENT_LOGS_RULE_ID: "dcr-000a00a000a00000a000000aa000a0aa",
    PERSONAS_AGENT_LOGS_STREAM: "Custom-PersonasAgentMetrics_CL",
  };
  function problemsIn(environment: Record<string, string | undefined>): string[] {
    try {
      logsIngestionFromEnvironment(environment);
    } catch (error) {
      expect(error).toBeInstanceOf(AgentEnvironmentError);
      return [...(error as AgentEnvironmentError).problems];
    }
    throw new Error("expected the environment to be rejected");
  }

  it("reads the DCR's endpoint, immutable id and stream", () => {
    expect(logsIngestionFromEnvironment({ ...good, PATH: "/usr/bin" })).toEqual({
      endpoint: good.PERSONAS_AGENT_LOGS_ENDPOINT,
      dcrImmutableId: good.PERSONAS_AGENT_LOGS_RULE_ID,
      stream: "Custom-PersonasAgentMetrics_CL",
    });
  });

  it("is undefined when no variable is set, or all are empty (custom metrics only)", () => {
    expect(logsIngestionFromEnvironment({ PERSONAS_AGENT_CLOUD: "azure" })).toBeUndefined();
    expect(
      logsIngestionFromEnvironment({
        PERSONAS_AGENT_LOGS_ENDPOINT: "",
        PERSONAS_AGENT_LOGS_RULE_ID: "",
        PERSONAS_AGENT_LOGS_STREAM: "",
      }),
    ).toBeUndefined();
  });

  it("fills in the agent table's stream when only it is missing", () => {
    const { PERSONAS_AGENT_LOGS_STREAM: _stream, ...noStream } = good;
    expect(logsIngestionFromEnvironment(noStream)?.stream).toBe("Custom-PersonasAgentMetrics_CL");
  });

  const endpointProblem = (received: string) =>
    `PERSONAS_AGENT_LOGS_ENDPOINT: expected an https:// origin under ingest.monitor.azure.com (or .azure.cn, .azure.us), without credentials, port, path or query: the VM's access token is sent there; received ${received}`;
  it.each([
    ["plain http", "http://personas-ab12.westeurope-1.ingest.monitor.azure.com"],
    ["a host outside Microsoft's ingestion domain", "https://ingest.monitor.azure.com.attacker.example"],
    ["a look-alike suffix", "https://personas-ab12.westeurope-1.ingest.monitor.azure.com-evil.net"],
    ["the bare domain", "https://ingest.monitor.azure.com"],
    ["credentials", "https://user:pw@personas-ab12.westeurope-1.ingest.monitor.azure.com"],
    ["a port", "https://personas-ab12.westeurope-1.ingest.monitor.azure.com:8443"],
    ["a path", "https://personas-ab12.westeurope-1.ingest.monitor.azure.com/dataCollectionRules"],
    ["a query", "https://personas-ab12.westeurope-1.ingest.monitor.azure.com?x=1"],
    ["an empty query", "https://personas-ab12.westeurope-1.ingest.monitor.azure.com?"],
    ["no scheme", "personas-ab12.westeurope-1.ingest.monitor.azure.com"],
  ])("refuses an endpoint with %s", (_case, endpoint) => {
    const shown = JSON.stringify(endpoint.length > 60 ? `${endpoint.slice(0, 57)}...` : endpoint);
    expect(problemsIn({ ...good, PERSONAS_AGENT_LOGS_ENDPOINT: endpoint })).toEqual([endpointProblem(shown)]);
  });

  it.each([
    ["https://personas-ab12.westeurope-1.ingest.monitor.azure.com/"],
    ["https://personas-ab12.chinanorth3-1.ingest.monitor.azure.cn"],
    ["https://personas-ab12.usgovvirginia-1.ingest.monitor.azure.us"],
  ])("accepts the endpoint %s", (endpoint) => {
    expect(logsIngestionFromEnvironment({ ...good, PERSONAS_AGENT_LOGS_ENDPOINT: endpoint })?.endpoint).toBe(
      endpoint,
    );
  });

  it.each([
    ["dcr-000a00a000a00000a000000aa000a0a"],
    ["dcr-000a00a000a00000a000000aa000a0aag"],
    ["DCR-000a00a000a00000a000000aa000a0aa"],
    ["dcr-000a00a000a00000a000000aa000a0aa/../x"],
    ["000a00a000a00000a000000aa000a0aa"],
  ])("refuses the immutable id %s", (ruleId) => {
    expect(problemsIn({ ...good, PERSONAS_AGENT_LOGS_RULE_ID: ruleId })).toEqual([
      `PERSONAS_AGENT_LOGS_RULE_ID: expected the data collection rule's immutableId, 'dcr-' and 32 hexadecimal digits, received ${JSON.stringify(ruleId)}`,
    ]);
  });

  it("refuses any stream but the agent table's and a missing variable, listing every problem in the error", () => {
    const environment = {
      PERSONAS_AGENT_LOGS_ENDPOINT: good.PERSONAS_AGENT_LOGS_ENDPOINT,
      PERSONAS_AGENT_LOGS_STREAM: "Custom-SecurityEvent",
    };

    expect(() => logsIngestionFromEnvironment(environment)).toThrow(
      [
        "The personas agent's environment is invalid (2 problems); the Azure custom data sets these variables in personas-agent.service: fix the unit, then restart the agent:",
        "  - PERSONAS_AGENT_LOGS_RULE_ID: required, expected string",
        '  - PERSONAS_AGENT_LOGS_STREAM: expected "Custom-PersonasAgentMetrics_CL", received "Custom-SecurityEvent"',
      ].join("\n"),
    );
  });
});
