/**
 * Simulation: replay telemetry through a persona's plan with the clouds' documented alarm
 * semantics and the responders' guard rails; render the result; test personas against
 * expectations. See docs/simulation.md.
 * @packageDocumentation
 */
export * from "./alarm/index.js";
export {
  ACTION_EFFECTS,
  type ActionEffect,
  applyAction,
  type EffectOutcome,
  type InstanceState,
} from "./effects/index.js";
export {
  type ActionRecord,
  type ChangeRecord,
  type FeedTickRecord,
  type FleetSummary,
  type PersonaResolver,
  type SimulationOptions,
  type SimulationResult,
  type SimulationSummary,
  STATE_CODES,
  simulate,
  simulateFleet,
  stateName,
  type TriggerTimeline,
} from "./engine.js";
export { PersonaTestFileError, SimulationError, TelemetryFormatError } from "./errors.js";
export {
  type PersonaTestCase,
  type PersonaTestFile,
  type PersonaTestReport,
  type PersonaTestResult,
  type PlanLoader,
  parsePersonaTestFile,
  parseSeriesNotation,
  runPersonaTestFile,
} from "./persona-test.js";
export { SeededRandom } from "./random.js";
export {
  chartFileName,
  clockLabel,
  escapeXml,
  formatTimeline,
  renderHtmlReport,
  renderTriggerSvg,
  type TimelineRow,
  timelineJson,
} from "./render.js";
export { type ReportFiles, type SimulateDayOptions, simulateDay, writeReport } from "./report.js";
export { SCENARIO_KINDS, type ScenarioOptions, type ScenarioSpec, scenarioTelemetry } from "./scenarios.js";
export {
  aggregatePeriods,
  type FeedTickInput,
  type MetricSeries,
  metricIdOf,
  parseDuration,
  type ReadTelemetryOptions,
  readTelemetryCsv,
  readTelemetryJson,
  regularSeries,
  type Statistic,
  type Telemetry,
  TelemetryJson,
  telemetryFromJson,
} from "./telemetry.js";
