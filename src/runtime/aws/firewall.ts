/**
 * The firewall responder: on each scheduled tick of a list feed, fetch it through the guarded
 * fetcher, parse and aggregate it, apply the last-good-list rule against the list in force (read
 * back from the enforcement point itself), and write a changed list to the feed's WAF IP sets
 * (one per IP version, at most 10,000 addresses each, lock token, retry on optimistic-lock errors,
 * about one write per second) or to its network ACL rules. A failed, empty, garbage, oversized or
 * sharply shrunken feed keeps the list in force and raises the `FeedListKept` metric.
 */
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeVpcsCommand,
  ReplaceNetworkAclEntryCommand,
} from "@aws-sdk/client-ec2";
import { GetIPSetCommand, UpdateIPSetCommand, type WAFV2Client } from "@aws-sdk/client-wafv2";
import type { FeedEnforcement, WafIpSetRef } from "../../plan/manifest.js";
import { aggregate, CidrSet, diffCidrSets, WAF_IP_SET_LIMIT } from "../feeds/cidr-set.js";
import { FeedFetcher, type FeedValidators } from "../feeds/fetch.js";
import type { feedFormatOptions } from "../feeds/formats/index.js";
import { refreshFeed } from "../feeds/refresh.js";
import type { ResponderContext, ResponderOptions } from "./context.js";
import { FirewallLimitError, NetworkAclRangeConflictError, ResponderError } from "./errors.js";
import { createFeedTickHandler, type ManifestFeed } from "./feed-tick.js";
import { retryThrottled } from "./instances.js";
import { describeError, type MetricPoint } from "./log.js";
import type { Handler } from "./responder.js";

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
const GUARDED = new Set([
  "fetch-failed",
  "empty",
  "mostly-rejected",
  "unsafe-entries",
  "over-limit",
  "shrunk-too-much",
  "grew-too-much",
]);
/** Inbound rules per network ACL unless NETWORK_ACL_RULES says the quota was raised (Amazon VPC quotas). */
const DEFAULT_NACL_RULE_QUOTA = 20;

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
  let lastWafWrite = Number.NEGATIVE_INFINITY;
  return createFeedTickHandler<FirewallResult>(options, {
    responder: "firewall",
    refuse: (feedId, feed) =>
      feed.kind !== "list"
        ? `Feed ${feedId} is a value feed; its schedule must invoke the value-feed responder, not the firewall. Nothing was done.`
        : undefined,
    skipped: (feedId, reason, detail) => ({ feedId, outcome: "skipped", reason, detail }),
    run: async ({ ctx, feedId, feed, transitionId, now }) => {
      const result = await runFeed(ctx, feedId, feed, {
        pace: async () => {
          const wait = lastWafWrite + ctx.env.wafWriteIntervalMs - ctx.now();
          if (wait > 0) await ctx.sleep(wait);
          lastWafWrite = ctx.now();
        },
      });
      if (result.outcome === "replaced") {
        await ctx.store.audit({
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
    },
  });
}

/**
 * The account's own networks in this region: every VPC's IPv4 and IPv6 CIDR blocks. A block list
 * never covers them, whatever the feed says (blocking the VPC's own range cuts instances off from
 * each other, from their load balancer and from the VPC resolver).
 */
export async function ownNetworks(ctx: ResponderContext): Promise<CidrSet> {
  const cidrs: string[] = [];
  let nextToken: string | undefined;
  // Bounded: 1,000 pages of VPCs is far beyond any account's quota.
  for (let page = 0; page < 1000; page++) {
    const result = await retryThrottled(ctx, () =>
      ctx.clients.ec2.send(new DescribeVpcsCommand(nextToken === undefined ? {} : { NextToken: nextToken })),
    );
    for (const vpc of result?.Vpcs ?? []) {
      for (const block of vpc.CidrBlockAssociationSet ?? [])
        if (block.CidrBlock !== undefined) cidrs.push(block.CidrBlock);
      if (vpc.CidrBlock !== undefined) cidrs.push(vpc.CidrBlock);
      for (const block of vpc.Ipv6CidrBlockAssociationSet ?? [])
        if (block.Ipv6CidrBlock !== undefined) cidrs.push(block.Ipv6CidrBlock);
    }
    nextToken = result?.NextToken;
    if (nextToken === undefined) break;
  }
  return aggregate(CidrSet.fromStrings(cidrs));
}

interface Enforcer {
  /** The list in force, aggregated; throws, writing nothing, when the enforcer cannot safely own it. */
  read(): Promise<CidrSet>;
  /** Replaces the list in force. */
  write(list: CidrSet): Promise<void>;
  /** The entry limit per IP version (known after `read`). */
  readonly limit: number;
  /** The limit on both versions together, when there is one (network ACL rules; known after `read`). */
  readonly totalLimit?: number;
  /** What the limit is, for the over-limit message. */
  readonly limitName: string;
}

async function runFeed(
  ctx: ResponderContext,
  feedId: string,
  feed: ManifestFeed,
  waf: { pace: () => Promise<void> },
): Promise<FirewallResult> {
  const enforcement = await ctx.manifest.enforcement(feedId);
  const enforcer =
    (feed.enforcement ?? "waf-ip-set") === "waf-ip-set"
      ? wafEnforcer(ctx, feedId, enforcement?.waf, waf.pace)
      : aclEnforcer(ctx, feedId, enforcement?.networkAcl, feed);
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
    limit: { limit: Math.max(1, enforcer.limit) },
    policy: {
      maxShrinkShare: (feed.maxShrinkPercent ?? 50) / 100,
      maxGrowShare: (feed.maxGrowPercent ?? 100) / 100,
    },
    safety: {
      mode: feed.mode ?? "block",
      ...(feed.minPrefixIpv4 !== undefined ? { minPrefixIpv4: feed.minPrefixIpv4 } : {}),
      ...(feed.minPrefixIpv6 !== undefined ? { minPrefixIpv6: feed.minPrefixIpv6 } : {}),
      // Only block lists are screened against the account's networks; an allow list may name them.
      ...((feed.mode ?? "block") === "block" ? { ownNetworks: await ownNetworks(ctx) } : {}),
    },
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
  if (run.screened && run.screened.refused > 0) {
    fields.refused = run.screened.byReason;
    fields.refusedSamples = run.screened.samples;
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
      message: `The feed has ${run.lastGood!.list.size} entries after aggregation; ${enforcer.limitName} takes at most ${enforcer.totalLimit}. Keeping the list in force of ${current.size} entries; enforce this feed with a WAF IP set instead.`,
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
  if (run.screened && run.screened.refused > 0) {
    // One metric per line shares the line's dimension fields, so the reasons go in a field, not a dimension.
    metrics.push({
      name: "FeedEntriesRefused",
      value: run.screened.refused,
      unit: "Count",
      dimensions: { Feed: feedId },
    });
  }
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

// --- WAF ---------------------------------------------------------------------------------------

/**
 * The WAF client for a scope. CLOUDFRONT IP sets live in us-east-1 only ("To work with CloudFront,
 * you must also specify the Region US East (N. Virginia)... API and SDKs - For all calls, use the
 * Region endpoint us-east-1", AWS WAFV2 API Reference, CreateIPSet `Scope`), whatever the Lambda's region.
 */
function wafClient(ctx: ResponderContext, scope: "REGIONAL" | "CLOUDFRONT"): WAFV2Client {
  return scope === "CLOUDFRONT" ? ctx.clients.wafv2ForRegion("us-east-1") : ctx.clients.wafv2;
}

/**
 * The addresses to write for one IP version. WAF refuses a /0 ("AWS WAF supports all IPv4 and IPv6
 * CIDR ranges except for /0", AWS WAFV2 API Reference, IPSet `Addresses`), and aggregation can
 * produce one (an allow list covering every /1): it is written as the two halves, which cover the same.
 * @example
 * wafAddresses(["0.0.0.0/0"]); // ["0.0.0.0/1", "128.0.0.0/1"]
 */
export function wafAddresses(addresses: readonly string[]): string[] {
  return addresses.flatMap((cidr) =>
    cidr === "0.0.0.0/0" ? ["0.0.0.0/1", "128.0.0.0/1"] : cidr === "::/0" ? ["::/1", "8000::/1"] : [cidr],
  );
}

function wafEnforcer(
  ctx: ResponderContext,
  feedId: string,
  sets: FeedEnforcement["waf"],
  pace: () => Promise<void>,
): Enforcer {
  if (sets === undefined || (sets.ipv4 === undefined && sets.ipv6 === undefined)) {
    throw new ResponderError(
      "RESPONDER_CONFIG",
      `The fleet store's entry of feed ${feedId} names no WAF IP sets; the component that deploys the feed must list them. Nothing was changed.`,
    );
  }
  const client = wafClient(ctx, sets.scope);
  const known: IpSetState = new Map();
  return {
    // Each version is checked against the set's limit; a /0 split in two still fits (it is alone).
    limit: WAF_IP_SET_LIMIT,
    limitName: "a WAF IP set",
    async read() {
      const addresses: string[] = [];
      for (const ref of [sets.ipv4, sets.ipv6]) {
        if (ref === undefined) continue;
        const got = await retryThrottled(ctx, () =>
          client.send(new GetIPSetCommand({ Name: ref.name, Id: ref.id, Scope: sets.scope })),
        );
        if (got.LockToken !== undefined)
          known.set(ref.id, { lockToken: got.LockToken, description: got.IPSet?.Description });
        addresses.push(...(got.IPSet?.Addresses ?? []));
      }
      return aggregate(CidrSet.fromStrings(addresses));
    },
    async write(list) {
      const versions: [WafIpSetRef | undefined, string[], string][] = [
        [sets.ipv4, wafAddresses(list.ipv4Strings()), "IPv4"],
        [sets.ipv6, wafAddresses(list.ipv6Strings()), "IPv6"],
      ];
      for (const [ref, addresses, version] of versions) {
        if (ref === undefined) {
          if (addresses.length > 0) {
            ctx.log.metric(
              `feed ${feedId} lists ${addresses.length} ${version} entries but its store entry has no ${version} set; they are not enforced`,
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
        await updateIpSet(ctx, client, sets.scope, ref, addresses, known, pace);
      }
    },
  };
}

/** What the last GetIPSet or UpdateIPSet said about a set, by id: its lock token and the description to repeat. */
export type IpSetState = Map<string, { lockToken: string; description: string | undefined }>;

/**
 * Replaces an IP set's addresses: at most 10,000, never a /0, with the lock token, retrying lost
 * races, and keeping the set's description (UpdateIPSet replaces the whole set: a call without
 * `Description` clears it, AWS WAFV2 API Reference, UpdateIPSet).
 * @example
 * await writeIpSet(ctx, "REGIONAL", { name: "web-drop-ipv4", id }, ["45.1.2.0/24"]);
 */
export async function writeIpSet(
  ctx: ResponderContext,
  scope: "REGIONAL" | "CLOUDFRONT",
  ref: WafIpSetRef,
  addresses: string[],
  known: IpSetState = new Map(),
  pace: () => Promise<void> = async () => {},
): Promise<void> {
  await updateIpSet(ctx, wafClient(ctx, scope), scope, ref, addresses, known, pace);
}

async function updateIpSet(
  ctx: ResponderContext,
  client: WAFV2Client,
  scope: "REGIONAL" | "CLOUDFRONT",
  ref: WafIpSetRef,
  addresses: string[],
  known: IpSetState,
  pace: () => Promise<void>,
): Promise<void> {
  if (addresses.length > WAF_IP_SET_LIMIT) {
    throw new FirewallLimitError(
      `Refusing to write ${addresses.length} addresses to WAF IP set ${ref.name}: a set holds at most ${WAF_IP_SET_LIMIT.toLocaleString("en-US")}.`,
    );
  }
  const zero = addresses.find((a) => a.endsWith("/0"));
  if (zero !== undefined) {
    throw new FirewallLimitError(
      `Refusing to write ${zero} to WAF IP set ${ref.name}: WAF supports every CIDR range except /0; write it as its two /1 halves.`,
    );
  }
  for (let attempt = 1; attempt <= WAF_LOCK_ATTEMPTS; attempt++) {
    let state = known.get(ref.id);
    if (state === undefined) {
      const got = await retryThrottled(ctx, () =>
        client.send(new GetIPSetCommand({ Name: ref.name, Id: ref.id, Scope: scope })),
      );
      state = { lockToken: got.LockToken ?? "", description: got.IPSet?.Description };
    }
    await pace();
    const { lockToken, description } = state;
    try {
      const result = await retryThrottled(ctx, () =>
        client.send(
          new UpdateIPSetCommand({
            Name: ref.name,
            Id: ref.id,
            Scope: scope,
            Addresses: addresses,
            LockToken: lockToken,
            ...(description !== undefined ? { Description: description } : {}),
          }),
        ),
      );
      if (result.NextLockToken !== undefined)
        known.set(ref.id, { lockToken: result.NextLockToken, description });
      else known.delete(ref.id);
      return;
    } catch (error) {
      if ((error as { name?: string }).name !== "WAFOptimisticLockException") throw error;
      ctx.log.warn("WAF IP set changed since it was read; reading it again", { ipSet: ref.name, attempt });
      known.delete(ref.id);
    }
  }
  throw new ResponderError(
    "RESPONDER_WAF_CONTENDED",
    `WAF IP set ${ref.name} changed under this update ${WAF_LOCK_ATTEMPTS} times in a row (WAFOptimisticLockException); the list in force was kept. Is something else writing to it?`,
  );
}

// --- network ACL ---------------------------------------------------------------------------------

/** The rule numbers a feed's responder created in a network ACL, as recorded in the state table. */
export interface OwnedAclRules {
  networkAclId: string;
  ruleNumbers: number[];
}

/** State-table sort key of {@link OwnedAclRules} under `feed#<feed id>`. */
export const OWNED_ACL_RULES_KEY = "network-acl-rules";

/**
 * Enforces a list as inbound network ACL rules. The responder owns only the rule numbers it created
 * (recorded in the state table before each change), so it never replaces or deletes a rule someone
 * else wrote: a reserved range holding a rule it did not create is refused before anything is
 * written. Rules are evaluated lowest number first, so the range must sit before the ACL's allow
 * rules for deny rules to take effect (the default ACL allows everything at rule 100).
 */
function aclEnforcer(
  ctx: ResponderContext,
  feedId: string,
  rules: FeedEnforcement["networkAcl"],
  feed: ManifestFeed,
): Enforcer {
  if (rules === undefined) {
    throw new ResponderError(
      "RESPONDER_CONFIG",
      `The fleet store's entry of feed ${feedId} names no network ACL rules; the component that deploys the feed must list them. Nothing was changed.`,
    );
  }
  const aclId = rules.networkAclId;
  const first = rules.firstRuleNumber;
  const reserved = Math.min(rules.maxEntries, feed.maxEntries ?? rules.maxEntries);
  const quota = rules.ruleQuota ?? DEFAULT_NACL_RULE_QUOTA;
  const action = feed.mode === "allow" ? "allow" : "deny";
  const docKey = `feed#${feedId}`;
  type Rule = { number: number; cidr: string };
  let existing: Rule[] = [];
  let capacity = reserved;
  const record = (ruleNumbers: number[]) =>
    ctx.store.writeDocument(
      docKey,
      OWNED_ACL_RULES_KEY,
      {
        networkAclId: aclId,
        ruleNumbers: [...new Set(ruleNumbers)].sort((a, b) => a - b),
      } satisfies OwnedAclRules,
      ctx.now(),
    );
  return {
    get limit() {
      return capacity;
    },
    get totalLimit() {
      return capacity;
    },
    limitName: `network ACL ${aclId} (${quota} inbound rules per ACL, shared with its other rules)`,
    async read() {
      const result = await retryThrottled(ctx, () =>
        ctx.clients.ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] })),
      );
      // The default rule (*, number 32767) cannot be changed and does not count against the quota.
      const inbound = (result.NetworkAcls?.[0]?.Entries ?? []).filter(
        (e) => e.Egress === false && e.RuleNumber !== undefined && e.RuleNumber < 32767,
      );
      const stored = await ctx.store.readDocument<OwnedAclRules>(docKey, OWNED_ACL_RULES_KEY);
      const owned = new Set(stored?.networkAclId === aclId ? stored.ruleNumbers : []);
      const inRange = inbound.filter((e) => e.RuleNumber! >= first && e.RuleNumber! < first + reserved);
      const foreign = inRange.filter((e) => !owned.has(e.RuleNumber!));
      if (foreign.length > 0) {
        const described = foreign
          .map((e) => `${e.RuleNumber} (${e.RuleAction} ${e.CidrBlock ?? e.Ipv6CidrBlock})`)
          .join(", ");
        const message =
          `Network ACL ${aclId} holds rule${foreign.length === 1 ? "" : "s"} ${described} in the rule numbers ` +
          `${first}–${first + reserved - 1} that feed ${feedId} reserves, and this responder did not create ` +
          `${foreign.length === 1 ? "it" : "them"}; nothing was written. Give the feed a free range ` +
          "(firewall.networkAclFirstRule) or remove those rules.";
        ctx.log.metric(
          message,
          [
            {
              name: "NetworkAclRangeConflict",
              value: foreign.length,
              unit: "Count",
              dimensions: { Feed: feedId },
            },
          ],
          { level: "error", feedId, networkAclId: aclId, ruleNumbers: foreign.map((e) => e.RuleNumber) },
        );
        throw new NetworkAclRangeConflictError(
          message,
          aclId,
          foreign.map((e) => e.RuleNumber!),
        );
      }
      existing = inRange.map((e) => ({ number: e.RuleNumber!, cidr: (e.CidrBlock ?? e.Ipv6CidrBlock)! }));
      // Every inbound rule that is not this feed's counts against the ACL's quota.
      capacity = Math.max(0, Math.min(reserved, quota - (inbound.length - existing.length)));
      return aggregate(CidrSet.fromStrings(existing.map((r) => r.cidr)));
    },
    async write(list) {
      const wanted = list.toStrings();
      if (wanted.length > capacity)
        throw new FirewallLimitError(
          `Refusing to write ${wanted.length} rules to network ACL ${aclId}: feed ${feedId} may use ${capacity} (quota ${quota} inbound rules per ACL).`,
        );
      const target = wanted.map((_, i) => first + i);
      // Record first: a crash halfway leaves rules this responder knows it owns, never orphans it would refuse.
      await record([...existing.map((r) => r.number), ...target]);
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
      await record(target);
    },
  };
}
