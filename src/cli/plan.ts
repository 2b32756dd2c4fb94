/**
 * `personas plan`: the resource tree `pulumi up` would create, computed offline under Pulumi's mock
 * engine. Either a Pulumi program (TypeScript or JavaScript, bundled with esbuild) or a persona file
 * with tags, deployed as a PersonaFleet of `--instances` instances.
 *
 * The mock engine is asynchronous and process-wide, so `planCommandSync` (what `personas plan` runs)
 * executes `planCommand` in a child process and returns its output.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { PlannedResource } from "../aws/offline.js";
import { PersonasError } from "../errors.js";
import type { Persona } from "../pdl/model.js";
import { AGENT_LOG_TABLE } from "../plan/agent-log-table.js";
import { AGENT_ROW_BYTES, azureAlertCostOf, monthlyCostOf } from "../plan/cost.js";
import type { FleetPlan } from "../plan/plan.js";
import { agentSignalOf } from "../plan/render.js";
import { AGENT_SHA256_TAG } from "../plan/user-data.js";
import { AGENT_SHA256_METADATA, STORAGE_NAMES } from "../runtime/azure/contract.js";
import { UsageError } from "./errors.js";
import { commandPrefix, usageLine } from "./help.js";
import { offlineTargetsOf } from "./offline-targets.js";
import { loadPersonaFile } from "./persona-file.js";

/** What a command prints and how the process ends (the shape `main.ts` returns). */
interface PlanResult {
  exitCode: number;
  stdout: string;
  stderr?: string;
}

/** Options of {@link planCommand}. */
export interface PlanOptions {
  /** A Pulumi program (`.ts` / `.js`) or a persona file (`.yaml` / `.yml` / `.json`). */
  input: string;
  /** Tags of every instance (persona input only). */
  tags: Record<string, string>;
  /** Number of instances (persona input only). @default 1 */
  instances: number;
  /** Fleet name (persona input only). @default "fleet" */
  fleet: string;
  /** The web ACL ARN list feeds are enforced in (persona input only). @default a placeholder ARN */
  webAclArn: string;
  /**
   * Log files the personas agent reads on every instance, for personas that alarm on log metrics
   * (error rate, request count); each line is an error when it matches {@link COMBINED_LOG_5XX}.
   * @default []
   */
  logFiles: { name: string; path: string }[];
  /** The cloud a persona file is planned on, and whose naming rules and limits are checked. @default "aws" */
  cloud: "aws" | "azure";
  format: "text" | "json" | "mermaid";
  /**
   * How a persona file's fleet deploys its alarms (PersonaFleet and AzurePersonaFleet `alarmTopology`):
   * fleet-wide wherever the plan allows, per instance elsewhere; the text output says which and why.
   * @default "fleet-wide"
   * @example "per-instance"
   */
  alarmTopology: "fleet-wide" | "per-instance";
}

/** Placeholders of an offline Azure plan (persona input): nothing is looked up. */
const OFFLINE_AZURE = {
  subnetId:
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/offline/providers/Microsoft.Network/virtualNetworks/offline/subnets/default",
  networkSecurityGroupId:
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/offline/providers/Microsoft.Network/networkSecurityGroups/offline",
} as const;

const PLACEHOLDER_WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/offline-plan/00000000";

/** Inputs worth printing per resource: the ones that say what it is. */
const KEY_INPUTS = [
  "name",
  "instanceType",
  "ami",
  "monitoring",
  "namespace",
  "metricName",
  "comparisonOperator",
  "threshold",
  "period",
  "evaluationPeriods",
  "datapointsToAlarm",
  "runtime",
  "reservedConcurrentExecutions",
  "principal",
  "sourceArn",
  "scheduleExpression",
  "ipAddressVersion",
  "policyArn",
  "billingMode",
  "retentionInDays",
  // Azure
  "resourceGroupName",
  "vmName",
  "hardwareProfile",
  "ruleName",
  "windowSize",
  "evaluationFrequency",
  "accountName",
  "queueName",
  "actionGroupName",
  "httpsOnly",
];

function keyInputs(resource: PlannedResource): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of KEY_INPUTS) if (resource.inputs[key] !== undefined) picked[key] = resource.inputs[key];
  // A fleet-wide (Metrics Insights) alarm names its metric and period in its query, not in its own inputs.
  const queries = resource.inputs.metricQueries;
  const [query] = Array.isArray(queries) ? (queries as { expression?: unknown; period?: unknown }[]) : [];
  if (typeof query?.expression === "string") {
    picked.period = query.period;
    picked.query = query.expression;
  }
  return picked;
}

