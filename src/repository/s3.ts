/**
 * The remote persona repository on S3. The layout is stable (the run-time responders read it) and
 * documented in docs/repository.md:
 *
 * ```
 * s3://<bucket>/<prefix><Name>/<version>.json     one object per persona version, never rewritten
 * ```
 *
 * Each object is a JSON document (`format: "pulumi-personas/persona@1"`) holding the normalised
 * persona, its digest and the source text; the digest is also in the object's metadata
 * (`x-amz-meta-persona-digest`). Reads recompute the digest and refuse a mismatch. Use a bucket
 * with versioning on, so an overwritten object can always be recovered.
 *
 * @example
 * ```ts
 * const remote = new S3PersonaRepository({ client: new S3Client({}), bucket: "acme-personas" });
 * await remote.publish(PersonaRepository.fromDirectory("personas"));
 * const entry = await remote.get("HighTraffic@^1.2"); // verified against its digest
 * const merged = await remote.resolve("HighTraffic@^1.2"); // with its Extends chain
 * ```
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { z } from "zod";
import { formatDiagnostic } from "../pdl/diagnostics.js";
import { InputTooLargeError } from "../pdl/errors.js";
import { type InputLimitOptions, inputLimit } from "../pdl/input.js";
import { Persona } from "../pdl/model.js";
import { validatePersonaText } from "../pdl/parse.js";
import { contentDigest } from "./digest.js";
import {
  DigestMismatchError,
  NoMatchingVersionError,
  PersonaNotFoundError,
  PublishedVersionConflictError,
  RemoteRepositoryError,
} from "./errors.js";
import { type PersonaReference, parseReference, pickVersion, sortVersions } from "./reference.js";
import { deepFreeze, PersonaRepository, type RepositoryEntry, type ResolvedChain } from "./repository.js";

/**
 * The `format` of a persona object; a reader refuses formats it does not know.
 * @internal
 */
export const PERSONA_OBJECT_FORMAT = "pulumi-personas/persona@1";
/**
 * The metadata key (without `x-amz-meta-`) that carries the digest.
 * @internal
 */
export const DIGEST_METADATA_KEY = "persona-digest";

/** The JSON document stored for each persona version. */
export const PersonaObject = z.strictObject({
  format: z.literal(PERSONA_OBJECT_FORMAT),
  name: z.string(),
  version: z.string(),
  /** `sha256:<hex>` of the canonical JSON of `persona`. */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** The file it was published from, for people. */
  file: z.string(),
  /** The source text as written, for people; readers use `persona`. */
  source: z.string().optional(),
  /** The normalised persona, not merged with its parents. */
  persona: z.unknown(),
});
export type PersonaObject = z.infer<typeof PersonaObject>;

/** Options of {@link S3PersonaRepository}. */
export interface S3RepositoryOptions extends InputLimitOptions {
  /** The S3 client to use (region, credentials and endpoint are its business). */
  readonly client: S3Client;
  /** The bucket; turn versioning on. */
  readonly bucket: string;
  /**
   * Key prefix under which persona objects live; ends with `/` unless empty.
   * @default "personas/"
   */
  readonly prefix?: string;
}

/** What {@link S3PersonaRepository.publish} did with one persona version. */
export interface PublishOutcome {
  /** `Name@version`. */
  readonly persona: string;
  /** Its digest. */
  readonly digest: string;
  /** `s3://bucket/key`. */
  readonly url: string;
  /** `published`: written now; `unchanged`: already there with the same digest. */
  readonly status: "published" | "unchanged";
  /** The S3 object version written, when the bucket is versioned and the object was written. */
  readonly versionId?: string;
}

/** An entry read from S3, with where it came from. */
export interface RemoteEntry extends RepositoryEntry {
  /** The S3 object version read, when the bucket is versioned. */
  readonly versionId?: string;
}

/** Bounds every listing; a prefix with more pages than this is not a persona repository. */
const MAX_PAGES = 1000;

/** A persona repository in an S3 bucket: publish, list, and read by name and range with digest checks. */
export class S3PersonaRepository {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly maxInputBytes: number;

  constructor(options: S3RepositoryOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.maxInputBytes = inputLimit(options);
    const prefix = options.prefix ?? "personas/";
    this.prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
  }

