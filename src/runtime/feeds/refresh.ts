/**
 * One feed run, end to end: fetch (conditionally), decode, parse, screen out unsafe entries,
 * aggregate, fit under the limit, and apply the last-good-list rule. The result says which list is in force after the run, so a
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
import { type ListSafety, type ScreenedList, screenList } from "./safety.js";

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
   * What the list may hold: minimum prefixes, and for block lists no special-purpose or own ranges.
   * @default { mode: "block" } with the default minimum prefixes
   */
  readonly safety?: ListSafety;
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
  /** The safety screen, when a body was parsed. */
  readonly screened?: ScreenedList;
  /** The limit check, when a body was parsed. */
  readonly fit?: FitResult;
  /** The fetch or parse error, when the run failed. */
  readonly error?: FeedError;
}

/** What a feed tick brought: a body to judge, or the error that stopped the fetch. */
export type FeedInput = { readonly text: string } | { readonly error: unknown };

/** The judgement of one feed body (or failure) against the last good list. */
export interface FeedJudgement {
  /** Keep or replace, and why. */
  readonly decision: FeedDecision;
  /** The new list (screened, aggregated, fitted), when a body was parsed. */
  readonly list?: CidrSet;
  /** The parsed feed, when a body was parsed. */
  readonly parsed?: ParsedFeed;
  /** The safety screen, when a body was parsed. */
  readonly screened?: ScreenedList;
  /** The limit check, when a body was parsed. */
  readonly fit?: FitResult;
  /** The parse error, when the body was not the configured format at all. */
  readonly error?: FeedError;
}

/**
 * Parses, screens, fits and judges one feed body against the last good list: the one rejection
 * routine the responders and the simulator share. A body that is not the format at all is a
 * `fetch-failed` keep carrying the error; invalid settings throw.
 * @example
 * const judged = judgeFeed(previous, { text: body }, { format: "plain" });
 * if (judged.decision.action === "replace") apply(judged.list!);
 */
export function judgeFeed(
  previous: CidrSet | undefined,
  input: FeedInput,
  options: Pick<RefreshFeedOptions, "format" | "limit" | "policy" | "safety" | "maxRejectedSamples">,
): FeedJudgement {
  const policy = options.policy ?? {};
  if ("error" in input)
    return { decision: decideLastGood(previous, { kind: "failed", error: input.error }, policy) };
  let parsed: ParsedFeed;
  try {
    parsed = parseFeed(input.text, normaliseFormatSetting(options.format), {
      maxRejectedSamples: options.maxRejectedSamples ?? 5,
    });
  } catch (error) {
    if (!(error instanceof FeedError)) throw error;
    return { decision: decideLastGood(previous, { kind: "failed", error }, policy), error };
  }
  const screened = screenList(parsed.set, options.safety ?? { mode: "block" });
  const fit = fitToLimit(screened.set, options.limit ?? {});
  const decision = decideLastGood(
    previous,
    {
      kind: "parsed",
      list: fit.set,
      accepted: Math.max(0, parsed.accepted - screened.refused),
      rejected: parsed.rejected,
      refused: screened.refused,
      overLimit: fit.ok ? [] : fit.messages,
    },
    policy,
  );
  return { decision, list: fit.set, parsed, screened, fit };
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
  let input: FeedInput;
  let validators: FeedValidators = {};
  try {
    const result = await options.fetcher.fetch(options.url, previous?.validators ?? {});
    if (result.status === "unchanged") {
      const decision = decideLastGood(previous?.list, { kind: "not-modified" }, options.policy ?? {});
      const lastGood =
        previous === undefined ? undefined : { list: previous.list, validators: result.validators };
      return { decision, lastGood };
    }
    validators = result.validators;
    input = { text: decodeFeedBody(result.body) };
  } catch (error) {
    if (!(error instanceof FeedError)) throw error;
    input = { error };
  }
  const judged = judgeFeed(previous?.list, input, { ...options, format });
  const { decision } = judged;
  if ("error" in input) return { decision, lastGood: previous, error: input.error as FeedError };
  if (judged.error) return { decision, lastGood: previous, error: judged.error };
  // An identical list keeps the old entries but takes the new validators, so the next run can get a 304.
  const lastGood =
    decision.action === "replace"
      ? { list: judged.list!, validators }
      : decision.reason === "identical" && previous !== undefined
        ? { list: previous.list, validators }
        : previous;
  return { decision, lastGood, parsed: judged.parsed!, screened: judged.screened!, fit: judged.fit! };
}
