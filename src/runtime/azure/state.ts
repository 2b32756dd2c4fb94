/**
 * The responders' state in Azure Table Storage, implementing the shared guard rails of
 * `../decide.ts` atomically, as `GuardStore` does with DynamoDB on AWS. One entity per subject (a
 * VM or a feed) and responder kind holds the handled transitions, the last run of each response, the
 * recent actions and the in-flight lock. Every change reads the entity, {@link decide}s on what it
 * read and writes with the ETag it read ("Update Entity": `If-Match`; a stale ETag answers 412) or,
 * for a new entity, inserts it ("Insert Entity": an existing one answers 409). A lost race re-reads
 * and decides again, so two concurrent invocations never both act.
 *
 * Keys: PartitionKey and RowKey may not contain `/`, `\`, `#`, `?` or control characters ("Understanding
 * the Table service data model", Microsoft Learn), and a VM's resource id is full of `/`; every key
 * goes through {@link tableKey}. Table Storage has no TTL: each entity carries `expiresAt` (ms) and
 * {@link TableStateStore.sweep} deletes the expired ones (the timer function calls it).
 */
import { createHash } from "node:crypto";
import {
  type AuditRecord,
  type BeginResult,
  beginTransition,
  finishTransition,
  type GuardKey,
  type GuardLease,
  type GuardRequest,
  pruneGuard,
  type StoredGuard,
  storedGuardOf,
} from "../decide.js";
import { StateStoreError } from "./errors.js";
import type { TableEntity, TableRest } from "./storage-rest.js";

const HOUR_MS = 3_600_000;
/** A guard entity outlives its last write by this long (cooldowns are at most a day). */
const GUARD_RETENTION_MS = 7 * 24 * HOUR_MS;
/** Audit records are kept this long. */
const AUDIT_RETENTION_MS = 90 * 24 * HOUR_MS;
/** Lost races retried before giving up. */
const MAX_RACES = 8;
/** Property values are at most 64 KiB; state JSON is kept well under (64 KiB of UTF-16). */
const MAX_STATE_CHARS = 30_000;

export type { AuditRecord, BeginResult, GuardKey, GuardLease } from "../decide.js";
/** The guard state as stored (JSON in the `state` property): AWS's shape, from `../decide.ts`. */
export type { StoredGuard };

/**
 * A PartitionKey or RowKey for any text: characters other than letters, digits, `-`, `_`, `.` and
 * `~` become `:XX` (hex of each UTF-8 byte), so `/`, `\`, `#`, `?` and control characters never
 * reach the table and two different texts never share a key. Longer than 512 characters (the
 * limit is 1 KiB), the key is `~` and the text's SHA-256.
 */
export function tableKey(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `:${byte.toString(16).padStart(2, "0").toUpperCase()}`;
  }
  return out.length <= 512 ? out : `~${createHash("sha256").update(text).digest("hex")}`;
}

/** True when `key` holds a character Table Storage refuses in keys: `/`, `\\`, `#`, `?`, U+0000–U+001F, U+007F–U+009F. */
export function hasForbiddenKeyCharacter(key: string): boolean {
  return [...key].some((char) => {
    const code = char.codePointAt(0) ?? 0;
    return "/\\#?".includes(char) || code <= 0x1f || (code >= 0x7f && code <= 0x9f);
  });
}

interface Entity {
  partitionKey: string;
  rowKey: string;
  [key: string]: unknown;
}

/** The status code of an Azure SDK RestError. */
function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/**
 * Guard rails, audit, small documents and in-flight records in one table.
 * @example
 * const store = new TableStateStore(new TableRest(storage, "PersonasState"));
 * const begun = await store.begin({ subject: vmId, kind: "scale" }, request, 900, invocationId);
 */
export class TableStateStore {
  constructor(
    private readonly table: TableRest,
    private readonly now: () => number = Date.now,
  ) {}

  /** Decides with {@link decide} and, when acting, takes the lock and marks the transition handled in one conditional write. */
  async begin(
    key: GuardKey,
    request: GuardRequest,
    lockTtlSeconds: number,
    holder: string,
  ): Promise<BeginResult> {
    return this.mutate<BeginResult>(key, request.now, (stored) => {
      const { decision, next } = beginTransition(stored, request, lockTtlSeconds, holder);
      const result: BeginResult = decision.act ? { act: true, lease: { key, holder, request } } : decision;
      return next === undefined ? { result } : { next, result };
    });
  }

