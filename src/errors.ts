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

/** Where in a program a component error happened: the component and, when it is about one, the instance. */
export interface ComponentErrorContext {
  /** The component type, e.g. `PersonaFleet` or `AzurePersonaFleet`. */
  component: string;
  /** The component's name (the first constructor argument). */
  name: string;
  /** The instance key (or the cloud's instance id for attachments). */
  instance?: string;
}

/**
 * The base of the cloud components' errors (`AwsComponentError`, `AzureComponentError`): thrown while
 * the program runs, so `pulumi preview` stops before anything is created, with a message that names
 * the component, the instance, the problem and the fix.
 */
export class ComponentError extends PersonasError {
  constructor(
    code: string,
    readonly context: ComponentErrorContext,
    problem: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    const where = `${context.component} '${context.name}'`;
    const at = context.instance === undefined ? where : `${where}: instance '${context.instance}'`;
    super(code, `${at}: ${problem}. Fix: ${fix}.`, options);
  }
}
