/**
 * The responders' state in DynamoDB, implementing the shared guard rails of `../decide.ts`
 * atomically. One item per subject (an instance or a feed) and responder kind holds the handled
 * transitions, the last run of each response, the recent actions and the in-flight lock; every
 * change is a read, a {@link decide} on what was read, and a write conditional on the version read.
 * A lost race re-reads and decides again, so two concurrent invocations can never both act.
 *
 * Table: partition key `pk` (S), sort key `sk` (S), TTL attribute `expiresAt` (epoch seconds).
 * Items:
 * - `guard#<kind>#<subject>` / `state`: `version` (N), `state` (S, JSON), `expiresAt`;
 * - `audit#<subject>` / `<ISO time>#<kind>#<transition id>`: one record per action;
 * - `feed#<feed id>` / `validators` and `value`: feed bookkeeping (see the firewall and value-feed responders).
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
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

const HOUR_MS = 3_600_000;
/** A guard item outlives its last write by this long (cooldowns are at most a day). */
const GUARD_TTL_SECONDS = 7 * 86_400;
/** Audit records are kept this long. */
const AUDIT_TTL_SECONDS = 90 * 86_400;
/** Lost races retried before giving up (each retry re-reads; two racers settle in one). */
const MAX_RACES = 8;

export type { AuditRecord, BeginResult, GuardKey, GuardLease } from "../decide.js";
export { toGuardState } from "../decide.js";
/** The guard state as stored (JSON in the `state` attribute); shared with the Azure store (`../decide.ts`). */
export type { StoredGuard };

/**
 * Guard rails, audit and small documents in one DynamoDB table.
 * @example
 * const store = new GuardStore(new DynamoDBClient({}), "web-fleet-state");
 * const begun = await store.begin({ subject: "i-0abc", kind: "scale" }, request, 900, requestId);
 * if (begun.act) try { await resize(); } finally { await store.finish(begun.lease, true); }
 */
