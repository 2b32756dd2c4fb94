/**
 * Cloud-init user data for a persona: the SoftwareStack from the package catalog (apt on Debian and
 * Ubuntu, dnf on Amazon Linux and RHEL, versions pinned as the persona says), the Amazon CloudWatch
 * agent configured for exactly the metrics the persona's alarms need, and the personas agent when a
 * persona needs metrics no AWS agent provides. Rendered once per persona plan and shared by every
 * instance of it: nothing instance-specific is baked in (the instance id comes from IMDS at boot).
 */
import type { AgentConfigInput } from "../agent/config.js";
import { renderAgentInstallScript } from "../agent/systemd.js";
import { type OsFamily, packageArguments } from "../plan/packages.js";
import type { PersonaPlan } from "../plan/plan.js";
import { agentMetricsOf } from "../plan/render.js";

/** The operating systems the user data supports, and their package family. */
export const OPERATING_SYSTEMS = {
  "amazon-linux": "rhel",
  rhel: "rhel",
  ubuntu: "debian",
  debian: "debian",
} as const satisfies Record<string, OsFamily>;

/** An operating system the user data can install software on. */
export type OperatingSystem = keyof typeof OPERATING_SYSTEMS;

/** Where the instance downloads the personas agent from. */
export interface AgentSource {
  /** An https URL of the bundled agent (`bundleAgent` output) or of a `.tgz` holding it. */
  url: string;
  /** Path of the agent inside the `.tgz`. @default "package/dist/agent/personas-agent.cjs" */
  pathInArchive?: string;
  /** The file's (or archive's) sha256; the download is refused when it differs. */
  sha256?: string;
}

/** What the personas agent needs beyond the plan: where to fetch it, what to probe, which logs to read. */
export interface AgentOptions {
  /** Where to download the agent. */
  source: AgentSource;
  /** Probe targets for latency signals. */
  probeTargets: NonNullable<NonNullable<AgentConfigInput["probes"]>["targets"]>;
  /** Log files for log signals (error rate, request count). */
  logFiles?: NonNullable<NonNullable<AgentConfigInput["logs"]>["files"]>;
  /** The node binary on the instance. @default "/usr/bin/node" */
  nodePath?: string;
}

/** Options of {@link renderUserData}. */
export interface UserDataOptions {
  os: OperatingSystem;
  /** Required when the plan needs the personas agent. */
  agent?: AgentOptions;
}

const AGENT_PATH = "/opt/personas-agent/personas-agent.cjs";
const INSTANCE_ID_PLACEHOLDER = "__PERSONAS_INSTANCE_ID__";

/**
 * The Amazon CloudWatch agent configuration for a plan: only the metrics its alarms read, each at the
 * finest period an alarm needs, aggregated to the `InstanceId` dimension the alarms use. Undefined
 * when the plan needs no CloudWatch agent metric.
 */
export function cloudWatchAgentConfig(plan: PersonaPlan): Record<string, unknown> | undefined {
  const metrics = plan.telemetry.cloudAgent;
  if (metrics.length === 0) return undefined;
  const namespace = plan.alarms.find((a) => a.source === "cloud-agent")?.aws.namespace ?? "CWAgent";
  const collected: Record<
    string,
    { measurement: string[]; metrics_collection_interval: number; resources?: string[] }
  > = {};
  for (const metric of metrics) {
    // CloudWatch agent metric names are `<section>_<measurement>` (mem_used_percent, disk_used_percent).
    const split = metric.metricName.indexOf("_");
    const section = metric.metricName.slice(0, split);
    const measurement = metric.metricName.slice(split + 1);
    const entry = collected[section] ?? {
      measurement: [],
      metrics_collection_interval: metric.periodSeconds,
    };
    entry.measurement.push(measurement);
    entry.metrics_collection_interval = Math.min(entry.metrics_collection_interval, metric.periodSeconds);
    if (section === "disk") entry.resources = ["/"];
    collected[section] = entry;
  }
  return {
    agent: {
      metrics_collection_interval: Math.min(...metrics.map((m) => m.periodSeconds)),
      run_as_user: "root",
    },
    metrics: {
      namespace,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell (or CloudWatch agent) variable, not a template
      append_dimensions: { InstanceId: "${aws:InstanceId}" },
      aggregation_dimensions: [["InstanceId"]],
      metrics_collected: collected,
    },
  };
}

/** The personas agent configuration for a plan; the instance id is filled in at boot. */
export function personasAgentConfig(plan: PersonaPlan, agent: AgentOptions): AgentConfigInput | undefined {
  const metrics = agentMetricsOf(plan.telemetry);
  if (metrics.length === 0) return undefined;
  const config: AgentConfigInput = {
    version: 1,
    dimensions: { InstanceId: INSTANCE_ID_PLACEHOLDER },
    metrics: metrics.map((m) => ({ name: m.name, signal: m.signal, period: m.period })),
  };
  if (metrics.some((m) => m.signal.startsWith("probe.")))
    config.probes = { targets: [...agent.probeTargets] };
  if (metrics.some((m) => m.signal.startsWith("log."))) config.logs = { files: [...(agent.logFiles ?? [])] };
  return config;
}

