/**
 * The firewall responder: on each scheduled tick of a list feed, fetch it through the guarded
 * fetcher, parse and aggregate it, apply the last-good-list rule against the list in force (read
 * back from the enforcement point itself), and write a changed list to the feed's WAF IP sets
 * (one per IP version, at most 10,000 addresses each, lock token, retry on optimistic-lock errors,
 * about one write per second) or to its network ACL rules. A failed, empty, garbage, oversized or
 * sharply shrunken feed keeps the list in force and raises the `FeedListKept` metric.
 */
import { randomUUID } from "node:crypto";
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  ReplaceNetworkAclEntryCommand,
} from "@aws-sdk/client-ec2";
import { GetIPSetCommand, UpdateIPSetCommand } from "@aws-sdk/client-wafv2";
import type { FleetManifest } from "../../plan/manifest.js";
import {
  aggregate,
  CidrSet,
  diffCidrSets,
  FeedFetcher,
  type FeedValidators,
  type feedFormatOptions,
  refreshFeed,
  WAF_IP_SET_LIMIT,
} from "../feeds/index.js";
import type { ResponderContext, ResponderOptions } from "./context.js";
import { ENV, type WafFeedSets, type WafIpSetRef } from "./env.js";
import { EventRejectedError, FirewallLimitError, ManifestError, ResponderError } from "./errors.js";
import { parseFeedTick, tickTransitionId } from "./events.js";
import { retryThrottled } from "./instances.js";
import { describeError, type MetricPoint } from "./log.js";
import { contextOrLog, type Handler, type InvocationContext } from "./responder.js";

type ManifestFeed = FleetManifest["feeds"][string];

/** What one feed tick did. */
export interface FirewallResult {
  feedId: string;
  /** `replaced`: the new list was written; `kept`: the list in force stays; `skipped`: a guard rail said no. */
  outcome: "replaced" | "kept" | "skipped";
  /** The last-good-list reason (`updated`, `fetch-failed`, ...) or the guard's skip reason. */
  reason: string;
  detail: string;
  /** Entries in force after the run, per IP version. */
  entries?: { ipv4: number; ipv6: number };
}

/** WAF optimistic-lock retries before giving up on a write. */
const WAF_LOCK_ATTEMPTS = 5;
/** Decisions that keep the list because the feed looked unhealthy (as opposed to unchanged). */
const GUARDED = new Set(["fetch-failed", "empty", "mostly-rejected", "over-limit", "shrunk-too-much"]);

/** The manifest's `{ type }` format as the feeds module's `{ name }` options. */
export function feedFormatOf(feed: ManifestFeed): feedFormatOptions {
  const format = feed.format ?? { type: "plain" as const };
  switch (format.type) {
    case "csv":
      return { name: "csv", column: format.column };
    case "json":
      return { name: "json", path: format.path };
    default:
      return { name: format.type };
  }
}

/**
 * Makes the firewall handler.
 * @example
 * export const handler = createFirewallResponder();
 */
export function createFirewallResponder(options: ResponderOptions = {}): Handler<FirewallResult> {
  let ctx: ResponderContext | undefined;
  let lastWafWrite = Number.NEGATIVE_INFINITY;
  return async (event: unknown, invocation?: InvocationContext) => {
    ctx ??= contextOrLog("firewall", options);
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
      if (feed.kind !== "list") {
        throw new EventRejectedError(
          `Feed ${feedId} is a value feed; its schedule must invoke the value-feed responder, not the firewall. Nothing was done.`,
        );
      }
    } catch (error) {
      const reason =
        error instanceof EventRejectedError
          ? "invalid-event"
          : error instanceof ManifestError
            ? "manifest"
            : "error";
      c.log.decision("rejected", (error as Error).message, { reason, error: describeError(error) });
      throw error;
    }
    const key = { subject: `feed:${feedId}`, kind: "firewall" };
    const now = c.now();
    const begun = await c.store.begin(
      key,
      {
        now,
        responseId: feed.responseId,
        intent: "activate",
        transitionId,
        cooldownSeconds: 0,
        maxActionsPerHour: 3600,
      },
      900,
      `firewall:${requestId}`,
    );
    if (!begun.act) {
      c.log.decision("skipped", begun.detail, { feedId, reason: begun.reason, transitionId });
      return { feedId, outcome: "skipped", reason: begun.reason, detail: begun.detail };
    }
    try {
      const result = await runFeed(c, feedId, feed, {
        pace: async () => {
          const wait = lastWafWrite + c.env.wafWriteIntervalMs - c.now();
          if (wait > 0) await c.sleep(wait);
          lastWafWrite = c.now();
        },
      });
      await c.store.finish(begun.lease, false, c.now());
      if (result.outcome === "replaced") {
        await c.store.audit({
          subject: `feed:${feedId}`,
          kind: "firewall",
          responseId: feed.responseId,
          intent: "activate",
          transitionId,
          outcome: "acted",
          detail: result.detail,
          at: now,
        });
      }
      return result;
    } catch (error) {
      await c.store.finish(begun.lease, false, c.now());
      c.log.decision("failed", (error as Error).message, {
        feedId,
        reason: error instanceof ResponderError ? error.code : "error",
        error: describeError(error),
      });
      throw error;
    }
  };
}