  /** The object key of a persona version: `<prefix><Name>/<version>.json`. */
  key(name: string, version: string): string {
    return `${this.prefix}${name}/${version}.json`;
  }

  /**
   * Publishes every version of a repository (or a list of entries). Versions already published
   * with the same digest are left alone; a version published with other content is refused,
   * because a version never changes.
   * @throws {@link PublishedVersionConflictError} when a version exists with another digest (nothing after it is written).
   * @throws {@link RemoteRepositoryError} when S3 fails.
   */
  async publish(source: PersonaRepository | Iterable<RepositoryEntry>): Promise<PublishOutcome[]> {
    const entries = source instanceof PersonaRepository ? source.list() : [...source];
    const outcomes: PublishOutcome[] = [];
    for (const entry of entries) outcomes.push(await this.publishOne(entry));
    return outcomes;
  }

  /** The persona names in the bucket, sorted. */
  async names(): Promise<string[]> {
    const names: string[] = [];
    await this.list(this.prefix, "/", (page) => {
      for (const common of page.CommonPrefixes ?? []) {
        const name = common.Prefix?.slice(this.prefix.length, -1);
        if (name) names.push(name);
      }
    });
    return names.sort();
  }

  /** The published versions of a persona, ascending; empty when there are none. */
  async versions(name: string): Promise<string[]> {
    const versions: string[] = [];
    const prefix = `${this.prefix}${name}/`;
    await this.list(prefix, undefined, (page) => {
      for (const object of page.Contents ?? []) {
        const version = object.Key?.slice(prefix.length).replace(/\.json$/, "");
        if (version && object.Key?.endsWith(".json") && !version.includes("/")) versions.push(version);
      }
    });
    return sortVersions(versions.filter((v) => pickVersion([v], ">=0.0.0-0") !== undefined));
  }

  /**
   * Reads the highest published version a reference admits, verifying its digest.
   * @param options.expectedDigest - also require this digest (e.g. one pinned in a deployment).
   * @throws {@link PersonaNotFoundError} / {@link NoMatchingVersionError} when there is nothing to read.
   * @throws {@link DigestMismatchError} when the content does not match its digest or the expected one.
   * @throws {@link RemoteRepositoryError} when S3 fails or the object is not a persona document.
   */
  async get(
    reference: string | PersonaReference,
    options: { expectedDigest?: string } = {},
  ): Promise<RemoteEntry> {
    const ref = typeof reference === "string" ? parseReference(reference) : reference;
    const versions = await this.versions(ref.name);
    if (versions.length === 0) {
      throw new PersonaNotFoundError(
        ref.name,
        `s3://${this.bucket}/${this.prefix} has no persona '${ref.name}'; publish it with 'personas publish <dir> --bucket ${this.bucket}'.`,
      );
    }
    const version = pickVersion(versions, ref.range);
    if (version === undefined) {
      throw new NoMatchingVersionError(
        ref.name,
        ref.range,
        versions,
        `s3://${this.bucket}/${this.prefix} has no version of '${ref.name}' matching '${ref.range}'; it has ${versions.join(", ")}. Change the range or publish a matching version.`,
      );
    }
    const entry = await this.read(ref.name, version);
    if (options.expectedDigest !== undefined && options.expectedDigest !== entry.digest) {
      throw new DigestMismatchError(
        options.expectedDigest,
        entry.digest,
        `${entry.file} has digest ${entry.digest}, not the expected ${options.expectedDigest}; the persona was changed or a different version was chosen.`,
      );
    }
    return entry;
  }

  /**
   * Reads a persona and its `Extends` chain and merges them, like {@link PersonaRepository.resolve}.
   * @throws the errors of {@link S3PersonaRepository.get}, and {@link ExtendsChainError} for a cycle or a missing parent.
   */
  async resolve(reference: string | PersonaReference): Promise<ResolvedChain> {
    const ref = typeof reference === "string" ? parseReference(reference) : reference;
    const entries: RemoteEntry[] = [];
    const seen = new Set<string>();
    let next: PersonaReference | undefined = ref;
    // A chain longer than the personas it could visit loops; the repository reports the cycle.
    for (let depth = 0; next !== undefined && depth < 64; depth++) {
      let entry: RemoteEntry;
      try {
        entry = await this.get(next);
      } catch (error) {
        if (
          depth === 0 ||
          !(error instanceof PersonaNotFoundError || error instanceof NoMatchingVersionError)
        )
          throw error;
        break; // the local resolution below names the chain
      }
      const key = `${entry.name}@${entry.version}`;
      if (seen.has(key)) break;
      seen.add(key);
      entries.push(entry);
      next = entry.persona.extends === undefined ? undefined : parseReference(entry.persona.extends);
    }
    return new PersonaRepository(entries).resolve({ name: ref.name, range: entries[0]!.version });
  }

