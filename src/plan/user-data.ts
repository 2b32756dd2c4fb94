/**
 * First-boot script of a persona (cloud-init user data on EC2, custom data on Azure), and the
 * orchestrator's Run Command script, which is the same text. Cloud-neutral: it reads the plan and
 * the instance metadata service, and names no SDK.
 *
 * Order, and why:
 * 1. the agents (Amazon CloudWatch agent, then the personas agent from the stack's own bucket,
 *    its SHA-256 checked before it runs): telemetry first, so a package that fails to install
 *    cannot leave the instance unobserved;
 * 2. the SoftwareStack, one package at a time: a failure is logged and counted, and the rest go on;
 * 3. the count is published as the `PackageInstallFailures` metric (namespace `Personas/Software`,
 *    dimension `InstanceId`), 0 when all went well, so an alarm can watch it.
 *
 * Every value that comes from a persona, a mapping or component arguments reaches the script
 * through {@link shellQuote}; nothing instance-specific is baked in (the instance id and region come
 * from IMDS at boot), so one rendering serves every instance of a persona.
 */
import type { AgentConfigInput } from "../agent/config.js";
import { AGENT_USER, renderAgentInstallScript } from "../agent/systemd.js";
import { UnsafeShellValueError } from "./errors.js";
import {
  installOn,
  OPERATING_SYSTEMS,
  type OperatingSystem,
  OS_FAMILY,
  type OsFamily,
  packageArguments,
} from "./packages.js";
import type { PersonaPlan } from "./plan.js";
import { agentMetricsOf } from "./render.js";
import { shellQuote, shellWords } from "./shell.js";

export { OPERATING_SYSTEMS, type OperatingSystem };

/**
 * Where the instance fetches the personas agent: an object in the stack's own S3 bucket (the AWS
 * components upload the bundled agent there as a Pulumi asset). Never a package registry.
 */
export interface AgentSource {
  /** The bucket, in the instance's region; lower-case letters, digits and '-' (virtual-hosted URL). */
  bucket: string;
  /** The object key; letters, digits and `/ _ . -`. */
  key: string;
  /** Lower-case hex SHA-256 of the object; the instance refuses to run a file that differs. */
  sha256: string;
}

