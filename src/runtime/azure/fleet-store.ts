/**
 * The fleet store as the Azure runtime sees it: the manifest container of the fleet's storage
 * account, with the same keys as the AWS fleet store (`FLEET_STORE_KEYS`: one blob per persona
 * digest and per feed) and the Azure membership record (`members.json`, VM resource ids). Every
 * blob is validated with its zod schema on read. Persona entries are named by their digest and kept
 * for the instance's life; feed entries and the membership record for {@link STORE_TTL_MS}, and an
 * unknown VM reads the record again at most once per {@link MEMBERS_RETRY_MS}.
 */
import type * as z from "zod/mini";
import {
  FeedEntry,
  FLEET_STORE_KEYS,
  FleetManifest,
  type FleetMemberRecord,
  PersonaEntry,
} from "../../plan/manifest.js";
import { AzureFleetMembers, memberIdOf } from "./contract.js";
import { ManifestError } from "./errors.js";
import type { StorageRestClient } from "./storage-rest.js";

/** A persona as the manifest holds it. */
export type ManifestPersona = FleetManifest["personas"][string];

export const STORE_TTL_MS = 60_000;
export const MEMBERS_RETRY_MS = 10_000;
/** Persona entries kept at most: a flood of forged digests must not grow memory. */
const MAX_PERSONAS = 256;
/** The largest blob read (a manifest entry is a few kB; the record of 1,000 VMs about 300 kB). */
const MAX_BLOB_BYTES = 4 * 1024 * 1024;

/** Reads and caches the manifest container. */
export class AzureFleetStore {
  private readonly personas = new Map<string, ManifestPersona>();
  private readonly feeds = new Map<string, { value: FeedEntry; at: number }>();
  private membersCache: { value: AzureFleetMembers; at: number } | undefined;
  /** Blobs read (for logs and tests). */
  reads = 0;

  constructor(
    private readonly storage: StorageRestClient,
    private readonly container: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The persona with `digest`. @throws {ManifestError} when the store has none. */
  async persona(digest: string): Promise<ManifestPersona> {
    const cached = this.personas.get(digest);
    if (cached !== undefined) return cached;
    const entry = await this.read(FLEET_STORE_KEYS.persona(digest), PersonaEntry, "persona entry");
    if (entry === undefined || entry.digest !== digest) {
      throw new ManifestError(
        `The fleet store ${this.container} has no persona with digest ${digest}; the alert belongs to a persona this fleet no longer deploys. Run \`pulumi up\` to bring alerts and the manifest back in step.`,
      );
    }
    if (this.personas.size >= MAX_PERSONAS) this.personas.clear();
    this.personas.set(digest, entry.persona);
    return entry.persona;
  }

  /** The feed's store entry. @throws {ManifestError} when the store has none. */
  async feedEntry(feedId: string): Promise<FeedEntry> {
    const cached = this.feeds.get(feedId);
    if (cached !== undefined && this.now() - cached.at < STORE_TTL_MS) return cached.value;
    const entry = await this.read(FLEET_STORE_KEYS.feed(feedId), FeedEntry, "feed entry");
    if (entry === undefined || entry.feedId !== feedId) {
      throw new ManifestError(
        `The fleet store ${this.container} has no feed '${feedId}'; the timer belongs to a feed this fleet no longer deploys. Run \`pulumi up\`.`,
      );
    }
    this.feeds.set(feedId, { value: entry, at: this.now() });
    return entry;
  }

  /** The whole manifest the stack wrote (`manifest/fleet.json`), read each time; undefined when there is none. */
  async fleetManifest(): Promise<FleetManifest | undefined> {
    return this.read(FLEET_STORE_KEYS.fleet, FleetManifest, "fleet manifest");
  }

  /** The membership record. */
  async members(): Promise<AzureFleetMembers> {
    const cached = this.membersCache;
    if (cached !== undefined && this.now() - cached.at < STORE_TTL_MS) return cached.value;
    return this.loadMembers();
  }

  /** The member record of a VM (any case of its resource id), or undefined when the stack did not make it a member. */
  async member(vmId: string): Promise<FleetMemberRecord | undefined> {
    const key = memberIdOf(vmId);
    const found = (await this.members()).members[key];
    if (found !== undefined) return found;
    if (this.membersCache !== undefined && this.now() - this.membersCache.at < MEMBERS_RETRY_MS)
      return undefined;
    return (await this.loadMembers()).members[key];
  }

  private async loadMembers(): Promise<AzureFleetMembers> {
    const record = await this.read(FLEET_STORE_KEYS.members, AzureFleetMembers, "membership record");
    if (record === undefined) {
      throw new ManifestError(
        `The fleet store ${this.container} has no membership record (${FLEET_STORE_KEYS.members}); nothing is done for any VM until \`pulumi up\` writes it.`,
      );
    }
    this.membersCache = { value: record, at: this.now() };
    return record;
  }

  private async read<T>(key: string, schema: z.ZodMiniType<T>, what: string): Promise<T | undefined> {
    this.reads++;
    let text: string | undefined;
    try {
      text = await this.storage.readBlob(this.container, key, MAX_BLOB_BYTES);
    } catch (error) {
      throw new ManifestError(
        `Could not read the ${what} ${this.container}/${key}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ManifestError(`${this.container}/${key} does not hold JSON; expected the ${what}.`, {
        cause: error,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
      throw new ManifestError(
        `The ${what} ${this.container}/${key} is not one this runtime understands (${problems.join("; ")}); deploy the runtime and the manifest from the same pulumi-personas version.`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }
}