  /** Releases the lock and, when `counted`, records the action for the cooldown and the circuit breaker. */
  async finish(lease: GuardLease, counted: boolean, now: number = lease.request.now): Promise<void> {
    await this.mutate(lease.key, now, (stored) => ({
      next: finishTransition(stored, lease.request, lease.holder, counted, now),
      result: undefined,
    }));
  }

  /** Reads a guard entity (for inspection and tests). */
  async read(key: GuardKey): Promise<StoredGuard> {
    return (await this.readGuard(key)).stored;
  }

  /** Writes one audit record. */
  async audit(record: AuditRecord): Promise<void> {
    await this.upsert({
      partitionKey: tableKey(`audit|${record.subject.toLowerCase()}`),
      rowKey: tableKey(`${new Date(record.at).toISOString()}|${record.kind}|${record.transitionId}`),
      kind: record.kind,
      responseId: record.responseId,
      intent: record.intent,
      transitionId: record.transitionId,
      outcome: record.outcome,
      detail: record.detail.slice(0, 4000),
      at: record.at,
      expiresAt: record.at + AUDIT_RETENTION_MS,
    });
  }

  /** The audit records of a subject, oldest first. */
  async auditOf(subject: string): Promise<AuditRecord[]> {
    const partitionKey = tableKey(`audit|${subject.toLowerCase()}`);
    const records: AuditRecord[] = [];
    for await (const entity of this.table.listEntities({
      queryOptions: { filter: `PartitionKey eq '${partitionKey}'` },
    })) {
      records.push({
        subject,
        kind: String(entity.kind),
        responseId: String(entity.responseId),
        intent: entity.intent as AuditRecord["intent"],
        transitionId: String(entity.transitionId),
        outcome: entity.outcome as AuditRecord["outcome"],
        detail: String(entity.detail),
        at: Number(entity.at),
      });
    }
    return records;
  }

