/**
 * How the components find each instance's persona: an explicit persona, a resolver (tags and
 * mapping rules, see `resolveWith`), or the component's default persona, in that order. Errors
 * from resolution are re-thrown as component errors that name the instance and the fix.
 */
import {
  choosePersona,
  type InstanceTags as PlanInstanceTags,
  type PersonaResolver as PlanPersonaResolver,
  type PersonaSources as PlanPersonaSources,
} from "../plan/persona-source.js";
import type { PlanInput } from "../plan/plan.js";
import { withCloudSize } from "../plan/render.js";
import { type ComponentErrorContext, NoPersonaError, PersonaConflictError } from "./errors.js";

/**
 * A persona ready to deploy: what resolution returns (`ResolvedPersona`) or a persona with its
 * repository reference. A persona without `size` gets the cheapest catalog size that meets its
 * BaseConfiguration.
 */
export type PersonaSpec = PlanInput;

/** An instance as a resolver sees it. */
export type InstanceTags = PlanInstanceTags;

/**
 * Chooses the persona of an instance from its tags; returns `undefined` when no rule matches.
 * Resolution errors (no match, conflicting rules) may be thrown and are reported with the instance.
 */
export type PersonaResolver = PlanPersonaResolver;

/** Where a component finds personas. */
export interface PersonaSources extends PlanPersonaSources {
  /** Narrows the size choice when the persona names no architecture. */
  architecture?: "x86_64" | "arm64";
}

/**
 * The persona of one instance, sized for AWS.
 * @throws {NoPersonaError} when nothing gives a persona.
 * @throws {PersonaConflictError} when two personas claim the instance.
 * @internal
 */
export function personaFor(
  context: ComponentErrorContext,
  instance: InstanceTags,
  sources: PersonaSources,
): PlanInput {
  const chosen = choosePersona(instance, sources, {
    noPersona: (problem, cause) =>
      new NoPersonaError(context, problem, cause === undefined ? undefined : { cause }),
    conflict: (problem, fix, cause) =>
      new PersonaConflictError(context, problem, fix, cause === undefined ? undefined : { cause }),
  });
  return withCloudSize(chosen, "aws", sources.architecture ? { architecture: sources.architecture } : {});
}

/** What {@link resolveWith} needs of a resolution context (`createResolutionContext` in `pulumi-personas`). */
export interface InstanceResolutionContext {
  resolve(instance: { id: string; tags: Record<string, string> }, options: { cloud: "aws" }): PersonaSpec;
}

/**
 * A resolver from a resolution context (a persona repository and mapping rules): the instance key is
 * the instance id resolution reports, and sizes are chosen on AWS.
 *
 * @example
 * ```ts
 * const context = createResolutionContext(PersonaRepository.fromDirectory("personas"), parseMapping(text));
 * new PersonaFleet("web", { ami, resolve: resolveWith(context), instances: [{ name: "web-1", tags: { role: "web" } }] });
 * ```
 */
export function resolveWith(context: InstanceResolutionContext): PersonaResolver {
  return (instance) => context.resolve({ id: instance.name, tags: { ...instance.tags } }, { cloud: "aws" });
}