interface Enforcer {
  /** The list in force, aggregated. */
  read(): Promise<CidrSet>;
  /** Replaces the list in force. */
  write(list: CidrSet): Promise<void>;
  /** The entry limit per IP version. */
  limit: number;
  /** The limit on both versions together, when there is one (network ACL rules). */
  totalLimit?: number;
}

async function runFeed(
  ctx: ResponderContext,
  feedId: string,
  feed: ManifestFeed,
  waf: { pace: () => Promise<void> },
): Promise<FirewallResult> {
  const enforcer =
    (feed.enforcement ?? "waf-ip-set") === "waf-ip-set"
      ? wafEnforcer(ctx, feedId, waf.pace)
      : aclEnforcer(ctx, feedId, feed);
  const current = await enforcer.read();
  const docKey = `feed#${feedId}`;
  const validators =
    current.size === 0 ? undefined : await ctx.store.readDocument<FeedValidators>(docKey, "validators");
  const run = await refreshFeed({
    fetcher: new FeedFetcher({
      timeoutMs: feed.limits.timeoutSeconds * 1000,
      maxBytes: feed.limits.maxBytes,
      ...ctx.fetcher,
    }),
    url: feed.url,
    format: feedFormatOf(feed),
    lastGood: current.size === 0 ? undefined : { list: current, ...(validators ? { validators } : {}) },
    limit: { limit: enforcer.limit },
    policy: { maxShrinkShare: (feed.maxShrinkPercent ?? 50) / 100 },
  });
  let decision = run.decision;
  const fields: Record<string, unknown> = {
    feedId,
    url: feed.url,
    reason: decision.reason,
    previousEntries: decision.previousEntries,
  };
  if (decision.newEntries !== undefined) fields.newEntries = decision.newEntries;
  if (run.parsed) {
    fields.accepted = run.parsed.accepted;
    fields.rejected = run.parsed.rejected;
    if (run.parsed.rejected > 0) fields.rejectedSamples = run.parsed.rejectedSamples;
  }
  if (run.error) fields.error = describeError(run.error);
  if (
    decision.action === "replace" &&
    enforcer.totalLimit !== undefined &&
    run.lastGood!.list.size > enforcer.totalLimit
  ) {
    decision = {
      ...decision,
      action: "keep",
      reason: "over-limit",
      message: `The feed has ${run.lastGood!.list.size} entries after aggregation; the network ACL takes at most ${enforcer.totalLimit}. Keeping the list in force of ${current.size} entries; enforce this feed with a WAF IP set instead.`,
    };
    fields.reason = "over-limit";
  }
  const metrics: MetricPoint[] = [
    {
      name: "FeedRejectedLines",
      value: run.parsed?.rejected ?? 0,
      unit: "Count",
      dimensions: { Feed: feedId },
    },
  ];
  if (decision.action === "keep") {
    if (GUARDED.has(decision.reason)) {
      metrics.push({
        name: "FeedListKept",
        value: 1,
        unit: "Count",
        dimensions: { Feed: feedId, Reason: decision.reason },
      });
      ctx.log.metric(decision.message, metrics, { level: "warn", ...fields });
    } else {
      ctx.log.metric(decision.message, metrics, fields);
    }
    // An unchanged feed brings fresh validators; a refused one must be judged again next time.
    if ((decision.reason === "identical" || decision.reason === "not-modified") && run.lastGood?.validators) {
      await ctx.store.writeDocument(docKey, "validators", run.lastGood.validators, ctx.now());
    }
    ctx.log.decision("skipped", decision.message, { feedId, reason: decision.reason });
    return {
      feedId,
      outcome: "kept",
      reason: decision.reason,
      detail: decision.message,
      entries: current.counts,
    };
  }
  const next = run.lastGood!.list;
  const diff = diffCidrSets(current, next);
  await enforcer.write(next);
  await ctx.store.writeDocument(docKey, "validators", run.lastGood!.validators ?? {}, ctx.now());
  ctx.log.metric(
    decision.message,
    [...metrics, { name: "FeedEntries", value: next.size, unit: "Count", dimensions: { Feed: feedId } }],
    {
      ...fields,
      added: diff.ipv4ToAdd.length + diff.ipv6ToAdd.length,
      removed: diff.ipv4ToRemove.length + diff.ipv6ToRemove.length,
    },
  );
  ctx.log.decision("acted", decision.message, { feedId, reason: decision.reason });
  return {
    feedId,
    outcome: "replaced",
    reason: decision.reason,
    detail: decision.message,
    entries: next.counts,
  };
}

