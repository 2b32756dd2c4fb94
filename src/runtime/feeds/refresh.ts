/**
 * One feed run, end to end: fetch (conditionally), decode, parse, aggregate, fit under the limit,
 * and apply the last-good-list rule. The result says which list is in force after the run, so a
 * handler writes `lastGood.list` when `decision.action === "replace"` and nothing otherwise.
 */
import { type CidrSet, type FitOptions, type FitResult, fitToLimit } from "./cidr-set.js";
import { FeedError } from "./errors.js";
import { decodeFeedBody, type FeedFetcher, type FeedValidators } from "./fetch.js";
import {
  type feedFormatSetting,
  normaliseFormatSetting,
  type ParsedFeed,
  parseFeed,
} from "./formats/index.js";
import { decideLastGood, type FeedDecision, type LastGoodPolicy } from "./policy.js";

/** The list in force and the validators that came with it. */
export interface LastGoodList {
  /** The aggregated list. */
  readonly list: CidrSet;
  /** Validators of the response that produced it, for the next conditional request. */
  readonly validators?: FeedValidators;
}

/** Inputs of {@link refreshFeed}. */
export interface RefreshFeedOptions {
  /** The fetcher (its options carry the SSRF guard, size cap and timeout). */
  readonly fetcher: FeedFetcher;
  /** The feed URL. */
  readonly url: string;
  /** The feed's `Format:` setting. */
  readonly format: feedFormatSetting;
  /**
   * The list in force before this run.
   * @default undefined (no list yet)
   */
  readonly lastGood?: LastGoodList | undefined;
  /**
   * Entry limit per IP version and whether to widen to fit.
   * @default { limit: 10_000, widen: false }
   */
  readonly limit?: FitOptions;
  /**
   * Shrink and rejection thresholds.
   * @default { maxShrinkShare: 0.5, maxRejectedShare: 0.5 }
   */
  readonly policy?: LastGoodPolicy;
  /**
   * Rejected lines kept for logs.
   * @default 5
   */
  readonly maxRejectedSamples?: number;
}

/** What a feed run did. */
export interface FeedRefresh {
  /** Keep or replace, and why. */
  readonly decision: FeedDecision;
  /** The list in force after the run: the new one on `replace`, the previous one otherwise. */
  readonly lastGood: LastGoodList | undefined;
  /** The parsed feed, when a body was fetched and parsed. */
  readonly parsed?: ParsedFeed;
  /** The limit check, when a body was parsed. */
  readonly fit?: FitResult;
  /** The fetch or parse error, when the run failed. */
  readonly error?: FeedError;
}

/**
 * Runs one feed refresh. Feed failures become a `keep` decision carrying the error; invalid
 * settings (an unknown format, bad limits) throw, since retrying cannot fix them.
 * @example
 * const run = await refreshFeed({ fetcher: new FeedFetcher(), url, format: "spamhaus-drop", lastGood });
 * if (run.decision.action === "replace") await writeIpSets(run.lastGood!.list);
 */
export async function refreshFeed(options: RefreshFeedOptions): Promise<FeedRefresh> {
  const format = normaliseFormatSetting(options.format);
  const previous = options.lastGood;
  const policy = options.policy ?? {};
  let parsed: ParsedFeed;
  let validators: FeedValidators;
  try {
    const result = await options.fetcher.fetch(options.url, previous?.validators ?? {});
    if (result.status === "unchanged") {
      const decision = decideLastGood(previous?.list, { kind: "not-modified" }, policy);
      const lastGood =
        previous === undefined ? undefined : { list: previous.list, validators: result.validators };
      return { decision, lastGood };
    }
    validators = result.validators;
    parsed = parseFeed(decodeFeedBody(result.body), format, {
      maxRejectedSamples: options.maxRejectedSamples ?? 5,
    });
  } catch (error) {
    if (!(error instanceof FeedError)) throw error;
    return {
      decision: decideLastGood(previous?.list, { kind: "failed", error }, policy),
      lastGood: previous,
      error,
    };
  }
  const fit = fitToLimit(parsed.set, options.limit ?? {});
  const decision = decideLastGood(
    previous?.list,
    {
      kind: "parsed",
      list: fit.set,
      accepted: parsed.accepted,
      rejected: parsed.rejected,
      overLimit: fit.ok ? [] : fit.messages,
    },
    policy,
  );
  // An identical list keeps the old entries but takes the new validators, so the next run can get a 304.
  const lastGood =
    decision.action === "replace"
      ? { list: fit.set, validators }
      : decision.reason === "identical" && previous !== undefined
        ? { list: previous.list, validators }
        : previous;
  return { decision, lastGood, parsed, fit };
}