/** What the personas agent needs beyond the plan: where to fetch it, what to probe, which logs to read. */
export interface AgentOptions {
  /** Where to fetch the agent; required when a plan needs the personas agent. */
  source?: AgentSource;
  /** Probe targets for latency signals. */
  probeTargets: NonNullable<NonNullable<AgentConfigInput["probes"]>["targets"]>;
  /** Log files for log signals (error rate, request count); only these become readable to the agent. */
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

/**
 * The metric the user data publishes once the SoftwareStack is installed.
 * @internal
 */
export const SOFTWARE_METRIC = {
  namespace: "Personas/Software",
  metricName: "PackageInstallFailures",
  dimension: "InstanceId",
} as const;

/**
 * The tag on the uploaded agent object holding its SHA-256 (`personas plan` prints it).
 * @internal
 */
export const AGENT_SHA256_TAG = "personas:agent-sha256";

/** EC2 refuses user data over 16 KB (raw, before base64): "Run commands on your Linux instance at launch", EC2 User Guide. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

const AGENT_PATH = "/opt/personas-agent/personas-agent.cjs";
const AGENT_DOWNLOAD = "/tmp/personas-agent.cjs";
const INSTANCE_ID_PLACEHOLDER = "__PERSONAS_INSTANCE_ID__";
const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const OBJECT_KEY = /^[A-Za-z0-9_.-][A-Za-z0-9/_.-]{0,1023}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/**
 * The Amazon CloudWatch agent configuration for a plan: only the metrics its alarms read, each at the
 * finest period an alarm needs, aggregated to the `InstanceId` dimension the alarms use. Undefined
 * when the plan needs no CloudWatch agent metric.
 * @internal
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
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudWatch agent variable, not a template
      append_dimensions: { InstanceId: "${aws:InstanceId}" },
      aggregation_dimensions: [["InstanceId"]],
      metrics_collected: collected,
    },
  };
}

/**
 * The personas agent configuration for a plan; the instance id is filled in at boot.
 * @internal
 */
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

/** A `#` comment line: anything but printable ASCII (a newline above all) becomes `?`. */
function comment(text: string): string {
  return `# ${text.replace(/[^\x20-\x7e]/g, "?")}`;
}

function installCommand(family: OsFamily, packages: readonly string[]): string {
  return family === "debian"
    ? `apt-get install -y --no-install-recommends ${shellWords(packages)}`
    : `dnf install -y ${shellWords(packages)}`;
}

/** IMDSv2, the instance's region and id, and a SigV4-signed curl with the instance role's credentials. */
function helpers(): string[] {
  return [
    'personas_log() { echo "pulumi-personas: $*" >&2; logger -t pulumi-personas -- "$*" 2>/dev/null || true; }',
    'IMDS_TOKEN="$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")"',
    'personas_imds() { curl -fsS -H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}" "http://169.254.169.254/latest/meta-data/$1"; }',
    'INSTANCE_ID="$(personas_imds instance-id)"',
    'REGION="$(personas_imds placement/region)"',
    // curl signs the request itself (--aws-sigv4, curl >= 7.75 on every supported system), so no AWS CLI is needed.
    "personas_aws() {",
    '  local role creds key secret token service="$1" url="$2"; shift 2',
    '  role="$(personas_imds iam/security-credentials/)" || return 1',
    '  creds="$(personas_imds "iam/security-credentials/${role}")" || return 1',
    `  key="$(printf '%s\\n' "$creds" | sed -n 's/.*"AccessKeyId" *: *"\\([^"]*\\)".*/\\1/p')"`,
    `  secret="$(printf '%s\\n' "$creds" | sed -n 's/.*"SecretAccessKey" *: *"\\([^"]*\\)".*/\\1/p')"`,
    `  token="$(printf '%s\\n' "$creds" | sed -n 's/.*"Token" *: *"\\([^"]*\\)".*/\\1/p')"`,
    '  curl -fsS --proto =https --aws-sigv4 "aws:amz:${REGION}:${service}" --user "${key}:${secret}" -H "x-amz-security-token: ${token}" "$@" "$url"',
    "}",
  ];
}

function cloudWatchAgentScript(family: OsFamily, config: Record<string, unknown>): string[] {
  const file = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json";
  const installAgent =
    family === "debian"
      ? [
          'CWA_ARCH="$(dpkg --print-architecture)"',
          // AWS's own download bucket, documented in "Download and install the CloudWatch agent", CloudWatch User Guide.
          'curl -fsSL -o /tmp/amazon-cloudwatch-agent.deb "https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/${CWA_ARCH}/latest/amazon-cloudwatch-agent.deb"',
          "dpkg -i -E /tmp/amazon-cloudwatch-agent.deb",
        ]
      : [
          'CWA_ARCH="$(uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/)"',
          'dnf install -y amazon-cloudwatch-agent || dnf install -y "https://amazoncloudwatch-agent.s3.amazonaws.com/redhat/${CWA_ARCH}/latest/amazon-cloudwatch-agent.rpm"',
        ];
  return [
    "# Amazon CloudWatch agent: only the metrics this persona's alarms read",
    ...installAgent,
    "install -d -m 0755 /opt/aws/amazon-cloudwatch-agent/etc",
    `cat > ${file} <<'PERSONAS_CWAGENT_CONFIG'`,
    // JSON escapes every newline, so no line of it can be the heredoc's delimiter.
    JSON.stringify(config, null, 2),
    "PERSONAS_CWAGENT_CONFIG",
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${file}`,
  ];
}

/** Checks the agent source's shape: the values become a URL and a checksum line. */
function checkedSource(source: AgentSource | undefined): AgentSource {
  if (source === undefined)
    throw new UnsafeShellValueError(
      "The plan needs the personas agent but no agent source was given; the AWS components upload the bundled agent to the stack's bucket and pass it, other callers must give { bucket, key, sha256 }.",
    );
  const problems = [
    BUCKET.test(source.bucket)
      ? undefined
      : `bucket '${source.bucket}' (3 to 63 lower-case letters, digits, '-')`,
    OBJECT_KEY.test(source.key) ? undefined : `key '${source.key}' (letters, digits and / _ . -)`,
    SHA256.test(source.sha256) ? undefined : `sha256 '${source.sha256}' (64 lower-case hex digits)`,
  ].filter((p) => p !== undefined);
  if (problems.length > 0)
    throw new UnsafeShellValueError(`The personas agent source is invalid: ${problems.join("; ")}.`);
  return source;
}

function personasAgentScript(family: OsFamily, config: AgentConfigInput, agent: AgentOptions): string[] {
  const { bucket, key, sha256 } = checkedSource(agent.source);
  const logs = (config.logs?.files ?? []).length > 0;
  const script = renderAgentInstallScript({
    agentPath: AGENT_PATH,
    config,
    ...(agent.nodePath !== undefined ? { nodePath: agent.nodePath } : {}),
  });
  // The configuration is written before the unit starts; fill in the instance id between the two.
  const start = script.indexOf("systemctl daemon-reload");
  return [
    "# pulumi-personas agent, from this stack's own bucket; runs only if its SHA-256 matches",
    installCommand(family, logs ? ["nodejs", "acl"] : ["nodejs"]),
    // One word: the quoted bucket and key around the region IMDS gave. A GET's payload hash is the
    // empty string's; S3 requires the header ("Authenticating Requests (AWS Signature Version 4)").
    `personas_aws s3 ${shellQuote(`https://${bucket}.s3.`)}"\${REGION}"${shellQuote(`.amazonaws.com/${key}`)} -H 'x-amz-content-sha256: ${EMPTY_SHA256}' -o ${AGENT_DOWNLOAD}`,
    `echo ${shellQuote(`${sha256}  ${AGENT_DOWNLOAD}`)} | sha256sum -c -`,
    "install -d -m 0755 /opt/personas-agent",
    `install -m 0644 ${AGENT_DOWNLOAD} ${AGENT_PATH}`,
    script.slice(0, start).trimEnd(),
    `sed -i "s/${INSTANCE_ID_PLACEHOLDER}/\${INSTANCE_ID}/" /etc/personas-agent/config.json`,
    script.slice(start).trimEnd(),
  ];
}

function softwareScript(plan: PersonaPlan, os: OperatingSystem): string[] {
  const family = OS_FAMILY[os];
  const lines = [
    "# SoftwareStack, one package at a time: a failure is reported and the rest go on",
    "PERSONAS_FAILED=0",
    `personas_failed() { PERSONAS_FAILED=$((PERSONAS_FAILED + 1)); personas_log "software '$1' failed to install or start; continuing with the rest"; }`,
  ];
  for (const pkg of plan.software) {
    const install = pkg.on[os];
    if (install === undefined) {
      // Known, but not packaged here (checkSoftwareFor tells at plan time): reported, never attempted.
      lines.push(`personas_failed ${shellQuote(`${pkg.name} (not packaged on ${os})`)}`);
      continue;
    }
    const steps = [installCommand(family, packageArguments(pkg, os))];
    if (install.prepare !== undefined) steps.push(install.prepare);
    if (install.service !== undefined) steps.push(`systemctl enable --now ${shellQuote(install.service)}`);
    lines.push(`{ ${steps.join(" && ")}; } || personas_failed ${shellQuote(pkg.name)}`);
  }
  const { namespace, metricName, dimension } = SOFTWARE_METRIC;
  const body = [
    "Action=PutMetricData",
    "Version=2010-08-01",
    `Namespace=${encodeURIComponent(namespace)}`,
    `MetricData.member.1.MetricName=${metricName}`,
    "MetricData.member.1.Unit=Count",
    "MetricData.member.1.Value=${PERSONAS_FAILED}",
    `MetricData.member.1.Dimensions.member.1.Name=${dimension}`,
    "MetricData.member.1.Dimensions.member.1.Value=${INSTANCE_ID}",
  ].join("&");
  lines.push(
    'personas_log "SoftwareStack done: ${PERSONAS_FAILED} package(s) failed"',
    `personas_aws monitoring "https://monitoring.\${REGION}.amazonaws.com/" -d "${body}" >/dev/null || personas_log "could not publish ${metricName}"`,
  );
  return lines;
}

/**
 * The plan's packages that `os` does not package, each as a sentence for `personas plan` and the
 * components' preview warnings. The user data reports them as failed at boot without trying them.
 * @internal
 */
export function unavailableSoftware(plan: PersonaPlan, os: OperatingSystem): string[] {
  return plan.software.flatMap((pkg) => {
    if (pkg.on[os] !== undefined) return [];
    try {
      installOn(pkg, os, `${plan.persona.name} ${plan.persona.version}`);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  });
}

/**
 * Renders the first-boot script of a persona plan. The AWS components pass it as EC2 user data,
 * the orchestrator runs the same text through SSM Run Command; it must stay within
 * {@link USER_DATA_LIMIT_BYTES}.
 *
 * @throws UnsafeShellValueError when the agent source or a value cannot be quoted.
 * @example
 * ```ts
 * const userData = renderUserData(plan, { os: "ubuntu", agent });
 * // "#!/bin/bash\n# pulumi-personas: HighTraffic 1.2.0 ...\nset -euo pipefail\n..."
 * ```
 */
export function renderUserData(plan: PersonaPlan, options: UserDataOptions): string {
  if (!OPERATING_SYSTEMS.includes(options.os))
    throw new UnsafeShellValueError(
      `Operating system '${options.os}' is not supported; use one of ${OPERATING_SYSTEMS.join(", ")}.`,
    );
  const family = OS_FAMILY[options.os];
  const lines = [
    "#!/bin/bash",
    comment(
      `pulumi-personas: ${plan.persona.name} ${plan.persona.version} (sha256 ${plan.persona.digest.slice(0, 12)})`,
    ),
    "set -euo pipefail",
    ...helpers(),
  ];
  if (family === "debian")
    lines.push(
      "export DEBIAN_FRONTEND=noninteractive",
      "apt-get update -y",
      installCommand(family, ["curl", "ca-certificates"]),
    );
  const cwConfig = cloudWatchAgentConfig(plan);
  if (cwConfig) lines.push(...cloudWatchAgentScript(family, cwConfig));
  let agentConfig: AgentConfigInput | undefined;
  if (plan.telemetry.personasAgent.length > 0) {
    if (options.agent === undefined)
      throw new UnsafeShellValueError(
        "The plan needs the personas agent but no agent options were given; pass options.agent.",
      );
    agentConfig = personasAgentConfig(plan, options.agent);
    if (agentConfig) lines.push(...personasAgentScript(family, agentConfig, options.agent));
  }
  lines.push(...softwareScript(plan, options.os));
  if ((agentConfig?.logs?.files ?? []).length > 0)
    // The packages created their logs after the agent started: re-apply its per-file read grants.
    lines.push(`systemctl try-restart ${AGENT_USER}.service || personas_log "could not restart the agent"`);
  return `${lines.filter((l) => l !== "").join("\n")}\n`;
}
