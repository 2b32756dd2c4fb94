/**
 * The Persona Definition Language: parse, validate and normalise persona documents.
 * @packageDocumentation
 */
export * from "./actions/index.js";
export { CONDITION_FORM, describeCondition, MAX_WINDOW_SECONDS } from "./conditions.js";
export { type Diagnostic, formatDiagnostic, type Severity, SourceMap } from "./diagnostics.js";
export { PersonaDocument } from "./document.js";
export { InputTooLargeError, PersonaValidationError } from "./errors.js";
export {
  DEFAULT_MAX_INPUT_BYTES,
  type InputLimitOptions,
  readInputFile,
  requireInputSize,
} from "./input.js";
export { PERSONA_SCHEMA_ID, personaJsonSchema } from "./json-schema.js";
export * from "./metrics/index.js";
export * from "./model.js";
export { LIST_FORMATS } from "./normalise.js";
export {
  definePersona,
  type ParseOptions,
  parsePersona,
  type ValidationResult,
  validatePersonaObject,
  validatePersonaText,
} from "./parse.js";
export { canonicalUnit, type Dimension, formatDuration, parseQuantity } from "./units.js";
