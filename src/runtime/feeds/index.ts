/**
 * Feed machinery shared by the responder runtimes and the simulator: formats, numeric CIDR sets,
 * the guarded fetcher and the last-good-list rule. Cloud-neutral; node built-ins and zod only.
 *
 * Public: parsing a feed, fetching it the guarded way, the last-good decision and list screening,
 * CIDR sets and the errors. Address arithmetic, format modules and collectors are internal
 * (imported by module path).
 * @packageDocumentation
 */
export { aggregate, CidrSet, WAF_IP_SET_LIMIT } from "./cidr-set.js";
export {
  FeedError,
  FeedFormatError,
  FeedHttpError,
  FeedNetworkError,
  FeedParseError,
  FeedTimeoutError,
  FeedTooLargeError,
  FeedUrlRefusedError,
  InvalidCidrError,
} from "./errors.js";
export {
  DEFAULT_FEED_MAX_BYTES,
  DEFAULT_FEED_MAX_REDIRECTS,
  DEFAULT_FEED_TIMEOUT_MS,
  FeedFetcher,
  type FeedFetcherOptions,
  type FeedFetchResult,
} from "./fetch.js";
export { type FeedFormatName, feedFormatNames, type ParseFeedOptions, parseFeed } from "./formats/index.js";
export type { ParsedFeed, RejectedEntry } from "./formats/types.js";
export {
  DEFAULT_MAX_GROW_SHARE,
  DEFAULT_MAX_REJECTED_SHARE,
  DEFAULT_MAX_SHRINK_SHARE,
  decideLastGood,
  type FeedDecision,
  type FeedDecisionReason,
  type FeedOutcome,
  type LastGoodPolicy,
} from "./policy.js";
export {
  type FeedInput,
  type FeedJudgement,
  type FeedRefresh,
  judgeFeed,
  type LastGoodList,
  type RefreshFeedOptions,
  refreshFeed,
} from "./refresh.js";
export {
  DEFAULT_MIN_PREFIX,
  type ListSafety,
  type RefusalReason,
  type RefusedEntry,
  type ScreenedList,
  screenList,
} from "./safety.js";
