/**
 * The fleet store as the responders and the orchestrator see it: the S3 bucket the stack creates
 * (FLEET_BUCKET), holding the manifest one object per persona digest and per feed, and the
 * membership record. Every object is validated with the plan's zod schema on read.
 *
 * Caching: a persona entry is named by its digest, so its content never changes and it is kept for
 * the container's life. Feed entries and the membership record change with deployments: they are
 * kept for {@link STORE_TTL_MS}, and the membership record is read again at most once per
 * {@link MEMBERS_RETRY_MS} when an instance is not in the cached copy (a deployment added it).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type * as z from "zod/mini";
import {
  type FeedEnforcement,
  FeedEntry,
  FLEET_STORE_KEYS,
  FleetManifest,
  type FleetMemberRecord,
  FleetMembers,
  MANIFEST_VERSION,
  PersonaEntry,
} from "../../plan/manifest.js";
import { ManifestError } from "./errors.js";

type ManifestPersona = FleetManifest["personas"][string];

/** How long feed entries and the membership record are trusted before they are read again. */
export const STORE_TTL_MS = 60_000;
/** Least time between two reads of the membership record caused by an unknown instance. */
export const MEMBERS_RETRY_MS = 10_000;
/** Persona entries kept at most (a fleet has a handful; a flood of forged digests must not grow memory). */
const MAX_PERSONAS = 256;

interface Timed<T> {
  value: T;
  at: number;
}

/** Reads and caches the fleet store. */
export class ManifestSource {
  private readonly personas = new Map<string, ManifestPersona>();
  private readonly feeds = new Map<string, Timed<FeedEntry>>();
  private membersCache: Timed<FleetMembers> | undefined;
  private reads = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many objects were read (for logs and tests). */
  get readCount(): number {
    return this.reads;
  }

  /** The persona with `digest`: the stack's entry or the orchestrator's, both at the same key. */
  async persona(digest: string): Promise<{ persona: ManifestPersona }> {
    const cached = this.personas.get(digest);
    if (cached !== undefined) return { persona: cached };
    const entry = await this.read(FLEET_STORE_KEYS.persona(digest), PersonaEntry, "persona entry");
    if (entry === undefined || entry.digest !== digest) {
      throw new ManifestError(
        `The fleet store ${this.bucket} has no persona with digest ${digest}; the alarm or instance belongs to a persona this fleet no longer deploys. Run \`pulumi up\` to bring alarms and the manifest back in step.`,
      );
    }
    if (this.personas.size >= MAX_PERSONAS) this.personas.clear();
    this.personas.set(digest, entry.persona);
    return { persona: entry.persona };
  }

  /** The feed with `feedId`. */
  async feed(feedId: string): Promise<FeedEntry["feed"]> {
    return (await this.feedEntry(feedId)).feed;
  }

  /** Where the list of feed `feedId` is enforced (WAF IP sets or network ACL rules), when it is a list feed. */
  async enforcement(feedId: string): Promise<FeedEnforcement | undefined> {
    return (await this.feedEntry(feedId)).enforcement;
  }

  /** The feed's store entry. */
  async feedEntry(feedId: string): Promise<FeedEntry> {
    const cached = this.feeds.get(feedId);
    if (cached !== undefined && this.now() - cached.at < STORE_TTL_MS) return cached.value;
    const entry = await this.read(FLEET_STORE_KEYS.feed(feedId), FeedEntry, "feed entry");
    if (entry === undefined || entry.feedId !== feedId) {
      throw new ManifestError(
        `The fleet store ${this.bucket} has no feed '${feedId}'; the schedule belongs to a feed this fleet no longer deploys. Run \`pulumi up\`.`,
      );
    }
    this.feeds.set(feedId, { value: entry, at: this.now() });
    return entry;
  }

  /** The membership record, read again once it is older than {@link STORE_TTL_MS}. */
  async members(): Promise<FleetMembers> {
    const cached = this.membersCache;
    if (cached !== undefined && this.now() - cached.at < STORE_TTL_MS) return cached.value;
    return this.loadMembers();
  }

  /**
   * The member record of `instanceId`, or undefined when the stack did not make it a member. An
   * unknown instance reads the record again (at most once per {@link MEMBERS_RETRY_MS}).
   */
  async member(instanceId: string): Promise<FleetMemberRecord | undefined> {
    const members = await this.members();
    const found = members.members[instanceId];
    if (found !== undefined) return found;
    if (this.membersCache !== undefined && this.now() - this.membersCache.at < MEMBERS_RETRY_MS)
      return undefined;
    return (await this.loadMembers()).members[instanceId];
  }

  /**
   * The whole manifest the stack wrote (`FLEET_STORE_KEYS.fleet`), read each time; undefined when
   * the stack wrote none. The orchestrator pins the digests the stack deployed with it.
   */
  async fleetManifest(): Promise<FleetManifest | undefined> {
    return this.read(FLEET_STORE_KEYS.fleet, FleetManifest, "fleet manifest");
  }

  /** Where the whole manifest lives, for messages. */
  get fleetManifestLocation(): string {
    return `s3://${this.bucket}/${FLEET_STORE_KEYS.fleet}`;
  }

  /**
   * Writes a persona's entry (the orchestrator, for a persona the stack does not deploy). The key is
   * the digest, so writing an entry the stack wrote changes nothing.
   */
  async writePersona(fleet: string, digest: string, persona: ManifestPersona): Promise<void> {
    const entry: PersonaEntry = { version: MANIFEST_VERSION, fleet, digest, persona };
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: FLEET_STORE_KEYS.persona(digest),
        Body: JSON.stringify(entry),
        ContentType: "application/json",
      }),
    );
    this.personas.set(digest, persona);
  }

  private async loadMembers(): Promise<FleetMembers> {
    const record = await this.read(FLEET_STORE_KEYS.members, FleetMembers, "membership record");
    if (record === undefined) {
      throw new ManifestError(
        `The fleet store ${this.bucket} has no membership record (${FLEET_STORE_KEYS.members}); nothing is done for any instance until \`pulumi up\` writes it.`,
      );
    }
    this.membersCache = { value: record, at: this.now() };
    return record;
  }

  /** Reads and validates one object; undefined when there is no such key. */
  private async read<T>(key: string, schema: z.ZodMiniType<T>, what: string): Promise<T | undefined> {
    this.reads++;
    let text: string;
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = (await result.Body?.transformToString("utf8")) ?? "";
    } catch (error) {
      if ((error as { name?: string }).name === "NoSuchKey") return undefined;
      throw new ManifestError(
        `Could not read the ${what} s3://${this.bucket}/${key}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ManifestError(`s3://${this.bucket}/${key} does not hold JSON; expected the ${what}.`, {
        cause: error,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
      throw new ManifestError(
        `The ${what} s3://${this.bucket}/${key} is not one this responder understands (${problems.join("; ")}); deploy responders and manifest from the same pulumi-personas version.`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }
}
