/**
 * Rule configuration: each configurable rule declares a JSON schema (what `pulumi preview` validates
 * in the pack's config) and reads it through {@link configOf}, which fills in the defaults itself so
 * a rule behaves the same whether or not the engine applied the schema's defaults.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";

/** The config a rule was given, over its defaults. */
export function configOf<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
  const given = (args.getConfig<Partial<T>>() ?? {}) as Partial<T>;
  const merged = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof T)[])
    if (given[key] !== undefined) merged[key] = given[key] as T[keyof T];
  return merged;
}

/** A schema property for a positive integer with a default. */
export function integerProperty(minimum: number, defaultValue: number, description: string) {
  return { type: "integer" as const, minimum, default: defaultValue, description };
}

/** Narrows a schema literal to the SDK's type while keeping it readable in the rule files. */
export function schema(properties: PolicyConfigSchema["properties"]): PolicyConfigSchema {
  return { properties };
}
