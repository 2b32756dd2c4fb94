/**
 * The Persona Definition Language: parse, validate and normalise persona documents.
 *
 * The public surface is what a program or a tool needs to read personas: the parse functions, the
 * model's types, located diagnostics, the JSON Schema for editors and the catalogs of accepted
 * metrics and action phrases. Everything else in `src/pdl` is internal (imported by module path).
 * @packageDocumentation
 */

export type {
  ActivateFeatureAction,
  DeactivateFeatureAction,
} from "./actions/feature.js";
export type { FirewallAction } from "./actions/firewall.js";
export type { Action, ActionKindName } from "./actions/index.js";
export { acceptedActionForms, describeAction } from "./actions/index.js";
export type { InvokeFunctionAction } from "./actions/invoke-function.js";
export type { IsolateInstanceAction, ReleaseIsolationAction } from "./actions/isolate.js";
export type { NotifyAction } from "./actions/notify.js";
export type { RunCommandAction } from "./actions/run-command.js";
export type { ScaleAction } from "./actions/scale.js";
export type { ShiftPersonaAction } from "./actions/shift-persona.js";
export type { DrainTrafficAction, RestoreTrafficAction } from "./actions/traffic.js";
export { describeCondition } from "./conditions.js";
export { type Diagnostic, formatDiagnostic, type Severity } from "./diagnostics.js";
export { InputTooLargeError, PersonaValidationError } from "./errors.js";
export { DEFAULT_MAX_INPUT_BYTES, type InputLimitOptions } from "./input.js";
export { PERSONA_SCHEMA_ID, personaJsonSchema } from "./json-schema.js";
export { findMetric, metricNames } from "./metrics/index.js";
export type {
  CloudMetric,
  MetricDefinition,
  MetricSource,
  MissingDataTreatment,
  ThresholdConversion,
} from "./metrics/metric.js";
export type {
  BaseConfiguration,
  Bounds,
  ClearBehaviour,
  Condition,
  EvaluationWindow,
  ExternalSource,
  Feature,
  FeedFormat,
  FetchLimits,
  ListSource,
  MissingData,
  Operator,
  Persona,
  Response,
  SoftwarePackage,
  Trigger,
  ValueCondition,
  ValueSource,
} from "./model.js";
export {
  definePersona,
  type ParseOptions,
  parsePersona,
  type ValidationResult,
  validatePersonaObject,
  validatePersonaText,
} from "./parse.js";