  /** Reads every published persona version into a local repository. */
  async load(): Promise<PersonaRepository> {
    const entries: RemoteEntry[] = [];
    for (const name of await this.names()) {
      for (const version of await this.versions(name)) entries.push(await this.read(name, version));
    }
    return new PersonaRepository(entries);
  }

  private async publishOne(entry: RepositoryEntry): Promise<PublishOutcome> {
    const key = this.key(entry.name, entry.version);
    const url = `s3://${this.bucket}/${key}`;
    const persona = `${entry.name}@${entry.version}`;
    const existing = await this.headDigest(key);
    if (existing !== undefined) {
      if (existing === entry.digest) return { persona, digest: entry.digest, url, status: "unchanged" };
      throw new PublishedVersionConflictError(
        persona,
        `${persona} is already published at ${url} with digest ${existing}, but ${entry.file} has ${entry.digest}; a published version never changes, so raise the Version in ${entry.file}.`,
      );
    }
    const document: PersonaObject = {
      format: PERSONA_OBJECT_FORMAT,
      name: entry.name,
      version: entry.version,
      digest: entry.digest,
      file: entry.file,
      ...(entry.source === undefined ? {} : { source: entry.source }),
      persona: entry.persona,
    };
    try {
      const output = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: `${JSON.stringify(document, null, 2)}\n`,
          ContentType: "application/json",
          Metadata: { [DIGEST_METADATA_KEY]: entry.digest },
          // Two publishers racing for one version: the second fails instead of overwriting.
          IfNoneMatch: "*",
        }),
      );
      return {
        persona,
        digest: entry.digest,
        url,
        status: "published",
        ...(output.VersionId ? { versionId: output.VersionId } : {}),
      };
    } catch (error) {
      throw new RemoteRepositoryError(`Cannot publish ${persona} to ${url}: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  private async headDigest(key: string): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.Metadata?.[DIGEST_METADATA_KEY] ?? "(no digest)";
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (error as Error).name === "NotFound") return undefined;
      throw new RemoteRepositoryError(`Cannot read s3://${this.bucket}/${key}: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  private async read(name: string, version: string): Promise<RemoteEntry> {
    const key = this.key(name, version);
    const url = `s3://${this.bucket}/${key}`;
    let text: string;
    let metadataDigest: string | undefined;
    let versionId: string | undefined;
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = await readObjectText(output, url, this.maxInputBytes);
      metadataDigest = output.Metadata?.[DIGEST_METADATA_KEY];
      versionId = output.VersionId;
    } catch (error) {
      if (error instanceof InputTooLargeError) throw error;
      throw new RemoteRepositoryError(`Cannot read ${url}: ${describe(error)}`, { cause: error });
    }
    let document: PersonaObject;
    let persona: Persona;
    try {
      document = PersonaObject.parse(JSON.parse(text));
      persona = Persona.parse(document.persona);
    } catch (error) {
      throw new RemoteRepositoryError(
        `${url} is not a ${PERSONA_OBJECT_FORMAT} document: ${describe(error)}. Re-publish it with 'personas publish'.`,
        { cause: error },
      );
    }
    const actual = contentDigest(persona);
    for (const [what, claimed] of [
      ["its document", document.digest],
      ["its metadata", metadataDigest],
    ] as const) {
      if (claimed !== actual) {
        throw new DigestMismatchError(
          claimed ?? "(none)",
          actual,
          `${url}: the persona's digest is ${actual}, but ${what} says ${claimed ?? "nothing"}; the object was changed after it was published. Restore the published object version, or publish the change as a new Version.`,
        );
      }
    }
    this.validateSource(url, document, actual);
    if (persona.name !== name || persona.version !== version) {
      throw new RemoteRepositoryError(
        `${url} holds ${persona.name}@${persona.version ?? "(no version)"}, not ${name}@${version}; the object is misplaced. Re-publish it with 'personas publish'.`,
      );
    }
    return Object.freeze({
      name,
      version,
      persona: deepFreeze(persona),
      digest: actual,
      file: url,
      ...(document.source === undefined ? {} : { source: document.source }),
      ...(versionId === undefined ? {} : { versionId }),
    });
  }

  /**
   * Full PDL validation of an object read: its source text must parse and validate like a file, and
   * normalise to exactly the persona (and digest) the object carries. The digest alone proves the
   * object is consistent, not that a publisher ran the validator: anyone who can write the bucket can
   * compute a matching digest for any JSON (issue 13, finding 9).
   */
  private validateSource(url: string, document: PersonaObject, digest: string): void {
    if (document.source === undefined) {
      throw new RemoteRepositoryError(
        `${url} carries no source text, so it cannot be validated as PDL; re-publish it with 'personas publish'.`,
      );
    }
    const outcome = validatePersonaText(document.source, {
      file: url,
      name: document.name,
      maxInputBytes: this.maxInputBytes,
    });
    if (!outcome.valid || outcome.persona === undefined) {
      const errors = outcome.diagnostics.filter((d) => d.severity === "error");
      throw new RemoteRepositoryError(
        `${url} does not validate as PDL (${errors.length} error${errors.length === 1 ? "" : "s"}): ${errors
          .slice(0, 5)
          .map((d) => formatDiagnostic(d))
          .join("; ")}. Fix the persona and publish it as a new Version.`,
      );
    }
    const validated = contentDigest(outcome.persona);
    if (validated !== digest) {
      throw new DigestMismatchError(
        validated,
        digest,
        `${url}: its source text validates to a persona with digest ${validated}, but the object carries ${digest}; the persona was not produced by the validator from its source. Re-publish it with 'personas publish'.`,
      );
    }
  }

  private async list(
    prefix: string,
    delimiter: string | undefined,
    visit: (page: ListObjectsV2CommandOutput) => void,
  ): Promise<void> {
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let output: ListObjectsV2CommandOutput;
      try {
        output = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
      } catch (error) {
        throw new RemoteRepositoryError(`Cannot list s3://${this.bucket}/${prefix}: ${describe(error)}`, {
          cause: error,
        });
      }
      visit(output);
      if (!output.IsTruncated || !output.NextContinuationToken) return;
      token = output.NextContinuationToken;
    }
    throw new RemoteRepositoryError(
      `s3://${this.bucket}/${prefix} has more than ${MAX_PAGES} pages of objects.`,
    );
  }
}