// --- WAF -----------------------------------------------------------------------------------------

function wafEnforcer(ctx: ResponderContext, feedId: string, pace: () => Promise<void>): Enforcer {
  const sets: WafFeedSets | undefined = ctx.env.wafIpSets[feedId];
  if (sets === undefined || (sets.ipv4 === undefined && sets.ipv6 === undefined)) {
    throw new ResponderError(
      "RESPONDER_CONFIG",
      `${ENV.wafIpSets} has no IP sets for feed ${feedId}; the component that deploys the feed must list them. Nothing was changed.`,
    );
  }
  const tokens = new Map<string, string>();
  return {
    limit: WAF_IP_SET_LIMIT,
    async read() {
      const addresses: string[] = [];
      for (const ref of [sets.ipv4, sets.ipv6]) {
        if (ref === undefined) continue;
        const got = await retryThrottled(ctx, () =>
          ctx.clients.wafv2.send(new GetIPSetCommand({ Name: ref.name, Id: ref.id, Scope: sets.scope })),
        );
        if (got.LockToken !== undefined) tokens.set(ref.id, got.LockToken);
        addresses.push(...(got.IPSet?.Addresses ?? []));
      }
      return aggregate(CidrSet.fromStrings(addresses));
    },
    async write(list) {
      const versions: [WafIpSetRef | undefined, string[], string][] = [
        [sets.ipv4, list.ipv4Strings(), "IPv4"],
        [sets.ipv6, list.ipv6Strings(), "IPv6"],
      ];
      for (const [ref, addresses, version] of versions) {
        if (ref === undefined) {
          if (addresses.length > 0) {
            ctx.log.metric(
              `feed ${feedId} lists ${addresses.length} ${version} entries but ${ENV.wafIpSets} has no ${version} set for it; they are not enforced`,
              [
                {
                  name: "FeedEntriesNotEnforced",
                  value: addresses.length,
                  unit: "Count",
                  dimensions: { Feed: feedId },
                },
              ],
              { level: "warn", feedId },
            );
          }
          continue;
        }
        await writeIpSet(ctx, sets.scope, ref, addresses, tokens, pace);
      }
    },
  };
}