function formatText(resources: readonly PlannedResource[]): string {
  const children = new Map<string | undefined, PlannedResource[]>();
  for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const inputs = Object.entries(keyInputs(r))
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      lines.push(`${"  ".repeat(depth)}${r.type} ${r.name}${inputs ? `  ${inputs}` : ""}`);
      if (r.type.startsWith("personas:")) walk(r.name, depth + 1);
    }
  };
  walk(undefined, 0);
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  lines.push("", `${resources.length} resources:`);
  for (const [type, count] of [...counts].sort(([a], [b]) => a.localeCompare(b)))
    lines.push(`  ${count} × ${type}`);
  lines.push(...costNotes(resources));
  lines.push(...agentSourceLines(resources));
  lines.push(...resizeWorkflowLines(resources));
  return `${lines.join("\n")}\n`;
}

/** Metrics EC2 publishes per instance that detailed monitoring bills (CPU, disk, network, status). */
const DETAILED_MONITORING_METRICS_PER_INSTANCE = 7;
/** US dollars per metric-month in CloudWatch's first tier (first 10,000 metrics, us-east-1). */
const CLOUDWATCH_METRIC_MONTH_USD = 0.3;

/**
 * What the plan costs beyond the resources themselves: detailed monitoring is billed as CloudWatch
 * custom metrics ("Amazon CloudWatch pricing", https://aws.amazon.com/cloudwatch/pricing/; Amazon EC2
 * User Guide, "Manage detailed monitoring for your EC2 instances").
 */
function costNotes(resources: readonly PlannedResource[]): string[] {
  const detailed = resources.filter(
    (r) => r.type === "aws:ec2/instance:Instance" && r.inputs.monitoring === true,
  );
  if (detailed.length === 0) return [];
  const perInstance = DETAILED_MONITORING_METRICS_PER_INSTANCE * CLOUDWATCH_METRIC_MONTH_USD;
  return [
    "",
    `Detailed monitoring: on for ${detailed.length} instance${detailed.length === 1 ? "" : "s"} (monitoring=true), because their alarms need AWS/EC2 datapoints every minute and basic monitoring sends one every 5 minutes.`,
    `  Cost: about $${perInstance.toFixed(2)} per instance per month (${DETAILED_MONITORING_METRICS_PER_INSTANCE} metrics × $${CLOUDWATCH_METRIC_MONTH_USD.toFixed(2)}, CloudWatch's first tier in us-east-1), $${(perInstance * detailed.length).toFixed(2)} for this plan; see https://aws.amazon.com/cloudwatch/pricing/.`,
  ];
}

