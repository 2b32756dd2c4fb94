/**
 * The scale responder's `personas.baseline` branch: the orchestrator asks for an instance's baseline
 * size when it applies a persona at run time (docs/orchestrator.md). The event carries the size, so
 * no manifest entry is needed; the resize takes the same guard (duplicate delivery, lock, circuit
 * breaker) and the same resize workflow (stop → modify → start, restore on failure) as an alarm's
 * scale action.
 */
import { randomUUID } from "node:crypto";
import { GUARD_DEFAULTS } from "../../../plan/defaults.js";
import type { ResponderContext, ResponderOptions } from "../context.js";
import { ProvenanceRefusedError, ResponderError } from "../errors.js";
import { type BaselineEvent, parseBaselineEvent } from "../events.js";
import { describeFleetInstance } from "../instances.js";
import { describeError } from "../log.js";
import { requireDispatchDigest, requireMember } from "../provenance.js";
import {
  beginSettlingInFlight,
  contextOrLog,
  createResponder,
  type Handler,
  type ResponderResult,
} from "../responder.js";
import { resizeInstance, scaleExecutor, settleResizeExecution } from "./scale.js";

/** The response id baseline resizes are guarded and audited under. */
export const BASELINE_RESPONSE_ID = "baseline";

/** Whether an event asks for a baseline resize (then {@link parseBaselineEvent} validates it). */
export function isBaselineEvent(input: unknown): boolean {
  return (
    typeof input === "object" && input !== null && (input as { type?: unknown }).type === "personas.baseline"
  );
}

/** Resizes the instance to the requested baseline size under the scale responder's guard. */
export async function runBaseline(
  ctx: ResponderContext,
  input: unknown,
  requestId: string,
): Promise<ResponderResult> {
  let request: BaselineEvent;
  try {
    request = parseBaselineEvent(input);
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
  const begun = await beginSettlingInFlight(
    ctx,
    { subject: instanceId, kind: "scale" },
    guard,
    GUARD_DEFAULTS.lockTtlSeconds,
    `scale:${requestId}`,
    settleResizeExecution,
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
        : await resizeInstance(ctx, instance, request.size, reason, transitionId);
    if (result.inFlight) await ctx.store.handOver(begun.lease, result.inFlight, ctx.now());
    else await ctx.store.finish(begun.lease, result.outcome === "acted", ctx.now());
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
