/**
 * The value-feed responder: on each scheduled tick of a value source (market data, a threat
 * level), fetch it through the guarded fetcher, read the value the condition names, and on a
 * transition dispatch the response (activate when the condition starts to hold, clear when it has
 * not held for `clearAfterSeconds`) to every instance of the persona, through the other responders,
 * so their locks, cooldowns and bounds apply. Unreadable or missing data never fires an action: it
 * is logged and counted (`ValueFeedUnreadable`).
 */
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { responderOf } from "../../plan/responders.js";
import { FeedError } from "../feeds/errors.js";
import { FeedFetcher } from "../feeds/fetch.js";
import { compileJsonPath } from "../feeds/formats/json.js";
import type { ResponderContext, ResponderOptions } from "./context.js";
import { type DispatchKind, ENV } from "./env.js";
import { ActionFailedError } from "./errors.js";
import type { DispatchEvent } from "./events.js";
import { createFeedTickHandler, type ManifestFeed } from "./feed-tick.js";
import { retryThrottled } from "./instances.js";
import type { Handler } from "./responder.js";

type Condition = NonNullable<ManifestFeed["condition"]>;

/** What the value feed remembers between ticks. */
export interface ValueFeedState {
  /** Whether the response is in force (activated and not yet cleared). */
  active: boolean;
  /** When the condition last held, ms. */
  lastHeldAt?: number;
  /** The last value read. */
  lastValue?: number;
}

/** What one tick did. */
export interface ValueFeedResult {
  feedId: string;
  /** `dispatched`: the response went to the responders; `steady`: no transition; `unreadable`; `skipped`: a guard rail said no. */
  outcome: "dispatched" | "steady" | "unreadable" | "skipped";
  detail: string;
  value?: number;
  intent?: "activate" | "clear";
  /** Invocations sent: `<responder>:<instance id>`. */
  dispatched?: string[];
}

/**
 * Reads the number a condition's path selects; a sentence saying why when there is none.
 * @example
 * readValue('{"threat":{"level":4}}', "json", "$.threat.level"); // 4
 */
export function readValue(body: string, format: "json" | "text", path: string): number | string {
  if (format === "text") {
    const text = body.trim();
    const value = text === "" ? Number.NaN : Number(text);
    return Number.isFinite(value) ? value : `the body is not a number (${JSON.stringify(text.slice(0, 40))})`;
  }
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return "the body is not valid JSON";
  }
  const steps = compileJsonPath(path);
  if (typeof steps === "string") return steps;
  let current: unknown[] = [document];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of current) {
      if (node === null || typeof node !== "object") continue;
      if (step.kind === "all") next.push(...Object.values(node));
      else if (step.kind === "index") {
        if (Array.isArray(node) && step.index < node.length) next.push(node[step.index]);
      } else if (!Array.isArray(node) && Object.hasOwn(node, step.key))
        next.push((node as Record<string, unknown>)[step.key]);
    }
    current = next;
  }
  if (current.length !== 1)
    return current.length === 0
      ? `${path} selects nothing`
      : `${path} selects ${current.length} values, not one`;
  const value = current[0];
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return `${path} is ${JSON.stringify(value)?.slice(0, 40)}, not a number`;
}

/** Whether `value` meets the condition. */
export function holds(value: number, condition: Condition): boolean {
  switch (condition.operator) {
    case ">":
      return value > condition.threshold;
    case ">=":
      return value >= condition.threshold;
    case "<":
      return value < condition.threshold;
    case "<=":
      return value <= condition.threshold;
  }
}

/**
 * Makes the value-feed handler.
 * @example
 * export const handler = createValueFeedResponder();
 */
export function createValueFeedResponder(options: ResponderOptions = {}): Handler<ValueFeedResult> {
  return createFeedTickHandler<ValueFeedResult>(options, {
    responder: "value-feed",
    refuse: (feedId, feed) =>
      feed.kind !== "value" || feed.condition === undefined
        ? `Feed ${feedId} is not a value feed with a condition; its schedule must invoke the firewall responder. Nothing was done.`
        : undefined,
    skipped: (feedId, _reason, detail) => ({ feedId, outcome: "skipped", detail }),
    run: ({ ctx, feedId, feed, transitionId, now }) =>
      tick(ctx, feedId, feed, feed.condition!, transitionId, now),
  });
}