function install(family: OsFamily, packages: readonly string[]): string {
  if (packages.length === 0) return "";
  return family === "debian"
    ? `apt-get install -y --no-install-recommends ${packages.join(" ")}`
    : `dnf install -y ${packages.join(" ")}`;
}

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function cloudWatchAgentScript(family: OsFamily, config: Record<string, unknown>): string[] {
  const file = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json";
  const installAgent =
    family === "debian"
      ? [
          'CWA_ARCH="$(dpkg --print-architecture)"',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell (or CloudWatch agent) variable, not a template
          'curl -fsSL -o /tmp/amazon-cloudwatch-agent.deb "https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/${CWA_ARCH}/latest/amazon-cloudwatch-agent.deb"',
          "dpkg -i -E /tmp/amazon-cloudwatch-agent.deb",
        ]
      : [
          'CWA_ARCH="$(uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/)"',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell (or CloudWatch agent) variable, not a template
          'dnf install -y amazon-cloudwatch-agent || dnf install -y "https://amazoncloudwatch-agent.s3.amazonaws.com/redhat/${CWA_ARCH}/latest/amazon-cloudwatch-agent.rpm"',
        ];
  return [
    "# Amazon CloudWatch agent: only the metrics this persona's alarms read",
    ...installAgent,
    "install -d -m 0755 /opt/aws/amazon-cloudwatch-agent/etc",
    `cat > ${file} <<'PERSONAS_CWAGENT_CONFIG'`,
    JSON.stringify(config, null, 2),
    "PERSONAS_CWAGENT_CONFIG",
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${file}`,
  ];
}

function personasAgentScript(family: OsFamily, config: AgentConfigInput, agent: AgentOptions): string[] {
  const { url, sha256 } = agent.source;
  const archive = url.endsWith(".tgz") || url.endsWith(".tar.gz");
  const download = archive ? "/tmp/personas-agent.tgz" : "/tmp/personas-agent.cjs";
  const lines = [
    "# pulumi-personas agent: metrics no AWS agent provides",
    install(family, ["nodejs"]),
    `curl -fsSL --proto '=https' -o ${download} ${quote(url)}`,
  ];
  if (sha256 !== undefined) lines.push(`echo ${quote(`${sha256}  ${download}`)} | sha256sum -c -`);
  lines.push("install -d -m 0755 /opt/personas-agent");
  if (archive) {
    const inside = agent.source.pathInArchive ?? "package/dist/agent/personas-agent.cjs";
    lines.push(
      "install -d -m 0700 /tmp/personas-agent-package",
      `tar -xzf ${download} -C /tmp/personas-agent-package ${quote(inside)}`,
      `install -m 0644 ${quote(`/tmp/personas-agent-package/${inside}`)} ${AGENT_PATH}`,
    );
  } else lines.push(`install -m 0644 ${download} ${AGENT_PATH}`);
  const script = renderAgentInstallScript({
    agentPath: AGENT_PATH,
    config,
    ...(agent.nodePath !== undefined ? { nodePath: agent.nodePath } : {}),
  });
  // The configuration is written before the unit starts; fill in the instance id between the two.
  const start = script.indexOf("systemctl daemon-reload");
  lines.push(
    'IMDS_TOKEN="$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell (or CloudWatch agent) variable, not a template
    'INSTANCE_ID="$(curl -fsS -H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}" http://169.254.169.254/latest/meta-data/instance-id)"',
    script.slice(0, start).trimEnd(),
    `sed -i "s/${INSTANCE_ID_PLACEHOLDER}/\${INSTANCE_ID}/" /etc/personas-agent/config.json`,
    script.slice(start).trimEnd(),
  );
  return lines;
}

/**
 * Renders the user data of a persona plan (a shell script cloud-init runs once at first boot).
 *
 * @example
 * ```ts
 * const userData = renderUserData(plan, { os: "ubuntu", agent });
 * // "#!/bin/bash\n# pulumi-personas: HighTraffic 1.0.0 ...\napt-get install -y --no-install-recommends nginx ..."
 * ```
 */
export function renderUserData(plan: PersonaPlan, options: UserDataOptions): string {
  const family = OPERATING_SYSTEMS[options.os];
  const packages = plan.software.flatMap((pkg) => packageArguments(pkg, family));
  const services = [...new Set(plan.software.flatMap((pkg) => pkg.services))];
  const lines = [
    "#!/bin/bash",
    `# pulumi-personas: ${plan.persona.name} ${plan.persona.version} (sha256 ${plan.persona.digest.slice(0, 12)})`,
    "set -euo pipefail",
  ];
  if (family === "debian") lines.push("export DEBIAN_FRONTEND=noninteractive", "apt-get update -y");
  const needsCurl = plan.telemetry.cloudAgent.length > 0 || plan.telemetry.personasAgent.length > 0;
  const base = needsCurl && family === "debian" ? ["curl", "ca-certificates"] : [];
  if (packages.length > 0 || base.length > 0) {
    lines.push("# SoftwareStack", install(family, [...base, ...packages]));
  }
  if (services.length > 0) lines.push(`systemctl enable --now ${services.join(" ")}`);
  const cwConfig = cloudWatchAgentConfig(plan);
  if (cwConfig) lines.push(...cloudWatchAgentScript(family, cwConfig));
  if (plan.telemetry.personasAgent.length > 0) {
    if (!options.agent)
      throw new Error("renderUserData: the plan needs the personas agent but no agent options were given");
    const config = personasAgentConfig(plan, options.agent);
    if (config) lines.push(...personasAgentScript(family, config, options.agent));
  }
  return `${lines.filter((l) => l !== "").join("\n")}\n`;
}
