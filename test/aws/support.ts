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

/** What a seed-persona PersonaFleet with a web ACL registers once, whatever its size (alarms aside). */
export const FLEET_LEVEL = {
  "aws:cloudwatch/logGroup:LogGroup": 3,
  "aws:dynamodb/table:Table": 1,
  "aws:iam/instanceProfile:InstanceProfile": 1,
  "aws:iam/role:Role": 6,
  "aws:iam/rolePolicy:RolePolicy": 6,
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 2,
  "aws:lambda/function:Function": 3,
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 3,
  "aws:lambda/permission:Permission": 2,
  // The fleet store (a private bucket: the manifest entries of one persona, one feed, the whole, and
  // the membership record) and the agent's bucket with its object.
  "aws:s3/bucket:Bucket": 2,
  "aws:s3/bucketObjectv2:BucketObjectv2": 5,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 2,
  "aws:scheduler/schedule:Schedule": 1,
  "aws:sfn/stateMachine:StateMachine": 1,
  "aws:sqs/queue:Queue": 1,
  "aws:wafv2/ipSet:IpSet": 2,
  "aws:wafv2/webAclRule:WebAclRule": 1,
  "personas:aws:PersonaFleet": 1,
};

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
