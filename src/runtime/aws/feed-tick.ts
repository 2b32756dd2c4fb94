/**
 * The one routine every scheduled feed tick goes through, whatever the feed's kind: validate the
 * tick (fleet, feed id, time), load the feed from the manifest, refuse a tick sent to the wrong
 * responder, take the per-feed lease (so two overlapping ticks never write at once), run the
 * kind's work, and release the lease whatever happens. Rejections and failures are logged the same
 * way for every kind, so one dashboard query finds them all.
 */
import { randomUUID } from "node:crypto";
import type { FleetManifest } from "../../plan/manifest.js";
import type { ResponderContext, ResponderOptions } from "./context.js";
import { EventRejectedError, ResponderError } from "./errors.js";
import { parseFeedTick, tickTransitionId } from "./events.js";
import { describeError } from "./log.js";
import { contextOrLog, type Handler, type InvocationContext, logRejected } from "./responder.js";

/** A feed as the manifest holds it. */
export type ManifestFeed = FleetManifest["feeds"][string];

/** One accepted tick, handed to the kind's work. */
export interface FeedTick {
  readonly ctx: ResponderContext;
  readonly feedId: string;
  readonly feed: ManifestFeed;
  /** Stable per scheduled time: a retried delivery of one tick carries the same id. */
  readonly transitionId: string;
  /** When the tick was taken, ms. */
  readonly now: number;
}

/** What a feed-tick handler needs from its kind. */
export interface FeedTickSpec<R> {
  /** The responder's name, for logs and the lease holder (`firewall`, `value-feed`). */
  readonly responder: string;
  /** Why this responder cannot run the feed (wrong kind), or undefined when it can. */
  readonly refuse: (feedId: string, feed: ManifestFeed) => string | undefined;
  /** The result when another tick of the same feed holds the lease. */
  readonly skipped: (feedId: string, reason: string, detail: string) => R;
  /** The kind's work; the lease is held while it runs. */
  readonly run: (tick: FeedTick) => Promise<R>;
}

/**
 * Makes a scheduled-feed handler from a kind's work.
 * @example
 * export const handler = createFeedTickHandler(options, { responder: "firewall", refuse, skipped, run });
 */
export function createFeedTickHandler<R>(options: ResponderOptions, spec: FeedTickSpec<R>): Handler<R> {
  let ctx: ResponderContext | undefined;
  return async (event: unknown, invocation?: InvocationContext) => {
    ctx ??= contextOrLog(spec.responder, options);
    const c = ctx;
    const requestId = invocation?.awsRequestId ?? randomUUID();
    let feedId: string;
    let feed: ManifestFeed;
    let transitionId: string;
    try {
      const tick = parseFeedTick(event, c.env.fleetName);
      feedId = tick.feedId;
      transitionId = tickTransitionId(tick, requestId);
      feed = await c.manifest.feed(feedId);
      const refusal = spec.refuse(feedId, feed);
      if (refusal !== undefined) throw new EventRejectedError(refusal);
    } catch (error) {
      logRejected(c, error);
      throw error;
    }
    const now = c.now();
    const begun = await c.store.begin(
      { subject: `feed:${feedId}`, kind: spec.responder },
      {
        now,
        responseId: feed.responseId,
        intent: "activate",
        transitionId,
        cooldownSeconds: 0,
        maxActionsPerHour: 3600,
      },
      900,
      `${spec.responder}:${requestId}`,
    );
    if (!begun.act) {
      c.log.decision("skipped", begun.detail, { feedId, reason: begun.reason, transitionId });
      return spec.skipped(feedId, begun.reason, begun.detail);
    }
    try {
      return await spec.run({ ctx: c, feedId, feed, transitionId, now });
    } catch (error) {
      c.log.decision("failed", (error as Error).message, {
        feedId,
        reason: error instanceof ResponderError ? error.code : "error",
        error: describeError(error),
      });
      throw error;
    } finally {
      await c.store.finish(begun.lease, false, c.now());
    }
  };
}
