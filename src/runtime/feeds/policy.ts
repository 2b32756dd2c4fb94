/**
 * The last-good-list rule as a pure function. A blocklist is only replaced by a list that looks
 * like a healthy feed; a failed, empty, mostly-garbage, oversized or sharply shrunken result keeps
 * the previous good list, so a feed outage (or a tampered feed) never unblocks everyone.
 */
import type { CidrSet } from "./cidr-set.js";

/** Default largest share of entries a new list may lose against the last good one. */
export const DEFAULT_MAX_SHRINK_SHARE = 0.5;
/** Default largest share of rejected lines in a feed that is still trusted. */
export const DEFAULT_MAX_REJECTED_SHARE = 0.5;

/** What a feed run produced, as the policy sees it. */
export type FeedOutcome =
  | {
      /** The fetch or the parse failed. */
      readonly kind: "failed";
      /** The error, for the decision's message. */
      readonly error: unknown;
    }
  | {
      /** The feed answered 304 Not Modified. */
      readonly kind: "not-modified";
    }
  | {
      /** The feed was parsed. */
      readonly kind: "parsed";
      /** The final list (aggregated, and widened if that was enabled). */
      readonly list: CidrSet;
      /** Entries the format accepted. */
      readonly accepted: number;
      /** Lines or values the format rejected. */
      readonly rejected: number;
      /** Sentences from limit fitting when a version is over the limit; empty or absent when it fits. */
      readonly overLimit?: readonly string[];
    };

/** Tunables of {@link decideLastGood}. */
export interface LastGoodPolicy {
  /**
   * Largest share (0–1) of entries a new list may lose against the last good list before it is refused.
   * @default 0.5
   */
  readonly maxShrinkShare?: number;
  /**
   * Largest share (0–1) of rejected lines or values in a feed that is still accepted.
   * @default 0.5
   */
  readonly maxRejectedShare?: number;
}

/** Why a decision was taken; stable strings for logs and metric dimensions. */
export type FeedDecisionReason =
  | "first-list"
  | "updated"
  | "identical"
  | "not-modified"
  | "fetch-failed"
  | "empty"
  | "mostly-rejected"
  | "over-limit"
  | "shrunk-too-much";

/** The policy's verdict. */
export interface FeedDecision {
  /** `replace`: apply the new list; `keep`: leave the current list (the last good one) as it is. */
  readonly action: "keep" | "replace";
  /** Why, as a stable code. */
  readonly reason: FeedDecisionReason;
  /** One sentence for logs. */
  readonly message: string;
  /** Entries in the last good list (0 when there is none). */
  readonly previousEntries: number;
  /** Entries in the new list, when one was parsed. */
  readonly newEntries?: number;
}

/**
 * Decides whether a feed run may replace the last good list.
 * @example
 * const decision = decideLastGood(previous, { kind: "parsed", list, accepted: 900, rejected: 2 });
 * if (decision.action === "replace") await applyToWaf(list);
 * else log.warn(decision.message);
 */
export function decideLastGood(
  previous: CidrSet | undefined,
  outcome: FeedOutcome,
  policy: LastGoodPolicy = {},
): FeedDecision {
  const maxShrink = checkShare("maxShrinkShare", policy.maxShrinkShare ?? DEFAULT_MAX_SHRINK_SHARE);
  const maxRejected = checkShare("maxRejectedShare", policy.maxRejectedShare ?? DEFAULT_MAX_REJECTED_SHARE);
  const previousEntries = previous?.size ?? 0;
  const kept =
    previousEntries === 0
      ? "there is no previous list to keep"
      : `keeping the last good list of ${previousEntries} entries`;
  if (outcome.kind === "failed") {
    const detail = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    return {
      action: "keep",
      reason: "fetch-failed",
      message: `The feed could not be read (${detail}); ${kept}.`,
      previousEntries,
    };
  }
  if (outcome.kind === "not-modified") {
    return {
      action: "keep",
      reason: "not-modified",
      message: `The feed has not changed; ${kept}.`,
      previousEntries,
    };
  }
  const newEntries = outcome.list.size;
  const base = { previousEntries, newEntries };
  const lines = outcome.accepted + outcome.rejected;
  if (lines === 0) {
    return { action: "keep", reason: "empty", message: `The feed is empty; ${kept}.`, ...base };
  }
  if (outcome.rejected / lines > maxRejected) {
    return {
      action: "keep",
      reason: "mostly-rejected",
      message:
        `${outcome.rejected} of ${lines} feed lines were rejected (more than ${percent(maxRejected)}); ` +
        `the feed looks broken or is not in the configured format; ${kept}.`,
      ...base,
    };
  }
  if (newEntries === 0) {
    return { action: "keep", reason: "empty", message: `The feed lists no addresses; ${kept}.`, ...base };
  }
  if (outcome.overLimit !== undefined && outcome.overLimit.length > 0) {
    return {
      action: "keep",
      reason: "over-limit",
      message: `${outcome.overLimit.join(" ")} ${capitalise(kept)}.`,
      ...base,
    };
  }
  if (previous === undefined || previousEntries === 0) {
    return {
      action: "replace",
      reason: "first-list",
      message: `Applying the first list of ${newEntries} entries.`,
      ...base,
    };
  }
  if (previous.equals(outcome.list)) {
    return {
      action: "keep",
      reason: "identical",
      message: `The list is unchanged at ${newEntries} entries.`,
      ...base,
    };
  }
  const lost = (previousEntries - newEntries) / previousEntries;
  if (lost > maxShrink) {
    return {
      action: "keep",
      reason: "shrunk-too-much",
      message:
        `The feed shrank from ${previousEntries} to ${newEntries} entries (${percent(lost)} fewer, more than ` +
        `the allowed ${percent(maxShrink)}); ${kept}. Raise maxShrinkShare if the shrink is expected.`,
      ...base,
    };
  }
  return {
    action: "replace",
    reason: "updated",
    message: `Replacing the list of ${previousEntries} entries with ${newEntries} entries.`,
    ...base,
  };
}

function checkShare(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
