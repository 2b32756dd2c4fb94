/**
 * Resolution: instance tags + mapping rules + the persona repository → `ResolvedPersona`, with the
 * provenance of every field and, given a cloud, its size from the sizing catalog.
 * @packageDocumentation
 */
export {
  InstanceResolveError,
  InvalidOverrideValueError,
  MappingValidationError,
  NoPersonaMatchError,
  OverrideConflictError,
  OverrideNotAllowedError,
  ResolveError,
  RuleConflictError,
  UnknownOverrideFieldError,
} from "./errors.js";
export {
  describeProvenance,
  type ExplanationRow,
  explanationHeader,
  explanationRows,
  formatTable,
} from "./explain.js";
export {
  conditionSpecificity,
  defineMapping,
  type Mapping,
  MappingDocument,
  type MappingOptions,
  type MappingRule,
  parseMapping,
  type TagCondition,
  type TagPattern,
} from "./mapping.js";
export {
  OVERRIDE_FIELD_NAMES,
  OVERRIDE_FIELDS,
  type OverrideField,
  type OverrideValue,
} from "./overrides.js";
export {
  createResolutionContext,
  DEFAULT_RULE_ID,
  type FieldProvenance,
  type FleetResolution,
  formatTags,
  type InstanceTags,
  ResolutionContext,
  type ResolvedPersona,
  type ResolveOptions,
  resolveFleet,
  resolveInstance,
} from "./resolve.js";
export * from "./sizing/index.js";