  /**
   * Inserts a marker once: true the first time, false when it exists (409). The intake's
   * per-transition deduplication and anything else that must happen at most once use it.
   */
  async claimOnce(namespace: string, id: string, retentionMs: number): Promise<boolean> {
    try {
      await this.table.createEntity({
        partitionKey: tableKey(namespace),
        rowKey: tableKey(id),
        expiresAt: this.now() + retentionMs,
      });
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw new StateStoreError(
        `Could not record ${namespace} ${id} in the state table: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Reads a small JSON document, with its ETag. */
  async readDocument<T>(namespace: string, id: string): Promise<{ value: T; etag: string } | undefined> {
    const entity = await this.get(tableKey(namespace), tableKey(id));
    if (entity === undefined) return undefined;
    return { value: JSON.parse(String(entity.document)) as T, etag: entity.etag };
  }

  /**
   * Writes a small JSON document: inserted when `etag` is undefined (409 if someone else did),
   * replaced only if unchanged since `etag` was read (412 otherwise). Returns false on a lost race.
   */
  async writeDocument(
    namespace: string,
    id: string,
    value: unknown,
    etag?: string,
    retentionMs?: number,
  ): Promise<boolean> {
    const entity: Entity = {
      partitionKey: tableKey(namespace),
      rowKey: tableKey(id),
      document: JSON.stringify(value),
      updatedAt: this.now(),
      ...(retentionMs === undefined ? {} : { expiresAt: this.now() + retentionMs }),
    };
    try {
      if (etag === undefined) await this.table.createEntity(entity);
      else await this.table.updateEntity(entity, "Replace", { etag });
      return true;
    } catch (error) {
      if (statusOf(error) === 409 || statusOf(error) === 412) return false;
      throw new StateStoreError(
        `Could not write ${namespace} ${id} to the state table: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Deletes a document if unchanged since `etag` (any version when omitted); false when it changed or is gone. */
  async deleteDocument(namespace: string, id: string, etag?: string): Promise<boolean> {
    try {
      await this.table.deleteEntity(tableKey(namespace), tableKey(id), etag === undefined ? {} : { etag });
      return true;
    } catch (error) {
      if (statusOf(error) === 404 || statusOf(error) === 412) return false;
      throw new StateStoreError(
        `Could not delete ${namespace} ${id} from the state table: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Every document of a namespace (small namespaces only: the in-flight records). */
  async listDocuments<T>(namespace: string): Promise<{ id: string; value: T; etag: string }[]> {
    const partitionKey = tableKey(namespace);
    const out: { id: string; value: T; etag: string }[] = [];
    for await (const entity of this.table.listEntities({
      queryOptions: { filter: `PartitionKey eq '${partitionKey}'` },
    })) {
      out.push({
        id: untableKey(entity.rowKey),
        value: JSON.parse(String(entity.document)) as T,
        etag: entity.etag,
      });
    }
    return out;
  }

  /**
   * Deletes every entity whose `expiresAt` has passed (Table Storage has no TTL). Deletes carry the
   * ETag read, so an entity rewritten meanwhile survives. Bounded by `limit` per call.
   */
  async sweep(limit = 1000): Promise<number> {
    let deleted = 0;
    const now = this.now();
    for await (const entity of this.table.listEntities({
      queryOptions: { filter: `expiresAt lt ${now}`, select: ["PartitionKey", "RowKey"] },
    })) {
      if (deleted >= limit) break;
      try {
        await this.table.deleteEntity(entity.partitionKey, entity.rowKey, { etag: entity.etag });
        deleted++;
      } catch (error) {
        if (statusOf(error) !== 404 && statusOf(error) !== 412) throw error;
      }
    }
    return deleted;
  }

  private async mutate<T>(
    key: GuardKey,
    now: number,
    change: (stored: StoredGuard) => { next?: StoredGuard; result: T },
  ): Promise<T> {
    for (let race = 0; race < MAX_RACES; race++) {
      const { stored, etag } = await this.readGuard(key);
      const { next, result } = change(stored);
      if (next === undefined) return result;
      const state = JSON.stringify(pruneGuard(next, now));
      if (state.length > MAX_STATE_CHARS) {
        throw new StateStoreError(
          `The state of ${key.kind} on ${key.subject} grew past ${MAX_STATE_CHARS} characters; nothing was done.`,
        );
      }
      if (await this.writeGuard(key, state, now, etag)) return result;
    }
    throw new StateStoreError(
      `The state of ${key.kind} on ${key.subject} changed under this invocation ${MAX_RACES} times in a row; giving up without acting.`,
    );
  }

  private async writeGuard(
    key: GuardKey,
    state: string,
    now: number,
    etag: string | undefined,
  ): Promise<boolean> {
    const entity: Entity = { ...guardKeys(key), state, expiresAt: now + GUARD_RETENTION_MS };
    try {
      if (etag === undefined) await this.table.createEntity(entity);
      else await this.table.updateEntity(entity, "Replace", { etag });
      return true;
    } catch (error) {
      // 409: another invocation created it first; 412: it changed since we read it. Both: read again.
      if (statusOf(error) === 409 || statusOf(error) === 412) return false;
      throw new StateStoreError(
        `Could not write the state of ${key.kind} on ${key.subject}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  private async readGuard(key: GuardKey): Promise<{ stored: StoredGuard; etag: string | undefined }> {
    const { partitionKey, rowKey } = guardKeys(key);
    const entity = await this.get(partitionKey, rowKey);
    if (entity === undefined) return { stored: storedGuardOf(undefined), etag: undefined };
    return {
      stored: storedGuardOf(JSON.parse(String(entity.state ?? "{}")) as Partial<StoredGuard>),
      etag: entity.etag,
    };
  }

  private async get(partitionKey: string, rowKey: string): Promise<TableEntity | undefined> {
    try {
      return await this.table.getEntity(partitionKey, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new StateStoreError(
        `Could not read ${partitionKey}/${rowKey} from the state table: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  private async upsert(entity: Entity): Promise<void> {
    try {
      await this.table.upsertEntity(entity, "Replace");
    } catch (error) {
      throw new StateStoreError(
        `Could not write ${entity.partitionKey} to the state table: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}

/** The inverse of {@link tableKey} for keys that were not hashed. */
export function untableKey(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    if (key[i] === ":") {
      bytes.push(Number.parseInt(key.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(key.charCodeAt(i));
  }
  return Buffer.from(bytes).toString("utf8");
}

function guardKeys(key: GuardKey): { partitionKey: string; rowKey: string } {
  return { partitionKey: tableKey(key.subject.toLowerCase()), rowKey: tableKey(`guard|${key.kind}`) };
}
