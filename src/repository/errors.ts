/** Errors of the persona repository: loading, versions, `Extends` chains, digests and the S3 remote. */
import { PersonasError } from "../errors.js";
import type { Diagnostic } from "../pdl/diagnostics.js";

/** The base of every repository error; catch it to handle them all. */
export class RepositoryError extends PersonasError {}

/**
 * Thrown when persona files of a repository do not parse or validate, or have no `Version`. Carries
 * every diagnostic of every file; `message` is the formatted report.
 */
export class RepositoryValidationError extends RepositoryError {
  /** Every problem found, in file then position order. */
  readonly diagnostics: readonly Diagnostic[];

  constructor(message: string, diagnostics: readonly Diagnostic[], options?: { cause?: unknown }) {
    super("REPOSITORY_INVALID", message, options);
    this.diagnostics = diagnostics;
  }
}

/** Thrown when two files claim the same persona name and version with different content. */
export class DuplicatePersonaVersionError extends RepositoryError {
  /** `Name@version` claimed twice. */
  readonly persona: string;
  /** The two files. */
  readonly files: readonly [string, string];

  constructor(persona: string, files: readonly [string, string], digests: readonly [string, string]) {
    super(
      "REPOSITORY_DUPLICATE_VERSION",
      `${persona} is defined twice with different content: ${files[0]} (${digests[0]}) and ${files[1]} (${digests[1]}); a published version never changes, so give one of them a new Version.`,
    );
    this.persona = persona;
    this.files = files;
  }
}

/** Thrown when a persona reference (`Name`, `Name@range`) cannot be read. */
export class InvalidReferenceError extends RepositoryError {
  /** The reference as written. */
  readonly reference: string;

  constructor(reference: string, message: string) {
    super("REPOSITORY_INVALID_REFERENCE", message);
    this.reference = reference;
  }
}

/** Thrown when the repository has no persona of the name looked up. */
export class PersonaNotFoundError extends RepositoryError {
  /** The name looked up. */
  readonly persona: string;

  constructor(persona: string, message: string) {
    super("REPOSITORY_NOT_FOUND", message);
    this.persona = persona;
  }
}

/** Thrown when the repository has the persona, but no version in the range looked up. */
export class NoMatchingVersionError extends RepositoryError {
  /** The name looked up. */
  readonly persona: string;
  /** The range looked up. */
  readonly range: string;
  /** The versions the repository has, ascending. */
  readonly available: readonly string[];

  constructor(persona: string, range: string, available: readonly string[], message: string) {
    super("REPOSITORY_NO_MATCHING_VERSION", message);
    this.persona = persona;
    this.range = range;
    this.available = available;
  }
}

/**
 * Thrown when an `Extends` chain cannot be resolved: a parent is missing (no such persona or no
 * version in range), or the chain loops back on itself. `chain` lists the links followed.
 */
export class ExtendsChainError extends RepositoryError {
  /** The links followed, `Name@version` each, ending with the reference that failed. */
  readonly chain: readonly string[];
  /** `cycle` or `missing-parent`. */
  readonly problem: "cycle" | "missing-parent";

  constructor(
    problem: "cycle" | "missing-parent",
    chain: readonly string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(problem === "cycle" ? "REPOSITORY_EXTENDS_CYCLE" : "REPOSITORY_EXTENDS_MISSING", message, options);
    this.problem = problem;
    this.chain = chain;
  }
}

/**
 * Thrown when a persona read from a remote repository does not match its digest, or a caller's
 * expected digest: the object was changed after it was published.
 */
export class DigestMismatchError extends RepositoryError {
  /** The digest the object or the caller said it has. */
  readonly expected: string;
  /** The digest of the content read. */
  readonly actual: string;

  constructor(expected: string, actual: string, message: string) {
    super("REPOSITORY_DIGEST_MISMATCH", message);
    this.expected = expected;
    this.actual = actual;
  }
}

/** Thrown when publishing would change a version that is already published with other content. */
export class PublishedVersionConflictError extends RepositoryError {
  /** `Name@version`. */
  readonly persona: string;

  constructor(persona: string, message: string) {
    super("REPOSITORY_PUBLISHED_VERSION_CONFLICT", message);
    this.persona = persona;
  }
}

/** Thrown when the remote store fails or holds an object that is not a persona document; wraps the cause. */
export class RemoteRepositoryError extends RepositoryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("REPOSITORY_REMOTE", message, options);
  }
}
