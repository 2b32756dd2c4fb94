/**
 * pulumi-personas: dynamic instance personas for Pulumi.
 *
 * The root entry point holds what a Pulumi program needs from the cloud-neutral layers: read
 * personas, load a repository, resolve tags through a mapping, plan. Each layer's fuller API is its
 * own entry point (`pulumi-personas/pdl`, `/repository`, `/resolve`, `/plan`); cloud components live
 * under `pulumi-personas/aws`, so importing the root never loads a cloud provider or SDK.
 *
 * @example
 * ```ts
 * import { createResolutionContext, parseMapping, PersonaRepository } from "pulumi-personas";
 *
 * const repository = PersonaRepository.fromDirectory("personas");
 * const context = createResolutionContext(repository, parseMapping(mappingYaml));
 * ```
 * @packageDocumentation
 */
export { PersonasError } from "./errors.js";
export { type Diagnostic, formatDiagnostic } from "./pdl/diagnostics.js";
export { InputTooLargeError, PersonaValidationError } from "./pdl/errors.js";
export type { Persona, Trigger } from "./pdl/model.js";
export {
  definePersona,
  type ParseOptions,
  parsePersona,
  type ValidationResult,
  validatePersonaObject,
  validatePersonaText,
} from "./pdl/parse.js";
export { PlanError } from "./plan/errors.js";
export { type FleetPlan, type PersonaPlan, planFleet, planPersona } from "./plan/plan.js";
export {
  ExtendsChainError,
  NoMatchingVersionError,
  PersonaNotFoundError,
  RepositoryError,
  RepositoryValidationError,
} from "./repository/errors.js";
export { PersonaRepository, type RepositoryEntry, type ResolvedChain } from "./repository/repository.js";
export {
  MappingValidationError,
  NoPersonaMatchError,
  ResolveError,
  RuleConflictError,
} from "./resolve/errors.js";
export { defineMapping, type Mapping, type MappingRule, parseMapping } from "./resolve/mapping.js";
export {
  createResolutionContext,
  type FieldProvenance,
  type FleetResolution,
  type InstanceTags,
  ResolutionContext,
  type ResolvedPersona,
  resolveFleet,
  resolveInstance,
} from "./resolve/resolve.js";
