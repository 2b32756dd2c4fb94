/** Why the orchestrator left an instance alone: the reason logged and counted as a metric. */
import { InputTooLargeError } from "../../../pdl/errors.js";
import {
  DigestMismatchError,
  ExtendsChainError,
  InvalidReferenceError,
  NoMatchingVersionError,
  PersonaNotFoundError,
  RemoteRepositoryError,
} from "../../../repository/errors.js";
import {
  InstanceResolveError,
  MappingValidationError,
  NoPersonaMatchError,
  OverrideConflictError,
  RuleConflictError,
} from "../../../resolve/errors.js";
import { ResponderError } from "../errors.js";

/** A fault the orchestrator reports instead of changing an instance. */
export class OrchestratorError extends ResponderError {}

/** The published mapping cannot be read (absent, or S3 failed). */
export class MappingUnavailableError extends OrchestratorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ORCHESTRATOR_MAPPING_UNAVAILABLE", message, options);
  }
}

/** Reasons, as the `Reason` dimension of the `Faults` metric. */
export type FaultReason =
  | "unknown-persona"
  | "conflicting-tags"
  | "no-persona"
  | "invalid-tags"
  | "digest-mismatch"
  | "repository-unreachable"
  | "mapping-invalid"
  | "not-owned"
  | "not-member"
  | "input-too-large"
  | "shift-refused"
  | "unpinned-digest"
  | "apply-failed";

/** Classifies an error into the fault reason logged and counted. */
export function faultReason(error: unknown): FaultReason {
  if (error instanceof UnknownActivePersonaError) return "unknown-persona";
  if (error instanceof ShiftRefusedError) return "shift-refused";
  if (error instanceof UnpinnedDigestError) return "unpinned-digest";
  if (error instanceof PinsUnavailableError) return "repository-unreachable";
  if (error instanceof AlarmNotOwnedError) return "not-owned";
  if (error instanceof PersonaNotFoundError || error instanceof NoMatchingVersionError)
    return "unknown-persona";
  if (error instanceof InvalidReferenceError || error instanceof ExtendsChainError) return "unknown-persona";
  if (error instanceof RuleConflictError || error instanceof OverrideConflictError) return "conflicting-tags";
  if (error instanceof NoPersonaMatchError) return "no-persona";
  if (error instanceof DigestMismatchError) return "digest-mismatch";
  if (error instanceof RemoteRepositoryError || error instanceof MappingUnavailableError) {
    return "repository-unreachable";
  }
  if (error instanceof MappingValidationError) return "mapping-invalid";
  if (error instanceof InputTooLargeError) return "input-too-large";
  if (error instanceof InstanceResolveError) return "invalid-tags";
  return "apply-failed";
}

/** `persona:active` names a persona the repository cannot give. */
export class UnknownActivePersonaError extends OrchestratorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ORCHESTRATOR_UNKNOWN_ACTIVE_PERSONA", message, options);
  }
}

/** An alarm with a run-time name lacks the run-time owner tag, so the orchestrator leaves it alone. */
export class AlarmNotOwnedError extends OrchestratorError {
  constructor(message: string) {
    super("ORCHESTRATOR_NOT_OWNED", message);
  }
}

/** An apply did not succeed: its install command failed, or it was tried too often for one digest. */
export class ApplyGaveUpError extends OrchestratorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ORCHESTRATOR_APPLY_FAILED", message, options);
  }
}

/**
 * `persona:active` asks for a shift the orchestrator does not accept: a version pin, a shift the shift
 * responder did not record, or a target neither the instance's persona nor the stack's personas declare.
 */
export class ShiftRefusedError extends OrchestratorError {
  constructor(message: string) {
    super("ORCHESTRATOR_SHIFT_REFUSED", message);
  }
}

/** The persona resolved has a digest the stack did not deploy, and the mapping does not allow run-time versions. */
export class UnpinnedDigestError extends OrchestratorError {
  constructor(message: string) {
    super("ORCHESTRATOR_UNPINNED_DIGEST", message);
  }
}

/** The stack's fleet manifest (the pinned digests) cannot be read. */
export class PinsUnavailableError extends OrchestratorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ORCHESTRATOR_PINS_UNAVAILABLE", message, options);
  }
}
