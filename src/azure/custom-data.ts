/**
 * The VM's custom data (cloud-init runs a `#!` script as user data): the persona's SoftwareStack from
 * the same per-OS package catalog as AWS (`installOn`), and `personas-command`, the only script Run
 * Command ever runs (RUN_COMMAND_SCRIPT_PATH). Its arguments are ids; the commands are in the script,
 * written here from the persona, so nothing the runtime sends is executed as text.
 */
import { renderAgentInstallScript } from "../agent/systemd.js";
import { AGENT_LOG_INGESTION_ENV, AGENT_LOG_TABLE } from "../plan/agent-log-table.js";
import { UnsafeShellValueError } from "../plan/errors.js";
import { installOn, packageArguments } from "../plan/packages.js";
import type { PersonaPlan } from "../plan/plan.js";
import { shellQuote } from "../plan/shell.js";
import { type AgentOptions, personasAgentConfig } from "../plan/user-data.js";
import { RUN_COMMAND_SCRIPT_PATH } from "../runtime/azure/contract.js";

/**
 * Where a VM fetches the personas agent: a blob in the fleet's storage account, read with the VMs'
 * user-assigned identity (its client id picks it among the VM's identities). Never a package registry.
 */
export interface AzureAgentSource {
  /** The storage account (3–24 lowercase letters and digits). */
  accountName: string;
  /** The container (lowercase letters, digits and single hyphens). */
  container: string;
  /** The blob (letters, digits and `. _ -`). */
  blobName: string;
  /** The client id (a GUID) of the user-assigned identity that may read the blob. */
  clientId: string;
  /** Lower-case hex SHA-256 of the blob; the VM refuses to run a file that differs. */
  sha256: string;
}

/**
 * Where the agent sends its metric rows (AGENT_LOG_INGESTION_ENV), when the fleet has log search rules
 * on agent metrics (src/azure/log-alerts.ts).
 */
export interface AgentLogIngestion {
  /** The data collection endpoint's logs ingestion URL, e.g. `https://personas-agent-metrics-ab12.westeurope-1.ingest.monitor.azure.com`. */
  endpoint: string;
  /** The data collection rule's immutable id (`dcr-` and 32 hex digits). */
  ruleId: string;
  /** The rule's input stream: always AGENT_LOG_TABLE.stream. */
  stream: string;
}

/** The personas agent on a VM: where it comes from, what it measures and where it writes rows. */
export interface AzureAgentInstall extends Omit<AgentOptions, "source"> {
  source: AzureAgentSource;
  /** Set when the fleet's log search rules read the agent's rows. @default undefined (no rows) */
  logsIngestion?: AgentLogIngestion;
}

const AGENT_PATH = "/opt/personas-agent/personas-agent.cjs";
const AGENT_DOWNLOAD = "/tmp/personas-agent.cjs";
const INSTANCE_ID_PLACEHOLDER = "__PERSONAS_INSTANCE_ID__";
const SOURCE_RULES: Record<keyof AzureAgentSource, [RegExp, string]> = {
  accountName: [/^[a-z0-9]{3,24}$/, "3 to 24 lowercase letters and digits"],
  container: [/^[a-z0-9](?:-?[a-z0-9]){2,62}$/, "lowercase letters, digits and single hyphens"],
  blobName: [/^[A-Za-z0-9_.-]{1,1024}$/, "letters, digits and . _ -"],
  clientId: [/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "a GUID"],
  sha256: [/^[0-9a-f]{64}$/, "64 lower-case hex digits"],
};
// IMDS ("Azure Instance Metadata Service"): the header `Metadata: true`, never through a proxy.
const IMDS = "http://169.254.169.254/metadata";
/** Azure Storage accepts Microsoft Entra bearer tokens from this REST version on ("Authorize with Microsoft Entra ID"). */
const STORAGE_API_VERSION = "2021-08-06";

/** The images the Azure components support: apt-based (the catalog's Ubuntu and Debian entries). */
export type AzureOperatingSystem = "ubuntu" | "debian";

/** Azure refuses custom data over 64 KB (base64-encoded): "Custom data and cloud-init on Azure Virtual Machines". */
export const CUSTOM_DATA_LIMIT_BYTES = 64 * 1024;

const HEREDOC = "PERSONAS_COMMAND";

/** Ids are slugs (validated by the PDL); the case labels quote them anyway. */
function caseLabel(label: string): string {
  return shellQuote(label);
}

