/** The run-time orchestrator (see docs/orchestrator.md). */
export {
  createOrchestrator,
  OrchestratorClients,
  type OrchestratorContext,
  type OrchestratorOptions,
} from "./context.js";
export { ORCHESTRATOR_ENV, OrchestratorEnv } from "./env.js";
export {
  AlarmNotOwnedError,
  type FaultReason,
  faultReason,
  MappingUnavailableError,
  OrchestratorError,
  UnknownActivePersonaError,
} from "./errors.js";
export { type OrchestratorRequest, parseOrchestratorEvent, SweepEvent, TagChangeEvent } from "./events.js";
export { createOrchestratorHandler } from "./handler.js";
export {
  type BaselineEvent,
  type InstanceOutcome,
  Orchestrator,
  type ReconcileSummary,
  RUNTIME_OWNER_TAG,
  runtimeAlarmName,
  sameAlarm,
} from "./orchestrator.js";
export { PublishedSource, type PublishedSourceOptions } from "./source.js";
