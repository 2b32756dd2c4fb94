/**
 * How the components find each instance's persona: an explicit persona, a resolver (tags and
 * mapping rules, see `resolveWith`), or the component's default persona, in that order. Errors
 * from resolution are re-thrown as component errors that name the instance and the fix.
 */
import { PersonasError } from "../errors.js";
import type { PlanInput } from "../plan/plan.js";
import { withCloudSize } from "../plan/render.js";
import { PERSONA_TAGS } from "../plan/tags.js";
import { type ComponentErrorContext, NoPersonaError, PersonaConflictError } from "./errors.js";

/**
 * A persona ready to deploy: what resolution returns (`ResolvedPersona`) or a persona with its
 * repository reference. A persona without `size` gets the cheapest catalog size that meets its
 * BaseConfiguration.
 */
export type PersonaSpec = PlanInput;

/** An instance as a resolver sees it. */
export interface InstanceTags {
  /** The instance key (or EC2 instance id for attachments). */
  name: string;
  /** The instance's tags. */
  tags: Readonly<Record<string, string>>;
}

/**
 * Chooses the persona of an instance from its tags; returns `undefined` when no rule matches.
 * Resolution errors (no match, conflicting rules) may be thrown and are reported with the instance.
 */
export type PersonaResolver = (instance: InstanceTags) => PersonaSpec | undefined;

/** Where a component finds personas. */
export interface PersonaSources {
  /** A persona for this one instance. */
  persona?: PersonaSpec;
  /** Resolves the instance's tags to a persona. */
  resolve?: PersonaResolver;
  /** Used when neither gives a persona. */
  defaultPersona?: PersonaSpec;
  /** Narrows the size choice when the persona names no architecture. */
  architecture?: "x86_64" | "arm64";
}

function tagText(tags: Readonly<Record<string, string>>): string {
  const entries = Object.entries(tags);
  return entries.length === 0 ? "no tags" : `tags {${entries.map(([k, v]) => `${k}=${v}`).join(", ")}}`;
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
  let chosen: PersonaSpec | undefined = sources.persona;
  if (chosen) {
    const named = instance.tags[PERSONA_TAGS.name];
    if (named !== undefined && named !== chosen.ref.name)
      throw new PersonaConflictError(
        context,
        `it is given persona ${chosen.ref.name} but its tag ${PERSONA_TAGS.name}=${named} names another`,
        `remove the ${PERSONA_TAGS.name} tag (the library writes it) or give the instance persona ${named}`,
      );
  } else if (sources.resolve) {
    try {
      chosen = sources.resolve(instance);
    } catch (error) {
      if (!(error instanceof PersonasError)) throw error;
      if (error.code === "RESOLVE_NO_MATCH")
        throw new NoPersonaError(context, error.message, { cause: error });
      if (error.code === "RESOLVE_RULE_CONFLICT" || error.code === "RESOLVE_OVERRIDE_CONFLICT")
        throw new PersonaConflictError(
          context,
          error.message,
          "give one of the two rules a higher priority in the mapping, or change the instance's tags so only one matches",
          { cause: error },
        );
      throw error;
    }
  }
  chosen ??= sources.defaultPersona;
  if (!chosen)
    throw new NoPersonaError(
      context,
      sources.resolve
        ? `no mapping rule matches its ${tagText(instance.tags)}`
        : `it names no persona and the component has no resolver or default persona (${tagText(instance.tags)})`,
    );
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
