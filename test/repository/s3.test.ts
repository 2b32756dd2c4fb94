import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { beforeEach, describe, expect, it } from "vitest";
import { runAsync } from "../../src/cli/main.js";
import { publishCommand } from "../../src/cli/publish.js";
import { InputTooLargeError } from "../../src/pdl/errors.js";
import type { Persona } from "../../src/pdl/model.js";
import { contentDigest } from "../../src/repository/digest.js";
import {
  DigestMismatchError,
  NoMatchingVersionError,
  PersonaNotFoundError,
  PublishedVersionConflictError,
} from "../../src/repository/errors.js";
import { PersonaRepository } from "../../src/repository/repository.js";
import { S3PersonaRepository } from "../../src/repository/s3.js";
import { motoClientConfig, noMoto, resetMoto } from "../support/moto.js";

const BUCKET = "acme-personas";

function persona(name: string, version: string, cpu: number, extra = ""): string {
  return `Name: ${name}\nVersion: "${version}"\n${extra}BaseConfiguration:\n  CPU: ${cpu} cores\n`;
}

describe.skipIf(noMoto)("S3PersonaRepository (against moto)", () => {
  let client: S3Client;
  let remote: S3PersonaRepository;

  beforeEach(async () => {
    await resetMoto();
    client = new S3Client(motoClientConfig());
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: "Enabled" } }),
    );
    remote = new S3PersonaRepository({ client, bucket: BUCKET });
  });

  it("round-trips the embedded personas: publish, list, read by range, same digests and merged chain", async () => {
    // Prepare
    const local = PersonaRepository.fromDirectory("personas");

    // Act
    const outcomes = await remote.publish(local);
    const names = await remote.names();
    const webBaseVersions = await remote.versions("WebBase");
    const entry = await remote.get("HighTraffic@^1.2");
    const merged = await remote.resolve("HighTraffic@^1.2");

    // Assess
    expect(outcomes.map((o) => [o.persona, o.status, o.url])).toEqual([
      ["ApiServer@2.0.0", "published", "s3://acme-personas/personas/ApiServer/2.0.0.json"],
      ["BatchWorker@1.0.0", "published", "s3://acme-personas/personas/BatchWorker/1.0.0.json"],
      ["HighTraffic@1.2.0", "published", "s3://acme-personas/personas/HighTraffic/1.2.0.json"],
      ["HighTraffic@1.3.0", "published", "s3://acme-personas/personas/HighTraffic/1.3.0.json"],
      ["LockedDown@1.0.0", "published", "s3://acme-personas/personas/LockedDown/1.0.0.json"],
      ["WebBase@1.0.0", "published", "s3://acme-personas/personas/WebBase/1.0.0.json"],
      ["WebBase@1.1.0", "published", "s3://acme-personas/personas/WebBase/1.1.0.json"],
    ]);
    expect(outcomes.every((o) => typeof o.versionId === "string" && o.versionId.length > 0)).toBe(true);
    expect(names).toEqual(["ApiServer", "BatchWorker", "HighTraffic", "LockedDown", "WebBase"]);
    expect(webBaseVersions).toEqual(["1.0.0", "1.1.0"]);
    expect(entry.version).toBe("1.3.0");
    expect(entry.digest).toBe(local.get("HighTraffic@1.3.0").digest);
    expect(entry.persona).toEqual(local.get("HighTraffic@1.3.0").persona);
    expect(entry.source).toBe(local.get("HighTraffic@1.3.0").source);
    expect(entry.file).toBe("s3://acme-personas/personas/HighTraffic/1.3.0.json");
    expect(merged.chain.map((e) => `${e.name}@${e.version}`)).toEqual(["HighTraffic@1.3.0", "WebBase@1.1.0"]);
    expect(merged.digest).toBe(local.resolve("HighTraffic@^1.2").digest);
    expect(merged.persona).toEqual(local.resolve("HighTraffic@^1.2").persona);
  });

  it("stores the documented object layout: JSON document, digest in the metadata", async () => {
    // Prepare
    const local = PersonaRepository.fromSources([{ file: "Tiny.yaml", text: persona("Tiny", "1.0.0", 2) }]);

    // Act
    await remote.publish(local);
    const object = await client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: "personas/Tiny/1.0.0.json" }),
    );
    const document = JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;

    // Assess
    const digest = local.get("Tiny").digest;
    expect(object.ContentType).toBe("application/json");
    expect(object.Metadata).toEqual({ "persona-digest": digest });
    expect(document).toEqual({
      format: "pulumi-personas/persona@1",
      name: "Tiny",
      version: "1.0.0",
      digest,
      file: "Tiny.yaml",
      source: persona("Tiny", "1.0.0", 2),
      persona: {
        name: "Tiny",
        version: "1.0.0",
        base: { cpu: 2 },
        software: [],
        features: [],
        triggers: [],
        sources: [],
        responses: [],
        bounds: {},
      },
    });
  });

  it("publishes again without writing what is already there, and refuses to change a published version", async () => {
    // Prepare
    await remote.publish(
      PersonaRepository.fromSources([{ file: "a/Tiny.yaml", text: persona("Tiny", "1.0.0", 2) }]),
    );

    // Act
    const again = await remote.publish(
      PersonaRepository.fromSources([
        { file: "b/Tiny.yaml", text: `# reformatted\n${persona("Tiny", "1.0.0", 2)}` },
      ]),
    );
    const changed = remote.publish(
      PersonaRepository.fromSources([{ file: "c/Tiny.yaml", text: persona("Tiny", "1.0.0", 4) }]),
    );

    // Assess
    expect(again.map((o) => o.status)).toEqual(["unchanged"]);
    await expect(changed).rejects.toBeInstanceOf(PublishedVersionConflictError);
    await expect(changed).rejects.toThrow(
      /^Tiny@1\.0\.0 is already published at s3:\/\/acme-personas\/personas\/Tiny\/1\.0\.0\.json with digest sha256:[0-9a-f]{64}, but c\/Tiny\.yaml has sha256:[0-9a-f]{64}; a published version never changes, so raise the Version in c\/Tiny\.yaml\.$/,
    );
  });

  it("refuses an object whose persona was edited after publishing", async () => {
    // Prepare
    await remote.publish(
      PersonaRepository.fromSources([{ file: "Tiny.yaml", text: persona("Tiny", "1.0.0", 2) }]),
    );
    const key = "personas/Tiny/1.0.0.json";
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const document = JSON.parse(await object.Body!.transformToString()) as {
      persona: { base: { cpu: number } };
    };
    document.persona.base.cpu = 64;
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: JSON.stringify(document),
        Metadata: object.Metadata,
      }),
    );

    // Act
    const read = remote.get("Tiny");

    // Assess
    await expect(read).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(read).rejects.toThrow(
      /^s3:\/\/acme-personas\/personas\/Tiny\/1\.0\.0\.json: the persona's digest is sha256:[0-9a-f]{64}, but its document says sha256:[0-9a-f]{64}; the object was changed after it was published\. Restore the published object version, or publish the change as a new Version\.$/,
    );
  });

  it("refuses a persona object above the input cap by its ContentLength (issue 13, finding 7)", async () => {
    // Prepare: a bucket writer puts a 2 MB object where a persona version belongs.
    const key = "personas/Big/1.0.0.json";
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `[${"[],".repeat(700_000)}[]]` }),
    );

    // Act
    const read = remote.get("Big");

    // Assess
    await expect(read).rejects.toBeInstanceOf(InputTooLargeError);
    await expect(read).rejects.toThrow(
      `s3://${BUCKET}/${key} is 2100004 bytes, above the 1048576-byte limit on persona and mapping inputs; nothing was parsed. Make it smaller, or raise the limit (maxInputBytes, or PERSONAS_MAX_INPUT_BYTES for the personas command).`,
    );
    await expect(
      new S3PersonaRepository({ client, bucket: BUCKET, maxInputBytes: 100 }).get("Big"),
    ).rejects.toThrow(/is 2100004 bytes, above the 100-byte limit/);
  });

  it("refuses an object whose digests were recomputed after editing: its source must validate to the same persona (issue 13, finding 9)", async () => {
    // Prepare: a bucket writer edits the persona and recomputes both digests, so they match.
    await remote.publish(
      PersonaRepository.fromSources([{ file: "Tiny.yaml", text: persona("Tiny", "1.0.0", 2) }]),
    );
    const key = "personas/Tiny/1.0.0.json";
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const document = JSON.parse(await object.Body!.transformToString()) as {
      digest: string;
      persona: { base: { cpu: number } };
    };
    document.persona.base.cpu = 64;
    document.digest = contentDigest(document.persona as unknown as Persona);
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: JSON.stringify(document),
        Metadata: { "persona-digest": document.digest },
      }),
    );

    // Act
    const read = remote.get("Tiny");

    // Assess
    await expect(read).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(read).rejects.toThrow(
      new RegExp(
        `^s3://acme-personas/personas/Tiny/1\\.0\\.0\\.json: its source text validates to a persona with digest sha256:[0-9a-f]{64}, but the object carries ${document.digest}; the persona was not produced by the validator from its source\\. Re-publish it with 'personas publish'\\.$`,
      ),
    );
  });

  it("refuses an object without source text or whose source fails PDL validation", async () => {
    // Prepare
    await remote.publish(
      PersonaRepository.fromSources([
        { file: "Tiny.yaml", text: persona("Tiny", "1.0.0", 2) },
        { file: "Bad.yaml", text: persona("Bad", "1.0.0", 2) },
      ]),
    );
    for (const [name, change] of [
      ["Tiny", (d: Record<string, unknown>) => delete d.source],
      ["Bad", (d: Record<string, unknown>) => (d.source = `${d.source}Bogus: 1\n`)],
    ] as const) {
      const key = `personas/${name}/1.0.0.json`;
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const document = JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
      change(document);
      await client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: key,
          Body: JSON.stringify(document),
          Metadata: object.Metadata,
        }),
      );
    }

    // Act / Assess
    await expect(remote.get("Tiny")).rejects.toThrow(
      "s3://acme-personas/personas/Tiny/1.0.0.json carries no source text, so it cannot be validated as PDL; re-publish it with 'personas publish'.",
    );
    await expect(remote.get("Bad")).rejects.toThrow(
      /^s3:\/\/acme-personas\/personas\/Bad\/1\.0\.0\.json does not validate as PDL \(1 error\): .*Bogus.*\. Fix the persona and publish it as a new Version\.$/s,
    );
  });

  it("checks a pinned digest on read", async () => {
    // Prepare
    await remote.publish(
      PersonaRepository.fromSources([{ file: "Tiny.yaml", text: persona("Tiny", "1.0.0", 2) }]),
    );
    // A well-formed digest of other content: what a pin looks like after the object changed.
    const pinned = contentDigest({ other: "content" });

    // Act
    const read = remote.get("Tiny@1.0.0", { expectedDigest: pinned });

    // Assess
    await expect(read).rejects.toThrow(
      new RegExp(
        `^s3://acme-personas/personas/Tiny/1\\.0\\.0\\.json has digest sha256:[0-9a-f]{64}, not the expected ${pinned}; the persona was changed or a different version was chosen\\.$`,
      ),
    );
  });

  it("names what is missing: an unknown persona, a range nothing matches", async () => {
    // Prepare
    await remote.publish(
      PersonaRepository.fromSources([
        { file: "1.yaml", text: persona("Tiny", "1.0.0", 2) },
        { file: "2.yaml", text: persona("Tiny", "1.4.0", 2) },
      ]),
    );

    // Act: catch at once, so neither rejection is ever unhandled while the other is awaited
    const unknown = await remote.get("Huge").catch((error: unknown) => error);
    const outOfRange = await remote.get("Tiny@^2").catch((error: unknown) => error);

    // Assess
    expect(unknown).toBeInstanceOf(PersonaNotFoundError);
    expect((unknown as Error).message).toBe(
      "s3://acme-personas/personas/ has no persona 'Huge'; publish it with 'personas publish <dir> --bucket acme-personas'.",
    );
    expect(outOfRange).toBeInstanceOf(NoMatchingVersionError);
    expect((outOfRange as Error).message).toBe(
      "s3://acme-personas/personas/ has no version of 'Tiny' matching '^2'; it has 1.0.0, 1.4.0. Change the range or publish a matching version.",
    );
  });

  it("reads a persona whose parent is missing from the bucket as an Extends error naming the chain", async () => {
    // Prepare
    await remote.publish(
      PersonaRepository.fromSources([
        { file: "Child.yaml", text: persona("Child", "1.0.0", 2, "Extends: Parent@^1\n") },
      ]),
    );

    // Act
    const read = remote.resolve("Child");

    // Assess
    await expect(read).rejects.toThrow(
      "Child@1.0.0 (s3://acme-personas/personas/Child/1.0.0.json) extends 'Parent@^1', which cannot be found: The repository has no persona 'Parent'; it has Child. Chain: Child@1.0.0 → Parent@^1.",
    );
  });

  it("personas publish prints what it wrote, then leaves unchanged versions alone", async () => {
    // Act
    const first = await publishCommand({ dir: "personas", bucket: BUCKET, client });
    const second = await publishCommand({ dir: "personas", bucket: BUCKET, prefix: "personas", client });

    // Assess
    expect(first.exitCode).toBe(0);
    expect(first.stdout.split("\n")[0]).toMatch(
      /^published ApiServer@2\.0\.0 sha256:[0-9a-f]{64} → s3:\/\/acme-personas\/personas\/ApiServer\/2\.0\.0\.json \(version \S+\)$/,
    );
    expect(first.stdout.trimEnd().split("\n")).toHaveLength(7);
    expect(second.exitCode).toBe(0);
    expect(
      second.stdout
        .trimEnd()
        .split("\n")
        .map((line) => line.split(" ").slice(0, 2).join(" ")),
    ).toEqual([
      "unchanged ApiServer@2.0.0",
      "unchanged BatchWorker@1.0.0",
      "unchanged HighTraffic@1.2.0",
      "unchanged HighTraffic@1.3.0",
      "unchanged LockedDown@1.0.0",
      "unchanged WebBase@1.0.0",
      "unchanged WebBase@1.1.0",
    ]);
  });

  it("personas publish refuses a directory with a broken Extends chain and publishes nothing", async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), "personas-publish-"));
    writeFileSync(join(dir, "Child.yaml"), persona("Child", "1.0.0", 2, "Extends: Missing@^1\n"));

    // Act
    const result = await publishCommand({ dir, bucket: BUCKET, client });

    // Assess
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `personas publish: Child@1.0.0 (${join(dir, "Child.yaml")}) extends 'Missing@^1', which cannot be found: The repository has no persona 'Missing'; it has Child. Chain: Child@1.0.0 → Missing@^1.\nnothing was published\n`,
    );
    expect(await remote.names()).toEqual([]);
  });

  it("personas publish needs a directory and a bucket (exit 2)", async () => {
    const result = await runAsync(["publish", "personas"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      "personas publish: needs one persona directory and --bucket <bucket> (see 'personas publish --help')\n",
    );
  });
});
