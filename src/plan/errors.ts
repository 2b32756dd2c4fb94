/** Errors of the plan layer: a persona that cannot be deployed as asked. */
import { PersonasError } from "../errors.js";

/**
 * Thrown when a fleet or persona cannot be planned: for example a list feed with no place to
 * enforce it. The message names the fleet, the persona or source, and the fix.
 */
export class PlanError extends PersonasError {
  constructor(
    message: string,
    readonly context: { fleet?: string; persona?: string; source?: string; instance?: string } = {},
  ) {
    super("PLAN_INVALID", message);
  }
}

/**
 * Thrown when a persona's software stack names a package the catalog does not know. The message
 * names the nearest catalog entries; add the package to the catalog or correct the name.
 */
export class UnknownPackageError extends PlanError {
  override readonly code = "PACKAGE_UNKNOWN";
  constructor(
    message: string,
    readonly packageName: string,
    readonly alternatives: readonly string[],
    context: { persona?: string } = {},
  ) {
    super(message, context);
  }
}

/**
 * Thrown when a package the catalog knows has no package on the chosen operating system (for
 * example Prometheus on Amazon Linux 2023). The message names the systems that have it.
 */
export class PackageUnavailableError extends PlanError {
  override readonly code = "PACKAGE_UNAVAILABLE";
  constructor(
    message: string,
    readonly packageName: string,
    readonly operatingSystem: string,
    context: { persona?: string } = {},
  ) {
    super(message, context);
  }
}

/**
 * Thrown when a value cannot be written into a shell script safely (a NUL byte), or a value that
 * names an S3 object or a file does not have the shape the script relies on.
 */
export class UnsafeShellValueError extends PlanError {
  override readonly code = "SHELL_VALUE_UNSAFE";
}