async function tick(
  ctx: ResponderContext,
  feedId: string,
  feed: ManifestFeed,
  condition: Condition,
  tickId: string,
  now: number,
): Promise<ValueFeedResult> {
  const docKey = `feed#${feedId}`;
  const state = (await ctx.store.readDocument<ValueFeedState>(docKey, "value")) ?? { active: false };
  let value: number | string;
  try {
    const fetched = await new FeedFetcher({
      timeoutMs: feed.limits.timeoutSeconds * 1000,
      maxBytes: feed.limits.maxBytes,
      ...ctx.fetcher,
    }).fetch(feed.url);
    value =
      fetched.status === "fetched"
        ? readValue(fetched.body.toString("utf8"), feed.valueFormat ?? "json", condition.path)
        : "the feed answered 304 to an unconditional request";
  } catch (error) {
    if (!(error instanceof FeedError)) throw error;
    value = error.message;
  }
  if (typeof value === "string") {
    const detail = `Feed ${feedId} gave no usable value (${value}); no action is taken and the state stays ${state.active ? "active" : "inactive"}.`;
    ctx.log.metric(
      detail,
      [{ name: "ValueFeedUnreadable", value: 1, unit: "Count", dimensions: { Feed: feedId } }],
      { level: "warn", feedId, url: feed.url },
    );
    ctx.log.decision("skipped", detail, { feedId, reason: "unreadable" });
    return { feedId, outcome: "unreadable", detail };
  }
  const met = holds(value, condition);
  const next: ValueFeedState = { ...state, lastValue: value };
  if (met) next.lastHeldAt = now;
  let intent: "activate" | "clear" | undefined;
  if (met && !state.active) intent = "activate";
  else if (
    !met &&
    state.active &&
    feed.clearAfterSeconds !== undefined &&
    now - (state.lastHeldAt ?? 0) >= feed.clearAfterSeconds * 1000
  )
    intent = "clear";
  const described = `${condition.path} = ${value} (${condition.operator} ${condition.threshold} ${met ? "holds" : "does not hold"})`;
  if (intent === undefined) {
    await ctx.store.writeDocument(docKey, "value", next, now);
    const detail = `Feed ${feedId}: ${described}; no transition.`;
    ctx.log.decision("skipped", detail, { feedId, reason: "steady", value });
    return { feedId, outcome: "steady", detail, value };
  }
  const dispatched = await dispatch(ctx, feedId, feed, intent, `${tickId}#${intent}`);
  next.active = intent === "activate";
  await ctx.store.writeDocument(docKey, "value", next, now);
  const detail = `Feed ${feedId}: ${described}; dispatched ${intent} of ${feed.responseId} (${dispatched.length} invocations).`;
  ctx.log.decision("acted", detail, { feedId, reason: intent, value, dispatched });
  return { feedId, outcome: "dispatched", detail, value, intent, dispatched };
}

async function dispatch(
  ctx: ResponderContext,
  feedId: string,
  feed: ManifestFeed,
  intent: "activate" | "clear",
  transitionId: string,
): Promise<string[]> {
  const functions = ctx.env.responderFunctions;
  // The persona's instances are the members the stack deployed it on (the membership record), never
  // whatever carries the fleet tag.
  const { members } = await ctx.manifest.members();
  const sent: string[] = [];
  for (const instanceId of Object.keys(members).sort()) {
    const { digest } = members[instanceId]!;
    const { persona } = await ctx.manifest.persona(digest);
    if (persona.name !== feed.persona) continue;
    const response = persona.responses[feed.responseId];
    if (response === undefined) continue;
    const actions = intent === "activate" ? response.actions : response.clearActions;
    const kinds = [...new Set(actions.map(responderOf))] as DispatchKind[];
    for (const kind of kinds) {
      const target = functions[kind];
      if (target === undefined) {
        throw new ActionFailedError(
          `${ENV.responderFunctions} names no ${kind} responder, so feed ${feedId} cannot run ${feed.responseId}; the component must list every responder the fleet deploys.`,
          true,
        );
      }
      const event: DispatchEvent = {
        type: "personas.dispatch",
        version: 1,
        instanceId,
        digest,
        responseId: feed.responseId,
        intent,
        transitionId,
        feedId,
      };
      const result = await retryThrottled(ctx, () =>
        ctx.clients.lambda.send(
          new InvokeCommand({
            FunctionName: target,
            InvocationType: "Event",
            Payload: new TextEncoder().encode(JSON.stringify(event)),
          }),
        ),
      );
      if (result.StatusCode !== 202)
        throw new ActionFailedError(
          `Lambda did not accept the dispatch to ${target} (status ${result.StatusCode}).`,
          true,
        );
      sent.push(`${kind}:${instanceId}`);
    }
  }
  return sent;
}
