/**
 * `personas demo` (`npm start`): the whole idea on a laptop, with no cloud account and no Pulumi CLI.
 * It validates the seed's HighTraffic persona, resolves the embedded personas for a few tagged
 * instances, prints the resources `pulumi up` would create, the plan of one instance, simulates a day with a traffic
 * spike, a latency incident and a feed outage, and writes the report to the output folder.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatDiagnostic, SourceMap } from "../pdl/diagnostics.js";
import { validatePersonaText } from "../pdl/parse.js";
import { planPersona } from "../plan/plan.js";
import { defaultPersonaDirectory, PersonaRepository } from "../repository/repository.js";
import { parseMapping } from "../resolve/mapping.js";
import { createResolutionContext, resolveFleet } from "../resolve/resolve.js";
import { formatTimeline } from "../sim/render.js";
import { simulateDay } from "../sim/report.js";
import { cliInputLimits, readInputFile } from "./files.js";
import type { CommandResult } from "./main.js";
import { planCommandSync } from "./plan.js";

/** Options of {@link demoCommand}. */
export interface DemoOptions {
  /** The folder the simulation report is written to. @default "out" */
  outDir: string;
  /** The persona file validated first. @default "examples/HighTraffic.yaml" */
  seedFile: string;
}

/** The tagged instances the demo resolves: two web servers (one premium) and an API server. */
export const DEMO_INSTANCES = [
  { id: "web-1", tags: { role: "web", env: "prod" } },
  { id: "web-2", tags: { role: "web", tier: "premium", env: "prod" } },
  { id: "api-1", tags: { role: "api", env: "prod" } },
] as const;

export function demoCommand(options: DemoOptions): CommandResult {
  const out: string[] = [];
  const heading = (text: string) => out.push("", `== ${text}`);

  heading(`1. Validate the seed persona (${options.seedFile})`);
  const text = readInputFile(options.seedFile, "persona file");
  const validation = validatePersonaText(text, { file: options.seedFile });
  const source = new SourceMap(text);
  for (const diagnostic of validation.diagnostics) out.push(formatDiagnostic(diagnostic, source));
  if (!validation.persona) return { exitCode: 1, stdout: `${out.join("\n")}\n` };
  const seed = validation.persona;
  out.push(
    `✔ ${seed.name}: ${seed.base.cpu} vCPU, ${seed.base.memoryGiB} GiB, ${seed.base.networkGbps} Gbps; ` +
      `${seed.software.length} packages, ${seed.triggers.length} triggers, ${seed.sources.length} feed`,
  );

  heading("2. Resolve tagged instances against the embedded repository and mapping (personas/)");
  const directory = defaultPersonaDirectory();
  const mappingFile = join(directory, "mapping.yaml");
  const context = createResolutionContext(
    PersonaRepository.fromDirectory(directory, cliInputLimits()),
    parseMapping(readFileSync(mappingFile, "utf8"), { file: mappingFile }),
  );
  const fleet = resolveFleet(
    DEMO_INSTANCES.map((i) => ({ id: i.id, tags: { ...i.tags } })),
    context,
    { cloud: "aws" },
  );
  for (const { instance, error } of fleet.failures) out.push(`✘ ${instance.id}: ${error.message}`);
  for (const resolved of fleet.resolved) {
    const tags = Object.entries(resolved.instance.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    out.push(
      `${resolved.instance.id.padEnd(6)} ${tags.padEnd(32)} → ${resolved.ref.name}@${resolved.ref.version} ` +
        `(rule ${resolved.rule.id}; digest ${resolved.ref.digest.replace(/^sha256:/, "").slice(0, 12)}) on ${resolved.size?.name ?? "?"}`,
    );
  }

  heading(
    "3. What `pulumi up` would create for a fleet of two instances of the seed persona (offline, Pulumi's mock engine)",
  );
  const offline = planCommandSync([
    options.seedFile,
    "--instances",
    "2",
    "--fleet",
    "web",
    "--tag",
    "role=web",
  ]);
  out.push(offline.stdout.trimEnd());
  if (offline.exitCode !== 0)
    return { exitCode: offline.exitCode, stdout: `${out.join("\n")}\n`, stderr: offline.stderr ?? "" };

  const web = fleet.resolved.find((r) => r.instance.id === "web-1");
  if (!web) return { exitCode: 1, stdout: `${out.join("\n")}\n` };
  const plan = planPersona(web);
  heading(
    `4. The plan for web-1 (${plan.persona.name}@${plan.persona.version}): its alarms, feeds and responders`,
  );
  for (const alarm of plan.alarms) {
    const a = alarm.aws;
    out.push(
      `alarm ${alarm.id}: ${a.namespace} ${a.metricName} ${a.statistic} ${a.comparisonOperator} ${a.threshold}, ` +
        `period ${a.period}s, ${a.datapointsToAlarm} of ${a.evaluationPeriods} → ${alarm.onAlarm.responders.join(", ")}`,
    );
  }
  for (const feed of plan.feeds)
    out.push(`feed ${feed.sourceId}: ${feed.url} ${feed.scheduleExpression} → ${feed.responder}`);
  out.push(`responders (one function each per fleet): ${plan.responders.join(", ")}`);

  heading(
    "5. Simulate web-1 for a day: a traffic spike at 10:00, a latency incident at 15:00, a feed outage at 18:00",
  );
  const { result, files } = simulateDay(plan, { outDir: options.outDir, seed: 1 });
  out.push(formatTimeline(result));
  out.push("", `Report: ${files.html} (open it in a browser), timeline: ${files.text}, data: ${files.json}`);
  return { exitCode: 0, stdout: `${out.join("\n").trimStart()}\n` };
}
