/**
 * The scale responder's `personas.baseline` branch: the orchestrator asks for an instance's baseline
 * size when it applies a persona at run time (docs/orchestrator.md). The event carries the size, so
 * no manifest entry is needed; the resize takes the same guard (duplicate delivery, lock, circuit
 * breaker) and the same stop → modify → start → restore path as an alarm's scale action.
 */
import { randomUUID } from "node:crypto";
import { GUARD_DEFAULTS } from "../../../plan/defaults.js";
import type { ResponderContext, ResponderOptions } from "../context.js";
import { EventRejectedError, ProvenanceRefusedError, ResponderError } from "../errors.js";
import { describeFleetInstance } from "../instances.js";
import { describeError } from "../log.js";
import { requireDispatchDigest, requireMember } from "../provenance.js";
import { contextOrLog, createResponder, type Handler, type ResponderResult } from "../responder.js";
import { resizeInstance, scaleExecutor } from "./scale.js";

/** What the orchestrator sends: `{"type":"personas.baseline","version":1,instanceId,digest,size,transitionId}`. */
export interface BaselineRequest {
  type: "personas.baseline";
  version: 1;
  instanceId: string;
  /** The persona digest whose baseline this is (logged and audited). */
  digest: string;
  /** The instance type to go to. */
  size: string;
  /** `orchestrator:<instance>@<digest>`: a redelivery carries the same id and does not act twice. */
  transitionId: string;
}

/** The response id baseline resizes are guarded and audited under. */
export const BASELINE_RESPONSE_ID = "baseline";

const FIELDS: Record<string, RegExp> = {
  instanceId: /^i-[0-9a-f]{8,17}$/,
  digest: /^\S{1,200}$/,
  size: /^[a-z0-9-]+\.[a-z0-9-]+$/,
  transitionId: /^\S{1,400}$/,
};

/** Whether an event asks for a baseline resize (then {@link parseBaselineRequest} validates it). */
export function isBaselineEvent(input: unknown): boolean {
  return (
    typeof input === "object" && input !== null && (input as { type?: unknown }).type === "personas.baseline"
  );
}

/** Validates a baseline event; throws {@link EventRejectedError} naming every field at fault. */
export function parseBaselineRequest(input: unknown): BaselineRequest {
  const event = input as Record<string, unknown>;
  const problems: string[] = [];
  if (event.version !== 1) problems.push("version: expected 1");
  for (const [field, pattern] of Object.entries(FIELDS)) {
    const value = event[field];
    if (typeof value !== "string" || !pattern.test(value)) problems.push(`${field}: expected ${pattern}`);
  }
  const extra = Object.keys(event).filter((k) => k !== "type" && k !== "version" && !(k in FIELDS));
  if (extra.length > 0) problems.push(`unknown fields ${extra.join(", ")}`);
  if (problems.length > 0)
    throw new EventRejectedError(
      `Rejected an event that is not a valid baseline event (${problems.join("; ")}); nothing was done.`,
    );
  return event as unknown as BaselineRequest;
}

/** Resizes the instance to the requested baseline size under the scale responder's guard. */
export async function runBaseline(
  ctx: ResponderContext,
  input: unknown,
  requestId: string,
): Promise<ResponderResult> {
  let request: BaselineRequest;
  try {
    request = parseBaselineRequest(input);
  } catch (error) {
    ctx.log.decision("rejected", (error as Error).message, {
      reason: "invalid-event",
      error: describeError(error),
    });
    throw error;
  }
  const { instanceId, transitionId } = request;
  // Only a member, and only for the persona the orchestrator recorded or the stack deployed on it.
  try {
    await requireDispatchDigest(ctx, instanceId, await requireMember(ctx, instanceId), request.digest);
  } catch (error) {
    if (!(error instanceof ProvenanceRefusedError)) throw error;
    ctx.log.decision("rejected", error.message, { reason: error.reason, instanceId });
    return { outcome: "skipped", reason: error.reason, detail: error.message, instanceId };
  }
  const fields = { instanceId, responseId: BASELINE_RESPONSE_ID, intent: "activate", transitionId };
  // No cooldown: the orchestrator asks once per persona change; the breaker still bounds resizes.
  const guard = {
    now: ctx.now(),
    responseId: BASELINE_RESPONSE_ID,
    intent: "activate" as const,
    transitionId,
    cooldownSeconds: 0,
    maxActionsPerHour: GUARD_DEFAULTS.maxActionsPerHour,
  };
  const begun = await ctx.store.begin(
    { subject: instanceId, kind: "scale" },
    guard,
    GUARD_DEFAULTS.lockTtlSeconds,
    `scale:${requestId}`,
  );
  if (!begun.act) {
    ctx.log.decision("skipped", begun.detail, { ...fields, reason: begun.reason });
    return { outcome: "skipped", reason: begun.reason, detail: begun.detail, instanceId };
  }
  const audit = (outcome: "acted" | "unchanged" | "failed", detail: string) =>
    ctx.store.audit({
      subject: instanceId,
      kind: "scale",
      responseId: BASELINE_RESPONSE_ID,
      intent: "activate",
      transitionId,
      outcome,
      detail,
      at: guard.now,
    });
  try {
    const instance = await describeFleetInstance(ctx, instanceId);
    const reason = `${instance.type} -> ${request.size} (baseline of persona ${request.digest})`;
    const result =
      instance.type === request.size
        ? {
            outcome: "unchanged" as const,
            detail: `${instanceId}: already ${request.size}, the baseline of persona ${request.digest}`,
          }
        : await resizeInstance(ctx, instance, request.size, reason);
    await ctx.store.finish(begun.lease, result.outcome === "acted", ctx.now());
    await audit(result.outcome, result.detail);
    ctx.log.decision("acted", result.detail, { ...fields, reason: result.outcome });
    return { outcome: result.outcome, instanceId, detail: result.detail };
  } catch (error) {
    const detail = (error as Error).message;
    await ctx.store.finish(begun.lease, true, ctx.now());
    await audit("failed", detail);
    ctx.log.decision("failed", detail, {
      ...fields,
      reason: error instanceof ResponderError ? error.code : "error",
      error: describeError(error),
    });
    throw error;
  }
}

/**
 * The scale responder's handler: alarm and dispatch events go through the shared responder flow,
 * `personas.baseline` events through {@link runBaseline}.
 * @example
 * export const handler = createScaleHandler();
 */
export function createScaleHandler(options: ResponderOptions = {}): Handler<ResponderResult> {
  const responder = createResponder("scale", scaleExecutor, options);
  let ctx: ResponderContext | undefined;
  return async (event, invocation) => {
    if (!isBaselineEvent(event)) return responder(event, invocation);
    ctx ??= contextOrLog("scale", options);
    return runBaseline(ctx, event, invocation?.awsRequestId ?? randomUUID());
  };
}
