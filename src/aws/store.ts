/**
 * The fleet store: one S3 bucket per fleet (and stack), private and encrypted, holding
 * - the manifest, one object per persona digest and one per feed (`FLEET_STORE_KEYS`), so its size
 *   has no ceiling (an SSM parameter holds 8 KB at most, and changing tier replaces it), and per-feed
 *   enforcement data that no longer fits Lambda's 4 KB of environment variables;
 * - the whole manifest in one object, for the policy pack and for people;
 * - the membership record: the instance ids the stack made members, the only instances the
 *   orchestrator and the responders act on (a tag is not membership; docs/security.md).
 * Responders and the orchestrator read it (src/runtime/aws/manifest-source.ts); only the stack and
 * the orchestrator (persona entries of run-time personas) write it.
 */
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import {
  buildManifest,
  type FeedEnforcement,
  type FeedEntry,
  FLEET_STORE_KEYS,
  type FleetMemberRecord,
  type FleetMembers,
  MANIFEST_VERSION,
  manifestEntries,
} from "../plan/manifest.js";
import type { FleetPlan } from "../plan/plan.js";

/** The store's bucket and its manifest objects. */
export interface FleetStore {
  bucket: s3.Bucket;
  /** The objects the responders read; their function depends on them being written. */
  objects: s3.BucketObjectv2[];
}

/** A bucket name prefix: at most 37 characters, lowercase letters, digits and hyphens (S3 bucket naming rules). */
function bucketPrefix(fleet: string): string {
  const cleaned = fleet
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+/, "");
  return `${`personas-${cleaned}`.slice(0, 36).replace(/-+$/, "")}-`;
}

function jsonObject(
  parent: pulumi.Resource,
  name: string,
  bucket: s3.Bucket,
  key: string,
  content: pulumi.Input<string>,
  tags: Record<string, string>,
): s3.BucketObjectv2 {
  return new s3.BucketObjectv2(
    name,
    { bucket: bucket.id, key, content, contentType: "application/json", tags },
    { parent },
  );
}

/**
 * Registers the store bucket and the manifest objects of a plan. `enforcement` gives, per list feed,
 * where its list is enforced (WAF IP sets or network ACL rules); it goes into the feed's object.
 * @internal
 */
export function renderFleetStore(
  parent: pulumi.ComponentResource,
  name: string,
  plan: FleetPlan,
  tags: Record<string, string>,
  enforcement: Record<string, pulumi.Input<FeedEnforcement>>,
): FleetStore {
  const bucket = new s3.Bucket(
    `${name}-store`,
    // Pulumi adds a random suffix to the prefix: unique per stack, within S3's 63 characters.
    { bucketPrefix: bucketPrefix(plan.fleet), forceDestroy: true, tags },
    { parent },
  );
  const block = new s3.BucketPublicAccessBlock(
    `${name}-store`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  const manifest = buildManifest(plan);
  const objects: s3.BucketObjectv2[] = [];
  for (const [key, entry] of manifestEntries(manifest)) {
    const feedId = "feedId" in entry ? entry.feedId : undefined;
    const where = feedId === undefined ? undefined : enforcement[feedId];
    const content =
      where === undefined
        ? JSON.stringify(entry)
        : pulumi.output(where).apply((e) => JSON.stringify({ ...(entry as FeedEntry), enforcement: e }));
    const logical =
      feedId === undefined ? `manifest-${key.split("/").pop()!.slice(0, 12)}` : `feed-${feedId}`;
    objects.push(jsonObject(parent, `${name}-${logical}`, bucket, key, content, tags));
  }
  objects.push(
    jsonObject(parent, `${name}-manifest`, bucket, FLEET_STORE_KEYS.fleet, JSON.stringify(manifest), tags),
  );
  void block;
  return { bucket, objects };
}

/**
 * Registers the membership record: `members` maps instance ids (known once the instances exist) to
 * their member key and persona digest.
 * @internal
 */
export function renderMembership(
  parent: pulumi.ComponentResource,
  name: string,
  fleet: string,
  store: FleetStore,
  members: pulumi.Input<Record<string, pulumi.Input<FleetMemberRecord>>>,
  tags: Record<string, string>,
): s3.BucketObjectv2 {
  const content = pulumi.output(members).apply((byId) => {
    const record: FleetMembers = { version: MANIFEST_VERSION, fleet, members: {} };
    for (const id of Object.keys(byId).sort()) record.members[id] = byId[id] as FleetMemberRecord;
    return JSON.stringify(record);
  });
  return jsonObject(parent, `${name}-members`, store.bucket, FLEET_STORE_KEYS.members, content, tags);
}
