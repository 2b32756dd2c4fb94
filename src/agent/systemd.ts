/**
 * The systemd unit and the cloud-init install snippet for the agent. The AWS components call these
 * with the bundled file's path and the plan's agent configuration.
 */
import type { AgentConfigInput } from "./config.js";

/** Options of {@link renderAgentUnit} and {@link renderAgentInstallScript}. */
export interface AgentInstallOptions {
  /** Where the bundled agent (`bundleAgent`'s output) is installed on the instance. */
  readonly agentPath: string;
  /** The agent configuration, written as JSON to `configPath`. */
  readonly config: AgentConfigInput;
  /** Where the configuration file is written. @default "/etc/personas-agent/config.json" */
  readonly configPath?: string;
  /** The node binary on the instance. @default "/usr/bin/node" */
  readonly nodePath?: string;
  /** systemd unit name, without `.service`. @default "personas-agent" */
  readonly unitName?: string;
  /** V8 flags that keep the heap small. @default DEFAULT_NODE_FLAGS */
  readonly nodeFlags?: readonly string[];
  /** Memory ceiling enforced by systemd (MemoryMax). @default "96M" */
  readonly memoryMax?: string;
  /** CPU ceiling enforced by systemd (CPUQuota). @default "10%" */
  readonly cpuQuota?: string;
}

/**
 * V8 flags for a small, steady footprint (each measured in `bench/agent.bench.ts`, see docs/agent.md):
 * `--lite-mode` runs without the optimizing compiler, whose code pages alone are about 4 MiB of RSS,
 * for a CPU cost within the noise at the agent's load; `--no-expose-wasm` silences the warning lite
 * mode prints otherwise; a 1 MB young generation (short-lived line strings die there) and an
 * old-generation cap well above the bounded buffer's worst case.
 */
export const DEFAULT_NODE_FLAGS: readonly string[] = [
  "--lite-mode",
  "--no-expose-wasm",
  "--max-semi-space-size=1",
  "--max-old-space-size=64",
];

const DEFAULTS = {
  configPath: "/etc/personas-agent/config.json",
  nodePath: "/usr/bin/node",
  unitName: "personas-agent",
  memoryMax: "96M",
  cpuQuota: "10%",
};

/** Directories whose files the agent reads: the parents of the configured log files. */
function logDirectories(config: AgentConfigInput): string[] {
  const files = config.logs?.files ?? [];
  return [...new Set(files.map((f) => f.path.slice(0, f.path.lastIndexOf("/")) || "/"))].sort();
}

/**
 * Renders the unit: an unprivileged dynamic user, read-only access to the log directories and
 * nothing else writable, no new privileges; SIGTERM lets the agent flush before it exits.
 *
 * @example
 * ```ts
 * const unit = renderAgentUnit({ agentPath: "/opt/personas-agent/agent.cjs", config });
 * ```
 */
export function renderAgentUnit(options: AgentInstallOptions): string {
  const o = { ...DEFAULTS, ...options };
  const flags = (options.nodeFlags ?? DEFAULT_NODE_FLAGS).join(" ");
  const readOnly = logDirectories(options.config);
  const lines = [
    "[Unit]",
    "Description=pulumi-personas telemetry agent (probes and log-derived metrics)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${o.nodePath} ${flags} ${o.agentPath} --config ${o.configPath}`,
    "ExecReload=/bin/kill -HUP $MAINPID",
    "KillSignal=SIGTERM",
    "TimeoutStopSec=30",
    "Restart=on-failure",
    "RestartSec=5",
    // 78 = EX_CONFIG: a configuration that cannot work will not start by retrying.
    "RestartPreventExitStatus=78",
    "DynamicUser=yes",
    // adm may read /var/log/* on Debian and Ubuntu; granted only for reading the configured logs.
    "SupplementaryGroups=adm",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectControlGroups=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "CapabilityBoundingSet=",
    "AmbientCapabilities=",
    ...(readOnly.length > 0 ? [`ReadOnlyPaths=${readOnly.join(" ")}`] : []),
    `MemoryMax=${o.memoryMax}`,
    `CPUQuota=${o.cpuQuota}`,
    "StandardOutput=journal",
    "StandardError=journal",
    `SyslogIdentifier=${o.unitName}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ];
  return lines.join("\n");
}

/**
 * Renders the shell snippet for cloud-init user data: writes the configuration and the unit, then
 * enables and starts the agent. The bundled agent must already be at `agentPath` (the components
 * download it first). Heredocs are quoted, so nothing in the configuration is expanded by the shell.
 *
 * @example
 * ```ts
 * const script = renderAgentInstallScript({ agentPath: "/opt/personas-agent/agent.cjs", config });
 * ```
 */
export function renderAgentInstallScript(options: AgentInstallOptions): string {
  const o = { ...DEFAULTS, ...options };
  const json = JSON.stringify(options.config, null, 2);
  const unit = renderAgentUnit(options);
  const configDir = o.configPath.slice(0, o.configPath.lastIndexOf("/")) || "/";
  return [
    "# pulumi-personas telemetry agent",
    `install -d -m 0755 ${shellQuote(configDir)}`,
    `cat > ${shellQuote(o.configPath)} <<'PERSONAS_AGENT_CONFIG'`,
    json,
    "PERSONAS_AGENT_CONFIG",
    `chmod 0644 ${shellQuote(o.configPath)}`,
    `cat > /etc/systemd/system/${o.unitName}.service <<'PERSONAS_AGENT_UNIT'`,
    unit.trimEnd(),
    "PERSONAS_AGENT_UNIT",
    "systemctl daemon-reload",
    `systemctl enable --now ${o.unitName}.service`,
    "",
  ].join("\n");
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
