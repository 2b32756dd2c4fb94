/**
 * `personas demo` (`npm start`): the whole idea on a laptop, with no cloud account and no Pulumi CLI,
 * as one story about one persona: it validates the seed's HighTraffic persona, prints the resources
 * `pulumi up` would create for a fleet of it, the plan each of its instances runs, simulates that
 * same plan (same name, version and digest, same starting size) through a day with a traffic spike,
 * a latency incident and a feed outage, and writes the report to the output folder. It ends with
 * how a real fleet picks personas by tag from the embedded repository.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatDiagnostic, SourceMap } from "../pdl/diagnostics.js";
import { validatePersonaText } from "../pdl/parse.js";
import { defaultPersonaDirectory, PersonaRepository } from "../repository/repository.js";
import { parseMapping } from "../resolve/mapping.js";
import { createResolutionContext, resolveFleet } from "../resolve/resolve.js";
import { parseFeatureEffects } from "../sim/effects/index.js";
import { formatTimeline, shortDigest } from "../sim/render.js";
import { simulateDay } from "../sim/report.js";
import { cliInputLimits, readInputFile } from "./files.js";
import type { CommandResult } from "./main.js";
import { planCommandSync } from "./plan.js";
import { loadPersonaPlan } from "./simulate.js";

/** Options of {@link demoCommand}. */
export interface DemoOptions {
  /** The folder the simulation report is written to. @default "out" */
  outDir: string;
  /** The persona file the story is about. @default "examples/HighTraffic.yaml" */
  seedFile: string;
}

/** The tagged instances the demo resolves: two web servers (one premium) and an API server. */
export const DEMO_INSTANCES = [
  { id: "web-1", tags: { role: "web", env: "prod" } },
  { id: "web-2", tags: { role: "web", tier: "premium", env: "prod" } },
  { id: "api-1", tags: { role: "api", env: "prod" } },
] as const;

/** The fleet step 2 plans: two instances of the seed persona, tagged like web servers. */
export const DEMO_FLEET_ARGS = ["--instances", "2", "--fleet", "web", "--tag", "role=web"] as const;

/**
 * What the demo declares CDN caching does to the seed's workload (the persona cannot know it):
 * most requests are answered at the edge, so the latency the agent measures falls to 30 %.
 */
export const DEMO_EFFECTS = { "cdn-caching": { latency: "x0.3" } } as const;

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

  // Planned and simulated from the same file by the same loader: one name, version and digest.
  const plan = loadPersonaPlan(options.seedFile);
  const { name, version, digest } = plan.persona;
  const identity = `${name}@${version}, digest ${shortDigest(digest)}`;

  heading(
    `2. What \`pulumi up\` would create for a fleet of two instances of ${identity} (offline, Pulumi's mock engine)`,
  );
  const offline = planCommandSync([options.seedFile, ...DEMO_FLEET_ARGS]);
  out.push(offline.stdout.trimEnd());
  if (offline.exitCode !== 0)
    return { exitCode: offline.exitCode, stdout: `${out.join("\n")}\n`, stderr: offline.stderr ?? "" };

  heading(`3. The plan every instance of that fleet runs (${identity}): its alarms, feeds and responders`);
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
    `4. Simulate one of those instances (${identity}) for a day: a traffic spike at 10:00, a latency incident at 15:00, a feed outage at 18:00`,
  );
  out.push(
    "Declared for this workload: CDN caching serves most requests at the edge, so latency falls to 30 % while it is on (cdn-caching: { latency: x0.3 }).",
  );
  const effects = parseFeatureEffects(DEMO_EFFECTS, "demo effects");
  const { result, files } = simulateDay(plan, { outDir: options.outDir, seed: 1, generation: { effects } });
  out.push(formatTimeline(result));
  out.push("", `Report: ${files.html} (open it in a browser), timeline: ${files.text}, data: ${files.json}`);

  heading("5. How a real fleet picks personas by tag: the embedded repository and mapping (personas/)");
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
  out.push(
    "(`personas simulate HighTraffic@1.3.0` and `personas explain --tags role=web` follow one of these further.)",
  );
  return { exitCode: 0, stdout: `${out.join("\n").trimStart()}\n` };
}
