/**
 * Resource registration without the Pulumi Node SDK's per-promise stack capture.
 *
 * The SDK backs every output property of a resource it registers with promises, and tags each of
 * them with `new Error().stack` (`debuggablePromise`, @pulumi/pulumi runtime/debuggable.ts). That
 * stack is read in one place only: the report of leaked promises printed when the
 * `PULUMI_DEBUG_PROMISE_LEAKS` environment variable is set. An `ec2.Instance` has about 250 such
 * promises, and capturing and formatting their stacks is most of the CPU time and a quarter of the
 * memory of registering one (BENCHMARKS.md, "Fleet-wide alarms"). A fleet registers one or two
 * resources per member, so this is the part of `pulumi up` that grows with the fleet.
 *
 * What keeps working: resource source positions, which the SDK captures with its own unlimited
 * limit (`Resource.callsites` sets `Error.stackTraceLimit` itself), and the leak report's context
 * (which operation a leaked promise belongs to). Set `PULUMI_DEBUG_PROMISE_LEAKS` to get the stacks
 * back: then nothing here changes.
 */

/**
 * Runs `register` (which constructs resources synchronously) with V8's stack capture off, and
 * restores `Error.stackTraceLimit` before returning or throwing. An error thrown inside, whose stack
 * would be empty, gets the stack of the place it leaves this function.
 *
 * @example
 * ```ts
 * const instances = withoutPromiseStacks(() => members.map((m) => new ec2.Instance(m.name, m.args)));
 * ```
 */
export function withoutPromiseStacks<T>(register: () => T): T {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return register();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return register();
  } catch (error) {
    Error.stackTraceLimit = limit;
    if (error instanceof Error && !/\n\s+at /.test(error.stack ?? ""))
      Error.captureStackTrace(error, withoutPromiseStacks);
    throw error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
