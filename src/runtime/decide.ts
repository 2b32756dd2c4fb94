/**
 * The guard rails every responder applies before acting, as one pure function so the AWS and Azure
 * responders and the simulator decide identically. The responders load the state from their store
 * (DynamoDB on AWS) and commit the outcome with conditional writes; the simulator keeps it in memory.
 *
 * Order of checks (the first that fails decides): duplicate delivery, in-flight lock, cooldown,
 * circuit breaker. A `clear` (revert) is never blocked by the cooldown or the circuit breaker: undoing
 * a change must always be possible, or a flapping trigger could strand an instance scaled up.
 */

/** What a responder is asked to do. */
export interface GuardRequest {
  /** Milliseconds since the epoch. */
  now: number;
  /** The response (activate) or trigger (clear) being run. */
  responseId: string;
  intent: "activate" | "clear";
  /**
   * Identifies one delivery of one state change (alarm name + state-change timestamp, or schedule
   * tick). A redelivered event carries the same id and must not act twice.
   */
  transitionId: string;
  cooldownSeconds: number;
  maxActionsPerHour: number;
}

/** What the store knows about one instance. */
export interface GuardState {
  /** Transition ids already handled (kept at least an hour). */
  handledTransitions: ReadonlySet<string>;
  /** When each response last ran, ms. */
  lastRunAt: ReadonlyMap<string, number>;
  /** When each action on this instance ran within the last hour, ms, any order. */
  recentActions: readonly number[];
  /** An in-flight action's lock, if any. */
  lock?: { holder: string; expiresAt: number };
}

/** Why a responder did not act. */
export type SkipReason = "duplicate" | "locked" | "cooldown" | "circuit-open";

/** The outcome: act, or skip with a reason and a sentence for logs. */
export type GuardDecision = { act: true } | { act: false; reason: SkipReason; detail: string };

const HOUR_MS = 3_600_000;

/** Decides whether to act now. Pure: the caller commits the outcome with {@link recordAction}. */
export function decide(request: GuardRequest, state: GuardState): GuardDecision {
  if (state.handledTransitions.has(request.transitionId)) {
    return {
      act: false,
      reason: "duplicate",
      detail: `transition ${request.transitionId} was already handled`,
    };
  }
  if (state.lock && state.lock.expiresAt > request.now) {
    return {
      act: false,
      reason: "locked",
      detail: `another action (${state.lock.holder}) is in flight until ${new Date(state.lock.expiresAt).toISOString()}`,
    };
  }
  if (request.intent === "clear") return { act: true };
  const last = state.lastRunAt.get(request.responseId);
  const cooldownMs = request.cooldownSeconds * 1000;
  if (last !== undefined && request.now - last < cooldownMs) {
    const waitSeconds = Math.ceil((last + cooldownMs - request.now) / 1000);
    return {
      act: false,
      reason: "cooldown",
      detail: `response ${request.responseId} ran ${Math.floor((request.now - last) / 1000)} s ago; cooldown ${request.cooldownSeconds} s has ${waitSeconds} s left`,
    };
  }
  const inLastHour = state.recentActions.filter((t) => request.now - t < HOUR_MS).length;
  if (inLastHour >= request.maxActionsPerHour) {
    return {
      act: false,
      reason: "circuit-open",
      detail: `${inLastHour} actions on this instance in the last hour reached the limit of ${request.maxActionsPerHour}`,
    };
  }
  return { act: true };
}

/**
 * A mutable in-memory guard state (the simulator's store, and a reference for the others).
 * @internal
 */
export class MemoryGuardState implements GuardState {
  readonly handledTransitions = new Set<string>();
  readonly lastRunAt = new Map<string, number>();
  recentActions: number[] = [];
  lock?: { holder: string; expiresAt: number };

  /** Records that `request` acted (or was considered, for duplicates) at `request.now`. */
  recordAction(request: GuardRequest): void {
    this.handledTransitions.add(request.transitionId);
    if (request.intent === "activate") this.lastRunAt.set(request.responseId, request.now);
    this.recentActions = this.recentActions.filter((t) => request.now - t < HOUR_MS);
    this.recentActions.push(request.now);
  }

  /** Records a skipped delivery so its redelivery is recognised too. */
  recordSkip(request: GuardRequest): void {
    this.handledTransitions.add(request.transitionId);
  }
}