/** Replaces an IP set's addresses: at most 10,000, with the lock token, retrying lost races. */
export async function writeIpSet(
  ctx: ResponderContext,
  scope: "REGIONAL" | "CLOUDFRONT",
  ref: WafIpSetRef,
  addresses: string[],
  tokens: Map<string, string> = new Map(),
  pace: () => Promise<void> = async () => {},
): Promise<void> {
  if (addresses.length > WAF_IP_SET_LIMIT) {
    throw new FirewallLimitError(
      `Refusing to write ${addresses.length} addresses to WAF IP set ${ref.name}: a set holds at most ${WAF_IP_SET_LIMIT.toLocaleString("en-US")}.`,
    );
  }
  for (let attempt = 1; attempt <= WAF_LOCK_ATTEMPTS; attempt++) {
    let token = tokens.get(ref.id);
    if (token === undefined) {
      const got = await retryThrottled(ctx, () =>
        ctx.clients.wafv2.send(new GetIPSetCommand({ Name: ref.name, Id: ref.id, Scope: scope })),
      );
      token = got.LockToken;
    }
    await pace();
    try {
      const result = await retryThrottled(ctx, () =>
        ctx.clients.wafv2.send(
          new UpdateIPSetCommand({
            Name: ref.name,
            Id: ref.id,
            Scope: scope,
            Addresses: addresses,
            LockToken: token,
          }),
        ),
      );
      if (result.NextLockToken !== undefined) tokens.set(ref.id, result.NextLockToken);
      else tokens.delete(ref.id);
      return;
    } catch (error) {
      if ((error as { name?: string }).name !== "WAFOptimisticLockException") throw error;
      ctx.log.warn("WAF IP set changed since it was read; reading it again", { ipSet: ref.name, attempt });
      tokens.delete(ref.id);
    }
  }
  throw new ResponderError(
    "RESPONDER_WAF_CONTENDED",
    `WAF IP set ${ref.name} changed under this update ${WAF_LOCK_ATTEMPTS} times in a row (WAFOptimisticLockException); the list in force was kept. Is something else writing to it?`,
  );
}

// --- network ACL ---------------------------------------------------------------------------------

function aclEnforcer(ctx: ResponderContext, feedId: string, feed: ManifestFeed): Enforcer {
  const rules = ctx.env.networkAclRules(feedId);
  const aclId = rules.networkAclId;
  const first = rules.firstRuleNumber;
  const max = Math.min(rules.maxEntries, feed.maxEntries ?? rules.maxEntries);
  const action = feed.mode === "allow" ? "allow" : "deny";
  type Rule = { number: number; cidr: string; v6: boolean };
  let existing: Rule[] = [];
  return {
    limit: max,
    totalLimit: max,
    async read() {
      const result = await retryThrottled(ctx, () =>
        ctx.clients.ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] })),
      );
      const entries = result.NetworkAcls?.[0]?.Entries ?? [];
      existing = entries
        .filter(
          (e) =>
            e.Egress === false &&
            e.RuleNumber !== undefined &&
            e.RuleNumber >= first &&
            e.RuleNumber < first + max,
        )
        .map((e) => ({
          number: e.RuleNumber!,
          cidr: (e.CidrBlock ?? e.Ipv6CidrBlock)!,
          v6: e.CidrBlock === undefined,
        }));
      return aggregate(CidrSet.fromStrings(existing.map((r) => r.cidr)));
    },
    async write(list) {
      const wanted = list.toStrings();
      const byNumber = new Map(existing.map((r) => [r.number, r]));
      for (let i = 0; i < wanted.length; i++) {
        const cidr = wanted[i]!;
        const v6 = cidr.includes(":");
        const entry = {
          NetworkAclId: aclId,
          RuleNumber: first + i,
          Egress: false,
          Protocol: "-1",
          RuleAction: action,
          ...(v6 ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
        } as const;
        const old = byNumber.get(first + i);
        if (old?.cidr === cidr) continue;
        await retryThrottled(ctx, () =>
          ctx.clients.ec2.send(
            old === undefined
              ? new CreateNetworkAclEntryCommand(entry)
              : new ReplaceNetworkAclEntryCommand(entry),
          ),
        );
      }
      for (const rule of existing) {
        if (rule.number >= first + wanted.length) {
          await retryThrottled(ctx, () =>
            ctx.clients.ec2.send(
              new DeleteNetworkAclEntryCommand({
                NetworkAclId: aclId,
                RuleNumber: rule.number,
                Egress: false,
              }),
            ),
          );
        }
      }
    },
  };
}