/** Where instances get the personas agent: the object the stack uploads (issue 12: never a registry). */
function agentSourceLines(resources: readonly PlannedResource[]): string[] {
  const azure = resources
    .filter(
      (r) =>
        r.type === "azure-native:storage:Blob" && r.inputs.containerName === STORAGE_NAMES.agentContainer,
    )
    .flatMap((r) => [
      "",
      `Personas agent: shipped with the stack as ${r.type} ${r.name} (container ${STORAGE_NAMES.agentContainer}, blob ${String(r.inputs.blobName)}, sha256 ${String((r.inputs.metadata as Record<string, unknown> | undefined)?.[AGENT_SHA256_METADATA])}),`,
      "  fetched by each VM from the fleet's storage account with the VMs' user-assigned identity (Storage Blob",
      "  Data Reader on that container only) and run only if the SHA-256 matches; no package registry is used at boot.",
    ]);
  return azure.concat(
    resources
      .filter((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && r.inputs.tags !== undefined)
      .flatMap((r) => {
        const sha256 = (r.inputs.tags as Record<string, string>)[AGENT_SHA256_TAG];
        if (sha256 === undefined) return [];
        return [
          "",
          `Personas agent: shipped with the stack as ${r.type} ${r.name} (key ${String(r.inputs.key)}, sha256 ${sha256}),`,
          "  fetched by each instance from the stack's own bucket with its instance role and run only if the",
          "  SHA-256 matches; no package registry is used at boot.",
        ];
      }),
  );
}

/**
 * How resizes run (issue 12 item 10): each planned state machine with its type, its number of states
 * and its TimeoutSeconds, read from the definition the stack deploys (docs/aws.md "Resize workflow").
 */
function resizeWorkflowLines(resources: readonly PlannedResource[]): string[] {
  return resources
    .filter((r) => r.type === "aws:sfn/stateMachine:StateMachine" && typeof r.inputs.definition === "string")
    .flatMap((r) => {
      let definition: { States?: Record<string, unknown>; TimeoutSeconds?: unknown };
      try {
        definition = JSON.parse(r.inputs.definition as string);
      } catch {
        // The cloud-contract check reports what AWS would refuse; this note only describes.
        return [];
      }
      const states = Object.keys(definition.States ?? {}).length;
      const timeout = typeof definition.TimeoutSeconds === "number" ? definition.TimeoutSeconds : undefined;
      return [
        "",
        `Resize workflow: ${r.type} ${r.name} (${String(r.inputs.type ?? "STANDARD")}, ${states} states${timeout === undefined ? "" : `, TimeoutSeconds ${timeout}`}),`,
        "  started by the scale responder for each resize: stop, wait until stopped, change the type, start,",
        "  wait until running; any failure after the stop restores the original type and starts the instance.",
        "  It runs outside Lambda, so a resize longer than a function's 15 minutes still ends running.",
      ];
    });
}

/**
 * An error line in the combined log format nginx and Apache write: a 5xx status right after the
 * quoted request line. The pattern `--log-file` gives the agent (a Pulumi program passes its own).
 */
export const COMBINED_LOG_5XX = '" 5\\d\\d ';

/**
 * A persona file that alarms on metrics the agent reads from logs needs `--log-file` (a Pulumi
 * program passes `agent.logFiles` itself): say so in the CLI's terms, before planning.
 */
function assertLogFilesGiven(persona: Persona, file: string, logFiles: readonly unknown[]): void {
  if (logFiles.length > 0) return;
  const conditions = persona.triggers.flatMap((t) => [t.condition, ...(t.clear ? [t.clear.condition] : [])]);
  const fromLogs = [...new Set(conditions.map((c) => c.metric))].filter((m) =>
    agentSignalOf(m)?.startsWith("log."),
  );
  if (fromLogs.length > 0)
    throw new UsageError(
      `${file}: persona ${persona.name} alarms on ${fromLogs.join(", ")}, which the personas agent reads from log files; pass --log-file NAME=PATH, e.g. --log-file nginx=/var/log/nginx/access.log`,
    );
}

/** Persona files are planned as a fleet; anything else is a Pulumi program or project directory. */
const PERSONA_FILE = /\.(ya?ml|json)$/i;

/** Plans `options.input` offline and formats the resource tree. Installs its own Pulumi mocks. */
export async function planCommand(options: PlanOptions): Promise<PlanResult> {
  if (!existsSync(options.input))
    throw new UsageError(`no Pulumi program or persona file at '${options.input}'; check the path`);
  // Loaded here, so other commands never load Pulumi (an optional peer dependency).
  const { planOffline, toMermaid } = await import("../aws/offline.js");
  const { planJson } = await import("../aws/plan-json.js");
  const { PersonaFleet } = await import("../aws/fleet.js");
  let program: () => void;
  const notes: string[] = [];
  if (!PERSONA_FILE.test(options.input)) {
    const { loadProgram } = await import("../aws/program.js");
    program = loadProgram(options.input);
  } else {
    const { persona, ref } = loadPersonaFile(options.input);
    assertLogFilesGiven(persona, options.input, options.logFiles);
    const logFiles = options.logFiles.map((f) => ({ ...f, errorPattern: COMBINED_LOG_5XX }));
    const agent = logFiles.length > 0 ? { logFiles } : undefined;
    const placeholders = offlineTargetsOf(persona, options.cloud);
    notes.push(...placeholders.lines);
    const members = Array.from({ length: options.instances }, (_, i) => ({
      name: `${options.fleet}-${i + 1}`,
      tags: options.tags,
    }));
    if (options.cloud === "azure") {
      const { AzurePersonaFleet } = await import("../azure/fleet.js");
      program = () => {
        const fleet = new AzurePersonaFleet(options.fleet, {
          location: "westeurope",
          image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
          subnetId: OFFLINE_AZURE.subnetId,
          admin: { username: "personas", sshPublicKey: "ssh-ed25519 offline-plan" },
          defaultPersona: { persona, ref },
          instances: members.map((m, i) => ({
            ...m,
            privateIpAddress: `10.0.${Math.floor(i / 250)}.${(i % 250) + 4}`,
          })),
          firewall: { networkSecurityGroupId: OFFLINE_AZURE.networkSecurityGroupId },
          ...(agent ? { agent } : {}),
          notifications: placeholders.notifications,
          invokeTargets: placeholders.invokeTargets,
          alarmTopology: options.alarmTopology,
          ...(placeholders.azureTraffic ? { traffic: placeholders.azureTraffic } : {}),
          ...(placeholders.azureIsolation ? { isolation: placeholders.azureIsolation } : {}),
        });
        notes.push(
          ...azureAlertLines(fleet.plan),
          ...topologyLines(fleet.plan, "Azure"),
          ...azureAlertCostLines(fleet.plan),
        );
      };
    } else
      program = () => {
        const fleet = new PersonaFleet(options.fleet, {
          ami: "ami-00000000000000000",
          defaultPersona: { persona, ref },
          instances: members,
          firewall: { webAclArn: options.webAclArn },
          alarmTopology: options.alarmTopology,
          ...(agent ? { agent } : {}),
          notifications: placeholders.notifications,
          ...(placeholders.traffic ? { traffic: placeholders.traffic } : {}),
          ...(placeholders.isolation ? { isolation: placeholders.isolation } : {}),
        });
        notes.push(...topologyLines(fleet.plan, "AWS"), ...monthlyCostLines(fleet.plan));
      };
  }
  let resources: PlannedResource[];
  if (options.cloud === "azure") {
    // An offline plan uploads no function package: the runtime's bundles need not be built.
    const { setFunctionPackageCheck } = await import("../azure/render.js");
    const previous = setFunctionPackageCheck(false);
    try {
      resources = await planOffline(program);
    } finally {
      setFunctionPackageCheck(previous);
    }
  } else resources = await planOffline(program);
  // What the mock engine accepted but the cloud would refuse (names, sizes, quotas): exit 1, one line each.
  let stderr: string | undefined;
  // Said on stderr without failing the plan.
  let notice: string | undefined;
  if (options.cloud === "azure") {
    const { azureContractViolations } = await import("../azure/cloud-contract.js");
    const violations = azureContractViolations(resources);
    if (violations.length > 0)
      stderr = `Azure would refuse ${violations.length} planned input${violations.length === 1 ? "" : "s"} (cloud-contract check, docs/azure.md):\n${violations.map((v) => `  ${v.type} '${v.resource}' ${v.input} '${v.value}' ${v.problem}\n`).join("")}`;
  } else {
    const { checkCloudContract, formatViolation, uncheckedResources } = await import(
      "../aws/cloud-contract.js"
    );
    const violations = checkCloudContract(resources);
    const unchecked = uncheckedResources(resources);
    // The program's own resources of a type the check does not know: said, not judged.
    const note =
      unchecked.length === 0
        ? ""
        : `Not checked (no cloud contract for the type; pulumi-personas does not create it): ${unchecked.map((r) => `${r.name} (${r.type})`).join(", ")}\n`;
    if (violations.length > 0)
      stderr = `AWS would refuse ${violations.length} planned input${violations.length === 1 ? "" : "s"} (cloud-contract check, docs/aws.md):\n${violations.map((v) => `  ${formatViolation(v)}\n`).join("")}${note}`;
    else if (note !== "") notice = note;
  }
  const stdout =
    options.format === "json"
      ? `${JSON.stringify(await planJson(resources), null, 2)}\n`
      : options.format === "mermaid"
        ? toMermaid(resources)
        : formatText(resources) + notes.map((line) => `${line}\n`).join("");
  if (stderr !== undefined) return { exitCode: 1, stdout, stderr };
  return notice === undefined ? { exitCode: 0, stdout } : { exitCode: 0, stdout, stderr: notice };
}

/**
 * How the Azure alerts differ from the persona's conditions (docs/azure.md, "Alert semantics"): one
 * line per alarm whose Azure rendering is approximate, and the rule every alert follows.
 */
function azureAlertLines(plan: FleetPlan): string[] {
  const lines = [
    "",
    "Azure alerts: static thresholds have no M-of-N; 'for N minutes' is the window's Minimum (Maximum for < and <=) over PTNM, evaluated every PT1M, firing at the Nth breaching minute as on CloudWatch.",
  ];
  for (const persona of plan.personas)
    for (const alarm of persona.alarms)
      if (alarm.azure.approximation !== undefined)
        lines.push(`  ${persona.persona.name} ${alarm.id}: ${alarm.azure.approximation}`);
  return lines;
}

/**
 * The alarm topology the plan chose, per persona × alarm on each cloud, with the reason, the rule's
 * query and what membership costs (src/plan/topology.ts).
 */
function topologyLines(plan: FleetPlan, planned: "AWS" | "Azure"): string[] {
  const lines = [
    "",
    planned === "AWS"
      ? 'Alarm topology (--alarm-topology fleet-wide|per-instance; docs/aws.md, "Fleet-wide alarms"):'
      : 'Alarm topology (--alarm-topology fleet-wide|per-instance; docs/azure.md, "Fleet-wide alert rules"):',
  ];
  for (const t of plan.alarmTopology) {
    // The cloud planned first, then the other for comparison.
    const clouds = [
      ["AWS", t.aws],
      ["Azure", t.azure],
    ] as const;
    for (const [cloud, topology] of planned === "AWS" ? clouds : [...clouds].reverse()) {
      lines.push(`  ${t.persona} ${t.alarmId} on ${cloud}: ${topology.kind}, because ${topology.reason}`);
      if (topology.kind !== "fleet-wide") continue;
      lines.push(`    rule: ${topology.query}`, `    membership: ${topology.membership}`);
      if (topology.limit !== undefined) lines.push(`    limit: ${topology.limit}`);
    }
  }
  return lines;
}

/** The monthly estimate: instances and alarms, per-instance and as planned side by side (src/plan/cost.ts). */
function monthlyCostLines(plan: FleetPlan): string[] {
  const cost = monthlyCostOf(plan);
  const usd = (n: number) => `$${n.toFixed(2)}`;
  return [
    "",
    "Monthly estimate (sizing catalog reference prices × 730 h; CloudWatch list prices in us-east-1, https://aws.amazon.com/cloudwatch/pricing/):",
    `  instances: ${usd(cost.instances)}${cost.unpriced > 0 ? ` (${cost.unpriced} of a size the catalog does not price, left out)` : ""}`,
    `  alarms, one per instance × alarm: ${usd(cost.alarmsPerInstance)} (${cost.alarmResources.perInstance} alarm resources)`,
    `  alarms as planned (a fleet-wide alarm is billed per metric its query analyzes): ${usd(cost.alarmsAsPlanned)} (${cost.alarmResources.asPlanned} alarm resources)`,
  ];
}

/** Azure's alert rules and the time series they monitor, per-instance and as planned (src/plan/cost.ts). */
function azureAlertCostLines(plan: FleetPlan): string[] {
  const cost = azureAlertCostOf(plan);
  const line = (rules: number, series: number) =>
    `${rules} alert rule${rules === 1 ? "" : "s"} monitoring ${series} time series`;
  const lines = [
    "",
    "Azure Monitor alerts (billed per monitored time series: https://azure.microsoft.com/pricing/details/monitor/; a fleet-wide rule watches every VM of the fleet's resource group):",
    `  one per VM × alarm: ${line(cost.perInstance.rules, cost.perInstance.timeSeries)}`,
    `  as planned: ${line(cost.asPlanned.rules, cost.asPlanned.timeSeries)}`,
  ];
  const logs = cost.logSearch;
  if (logs !== undefined)
    lines.push(
      `  of which log search rules on agent metrics: ${line(logs.rules, logs.timeSeries)} (by frequency: ${Object.entries(
        logs.byFrequency,
      )
        .map(([frequency, rules]) => `${frequency} ${rules}`)
        .join(
          ", ",
        )}); the agents write ${logs.rowsPerMonth} rows a month to ${AGENT_LOG_TABLE.table}, about ${logs.gigabytesPerMonth.toFixed(2)} GB of Log Analytics ingestion (${AGENT_ROW_BYTES} bytes a row, estimated)`,
      "  prices not shown: log search rules (per rule by frequency, per time series) and Log Analytics ingestion (per GB) are priced on the Azure Monitor pricing page, which this estimate has no copy of",
    );
  return lines;
}

/** Parses `personas plan` arguments. */
export function parsePlanArgs(args: readonly string[]): PlanOptions {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        tag: { type: "string", multiple: true },
        instances: { type: "string", default: "1" },
        fleet: { type: "string", default: "fleet" },
        "web-acl-arn": { type: "string", default: PLACEHOLDER_WEB_ACL },
        cloud: { type: "string", default: "aws" },
        format: { type: "string", default: "text" },
        "alarm-topology": { type: "string", default: "fleet-wide" },
        "log-file": { type: "string", multiple: true },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError("needs one Pulumi program or persona file");
  const format = values.format;
  if (format !== "text" && format !== "json" && format !== "mermaid")
    throw new UsageError(`--format must be 'text', 'json' or 'mermaid', not '${String(format)}'`);
  const cloud = values.cloud;
  if (cloud !== "aws" && cloud !== "azure")
    throw new UsageError(`--cloud must be 'aws' or 'azure', not '${String(cloud)}'`);
  const alarmTopology = values["alarm-topology"];
  if (alarmTopology !== "fleet-wide" && alarmTopology !== "per-instance")
    throw new UsageError(
      `--alarm-topology must be 'fleet-wide' or 'per-instance', not '${String(alarmTopology)}'`,
    );
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 10_000)
    throw new UsageError(
      `--instances must be a whole number from 1 to 10000, not '${String(values.instances)}'`,
    );
  const tags: Record<string, string> = {};
  for (const tag of (values.tag as string[] | undefined) ?? []) {
    const at = tag.indexOf("=");
    if (at < 1) throw new UsageError(`--tag must be key=value, not '${tag}'`);
    tags[tag.slice(0, at)] = tag.slice(at + 1);
  }
  const logFiles = ((values["log-file"] as string[] | undefined) ?? []).map((flag) => {
    const at = flag.indexOf("=");
    const name = flag.slice(0, at);
    const path = flag.slice(at + 1);
    if (at < 1 || !path.startsWith("/"))
      throw new UsageError(
        `--log-file must be NAME=/absolute/path, e.g. nginx=/var/log/nginx/access.log; received '${flag}'`,
      );
    return { name, path };
  });
  return {
    input: positionals[0]!,
    tags,
    logFiles,
    instances,
    fleet: String(values.fleet),
    webAclArn: String(values["web-acl-arn"]),
    cloud,
    format,
    alarmTopology,
  };
}

