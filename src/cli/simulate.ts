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
import {
  type FleetVariation,
  fleetTelemetry,
  MAX_SIMULATED_FLEET,
  simulateFleetTimelines,
} from "../sim/fleet.js";
import { fleetJson, formatFleetTimeline } from "../sim/fleet-render.js";
import { formatTimeline, timelineJson } from "../sim/render.js";
import { writeFleetReport, writeReport } from "../sim/report.js";
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
  /** Instances of the simulated fleet, 1 to {@link MAX_SIMULATED_FLEET}. */
  fleet?: string | undefined;
  /** `fleet-wide` or `per-instance` (with `fleet`). */
  "alarm-topology"?: string | undefined;
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

/** The `--params` keys that vary a scenario over a fleet rather than shape its event. */
const FLEET_PARAMS = new Set(["share", "stagger"]);

/**
 * `--fleet`, `--alarm-topology` and the fleet's `--params` (share, stagger), checked together: all
 * undefined without `--fleet`.
 */
function fleetOptionsOf(
  options: SimulateCommandOptions,
  params: readonly string[],
): { instances: number; topology: "fleet-wide" | "per-instance"; variation: FleetVariation } | undefined {
  const fleetParams = params.filter((p) => FLEET_PARAMS.has(p.slice(0, p.indexOf("="))));
  if (options.fleet === undefined) {
    if (options["alarm-topology"] !== undefined)
      throw new UsageError(
        "--alarm-topology chooses how a simulated fleet's alarms are deployed; add --fleet <n>",
      );
    if (fleetParams.length > 0)
      throw new UsageError(
        `--params ${fleetParams.join(",")} varies a scenario over a fleet; add --fleet <n>`,
      );
    return undefined;
  }
  const instances = Number(options.fleet);
  if (!/^\d+$/.test(options.fleet) || instances < 1 || instances > MAX_SIMULATED_FLEET)
    throw new UsageError(
      `--fleet takes 1 to ${MAX_SIMULATED_FLEET} instances (a fleet-wide alarm holds at most ${MAX_SIMULATED_FLEET} contributors in ALARM, and which it keeps past that is not documented); received '${options.fleet}'`,
    );
  if (options.telemetry !== undefined)
    throw new UsageError(
      "Only one of --fleet and --telemetry can be specified: a telemetry file is one instance's series; to replay recorded series per instance, write a persona test with a fleet case (personas test)",
    );
  const topology = options["alarm-topology"] ?? "fleet-wide";
  if (topology !== "fleet-wide" && topology !== "per-instance")
    throw new UsageError(`--alarm-topology must be 'fleet-wide' or 'per-instance', not '${topology}'`);
  const variation: { share?: number; staggerSeconds?: number } = {};
  for (const param of fleetParams) {
    const eq = param.indexOf("=");
    const value = param.slice(eq + 1);
    if (param.startsWith("stagger=")) variation.staggerSeconds = parseDuration(value, "--params stagger");
    else {
      const share = Number(value);
      if (!(share > 0 && share <= 1))
        throw new UsageError(
          `--params share is the share of instances the event reaches, above 0 and at most 1; received '${value}'`,
        );
      variation.share = share;
    }
  }
  return { instances, topology, variation };
}

/** Runs `personas simulate`. */
export function simulateCommand(options: SimulateCommandOptions): CommandResult {
  if (options.scenario !== undefined && options.telemetry !== undefined) {
    throw new UsageError("Only one of --scenario and --telemetry can be specified");
  }
  const seed = Number(options.seed ?? "1");
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number, not '${options.seed}'`);
  const allParams =
    options.params === undefined ? [] : options.params.split(",").filter((p) => p.trim() !== "");
  const fleet = fleetOptionsOf(options, allParams);
  const plan = loadPersonaPlan(options.persona, ".", options.personas);
  const durationSeconds =
    options.duration !== undefined ? parseDuration(options.duration, "--duration") : undefined;
  const params = allParams.filter((p) => !FLEET_PARAMS.has(p.slice(0, p.indexOf("="))));
  const flagged = options.effect === undefined ? NO_FEATURE_EFFECTS : effectsOf(options.effect, plan);
  const initialSize = options["initial-size"];
  const personaDir = options.personas;
  const simulation = {
    seed,
    // A shift puts the target persona's triggers in force, planned from the same repository.
    resolvePersona: (reference: string) => loadPersonaPlan(reference, ".", personaDir),
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(initialSize !== undefined ? { initialSize } : {}),
  };
  if (fleet !== undefined) {
    const members = fleetTelemetry(plan, scenarioOf(options.scenario ?? "day", params), fleet.instances, {
      seed,
      effects: flagged,
      ...fleet.variation,
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    });
    const result = simulateFleetTimelines(plan, members, { ...simulation, alarmTopology: fleet.topology });
    const stdout =
      options.format === "json"
        ? `${JSON.stringify(fleetJson(result), null, 1)}\n`
        : formatFleetTimeline(result);
    if (options.out === undefined) return { exitCode: 0, stdout };
    const files = writeFleetReport(options.out, result);
    return withReportNote(options.format, stdout, files.html, files.charts.length, files.text, files.json);
  }
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
  const result = simulate(plan, telemetry, simulation);
  const stdout =
    options.format === "json" ? `${JSON.stringify(timelineJson(result), null, 1)}\n` : formatTimeline(result);
  if (options.out === undefined) return { exitCode: 0, stdout };
  const files = writeReport(options.out, result);
  return withReportNote(options.format, stdout, files.html, files.charts.length, files.text, files.json);
}

/** The output with where the report went: after the text timeline, or on stderr beside JSON. */
function withReportNote(
  format: "text" | "json",
  stdout: string,
  html: string,
  charts: number,
  text: string,
  json: string,
): CommandResult {
  const note = `Report written to ${html} (${charts} chart${charts === 1 ? "" : "s"}, ${text}, ${json})\n`;
  return format === "text"
    ? { exitCode: 0, stdout: `${stdout}\n${note}` }
    : { exitCode: 0, stdout, stderr: note };
}

/** The directory of a file, for resolving paths written inside it. */
export function directoryOf(file: string): string {
  return dirname(file);
}
