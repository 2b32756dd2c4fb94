/**
 * `personas simulate <persona>`: replay a scenario or a telemetry file through a persona's plan and
 * print the timeline (text or JSON); `--out <dir>` also writes the HTML report with one SVG per
 * trigger. Also the persona loading `personas test` shares.
 */
import { dirname, extname, isAbsolute, join } from "node:path";
import { type PersonaPlan, planPersona } from "../plan/plan.js";
import { defaultRepository, PersonaRepository } from "../repository/repository.js";
import {
  checkFeatureEffects,
  type FeatureEffects,
  mergeFeatureEffects,
  NO_FEATURE_EFFECTS,
  parseFeatureEffects,
} from "../sim/effects/index.js";
import { simulate } from "../sim/engine.js";
import { formatTimeline, timelineJson } from "../sim/render.js";
import { writeReport } from "../sim/report.js";
import { SCENARIO_KINDS, type ScenarioSpec, scenarioTelemetry } from "../sim/scenarios.js";
import {
  metricIdOf,
  parseDuration,
  readTelemetryCsv,
  readTelemetryJson,
  type Telemetry,
} from "../sim/telemetry.js";
import { UsageError } from "./errors.js";
import { cliInputLimits, readInputFile } from "./files.js";
import type { CommandResult } from "./main.js";
import { loadPersonaFile } from "./persona-file.js";

/**
 * Plans a persona named by a file path (relative to `baseDir`) or a repository reference
 * (`HighTraffic@1.3.0`, looked up in `personaDir` or the embedded `personas/`). A file whose
 * persona `Extends` another has its parents merged in; a file without `Version` is version 0.0.0
 * ({@link loadPersonaFile}).
 */
export function loadPersonaPlan(
  reference: string,
  baseDir = ".",
  personaDir?: string | undefined,
): PersonaPlan {
  if (/\.(ya?ml|json)$/i.test(reference))
    return planPersona(
      loadPersonaFile(isAbsolute(reference) ? reference : join(baseDir, reference), personaDir),
    );
  const repository =
    personaDir !== undefined
      ? PersonaRepository.fromDirectory(personaDir, cliInputLimits())
      : defaultRepository();
  const chain = repository.resolve(reference);
  return planPersona({
    persona: chain.persona,
    ref: { name: chain.persona.name, version: chain.entry.version, digest: chain.digest },
  });
}

/** The flags of `personas simulate`, as parsed (all strings). */
export interface SimulateFlags {
  scenario?: string | undefined;
  /** Scenario parameters, `key=value` separated by commas. */
  params?: string | undefined;
  telemetry?: string | undefined;
  seed?: string | undefined;
  duration?: string | undefined;
  "initial-size"?: string | undefined;
  out?: string | undefined;
  personas?: string | undefined;
  /** Declared feature effects, `feature:metric=xN[,metric=xN]`, one per flag. */
  effect?: string[] | undefined;
}

/** Options of `personas simulate`. */
export interface SimulateCommandOptions extends SimulateFlags {
  persona: string;
  format: "text" | "json";
}

const DURATION_PARAMS = new Set([
  "at",
  "durationSeconds",
  "duration",
  "highSeconds",
  "lowSeconds",
  "spikeAt",
  "spikeSeconds",
  "latencyAt",
  "latencySeconds",
  "feedOutageAt",
  "feedOutageSeconds",
]);

function scenarioOf(kind: string, params: readonly string[]): ScenarioSpec {
  if (!(SCENARIO_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(
      `unknown scenario '${kind}'; the built-in scenarios are ${SCENARIO_KINDS.join(", ")}`,
    );
  }
  const spec: Record<string, unknown> = { kind };
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq <= 0)
      throw new UsageError(
        `--params takes key=value pairs separated by commas, e.g. --params at=10m,level=95; received '${param}'`,
      );
    const key = param.slice(0, eq);
    const value = param.slice(eq + 1);
    if (key === "metric") spec.metric = metricIdOf(value, "--params metric");
    else if (key === "feed") spec.feed = value;
    else if (DURATION_PARAMS.has(key))
      spec[key === "duration" ? "durationSeconds" : key] = parseDuration(value, `--params ${key}`);
    else {
      const number = Number(value);
      if (!Number.isFinite(number))
        throw new UsageError(`--params ${key} must be a number; received '${value}'`);
      spec[key] = number;
    }
  }
  return spec as ScenarioSpec;
}

