/** Tag rule: every instance the pack sees carries its persona's name, version and digest. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PERSONA_TAGS } from "../../plan/tags.js";
import { configOf, schema } from "../config.js";
import { DIGEST_PATTERN, listOf, stringOf, TYPES, tagsOf } from "../stack.js";

/** Configuration of {@link instancePersonaTags}. */
export interface TagsConfig {
  /** `all`: every EC2 instance of the stack; `persona`: only instances with some `persona:` tag. */
  scope: "all" | "persona";
}

/** Defaults of {@link TagsConfig}. */
export const TAGS_DEFAULTS: TagsConfig = { scope: "all" };

/** Checks whether every instance carries the persona tags: name, version and digest. */
export const instancePersonaTags: ResourceValidationPolicy = {
  name: "persona-instance-tags",
  description:
    "Checks whether every instance carries the persona tags persona:name, persona:version and persona:digest.",
  enforcementLevel: "mandatory",
  configSchema: schema({
    scope: {
      type: "string",
      enum: ["all", "persona"],
      default: TAGS_DEFAULTS.scope,
      description: "all: every EC2 instance; persona: only instances with a persona: tag.",
    },
  }),
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.instance) return;
    const tags = tagsOf(args.props as Record<string, unknown>);
    const { scope } = configOf(args, TAGS_DEFAULTS);
    if (scope === "persona" && !Object.keys(tags).some((key) => key.startsWith("persona:"))) return;
    const required = [PERSONA_TAGS.name, PERSONA_TAGS.version, PERSONA_TAGS.digest];
    const missing = required.filter((key) => !stringOf(tags[key]));
    if (missing.length > 0) {
      reportViolation(
        `Instance '${args.name}' must carry the persona tags ${listOf(required)}: ${listOf(missing)} ${missing.length === 1 ? "is" : "are"} missing; create it with PersonaFleet or PersonaInstance.`,
      );
      return;
    }
    const digest = stringOf(tags[PERSONA_TAGS.digest])!;
    if (!DIGEST_PATTERN.test(digest))
      reportViolation(
        `Instance '${args.name}' must carry a persona:digest of 64 lowercase hex characters (optionally after sha256:), not '${digest}'; let the fleet component set it.`,
      );
  },
};
