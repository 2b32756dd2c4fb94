/**
 * Ships the personas agent with the stack: the bundled agent file becomes an object in a private
 * bucket of the fleet (a Pulumi `FileAsset`), the instance role may read that one object, and the
 * user data fetches it with the role's credentials and checks its SHA-256 before it runs. Nothing at
 * boot depends on a package registry.
 */
import * as iam from "@pulumi/aws/iam";
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import { type AgentBundle, findAgentBundle } from "../agent/bundle.js";
import { AGENT_SHA256_TAG, type AgentSource } from "../plan/user-data.js";
import { FLEET_TAG_KEY } from "./contract.js";
import { type ComponentErrorContext, InvalidArgumentsError } from "./errors.js";

export type { AgentBundle };

/**
 * Reads the bundled agent and its digest.
 * @throws InvalidArgumentsError when no bundle exists at the given path or the default places.
 * @internal
 */
export function readAgentBundle(context: ComponentErrorContext, path?: string): AgentBundle {
  const found = findAgentBundle(path);
  if ("looked" in found)
    throw new InvalidArgumentsError(
      context,
      `the personas agent bundle was not found (looked at ${found.looked.join(", ")})`,
      "run `npm run build` in pulumi-personas (it writes dist/agent/personas-agent.cjs), or pass agent.bundle",
    );
  return found;
}

/**
 * The object key of a bundle: content-addressed, so a new agent is a new object and instances never see a half-written one.
 * @internal
 */
export function agentObjectKey(bundle: AgentBundle): string {
  return `agent/personas-agent-${bundle.sha256.slice(0, 16)}.cjs`;
}

/** What {@link renderAgentArtifact} creates. */
export interface AgentArtifact {
  bucket: s3.Bucket;
  object: s3.BucketObjectv2;
  /** Lets the instance role read the object, and nothing else in the bucket (none without a role). */
  readPolicy?: iam.RolePolicy;
  /** The source the user data fetches; resolves once the object and the role's grant exist. */
  source: pulumi.Output<AgentSource>;
}

/**
 * Creates the fleet's agent bucket (private; S3 encrypts new objects by default), uploads the bundle
 * and, given the instance role, grants it `s3:GetObject` on that object.
 */
export function renderAgentArtifact(
  parent: pulumi.ComponentResource,
  name: string,
  fleet: string,
  instanceRole: pulumi.Input<string> | undefined,
  bundle: AgentBundle,
  tags: Record<string, string>,
): AgentArtifact {
  const opts = { parent };
  const bucket = new s3.Bucket(
    `${name}-agent`,
    { forceDestroy: true, tags: { ...tags, [FLEET_TAG_KEY]: fleet } },
    opts,
  );
  new s3.BucketPublicAccessBlock(
    `${name}-agent`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  const key = agentObjectKey(bundle);
  const object = new s3.BucketObjectv2(
    `${name}-agent`,
    {
      bucket: bucket.id,
      key,
      source: new pulumi.asset.FileAsset(bundle.path),
      contentType: "application/javascript",
      tags: { ...tags, [FLEET_TAG_KEY]: fleet, [AGENT_SHA256_TAG]: bundle.sha256 },
    },
    opts,
  );
  const readPolicy =
    instanceRole === undefined
      ? undefined
      : new iam.RolePolicy(
          `${name}-instance-agent`,
          {
            role: instanceRole,
            policy: object.arn.apply((arn) =>
              JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: [arn] }],
              }),
            ),
          },
          opts,
        );
  // A bucket's id is its name.
  const source = pulumi
    .all([bucket.id, object.key, readPolicy?.id ?? ""])
    .apply(([bucketName, objectKey]) => ({ bucket: bucketName, key: objectKey, sha256: bundle.sha256 }));
  return { bucket, object, ...(readPolicy ? { readPolicy } : {}), source };
}
