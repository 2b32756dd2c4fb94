/**
 * Runs `act` and returns the error it threw, so a test can assert on the error's fields and exact
 * message; the test fails when `act` throws nothing.
 * @example
 * const error = thrown(() => resolveInstance(instance, context)) as RuleConflictError;
 * expect(error.rules).toEqual(["web", "api"]);
 */
export function thrown(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, none was thrown");
}