function indent(script: string): string {
  return script
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

/** The `personas-command` script for a persona: `feature <id> on|off` and `run <response id>`. */
export function personasCommandScript(plan: PersonaPlan): string {
  const cases: string[] = [];
  for (const feature of plan.features) {
    if (feature.activate !== undefined)
      cases.push(`  ${caseLabel(`feature:${feature.id}:on`)})`, indent(feature.activate), "    ;;");
    if (feature.deactivate !== undefined)
      cases.push(`  ${caseLabel(`feature:${feature.id}:off`)})`, indent(feature.deactivate), "    ;;");
  }
  for (const response of plan.responses) {
    const commands = response.actions.flatMap((a) => (a.kind === "run-command" ? [a.command] : []));
    if (commands.length > 0)
      cases.push(`  ${caseLabel(`run:${response.id}`)})`, ...commands.map(indent), "    ;;");
  }
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    'case "${1:-}:${2:-}${3:+:$3}" in',
    ...cases,
    '  *) echo "personas-command: nothing to run for $*" >&2; exit 2 ;;',
    "esac",
  ].join("\n");
}

const INGESTION_RULES: Record<keyof AgentLogIngestion, [RegExp, string]> = {
  // A host name under HTTPS, no port, path, query or user: "Logs Ingestion API in Azure Monitor" (the endpoint URI).
  endpoint: [
    /^https:\/\/[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/,
    "an https:// host name",
  ],
  ruleId: [/^dcr-[0-9a-f]{32}$/, "dcr- and 32 lower-case hex digits"],
  stream: [new RegExp(`^${AGENT_LOG_TABLE.stream}$`), AGENT_LOG_TABLE.stream],
};

/** Checks the Logs Ingestion settings: they become `Environment=` lines of the agent's unit and a URL. */
function checkedIngestion(ingestion: AgentLogIngestion): AgentLogIngestion {
  const problems = (Object.keys(INGESTION_RULES) as (keyof AgentLogIngestion)[]).flatMap((key) => {
    const [pattern, expected] = INGESTION_RULES[key];
    return pattern.test(ingestion[key]) ? [] : [`${key} '${ingestion[key]}' (${expected})`];
  });
  if (problems.length > 0)
    throw new UnsafeShellValueError(
      `The personas agent's Logs Ingestion settings are invalid: ${problems.join("; ")}.`,
    );
  return ingestion;
}

/** Checks the agent source's shape: its values become a URL, a token request and a checksum line. */
function checkedSource(source: AzureAgentSource): AzureAgentSource {
  const problems = (Object.keys(SOURCE_RULES) as (keyof AzureAgentSource)[]).flatMap((key) => {
    const [pattern, expected] = SOURCE_RULES[key];
    return pattern.test(source[key]) ? [] : [`${key} '${source[key]}' (${expected})`];
  });
  if (problems.length > 0)
    throw new UnsafeShellValueError(`The personas agent source is invalid: ${problems.join("; ")}.`);
  return source;
}

function ingestionEnvironment(ingestion: AgentLogIngestion): Record<string, string> {
  return {
    [AGENT_LOG_INGESTION_ENV.endpoint]: ingestion.endpoint,
    [AGENT_LOG_INGESTION_ENV.ruleId]: ingestion.ruleId,
    [AGENT_LOG_INGESTION_ENV.stream]: ingestion.stream,
  };
}

/**
 * The personas agent's part of the custom data: fetch the blob with the identity's token (IMDS), check
 * its SHA-256, install it with its configuration and a unit that publishes to Azure Monitor
 * (`PERSONAS_AGENT_CLOUD=azure`, `PERSONAS_AGENT_CLIENT_ID`, and the Logs Ingestion settings
 * AGENT_LOG_INGESTION_ENV when the fleet's log search rules read the agent's rows). Empty when the
 * plan needs no agent metric.
 */
function personasAgentLines(plan: PersonaPlan, agent: AzureAgentInstall | undefined): string[] {
  if (plan.telemetry.personasAgent.length === 0) return [];
  if (agent === undefined)
    throw new UnsafeShellValueError(
      `Persona ${plan.persona.name} needs the personas agent but no agent source was given; the Azure components upload the bundled agent to the fleet's storage account and pass it.`,
    );
  const { source, logsIngestion: _rows, ...options } = agent;
  const config = personasAgentConfig(plan, options);
  if (config === undefined) return [];
  const { accountName, container, blobName, clientId, sha256 } = checkedSource(source);
  const logs = (config.logs?.files ?? []).length > 0;
  const script = renderAgentInstallScript({
    agentPath: AGENT_PATH,
    config,
    environment: {
      PERSONAS_AGENT_CLOUD: "azure",
      PERSONAS_AGENT_CLIENT_ID: clientId,
      ...(agent.logsIngestion === undefined
        ? {}
        : ingestionEnvironment(checkedIngestion(agent.logsIngestion))),
    },
    ...(agent.nodePath !== undefined ? { nodePath: agent.nodePath } : {}),
  });
  // The configuration is written before the unit starts; fill in the VM's id between the two.
  const start = script.indexOf("systemctl daemon-reload");
  const token = `${IMDS}/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent("https://storage.azure.com/")}&client_id=${clientId}`;
  return [
    "# pulumi-personas agent, from this fleet's storage account; runs only if its SHA-256 matches",
    `apt-get install -y --no-install-recommends ${["curl", "ca-certificates", "nodejs", ...(logs ? ["acl"] : [])].join(" ")}`,
    `PERSONAS_VM_ID="$(curl -fsS --noproxy '*' -H Metadata:true ${shellQuote(`${IMDS}/instance/compute/vmId?api-version=2021-02-01&format=text`)})"`,
    `PERSONAS_TOKEN="$(curl -fsS --noproxy '*' -H Metadata:true ${shellQuote(token)} | sed -n 's/.*"access_token" *: *"\\([^"]*\\)".*/\\1/p')"`,
    `curl -fsS --proto =https -H "Authorization: Bearer \${PERSONAS_TOKEN}" -H ${shellQuote(`x-ms-version: ${STORAGE_API_VERSION}`)} ${shellQuote(`https://${accountName}.blob.core.windows.net/${container}/${blobName}`)} -o ${AGENT_DOWNLOAD}`,
    "unset PERSONAS_TOKEN",
    `echo ${shellQuote(`${sha256}  ${AGENT_DOWNLOAD}`)} | sha256sum -c -`,
    "install -d -m 0755 /opt/personas-agent",
    `install -m 0644 ${AGENT_DOWNLOAD} ${AGENT_PATH}`,
    script.slice(0, start).trimEnd(),
    `sed -i "s/${INSTANCE_ID_PLACEHOLDER}/\${PERSONAS_VM_ID}/" /etc/personas-agent/config.json`,
    script.slice(start).trimEnd(),
  ];
}

/**
 * The custom data of a persona's VMs, as a bash script (before base64). The agent comes first, then
 * the packages: telemetry first, so a package that fails cannot leave the VM unobserved (as on AWS).
 * `agent` is required when the persona needs the personas agent.
 *
 * @example
 * ```ts
 * renderCustomData(plan, "ubuntu", agent); // "#!/bin/bash\n# pulumi-personas: HighTraffic 1.0.0 ...\n..."
 * ```
 */
export function renderCustomData(
  plan: PersonaPlan,
  os: AzureOperatingSystem,
  agent?: AzureAgentInstall,
): string {
  const services = plan.software.flatMap((pkg) => installOn(pkg, os, plan.persona.name).service ?? []);
  const names = [...new Set(plan.software.flatMap((pkg) => packageArguments(pkg, os)))];
  const script = personasCommandScript(plan);
  const agentLines = personasAgentLines(plan, agent);
  // The script goes through a quoted here-document: a line equal to its delimiter would end it early.
  if (script.split("\n").includes(HEREDOC))
    throw new UnsafeShellValueError(
      `Persona ${plan.persona.name}: a feature or run-command script holds a line '${HEREDOC}', which would end the personas-command script early; change that line.`,
    );
  return [
    "#!/bin/bash",
    `# pulumi-personas: ${plan.persona.name.replace(/[^\w.-]/g, "")} ${plan.persona.version.replace(/[^\w.+-]/g, "")}`,
    "set -euo pipefail",
    "export DEBIAN_FRONTEND=noninteractive",
    "apt-get update -y",
    ...agentLines,
    ...(names.length > 0 ? [`apt-get install -y ${names.map(shellQuote).join(" ")}`] : []),
    ...services.map((s) => `systemctl enable --now ${shellQuote(s)}`),
    // The packages created their logs after the agent started: re-apply its per-file read grants.
    ...(agentLines.length > 0 && agent?.logFiles?.length
      ? [
          'systemctl try-restart personas-agent.service || echo "pulumi-personas: could not restart the agent" >&2',
        ]
      : []),
    `install -d -m 0755 ${shellQuote(RUN_COMMAND_SCRIPT_PATH.replace(/\/[^/]+$/, ""))}`,
    `cat > ${shellQuote(RUN_COMMAND_SCRIPT_PATH)} <<'${HEREDOC}'`,
    script,
    HEREDOC,
    `chmod 0755 ${shellQuote(RUN_COMMAND_SCRIPT_PATH)}`,
  ].join("\n");
}
