/**
 * The feeds timer of the `firewall` app: every minute it checks which list feeds are due (each
 * feed's `frequencySeconds`, one run per period: the period's number is the transition id, so a
 * feed runs once per period however often the timer fires, and a redelivered tick is a duplicate),
 * and runs each due feed under its own lock with the same fetcher, parsers, aggregation and
 * last-good-list rule as the AWS firewall responder (`refreshFeed`, src/runtime/feeds), writing the
 * list as network security group deny rules (`nsg.ts`).
 *
 * The list in force is read back from the rules the feed owns, so a failed, empty or suspicious
 * feed keeps it: nothing is written.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import type { FeedEntry } from "../../plan/manifest.js";
import { describeError } from "../aws/log.js";
import { FeedFetcher, type FeedFetcherOptions, type FeedValidators } from "../feeds/fetch.js";
import type { feedFormatOptions } from "../feeds/formats/index.js";
import { refreshFeed } from "../feeds/refresh.js";
import type { AzureRuntimeContext, AzureRuntimeOptions } from "./context.js";
import { ManifestError } from "./errors.js";
import { nsgEnforcer } from "./nsg.js";
import { contextOrLog } from "./worker.js";

type ManifestFeed = FeedEntry["feed"];

/** Reasons a kept list is worth a warning and the `FeedListKept` metric (as on AWS). */
const GUARDED = new Set([
  "fetch-failed",
  "empty",
  "mostly-rejected",
  "unsafe-entries",
  "over-limit",
  "shrunk-too-much",
  "grew-too-much",
]);
/** The state-table namespace of feed validators (ETag, Last-Modified). */
const VALIDATORS_NAMESPACE = "feed-validators";
/** A feed run's lock outlives any run (the fetch is capped at its timeout). */
const FEED_LOCK_SECONDS = 600;

/** What one feed did on a tick. */
export interface FeedRunResult {
  feedId: string;
  outcome: "replaced" | "kept" | "not-due" | "failed";
  reason: string;
  detail: string;
  entries?: number;
}

/** Options of the feeds timer; tests pass `fetcher.unsafeTestAllowances`, the deployed app never does. */
export interface FeedsTimerOptions extends AzureRuntimeOptions {
  fetcher?: FeedFetcherOptions;
}

/** Makes the feeds timer's handler. */
export function createFeedsTimer(options: FeedsTimerOptions = {}) {
  let ctx: AzureRuntimeContext | undefined;
  return async (_timer: Timer, invocation: InvocationContext): Promise<FeedRunResult[]> => {
    ctx ??= contextOrLog("firewall", options);
    return feedsTick(ctx, options.fetcher ?? {}, invocation.invocationId);
  };
}

async function feedsTick(
  ctx: AzureRuntimeContext,
  fetcher: FeedFetcherOptions,
  invocationId: string,
): Promise<FeedRunResult[]> {
  const manifest = await ctx.fleet.fleetManifest();
  if (manifest === undefined) {
    throw new ManifestError(
      `The fleet store has no manifest/fleet.json; the feeds timer has nothing to run until \`pulumi up\` writes it.`,
    );
  }
  const results: FeedRunResult[] = [];
  for (const [feedId, feed] of Object.entries(manifest.feeds)) {
    if (feed.kind !== "list") continue;
    const now = ctx.now();
    const periodMs = (feed.frequencySeconds ?? 300) * 1000;
    const key = { subject: `feed:${feedId}`, kind: "firewall" };
    const begun = await ctx.state.begin(
      key,
      {
        now,
        responseId: feed.responseId,
        intent: "activate",
        transitionId: `${feedId}@${Math.floor(now / periodMs)}`,
        cooldownSeconds: 0,
        // Feed runs are paced by their period, not by the breaker.
        maxActionsPerHour: Number.MAX_SAFE_INTEGER,
      },
      FEED_LOCK_SECONDS,
      `firewall:${invocationId}`,
    );
    if (!begun.act) {
      results.push({ feedId, outcome: "not-due", reason: begun.reason, detail: begun.detail });
      continue;
    }
    try {
      results.push(await runFeed(ctx, feedId, feed, fetcher));
    } catch (error) {
      ctx.log.decision("failed", (error as Error).message, {
        feedId,
        reason: "error",
        error: describeError(error),
      });
      results.push({ feedId, outcome: "failed", reason: "error", detail: (error as Error).message });
    } finally {
      await ctx.state.finish(begun.lease, false, ctx.now());
    }
  }
  return results;
}

