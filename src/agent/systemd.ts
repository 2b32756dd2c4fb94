/**
 * The systemd unit and the cloud-init install snippet for the agent. The AWS components call these
 * with the bundled file's path and the plan's agent configuration.
 */
import { shellQuote } from "../plan/shell.js";
import { type AgentConfigInput, LOG_PATH } from "./config.js";
import { AgentConfigError } from "./errors.js";

/**
 * The system user the agent runs as. Static (created by the install script) rather than a systemd
 * DynamicUser, so that per-file ACLs can name it: it reads exactly the log files it is given.
 * @internal
 */
export const AGENT_USER = "personas-agent";

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
  /**
   * Environment of the agent's process (`Environment=` lines), e.g. `PERSONAS_AGENT_CLOUD=azure` on
   * Azure VMs. Names are upper-case letters, digits and `_`; values letters, digits and `. _ : / -`.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const ENV_VALUE = /^[\w.:/-]*$/;

/** `Environment=` lines, refusing anything systemd would parse as more than one plain assignment. */
function environmentLines(environment: Readonly<Record<string, string>>): string[] {
  const bad = Object.entries(environment).filter(
    ([name, value]) => !ENV_NAME.test(name) || !ENV_VALUE.test(value),
  );
  if (bad.length > 0)
    throw new AgentConfigError(
      "the agent's systemd unit",
      bad.map(
        ([name, value]) =>
          `environment ${JSON.stringify(name)}=${JSON.stringify(value)} must be an upper-case name and a value of letters, digits and . _ : / -`,
      ),
    );
  return Object.entries(environment).map(([name, value]) => `Environment=${name}=${value}`);
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

/** The configured log files, sorted, and the directories that hold them. */
function logPaths(config: AgentConfigInput): { files: string[]; directories: string[] } {
  const files = [...new Set((config.logs?.files ?? []).map((f) => f.path))].sort();
  const unsafe = files.filter((f) => !LOG_PATH.test(f));
  if (unsafe.length > 0)
    throw new AgentConfigError(
      "the agent's systemd unit",
      unsafe.map(
        (f) => `log path ${JSON.stringify(f)} must be an absolute path of letters, digits and . _ @ + - /`,
      ),
    );
  const directories = [...new Set(files.map((f) => f.slice(0, f.lastIndexOf("/")) || "/"))].sort();
  return { files, directories };
}

/**
 * `ExecStartPre=` lines that grant the agent's user read access to each named log file and, through
 * a default ACL on its directory, to the files rotation creates there (with no access for others,
 * as a 0640 file). `+` runs them as root; `-` lets the agent start when a file does not exist yet.
 */
function logGrants(config: AgentConfigInput): string[] {
  const { files, directories } = logPaths(config);
  return [
    ...directories.map(
      (dir) =>
        `ExecStartPre=-+/usr/bin/setfacl -m u:${AGENT_USER}:x -m d:u::rw,d:g::r,d:o::-,d:u:${AGENT_USER}:r ${dir}`,
    ),
    ...files.map((file) => `ExecStartPre=-+/usr/bin/setfacl -m u:${AGENT_USER}:r ${file}`),
  ];
}

/**
 * Renders the unit: an unprivileged system user with no supplementary group, read access granted
 * per named log file (ACLs applied at each start), nothing writable, no new privileges; SIGTERM lets
 * the agent flush before it exits.
 *
 * @example
 * ```ts
 * const unit = renderAgentUnit({ agentPath: "/opt/personas-agent/agent.cjs", config });
 * ```
 */
export function renderAgentUnit(options: AgentInstallOptions): string {
  const o = { ...DEFAULTS, ...options };
  const flags = (options.nodeFlags ?? DEFAULT_NODE_FLAGS).join(" ");
  const readOnly = logPaths(options.config).directories;
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
    ...environmentLines(options.environment ?? {}),
    `User=${AGENT_USER}`,
    `Group=${AGENT_USER}`,
    ...logGrants(options.config),
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
    `id -u ${AGENT_USER} >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${AGENT_USER}`,
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
