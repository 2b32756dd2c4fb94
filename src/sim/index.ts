/**
 * Simulation: replay telemetry through a persona's plan with the clouds' documented alarm
 * semantics and the responders' guard rails; render the result; test personas against
 * expectations. See docs/simulation.md.
 *
 * Public: simulating a persona or a fleet, the day report, persona tests, scenarios and telemetry
 * input. The alarm evaluators, effects and renderers are internal (imported by module path).
 * @packageDocumentation
 */
export {
  type ActionRecord,
  type ChangeRecord,
  contributorState,
  type FeedTickRecord,
  type FleetSummary,
  fleetWideAlarmKey,
  type PersonaResolver,
  type SimulationOptions,
  type SimulationResult,
  type SimulationSummary,
  simulate,
  simulateFleet,
  type TriggerTimeline,
} from "./engine.js";
export { PersonaTestFileError, SimulationError, TelemetryFormatError } from "./errors.js";
export {
  type FleetAlarm,
  type FleetMember,
  type FleetSimulationOptions,
  type FleetSimulationResult,
  type FleetVariation,
  fleetAlarmsOf,
  fleetTelemetry,
  MAX_SIMULATED_FLEET,
  simulateFleetTimelines,
} from "./fleet.js";
export { formatFleetTimeline, renderFleetHtml } from "./fleet-render.js";
export {
  type PersonaTestCase,
  type PersonaTestFile,
  type PersonaTestReport,
  type PersonaTestResult,
  type PlanLoader,
  parsePersonaTestFile,
  runPersonaTestFile,
} from "./persona-test.js";
export { renderHtmlReport } from "./render.js";
export {
  type FleetReportFiles,
  type ReportFiles,
  type SimulateDayOptions,
  simulateDay,
  writeFleetReport,
  writeReport,
} from "./report.js";
export { SCENARIO_KINDS, type ScenarioOptions, type ScenarioSpec, scenarioTelemetry } from "./scenarios.js";
export {
  type FeedTickInput,
  type MetricSeries,
  type ReadTelemetryOptions,
  readTelemetryCsv,
  readTelemetryJson,
  type Statistic,
  type Telemetry,
  telemetryFromJson,
} from "./telemetry.js";