/** What {@link readObjectText} needs of a GetObject output. */
export interface ObjectBody {
  readonly ContentLength?: number | undefined;
  readonly Body?: unknown;
}

/**
 * The UTF-8 text of a GetObject output, read only up to `limit` bytes: an object whose
 * `ContentLength` is above it is refused before its body is read, and a body that turns out longer
 * (no or a wrong length) is abandoned as soon as it passes the cap, so a bucket writer cannot make a
 * reader buffer or parse an arbitrarily large object (issue 13, finding 7).
 * @throws {@link InputTooLargeError} above the cap.
 * @example
 * const text = await readObjectText(await s3.send(new GetObjectCommand({ Bucket, Key })), url, 1_048_576);
 */
export async function readObjectText(output: ObjectBody, url: string, limit: number): Promise<string> {
  const body = output.Body as
    | (AsyncIterable<Uint8Array> & { destroy?: () => void })
    | { transformToByteArray?: () => Promise<Uint8Array> }
    | undefined;
  if (output.ContentLength !== undefined && output.ContentLength > limit) {
    (body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new InputTooLargeError(url, output.ContentLength, limit);
  }
  if (body === undefined || body === null) return "";
  const chunks: Uint8Array[] = [];
  let read = 0;
  if (Symbol.asyncIterator in body) {
    for await (const chunk of body) {
      read += chunk.byteLength;
      if (read > limit) {
        body.destroy?.();
        throw new InputTooLargeError(url, limit, limit, { atLeast: true });
      }
      chunks.push(chunk);
    }
  } else if (typeof body.transformToByteArray === "function") {
    const bytes = await body.transformToByteArray();
    if (bytes.byteLength > limit) throw new InputTooLargeError(url, bytes.byteLength, limit);
    chunks.push(bytes);
    read = bytes.byteLength;
  }
  return Buffer.concat(chunks, read).toString("utf8");
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError)
    return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
