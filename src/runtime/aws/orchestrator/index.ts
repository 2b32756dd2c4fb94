/** The run-time orchestrator (see docs/orchestrator.md). */

export { BaselineEvent, parseBaselineEvent } from "../events.js";
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
  type AppliedRecord,
  type InstanceOutcome,
  MAX_APPLY_ATTEMPTS,
  Orchestrator,
  type ReconcileSummary,
  RUNTIME_OWNER_TAG,
  runtimeAlarmName,
  STALE_PENDING_MS,
  sameAlarm,
} from "./orchestrator.js";
export { PublishedSource, type PublishedSourceOptions } from "./source.js";
