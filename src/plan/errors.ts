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