/** `--effect cdn-caching:latency=x0.3,error-rate=x0.5` (repeatable) as declared feature effects. */
function effectsOf(flags: readonly string[], plan: PersonaPlan): FeatureEffects {
  const declared: Record<string, Record<string, string>> = {};
  for (const flag of flags) {
    const colon = flag.indexOf(":");
    const pairs = flag.slice(colon + 1).split(",");
    if (colon <= 0 || pairs.some((pair) => pair.indexOf("=") <= 0))
      throw new UsageError(
        `--effect takes feature:metric=factor pairs, e.g. --effect cdn-caching:latency=x0.3; received '${flag}'`,
      );
    const feature = flag.slice(0, colon);
    declared[feature] ??= {};
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      declared[feature][pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  const effects = parseFeatureEffects(declared, "--effect");
  checkFeatureEffects(
    effects,
    plan.features.map((f) => f.id),
    "--effect",
    plan.persona.name,
  );
  return effects;
}

function readTelemetry(file: string): Telemetry {
  const text = readInputFile(file, "telemetry file");
  return extname(file).toLowerCase() === ".csv"
    ? readTelemetryCsv(text, { file })
    : readTelemetryJson(text, { file });
}

/** Runs `personas simulate`. */
export function simulateCommand(options: SimulateCommandOptions): CommandResult {
  if (options.scenario !== undefined && options.telemetry !== undefined) {
    throw new UsageError("Only one of --scenario and --telemetry can be specified");
  }
  const seed = Number(options.seed ?? "1");
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number, not '${options.seed}'`);
  const plan = loadPersonaPlan(options.persona, ".", options.personas);
  const durationSeconds =
    options.duration !== undefined ? parseDuration(options.duration, "--duration") : undefined;
  const params = options.params === undefined ? [] : options.params.split(",").filter((p) => p.trim() !== "");
  const flagged = options.effect === undefined ? NO_FEATURE_EFFECTS : effectsOf(options.effect, plan);
  let telemetry: Telemetry;
  if (options.telemetry !== undefined) {
    const read = readTelemetry(options.telemetry);
    const fromFile = read.effects ?? NO_FEATURE_EFFECTS;
    checkFeatureEffects(
      fromFile,
      plan.features.map((f) => f.id),
      `${options.telemetry}: $.effects`,
      plan.persona.name,
    );
    // A flag declares the feature again for this run: it replaces the file's entry.
    telemetry = { ...read, effects: mergeFeatureEffects(fromFile, flagged) };
  } else {
    telemetry = scenarioTelemetry(plan, scenarioOf(options.scenario ?? "day", params), {
      seed,
      effects: flagged,
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    });
  }
  const initialSize = options["initial-size"];
  const personaDir = options.personas;
  const result = simulate(plan, telemetry, {
    seed,
    // A shift puts the target persona's triggers in force, planned from the same repository.
    resolvePersona: (reference) => loadPersonaPlan(reference, ".", personaDir),
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(initialSize !== undefined ? { initialSize } : {}),
  });
  let stdout =
    options.format === "json" ? `${JSON.stringify(timelineJson(result), null, 1)}\n` : formatTimeline(result);
  if (options.out !== undefined) {
    const files = writeReport(options.out, result);
    const note = `Report written to ${files.html} (${files.charts.length} chart${files.charts.length === 1 ? "" : "s"}, ${files.text}, ${files.json})\n`;
    if (options.format === "text") stdout += `\n${note}`;
    else return { exitCode: 0, stdout, stderr: note };
  }
  return { exitCode: 0, stdout };
}

/** The directory of a file, for resolving paths written inside it. */
export function directoryOf(file: string): string {
  return dirname(file);
}