export class GuardStore {
  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly table: string,
  ) {}

  /**
   * Decides with {@link decide} and, when acting, takes the lock and marks the transition handled
   * in one conditional write. A skip other than `duplicate` also marks the transition handled, so
   * its redelivery is recognised (as `MemoryGuardState.recordSkip` does).
   */
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

  /**
   * Releases the lock (if still held by this lease) and, when `counted`, records the action for the
   * cooldown and the circuit breaker as `MemoryGuardState.recordAction` does. An action that changed
   * nothing is not counted.
   */
  async finish(lease: GuardLease, counted: boolean, now: number = lease.request.now): Promise<void> {
    await this.mutate(lease.key, now, (stored) => ({
      next: finishTransition(stored, lease.request, lease.holder, counted, now),
      result: undefined,
    }));
  }

  /**
   * Counts the action as {@link finish} does, but instead of releasing the lock passes it to in-flight
   * work (a resize execution) until `until` (ms): the next invocation sees who holds it and can ask
   * whether that work has ended.
   */
  async handOver(lease: GuardLease, inFlight: { holder: string; until: number }, now: number): Promise<void> {
    await this.mutate(lease.key, now, (stored) => {
      const next: StoredGuard = { ...stored, recent: stored.recent.filter((t) => now - t < HOUR_MS) };
      if (lease.request.intent === "activate")
        next.lastRunAt = { ...stored.lastRunAt, [lease.request.responseId]: lease.request.now };
      next.recent.push(lease.request.now);
      // Only the lease's own lock passes on; an expired and retaken lock stays with its new holder.
      if (stored.lock === undefined || stored.lock.holder === lease.holder)
        next.lock = { holder: inFlight.holder, expiresAt: inFlight.until };
      return { next, result: undefined };
    });
  }

  /** Releases the lock when `holder` still holds it; true when this call released it. */
  async release(key: GuardKey, holder: string, now: number): Promise<boolean> {
    return this.mutate(key, now, (stored) => {
      if (stored.lock?.holder !== holder) return { result: false };
      const next: StoredGuard = { ...stored };
      delete next.lock;
      return { next, result: true };
    });
  }

  /** Reads a guard item (for inspection and tests). */
  async read(key: GuardKey): Promise<StoredGuard> {
    return (await this.readGuard(key)).stored;
  }

  /** Writes one audit record. */
  async audit(record: AuditRecord): Promise<void> {
    await this.put({
      pk: { S: `audit#${record.subject}` },
      sk: { S: `${new Date(record.at).toISOString()}#${record.kind}#${record.transitionId}` },
      subject: { S: record.subject },
      kind: { S: record.kind },
      responseId: { S: record.responseId },
      intent: { S: record.intent },
      transitionId: { S: record.transitionId },
      outcome: { S: record.outcome },
      detail: { S: record.detail.slice(0, 4000) },
      at: { N: String(record.at) },
      expiresAt: { N: String(Math.floor(record.at / 1000) + AUDIT_TTL_SECONDS) },
    });
  }

  /** Reads a small JSON document (feed bookkeeping). */
  async readDocument<T>(pk: string, sk: string): Promise<T | undefined> {
    const item = await this.get(pk, sk);
    const text = item?.document?.S;
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** Writes a small JSON document; callers hold the subject's lock. */
  async writeDocument(pk: string, sk: string, document: unknown, now: number): Promise<void> {
    await this.put({
      pk: { S: pk },
      sk: { S: sk },
      document: { S: JSON.stringify(document) },
      updatedAt: { N: String(now) },
    });
  }

  private async mutate<T>(
    key: GuardKey,
    now: number,
    change: (stored: StoredGuard) => { next?: StoredGuard; result: T },
  ): Promise<T> {
    for (let race = 0; race < MAX_RACES; race++) {
      const { stored, version } = await this.readGuard(key);
      const { next, result } = change(stored);
      if (next === undefined) return result;
      const item: Record<string, AttributeValue> = {
        pk: { S: guardPk(key) },
        sk: { S: "state" },
        version: { N: String(version + 1) },
        state: { S: JSON.stringify(pruneGuard(next, now)) },
        expiresAt: { N: String(Math.floor(now / 1000) + GUARD_TTL_SECONDS) },
      };
      try {
        await this.ddb.send(
          new PutItemCommand({
            TableName: this.table,
            Item: item,
            ...(version === 0
              ? { ConditionExpression: "attribute_not_exists(pk)" }
              : {
                  ConditionExpression: "#version = :version",
                  ExpressionAttributeNames: { "#version": "version" },
                  ExpressionAttributeValues: { ":version": { N: String(version) } },
                }),
          }),
        );
        return result;
      } catch (error) {
        if ((error as { name?: string }).name === "ConditionalCheckFailedException") continue;
        throw new StateStoreError(
          `Could not write the state of ${key.kind} on ${key.subject} to table ${this.table}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    throw new StateStoreError(
      `The state of ${key.kind} on ${key.subject} changed under this invocation ${MAX_RACES} times in a row; giving up without acting.`,
    );
  }

  private async readGuard(key: GuardKey): Promise<{ stored: StoredGuard; version: number }> {
    const item = await this.get(guardPk(key), "state");
    if (item === undefined) return { stored: storedGuardOf(undefined), version: 0 };
    return {
      stored: storedGuardOf(JSON.parse(item.state?.S ?? "{}") as Partial<StoredGuard>),
      version: Number(item.version?.N ?? "0"),
    };
  }

  private async get(pk: string, sk: string): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const result = await this.ddb.send(
        new GetItemCommand({
          TableName: this.table,
          Key: { pk: { S: pk }, sk: { S: sk } },
          ConsistentRead: true,
        }),
      );
      return result.Item;
    } catch (error) {
      throw new StateStoreError(
        `Could not read ${pk} from table ${this.table}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  private async put(item: Record<string, AttributeValue>): Promise<void> {
    try {
      await this.ddb.send(new PutItemCommand({ TableName: this.table, Item: item }));
    } catch (error) {
      throw new StateStoreError(
        `Could not write ${item.pk?.S} to table ${this.table}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

function guardPk(key: GuardKey): string {
  return `guard#${key.kind}#${key.subject}`;
}