function formatOf(feed: ManifestFeed): feedFormatOptions {
  const format = feed.format ?? { type: "plain" as const };
  if (format.type === "csv") return { name: "csv", column: format.column };
  if (format.type === "json") return { name: "json", path: format.path };
  return { name: format.type };
}

async function runFeed(
  ctx: AzureRuntimeContext,
  feedId: string,
  feed: ManifestFeed,
  fetcher: FeedFetcherOptions,
): Promise<FeedRunResult> {
  const entry = await ctx.fleet.feedEntry(feedId);
  const nsg = entry.enforcement?.azure?.nsg;
  if (nsg === undefined) {
    throw new ManifestError(
      `Feed '${feedId}' has no network security group to enforce its list (enforcement.azure.nsg in its fleet store entry); WAF policy enforcement is not in this runtime yet. Run \`pulumi up\` with a firewall target.`,
    );
  }
  const enforcer = nsgEnforcer(ctx, feedId, nsg, feed.mode ?? "block");
  const current = await enforcer.read();
  const validators =
    current.size === 0
      ? undefined
      : (await ctx.state.readDocument<FeedValidators>(VALIDATORS_NAMESPACE, feedId))?.value;
  const run = await refreshFeed({
    fetcher: new FeedFetcher({
      timeoutMs: feed.limits.timeoutSeconds * 1000,
      maxBytes: feed.limits.maxBytes,
      ...fetcher,
    }),
    url: feed.url,
    format: formatOf(feed),
    lastGood: current.size === 0 ? undefined : { list: current, ...(validators ? { validators } : {}) },
    limit: { limit: Math.max(1, enforcer.capacity) },
    policy: {
      maxShrinkShare: (feed.maxShrinkPercent ?? 50) / 100,
      maxGrowShare: (feed.maxGrowPercent ?? 100) / 100,
    },
    safety: {
      mode: feed.mode ?? "block",
      ...(feed.minPrefixIpv4 !== undefined ? { minPrefixIpv4: feed.minPrefixIpv4 } : {}),
      ...(feed.minPrefixIpv6 !== undefined ? { minPrefixIpv6: feed.minPrefixIpv6 } : {}),
    },
  });
  let decision = run.decision;
  if (decision.action === "replace" && run.lastGood!.list.size > enforcer.capacity) {
    decision = {
      ...decision,
      action: "keep",
      reason: "over-limit",
      message: `The feed has ${run.lastGood!.list.size} entries after aggregation; the network security group has room for ${enforcer.capacity} source prefixes (4,000 per NSG, less its other rules'). Keeping the list in force of ${current.size} entries.`,
    };
  }
  const fields = {
    feedId,
    url: feed.url,
    reason: decision.reason,
    previousEntries: decision.previousEntries,
  };
  if (decision.action === "keep") {
    if (GUARDED.has(decision.reason)) {
      ctx.log.metric(
        decision.message,
        [
          {
            name: "FeedListKept",
            value: 1,
            unit: "Count",
            dimensions: { Feed: feedId, Reason: decision.reason },
          },
        ],
        {
          level: "warn",
          ...fields,
          ...(run.error ? { error: describeError(run.error) } : {}),
        },
      );
    }
    if ((decision.reason === "identical" || decision.reason === "not-modified") && run.lastGood?.validators) {
      await writeValidators(ctx, feedId, run.lastGood.validators);
    }
    ctx.log.decision("skipped", decision.message, { feedId, reason: decision.reason });
    return {
      feedId,
      outcome: "kept",
      reason: decision.reason,
      detail: decision.message,
      entries: current.size,
    };
  }
  const list = run.lastGood!.list;
  const written = await enforcer.write(list);
  if (run.lastGood?.validators) await writeValidators(ctx, feedId, run.lastGood.validators);
  ctx.log.decision("acted", decision.message, {
    ...fields,
    newEntries: list.size,
    rulesWritten: written.written,
    rulesDeleted: written.deleted,
  });
  return {
    feedId,
    outcome: "replaced",
    reason: decision.reason,
    detail: decision.message,
    entries: list.size,
  };
}

async function writeValidators(
  ctx: AzureRuntimeContext,
  feedId: string,
  validators: FeedValidators,
): Promise<void> {
  const current = await ctx.state.readDocument<FeedValidators>(VALIDATORS_NAMESPACE, feedId);
  await ctx.state.writeDocument(VALIDATORS_NAMESPACE, feedId, validators, current?.etag);
}
