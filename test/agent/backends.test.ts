import { describe, expect, it } from "vitest";
import { type AgentEnvironment, agentPublishers } from "../../src/agent/backends.js";
import { parseAgentConfig } from "../../src/agent/config.js";
import { AgentEnvironmentError } from "../../src/agent/errors.js";
import type { AgentLogger } from "../../src/agent/logger.js";

const minimal = {
  version: 1,
  probes: { targets: [{ name: "web", kind: "tcp", host: "127.0.0.1", port: 80 }] },
  metrics: [{ name: "NetworkLatency", signal: "probe.latency" }],
};
const logsIngestion = {
  PERSONAS_AGENT_LOGS_ENDPOINT: "https://personas-ab12.westeurope-1.ingest.monitor.azure.com",
  PERSONAS_AGENT_LOGS_RULE_ID: "dcr-000a00a000a00000a000000aa000a0aa",
  PERSONAS_AGENT_LOGS_STREAM: "Custom-PersonasAgentMetrics_CL",
};

function recordingLogger(): AgentLogger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string, fields?: object) => {
    lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  };
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

describe("agentPublishers (what the bundled agent publishes to)", () => {
  const noCredentials = async () => {
    throw new Error("not asked while choosing publishers");
  };
  it.each<[string, AgentEnvironment, boolean, string[], string[]]>([
    ["AWS: CloudWatch", {}, false, ["cloudwatch"], []],
    [
      "Azure without the Logs Ingestion variables: custom metrics only, as before",
      { PERSONAS_AGENT_CLOUD: "azure" },
      false,
      ["azure-monitor"],
      [],
    ],
    [
      "Azure with them: custom metrics and the Log Analytics table",
      { PERSONAS_AGENT_CLOUD: "azure", PERSONAS_AGENT_CLIENT_ID: "4f9c1c4e-0000-4000-8000-000000000001" },
      true,
      ["azure-monitor", "logs-ingestion"],
      [],
    ],
    [
      "AWS with the Logs Ingestion variables: CloudWatch, and a warning that they are ignored",
      {},
      true,
      ["cloudwatch"],
      ['warn Logs Ingestion settings ignored: the Logs Ingestion API is for Azure VMs {"cloud":"aws"}'],
    ],
  ])("%s", (_case, environment, withTable, names, logged) => {
    const config = parseAgentConfig(minimal, "t");
    const logger = recordingLogger();
    const withVariables = { ...environment, ...(withTable ? logsIngestion : {}) };

    const publishers = agentPublishers(config, withVariables, { logger, credentials: noCredentials });

    expect(publishers.map((p) => p.name)).toEqual(names);
    expect(logger.lines).toEqual(logged);
  });

  it("refuses invalid Logs Ingestion variables (the agent then does not start)", () => {
    const config = parseAgentConfig(minimal, "t");
    const environment = {
      PERSONAS_AGENT_CLOUD: "azure",
      ...logsIngestion,
      PERSONAS_AGENT_LOGS_RULE_ID: "dcr-x",
    };

    expect(() =>
      agentPublishers(config, environment, { logger: recordingLogger(), credentials: noCredentials }),
    ).toThrow(AgentEnvironmentError);
  });
});
