/**
 * The last-good-list rule as a pure function. A blocklist is only replaced by a list that looks
 * like a healthy feed; a failed, empty, mostly-garbage, oversized or sharply shrunken result keeps
 * the previous good list, so a feed outage (or a tampered feed) never unblocks everyone.
 */
import { type CidrSet, type CoverageChange, coverageChange } from "./cidr-set.js";

/** Default largest share of the covered addresses a new list may drop against the last good one. */
export const DEFAULT_MAX_SHRINK_SHARE = 0.5;
/** Default largest growth in covered addresses, as a share of what the last good list covers (1 = may double). */
export const DEFAULT_MAX_GROW_SHARE = 1;
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
      /** Entries the format accepted and the safety screen let through. */
      readonly accepted: number;
      /** Lines or values the format rejected. */
      readonly rejected: number;
      /** Accepted entries the safety screen refused (too wide, special-purpose, own network); counted as rejected. */
      readonly refused?: number;
      /** Sentences from limit fitting when a version is over the limit; empty or absent when it fits. */
      readonly overLimit?: readonly string[];
    };

/** Tunables of {@link decideLastGood}. */
export interface LastGoodPolicy {
  /**
   * Largest share (0–1) of the addresses the last good list covers that a new list may stop covering.
   * Measured per IP version in addresses, not entries, so swapping entries for others counts as a loss.
   * @default 0.5
   */
  readonly maxShrinkShare?: number;
  /**
   * Largest number of newly covered addresses, as a share of what the last good list covers, per IP
   * version (1 = the coverage may at most double in one update). A version the last list did not
   * cover at all is not limited by this rule (the minimum prefix still applies).
   * @default 1
   */
  readonly maxGrowShare?: number;
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
  | "unsafe-entries"
  | "over-limit"
  | "shrunk-too-much"
  | "grew-too-much";

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
  const maxGrow = policy.maxGrowShare ?? DEFAULT_MAX_GROW_SHARE;
  if (!(maxGrow >= 0 && Number.isFinite(maxGrow)))
    throw new RangeError(`maxGrowShare must be a finite number from 0, got ${maxGrow}`);
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
  const refused = outcome.refused ?? 0;
  const lines = outcome.accepted + outcome.rejected + refused;
  if (lines === 0) {
    return { action: "keep", reason: "empty", message: `The feed is empty; ${kept}.`, ...base };
  }
  if (refused / lines > maxRejected) {
    return {
      action: "keep",
      reason: "unsafe-entries",
      message:
        `${refused} of ${lines} feed entries were refused as unsafe for a firewall (wider than the minimum prefix, ` +
        `special-purpose or the account's own network; more than ${percent(maxRejected)}); ${kept}.`,
      ...base,
    };
  }
  if ((outcome.rejected + refused) / lines > maxRejected) {
    return {
      action: "keep",
      reason: "mostly-rejected",
      message:
        `${outcome.rejected + refused} of ${lines} feed lines were rejected (more than ${percent(maxRejected)}); ` +
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
  const change = coverageChange(previous, outcome.list);
  const { lost, gained } = worstChange(change);
  if (lost.share > maxShrink) {
    return {
      action: "keep",
      reason: "shrunk-too-much",
      message:
        `The new list stops covering ${percent(lost.share)} of the ${lost.version} addresses the last good list covers ` +
        `(more than the allowed ${percent(maxShrink)}; ${previousEntries} entries before, ${newEntries} now); ${kept}. ` +
        "Raise the feed's MaxShrink if the change is expected.",
      ...base,
    };
  }
  if (gained.share > maxGrow) {
    return {
      action: "keep",
      reason: "grew-too-much",
      message:
        `The new list covers ${percent(gained.share)} more ${gained.version} addresses than the last good list ` +
        `(more than the allowed ${percent(maxGrow)}; ${previousEntries} entries before, ${newEntries} now); ${kept}. ` +
        "Raise maxGrowPercent if the growth is expected.",
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

/** The largest share of coverage lost and gained, each with the IP version it happened in. */
function worstChange(change: CoverageChange): {
  lost: { share: number; version: string };
  gained: { share: number; version: string };
} {
  const v4 = shares4(change.ipv4);
  const v6 = shares6(change.ipv6);
  return {
    lost: v6.lost > v4.lost ? { share: v6.lost, version: "IPv6" } : { share: v4.lost, version: "IPv4" },
    gained:
      v6.gained > v4.gained ? { share: v6.gained, version: "IPv6" } : { share: v4.gained, version: "IPv4" },
  };
}

function shares4(c: CoverageChange["ipv4"]): { lost: number; gained: number } {
  return c.before === 0 ? { lost: 0, gained: 0 } : { lost: c.removed / c.before, gained: c.added / c.before };
}

function shares6(c: CoverageChange["ipv6"]): { lost: number; gained: number } {
  // Ratios of 128-bit counts: exact in integers to six decimal places, which is all a percentage needs.
  const share = (n: bigint) => Number((n * 1_000_000n) / c.before) / 1_000_000;
  return c.before === 0n ? { lost: 0, gained: 0 } : { lost: share(c.removed), gained: share(c.added) };
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
