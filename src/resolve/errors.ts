/** Errors of tag → persona resolution: the mapping file, rule conflicts, overrides, unmatched instances. */
import { PersonasError } from "../errors.js";
import { type Diagnostic, formatDiagnostic, SourceMap } from "../pdl/diagnostics.js";

/** The base of every resolution error (sizing errors are `SizingError`s); catch it to handle them all. */
export class ResolveError extends PersonasError {}

/**
 * Thrown by `parseMapping` / `defineMapping` / `createResolutionContext` when a mapping has
 * problems: every diagnostic at once, located like persona diagnostics.
 */
export class MappingValidationError extends ResolveError {
  /** Every problem, sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
  /** The mapping file. */
  readonly file: string;

  constructor(file: string, diagnostics: readonly Diagnostic[], sourceText?: string) {
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    const source = sourceText === undefined ? undefined : new SourceMap(sourceText);
    const report = diagnostics.map((d) => formatDiagnostic(d, source)).join("\n");
    super("MAPPING_INVALID", `${file}: ${errors} error${errors === 1 ? "" : "s"} in mapping\n${report}`);
    this.diagnostics = diagnostics;
    this.file = file;
  }
}

/** What every per-instance resolution error carries: the instance it is about. */
export abstract class InstanceResolveError extends ResolveError {
  /** The instance's id. */
  readonly instanceId: string;
  /** The instance's tags. */
  readonly tags: Readonly<Record<string, string>>;

  constructor(
    code: string,
    instanceId: string,
    tags: Readonly<Record<string, string>>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.instanceId = instanceId;
    this.tags = tags;
  }
}

/** Thrown when no rule chooses a persona for an instance and the mapping has no `defaultPersona`. */
export class NoPersonaMatchError extends InstanceResolveError {
  constructor(instanceId: string, tags: Readonly<Record<string, string>>, message: string) {
    super("RESOLVE_NO_MATCH", instanceId, tags, message);
  }
}

/** Thrown when two rules choose different personas for one instance at the same precedence. */
export class RuleConflictError extends InstanceResolveError {
  /** The ids of the two rules. */
  readonly rules: readonly [string, string];

  constructor(
    instanceId: string,
    tags: Readonly<Record<string, string>>,
    rules: readonly [string, string],
    message: string,
  ) {
    super("RESOLVE_RULE_CONFLICT", instanceId, tags, message);
    this.rules = rules;
  }
}

/** Thrown when two rules set one field to different values for one instance at the same precedence. */
export class OverrideConflictError extends InstanceResolveError {
  /** The field both rules set. */
  readonly field: string;
  /** The ids of the two rules. */
  readonly rules: readonly [string, string];

  constructor(
    instanceId: string,
    tags: Readonly<Record<string, string>>,
    field: string,
    rules: readonly [string, string],
    message: string,
  ) {
    super("RESOLVE_OVERRIDE_CONFLICT", instanceId, tags, message);
    this.field = field;
    this.rules = rules;
  }
}

/**
 * Thrown when an override names a field that cannot be overridden (a per-instance `persona:<field>`
 * tag, or a trigger the chosen persona does not have).
 */
export class UnknownOverrideFieldError extends InstanceResolveError {
  /** The field as written. */
  readonly field: string;

  constructor(instanceId: string, tags: Readonly<Record<string, string>>, field: string, message: string) {
    super("RESOLVE_UNKNOWN_OVERRIDE_FIELD", instanceId, tags, message);
    this.field = field;
  }
}

/** Thrown when an override's value cannot be read (wrong unit, out of range) or breaks the persona's bounds. */
export class InvalidOverrideValueError extends InstanceResolveError {
  /** The field overridden. */
  readonly field: string;

  constructor(instanceId: string, tags: Readonly<Record<string, string>>, field: string, message: string) {
    super("RESOLVE_INVALID_OVERRIDE_VALUE", instanceId, tags, message);
    this.field = field;
  }
}

/** Thrown when an instance has a `persona:<field>` tag for a field the mapping does not let instances override. */
export class OverrideNotAllowedError extends InstanceResolveError {
  /** The field the tag overrides. */
  readonly field: string;

  constructor(instanceId: string, tags: Readonly<Record<string, string>>, field: string, message: string) {
    super("RESOLVE_OVERRIDE_NOT_ALLOWED", instanceId, tags, message);
    this.field = field;
  }
}
