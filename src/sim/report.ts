/**
 * Writing a simulation to a report directory, and the one-call "day" run the main job uses.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PersonaPlan } from "../plan/plan.js";
import { type SimulationOptions, type SimulationResult, simulate } from "./engine.js";
import { SimulationError } from "./errors.js";
import type { FleetSimulationResult } from "./fleet.js";
import { fleetJson, formatFleetTimeline, renderContributorSvg, renderFleetHtml } from "./fleet-render.js";
import { chartFileName, formatTimeline, renderHtmlReport, renderTriggerSvg, timelineJson } from "./render.js";
import { type ScenarioOptions, type ScenarioSpec, scenarioTelemetry } from "./scenarios.js";
import { feedChartFileName, listFeedStories, renderFeedSvg, renderLanesSvg } from "./state-charts.js";

/** The files a report directory holds, by role (paths include the directory). */
export interface ReportFiles {
  /** `index.html`: the report with every chart embedded. */
  readonly html: string;
  /** `timeline.txt`: the text timeline. */
  readonly text: string;
  /** `timeline.json`: one row per period. */
  readonly json: string;
  /** One SVG per trigger, in trigger order. */
  readonly charts: readonly string[];
  /** `lanes.svg`: size, features and persona over time. */
  readonly lanes: string;
  /** One SVG per list feed (`feed-<source id>.svg`): entries in force and last-good periods. */
  readonly feeds: readonly string[];
}

/**
 * Writes `index.html`, `timeline.txt`, `timeline.json`, one SVG per trigger, `lanes.svg` and one
 * SVG per list feed into `dir`
 * (created if needed; files of the same names are replaced).
 * @throws {SimulationError} when the directory cannot be written.
 * @example
 * writeReport("out", simulate(plan, telemetry)).html; // "out/index.html"
 */
export function writeReport(dir: string, result: SimulationResult): ReportFiles {
  return writing(dir, () => {
    mkdirSync(dir, { recursive: true });
    const charts = result.triggers.map((trigger) => {
      const file = join(dir, chartFileName(trigger));
      writeFileSync(file, renderTriggerSvg(result, trigger));
      return file;
    });
    const feeds = [...listFeedStories(result).keys()].map((id) => {
      const file = join(dir, feedChartFileName(id));
      writeFileSync(file, renderFeedSvg(result, id));
      return file;
    });
    const files = {
      html: join(dir, "index.html"),
      text: join(dir, "timeline.txt"),
      json: join(dir, "timeline.json"),
      charts,
      lanes: join(dir, "lanes.svg"),
      feeds,
    };
    writeFileSync(files.lanes, renderLanesSvg(result));
    writeFileSync(files.html, renderHtmlReport(result));
    writeFileSync(files.text, formatTimeline(result));
    writeFileSync(files.json, `${JSON.stringify(timelineJson(result), null, 1)}\n`);
    return files;
  });
}

/** The files a fleet report directory holds (paths include the directory). */
export interface FleetReportFiles {
  /** `index.html`: the fleet report with every contributor chart embedded. */
  readonly html: string;
  /** `timeline.txt`: the fleet's text timeline. */
  readonly text: string;
  /** `timeline.json`: each instance's transitions, responses and changes. */
  readonly json: string;
  /** One SVG per alarm (`contributors-<alarm id>.svg`): a lane per instance. */
  readonly charts: readonly string[];
}

/**
 * Writes a fleet simulation into `dir`: `index.html`, `timeline.txt`, `timeline.json` and one
 * contributor chart per alarm (created if needed; files of the same names are replaced).
 * @throws {SimulationError} when the directory cannot be written.
 * @example
 * writeFleetReport("out", simulateFleetTimelines(plan, fleetTelemetry(plan, { kind: "spike" }, 3))).html; // "out/index.html"
 */
export function writeFleetReport(dir: string, result: FleetSimulationResult): FleetReportFiles {
  return writing(dir, () => {
    mkdirSync(dir, { recursive: true });
    const charts = result.alarms.map((alarm) => {
      const file = join(dir, `contributors-${alarm.alarmId.replace(/[^A-Za-z0-9._-]+/g, "-")}.svg`);
      writeFileSync(file, renderContributorSvg(result, alarm.alarmId));
      return file;
    });
    const files = {
      html: join(dir, "index.html"),
      text: join(dir, "timeline.txt"),
      json: join(dir, "timeline.json"),
      charts,
    };
    writeFileSync(files.html, renderFleetHtml(result));
    writeFileSync(files.text, formatFleetTimeline(result));
    writeFileSync(files.json, `${JSON.stringify(fleetJson(result), null, 1)}\n`);
    return files;
  });
}

/** Runs a report's writes, turning a file-system failure into a {@link SimulationError} that says what to do. */
function writing<T>(dir: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (error instanceof SimulationError) throw error;
    throw new SimulationError(
      `cannot write the report to '${dir}': ${(error as Error).message}; choose a writable directory`,
      { cause: error },
    );
  }
}

/** Options of {@link simulateDay}. */
export interface SimulateDayOptions extends Omit<SimulationOptions, "detail" | "durationSeconds"> {
  /** Where to write the report. */
  readonly outDir: string;
  /** Overrides of the day scenario (times of the spike, the latency incident and the feed outage). */
  readonly scenario?: Omit<Extract<ScenarioSpec, { kind: "day" }>, "kind">;
  /** Scenario generation options (noise, feed size); the seed is `seed`. */
  readonly generation?: Omit<ScenarioOptions, "seed" | "durationSeconds">;
}

/**
 * The main job's simulation: a day with a traffic spike (10:00, 25 min), a latency incident
 * (15:00, 20 min) and a list-feed outage (18:00, 45 min) replayed through `plan`, written to
 * `options.outDir` as an HTML report with one SVG per trigger, a text and a JSON timeline.
 *
 * @throws {SimulationError} when the report cannot be written or the options are invalid.
 * @example
 * const { result, files } = simulateDay(plan, { outDir: "out", seed: 1 });
 * console.log(formatTimeline(result)); // and open files.html
 */
export function simulateDay(
  plan: PersonaPlan,
  options: SimulateDayOptions,
): { result: SimulationResult; files: ReportFiles } {
  const { outDir, scenario, generation, ...simulation } = options;
  const seed = simulation.seed ?? 1;
  const telemetry = scenarioTelemetry(plan, { kind: "day", ...scenario }, { ...generation, seed });
  const result = simulate(plan, telemetry, { ...simulation, seed });
  return { result, files: writeReport(outDir, result) };
}
