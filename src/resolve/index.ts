/**
 * Resolution: instance tags + mapping rules + the persona repository → `ResolvedPersona`, with the
 * provenance of every field and, given a cloud, its size from the sizing catalog.
 *
 * Everything else in `src/resolve` is internal (imported by module path).
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
export { type ExplanationRow, explanationRows } from "./explain.js";
export {
  defineMapping,
  type Mapping,
  type MappingOptions,
  type MappingRule,
  parseMapping,
  type TagCondition,
  type TagPattern,
} from "./mapping.js";
export { OVERRIDE_FIELD_NAMES } from "./overrides.js";
export {
  createResolutionContext,
  type FieldProvenance,
  type FleetResolution,
  type InstanceTags,
  ResolutionContext,
  type ResolvedPersona,
  type ResolveOptions,
  resolveFleet,
  resolveInstance,
} from "./resolve.js";
export {
  InvalidSizingRequestError,
  NoMatchingSizeError,
  ScaleTargetError,
  SizingError,
  UnknownSizeError,
} from "./sizing/errors.js";
export { type ScaleOptions, type ScaleResult, type ScaleTarget, scaleWithinFamily } from "./sizing/scale.js";
export {
  describeSize,
  type SelectSizeOptions,
  type SizeRequest,
  type SizeSelection,
  selectSize,
} from "./sizing/select.js";
export type { Architecture, Cloud, InstanceSize, SizeCategory } from "./sizing/types.js";
