/**
 * The fleet store as responders read it (ManifestSource on aws-sdk-client-mock): objects the
 * components write, validated on read; persona entries cached for good (their key is their
 * content's digest), feed entries and the membership record for a minute, and an unknown instance
 * reads the membership record again at most once per ten seconds.
 */

import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { FLEET_STORE_KEYS } from "../../../src/plan/manifest.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { ManifestSource } from "../../../src/runtime/aws/manifest-source.js";
import {
  DIGEST,
  FLEET_BUCKET,
  INSTANCE,
  MEMBER_KEY,
  storeObjects,
  testManifest,
  testMembers,
} from "./support.js";

const s3 = mockClient(S3Client);
afterAll(() => s3.restore());

const NEW_INSTANCE = "i-0fedcba9876543210";
let objects: Map<string, string>;
let clock: number;

function reads(): string[] {
  return s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key!);
}

function source(): ManifestSource {
  return new ManifestSource(new S3Client({}), FLEET_BUCKET, () => clock);
}

beforeEach(() => {
  s3.reset();
  clock = 0;
  objects = storeObjects(testManifest(), testMembers());
  s3.on(GetObjectCommand).callsFake(async (input) => {
    const text = objects.get(input.Key);
    if (text === undefined)
      throw new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} });
    return { Body: { transformToString: async () => text } } as never;
  });
});

describe("ManifestSource", () => {
  it("reads a persona by its digest once per container: the key names its content", async () => {
    const store = source();
    expect((await store.persona(DIGEST)).persona.name).toBe("WebBase");
    clock += 3_600_000;
    await store.persona(DIGEST);
    expect(reads()).toEqual([FLEET_STORE_KEYS.persona(DIGEST)]);
    expect(FLEET_STORE_KEYS.persona(DIGEST)).toBe(`manifest/personas/${DIGEST.slice("sha256:".length)}.json`);
  });

  it("says which digest it does not know, and what to do", async () => {
    const unknown = contentDigest({ persona: "unknown" });
    await expect(source().persona(unknown)).rejects.toThrow(
      `The fleet store ${FLEET_BUCKET} has no persona with digest ${unknown}; the alarm or instance belongs to a persona this fleet no longer deploys. Run \`pulumi up\` to bring alarms and the manifest back in step.`,
    );
  });

  it("refuses an entry whose digest is not the one its key names", async () => {
    const other = contentDigest({ persona: "other" });
    objects.set(FLEET_STORE_KEYS.persona(other), objects.get(FLEET_STORE_KEYS.persona(DIGEST))!);
    await expect(source().persona(other)).rejects.toThrow(`has no persona with digest ${other}`);
  });

  it("finds members in the stack's record, and re-reads it for an unknown instance at most every 10 s", async () => {
    const store = source();
    expect(await store.member(INSTANCE)).toEqual({ key: MEMBER_KEY, digest: DIGEST });
    expect(await store.member(NEW_INSTANCE)).toBeUndefined();
    // A deployment adds the instance: found once the retry interval has passed.
    objects.set(
      FLEET_STORE_KEYS.members,
      JSON.stringify({
        ...testMembers(),
        members: { ...testMembers().members, [NEW_INSTANCE]: { key: "web-2", digest: DIGEST } },
      }),
    );
    clock += 5_000;
    expect(await store.member(NEW_INSTANCE)).toBeUndefined();
    clock += 6_000;
    expect(await store.member(NEW_INSTANCE)).toEqual({ key: "web-2", digest: DIGEST });
    expect(reads().filter((k) => k === FLEET_STORE_KEYS.members)).toHaveLength(2);
  });

  it("refuses a membership record that is not one the components write", async () => {
    objects.set(
      FLEET_STORE_KEYS.members,
      JSON.stringify({
        version: 1,
        fleet: "web",
        members: { "not-an-instance": { key: "x", digest: DIGEST } },
      }),
    );
    await expect(source().member(INSTANCE)).rejects.toThrow(
      `The membership record s3://${FLEET_BUCKET}/members.json is not one this responder understands (members.not-an-instance: Invalid key in record); deploy responders and manifest from the same pulumi-personas version.`,
    );
  });

  it("writes a run-time persona's entry at its digest's key, readable at once", async () => {
    s3.on(PutObjectCommand).resolves({});
    const store = source();
    const persona = testManifest().personas[DIGEST]!;
    const shifted = contentDigest({ persona: "shifted" });
    await store.writePersona("web", shifted, { ...persona, name: "LockedDown" });
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: FLEET_BUCKET,
      Key: FLEET_STORE_KEYS.persona(shifted),
      ContentType: "application/json",
    });
    expect((await store.persona(shifted)).persona.name).toBe("LockedDown");
  });
});
