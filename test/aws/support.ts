// Shared fixtures of the AWS component tests: the seed persona and a recorder of resource options.
import { readFileSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { parsePersona } from "../../src/pdl/parse.js";
import type { PlanInput } from "../../src/plan/plan.js";
import { contentDigest } from "../../src/repository/digest.js";

export const seed = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), {
  file: "HighTraffic.yaml",
});
/** The seed persona's digest, as the repository computes it. */
export const SEED_DIGEST = contentDigest(seed);
export const seedPersona: PlanInput = {
  persona: seed,
  ref: { name: "HighTraffic", version: "1.0.0", digest: SEED_DIGEST },
};
export const WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d";

/** A persona from seed-notation text, with the digest the repository would give it. */
export function personaOf(text: string): PlanInput {
  const persona = parsePersona(text);
  return { persona, ref: { name: persona.name, version: "1.0.0", digest: contentDigest(persona) } };
}

/** What a transformation saw of each resource: its options, as the component set them. */
export interface SeenOptions {
  type: string;
  name: string;
  parent: string | undefined;
  ignoreChanges: readonly string[] | undefined;
}

/** A component option that records every child's options (transformations see them in-process). */
export function optionRecorder(): { seen: SeenOptions[]; transformations: pulumi.ResourceTransformation[] } {
  const seen: SeenOptions[] = [];
  const transformations: pulumi.ResourceTransformation[] = [
    (args) => {
      const parent = args.opts.parent as { __name?: string } | undefined;
      seen.push({
        type: args.type,
        name: args.name,
        parent: parent?.__name,
        ignoreChanges: args.opts.ignoreChanges,
      });
      return undefined;
    },
  ];
  return { seen, transformations };
}