/** The file the child process runs: this module compiled (dist), or bundled from source (development). */
function workerFile(): string {
  if (__filename.endsWith(".js")) return __filename;
  const source = __filename.endsWith(".ts") ? __filename : join(process.cwd(), "src", "cli", "plan.ts");
  const outfile = resolve(".cache/personas-plan/worker.cjs");
  mkdirSync(".cache/personas-plan", { recursive: true });
  const result = spawnSync(
    process.execPath,
    [
      "-e",
      `require("esbuild").buildSync({ entryPoints: [${JSON.stringify(source)}], bundle: true, platform: "node", target: "node20", format: "cjs", outfile: ${JSON.stringify(outfile)}, packages: "external", logLevel: "error" })`,
    ],
    { encoding: "utf8" },
  );
  if (result.status !== 0) throw new UsageError(`cannot build the plan worker: ${result.stderr}`);
  return outfile;
}

/** Runs `personas plan` in a child process (the mock engine is async and process-wide). */
export function planCommandSync(args: readonly string[]): PlanResult {
  parsePlanArgs(args);
  const result = spawnSync(process.execPath, [workerFile(), ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, PERSONAS_PLAN_WORKER: "1" },
  });
  const out: PlanResult = { exitCode: result.status ?? 1, stdout: result.stdout };
  if (result.stderr) out.stderr = result.stderr;
  return out;
}

async function worker(): Promise<void> {
  try {
    const result = await planCommand(parsePlanArgs(process.argv.slice(2)));
    process.stdout.write(result.stdout);
    if (result.stderr) process.stderr.write(result.stderr);
    process.exitCode = result.exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(usageLine("plan", error.message));
      process.exitCode = 2;
    } else if (error instanceof PersonasError) {
      process.stderr.write(`${commandPrefix("plan")}: ${error.message}\n`);
      process.exitCode = 1;
    } else throw error;
  }
}

if (process.env.PERSONAS_PLAN_WORKER === "1" && require.main === module) void worker();
