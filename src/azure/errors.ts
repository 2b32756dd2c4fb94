/**
 * Errors of the Azure components. Each is thrown while the program runs, so `pulumi preview` stops
 * before anything is created, with a message that names the component, the instance and the fix:
 * `<Component> '<name>': instance '<key>': <problem>. Fix: <what to do>.` (as on AWS).
 */
import { ComponentError, type ComponentErrorContext, PersonasError } from "../errors.js";

export type { ComponentErrorContext } from "../errors.js";

/** The base of every Azure component error; catch it to handle them all. */
export class AzureComponentError extends ComponentError {}

/** No persona applies to an instance: nothing named one and no mapping rule matched its tags. */
export class AzureNoPersonaError extends AzureComponentError {
  constructor(context: ComponentErrorContext, problem: string, options?: { cause?: unknown }) {
    super(
      "AZURE_NO_PERSONA",
      context,
      problem,
      "give the instance a persona (`persona`), add a mapping rule that matches its tags, or set `defaultPersona` on the component",
      options,
    );
  }
}

/** Two personas claim one instance. */
export class AzurePersonaConflictError extends AzureComponentError {
  constructor(context: ComponentErrorContext, problem: string, fix: string, options?: { cause?: unknown }) {
    super("AZURE_PERSONA_CONFLICT", context, problem, fix, options);
  }
}

/** A persona needs something the component was not given (an NSG or WAF policy for a list feed, a notify URL). */
export class AzureMissingTargetError extends AzureComponentError {
  constructor(context: ComponentErrorContext, problem: string, fix: string) {
    super("AZURE_MISSING_TARGET", context, problem, fix);
  }
}

/** The component's arguments contradict each other or break an Azure limit. */
export class AzureInvalidArgumentsError extends AzureComponentError {
  constructor(context: ComponentErrorContext, problem: string, fix: string) {
    super("AZURE_INVALID_ARGUMENTS", context, problem, fix);
  }
}

/** A function app's package directory (built from src/runtime/azure) is not where the components expect it. */
export class FunctionPackageMissingError extends AzureComponentError {
  constructor(context: ComponentErrorContext, path: string) {
    super(
      "AZURE_FUNCTION_PACKAGE_MISSING",
      context,
      `the function app package ${path} does not exist`,
      "run `npm run build` in pulumi-personas (it bundles src/runtime/azure/apps with esbuild), or pass `functions.packageDirectory`",
    );
  }
}

/**
 * Planned resources break Azure's naming rules or limits ("Naming rules and restrictions for Azure
 * resources"; "Azure subscription and service limits"). Thrown by `assertAzureCloudContract`.
 */
export class AzureCloudContractError extends PersonasError {
  constructor(
    message: string,
    readonly violations: readonly import("./cloud-contract.js").AzureContractViolation[] = [],
  ) {
    super("AZURE_CLOUD_CONTRACT", message);
  }
}
