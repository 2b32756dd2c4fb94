/**
 * Errors of the AWS components. Each is thrown while the program runs, so `pulumi preview` stops
 * before anything is created, with a message that names the component, the instance and the fix.
 */
import { ComponentError, type ComponentErrorContext, PersonasError } from "../errors.js";

export type { ComponentErrorContext } from "../errors.js";

/** The base of every AWS component error; catch it to handle them all. */
export class AwsComponentError extends ComponentError {}

/** No persona applies to an instance: nothing named one and no mapping rule matched its tags. */
export class NoPersonaError extends AwsComponentError {
  constructor(context: ComponentErrorContext, problem: string, options?: { cause?: unknown }) {
    super(
      "AWS_NO_PERSONA",
      context,
      problem,
      "give the instance a persona (`persona`), add a mapping rule that matches its tags, or set `defaultPersona` on the component",
      options,
    );
  }
}

/** Two personas claim one instance. */
export class PersonaConflictError extends AwsComponentError {
  constructor(context: ComponentErrorContext, problem: string, fix: string, options?: { cause?: unknown }) {
    super("AWS_PERSONA_CONFLICT", context, problem, fix, options);
  }
}

/** A persona needs something the component was not given (a web ACL for a list feed, log files, an SNS topic). */
export class MissingTargetError extends AwsComponentError {
  constructor(context: ComponentErrorContext, problem: string, fix: string, options?: { cause?: unknown }) {
    super("AWS_MISSING_TARGET", context, problem, fix, options);
  }
}

/** The component's arguments contradict each other or break a limit. */
export class InvalidArgumentsError extends AwsComponentError {
  constructor(context: ComponentErrorContext, problem: string, fix: string) {
    super("AWS_INVALID_ARGUMENTS", context, problem, fix);
  }
}

/** A responder's prebuilt code is not where the components expect it. */
export class ResponderCodeMissingError extends AwsComponentError {
  constructor(context: ComponentErrorContext, path: string) {
    super(
      "AWS_RESPONDER_CODE_MISSING",
      context,
      `the responder bundle ${path} does not exist`,
      "run `npm run build` in pulumi-personas (it bundles src/runtime/aws with esbuild), or pass `responders.codeDirectory`",
    );
  }
}

/**
 * Planned resources break the AWS API contract (a name, size, pattern or quota AWS would refuse), or
 * the contract data is incomplete. Thrown by `assertCloudContract`; `violations` lists each input.
 */
export class CloudContractError extends PersonasError {
  constructor(
    message: string,
    readonly violations: readonly import("./cloud-contract.js").CloudContractViolation[] = [],
  ) {
    super("AWS_CLOUD_CONTRACT", message);
  }
}
