/**
 * Where each instance's persona comes from, the same for every cloud's components: an explicit
 * persona, a resolver (tags and mapping rules), or the component's default persona, in that order.
 * Each cloud turns the outcomes into its own component errors (naming the instance and the fix).
 */
import { PersonasError } from "../errors.js";
import type { PlanInput } from "./plan.js";
import { PERSONA_TAGS } from "./tags.js";

/** An instance as a resolver sees it. */
export interface InstanceTags {
  /** The instance key. */
  name: string;
  /** The instance's tags. */
  tags: Readonly<Record<string, string>>;
}

/**
 * Chooses the persona of an instance from its tags; returns `undefined` when no rule matches.
 * Resolution errors (no match, conflicting rules) may be thrown and are reported with the instance.
 */
export type PersonaResolver = (instance: InstanceTags) => PlanInput | undefined;

/** Where a component finds personas. */
export interface PersonaSources {
  persona?: PlanInput;
  resolve?: PersonaResolver;
  defaultPersona?: PlanInput;
}

/** How a cloud's components report the two ways choosing fails. */
export interface PersonaSourceFailures {
  noPersona(problem: string, cause?: unknown): Error;
  conflict(problem: string, fix: string, cause?: unknown): Error;
}

function tagText(tags: Readonly<Record<string, string>>): string {
  const entries = Object.entries(tags);
  return entries.length === 0 ? "no tags" : `tags {${entries.map(([k, v]) => `${k}=${v}`).join(", ")}}`;
}

/**
 * The persona of one instance (not yet sized for a cloud).
 * @throws what `failures` builds when nothing gives a persona or two personas claim the instance.
 */
export function choosePersona(
  instance: InstanceTags,
  sources: PersonaSources,
  failures: PersonaSourceFailures,
): PlanInput {
  let chosen: PlanInput | undefined = sources.persona;
  if (chosen) {
    const named = instance.tags[PERSONA_TAGS.name];
    if (named !== undefined && named !== chosen.ref.name)
      throw failures.conflict(
        `it is given persona ${chosen.ref.name} but its tag ${PERSONA_TAGS.name}=${named} names another`,
        `remove the ${PERSONA_TAGS.name} tag (the library writes it) or give the instance persona ${named}`,
      );
  } else if (sources.resolve) {
    try {
      chosen = sources.resolve(instance);
    } catch (error) {
      if (!(error instanceof PersonasError)) throw error;
      if (error.code === "RESOLVE_NO_MATCH") throw failures.noPersona(error.message, error);
      if (error.code === "RESOLVE_RULE_CONFLICT" || error.code === "RESOLVE_OVERRIDE_CONFLICT")
        throw failures.conflict(
          error.message,
          "give one of the two rules a higher priority in the mapping, or change the instance's tags so only one matches",
          error,
        );
      throw error;
    }
  }
  chosen ??= sources.defaultPersona;
  if (!chosen)
    throw failures.noPersona(
      sources.resolve
        ? `no mapping rule matches its ${tagText(instance.tags)}`
        : `it names no persona and the component has no resolver or default persona (${tagText(instance.tags)})`,
    );
  return chosen;
}
