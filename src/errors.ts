/**
 * The base of every error this package throws. Each area (pdl, repository, resolve, ...) has an
 * `errors.ts` with subclasses ending in `Error`; callers can catch `PersonasError` to handle them all.
 */
export class PersonasError extends Error {
  /** A stable machine-readable code, e.g. `PDL_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