/** Handled transitions are remembered this long (Lambda retries for up to 6 hours; queues less). */
export const HANDLED_RETENTION_MS = 24 * HOUR_MS;

/**
 * The guard state as the cloud stores keep it (JSON in one item or entity per subject and kind):
 * the serialisable form of {@link GuardState}.
 */
export interface StoredGuard {
  /** Transition id → when it was handled, ms. */
  handled: Record<string, number>;
  /** Response id → last run, ms. */
  lastRunAt: Record<string, number>;
  /** Actions in the last hour, ms. */
  recent: number[];
  lock?: { holder: string; expiresAt: number };
}

/** A stored guard read from partial JSON (older items may lack fields). */
export function storedGuardOf(value: Partial<StoredGuard> | undefined): StoredGuard {
  return {
    handled: value?.handled ?? {},
    lastRunAt: value?.lastRunAt ?? {},
    recent: value?.recent ?? [],
    ...(value?.lock ? { lock: value.lock } : {}),
  };
}

/** Reads a stored guard into the shape {@link decide} takes. */
export function toGuardState(stored: StoredGuard): GuardState {
  const state: GuardState = {
    handledTransitions: new Set(Object.keys(stored.handled)),
    lastRunAt: new Map(Object.entries(stored.lastRunAt)),
    recentActions: stored.recent,
  };
  if (stored.lock) state.lock = stored.lock;
  return state;
}

/**
 * The store's side of starting an action: {@link decide}, and the guard to write. Acting takes the
 * lock and marks the transition handled; a skip other than `duplicate` marks it handled too (as
 * {@link MemoryGuardState.recordSkip}); a duplicate writes nothing (`next` undefined).
 */
export function beginTransition(
  stored: StoredGuard,
  request: GuardRequest,
  lockTtlSeconds: number,
  holder: string,
): { decision: GuardDecision; next?: StoredGuard } {
  const decision = decide(request, toGuardState(stored));
  if (!decision.act && decision.reason === "duplicate") return { decision };
  const next: StoredGuard = {
    ...stored,
    handled: { ...stored.handled, [request.transitionId]: request.now },
  };
  if (decision.act) next.lock = { holder, expiresAt: request.now + lockTtlSeconds * 1000 };
  return { decision, next };
}

/**
 * The store's side of finishing an action: releases the lock if `holder` still holds it and, when
 * `counted`, records the action for the cooldown and the circuit breaker (as
 * {@link MemoryGuardState.recordAction}).
 */
export function finishTransition(
  stored: StoredGuard,
  request: GuardRequest,
  holder: string,
  counted: boolean,
  now: number,
): StoredGuard {
  const next: StoredGuard = { ...stored, recent: stored.recent.filter((t) => now - t < HOUR_MS) };
  if (stored.lock?.holder === holder) delete next.lock;
  if (counted) {
    if (request.intent === "activate")
      next.lastRunAt = { ...stored.lastRunAt, [request.responseId]: request.now };
    next.recent.push(request.now);
  }
  return next;
}

/** Drops handled transitions past {@link HANDLED_RETENTION_MS} and actions older than an hour. */
export function pruneGuard(stored: StoredGuard, now: number): StoredGuard {
  const handled: Record<string, number> = {};
  for (const [id, at] of Object.entries(stored.handled))
    if (now - at < HANDLED_RETENTION_MS) handled[id] = at;
  return { ...stored, handled, recent: stored.recent.filter((t) => now - t < HOUR_MS) };
}

/** Which guard record: a subject (an instance or VM id, or a feed) and the responder kind acting on it. */
export interface GuardKey {
  subject: string;
  kind: string;
}

/** Proof of holding a guard record's lock, returned by the stores' `begin`. */
export interface GuardLease {
  key: GuardKey;
  holder: string;
  request: GuardRequest;
}

/** The outcome of a store's `begin`: act under the lease, or skip with the reason. */
export type BeginResult =
  | { act: true; lease: GuardLease }
  | { act: false; reason: SkipReason; detail: string };

/** One audit record, the same on both clouds. */
export interface AuditRecord {
  subject: string;
  kind: string;
  responseId: string;
  intent: "activate" | "clear";
  transitionId: string;
  /** `acted`: done; `unchanged`: nothing needed doing; `failed`: see detail. */
  outcome: "acted" | "unchanged" | "failed";
  detail: string;
  at: number;
}
