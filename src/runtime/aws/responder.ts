/**
 * The flow every alarm-driven responder shares: parse the event, find the persona and alarm in the
 * manifest, keep the actions of this responder's kind, pass the guard rails (duplicate delivery,
 * lock, cooldown, circuit breaker) in DynamoDB, act, then release the lock, record the action and
 * write an audit record. Every decision is one structured log line with a metric.
 */
import { randomUUID } from "node:crypto";
import type { Action } from "../../pdl/actions/index.js";
import type { FleetManifest } from "../../plan/manifest.js";
import { parseAlarmDescription } from "../../plan/manifest.js";
import { type AlarmStateValue, actsOnTransition } from "../../plan/render.js";
import { responderOf } from "../../plan/responders.js";
import type { GuardRequest } from "../decide.js";
import { createContext, type ResponderContext, type ResponderOptions } from "./context.js";
import type { DispatchKind } from "./env.js";
import { EventRejectedError, ManifestError, ProvenanceRefusedError, ResponderError } from "./errors.js";
import {
  alarmInstanceId,
  alarmTransitionId,
  contributorInstanceId,
  isQueryAlarm,
  parseResponderEvent,
} from "./events.js";
import { describeError } from "./log.js";
import {
  requireAlarmProvenance,
  requireDispatchDigest,
  requireFleetAlarmProvenance,
  requireMember,
} from "./provenance.js";
import type { BeginResult, GuardKey } from "./state.js";

/** A persona as the manifest holds it. */
export type ManifestPersona = FleetManifest["personas"][string];

/** One responder's share of a response on one instance. */
export interface ActionJob {
  instanceId: string;
  digest: string;
  persona: ManifestPersona;
  intent: "activate" | "clear";
  responseId: string;
  transitionId: string;
  /** The actions of this responder's kind, in the response's order. */
  actions: Action[];
}

/** What an executor did. */
export interface ActionResult {
  /** `acted` changed something; `unchanged` found nothing to change (not counted by the guards). */
  outcome: "acted" | "unchanged";
  /** One sentence for the log and the audit record. */
  detail: string;
  /**
   * Work that goes on after the invocation (a resize execution): the lock on the subject passes to
   * `holder` until `until` (ms), or until `settleInFlight` finds the work ended.
   */
  inFlight?: { holder: string; until: number };
}

/** What `settleInFlight` found: still going (keep the lock), or ended with an outcome to audit. */
export type InFlightSettlement =
  | { ended: false; detail?: string }
  | { ended: true; outcome: "acted" | "failed"; detail: string };

/** Carries out one kind of action. Throws `ActionFailedError` (or any error) when it cannot. */
export type ActionExecutor = ((ctx: ResponderContext, job: ActionJob) => Promise<ActionResult>) & {
  /**
   * Looks at in-flight work that holds the subject's lock (see {@link ActionResult.inFlight}); when it
   * ended, the flow audits its outcome, releases the lock and decides again.
   */
  settleInFlight?: (ctx: ResponderContext, key: GuardKey, holder: string) => Promise<InFlightSettlement>;
};

/** What a responder invocation returns (also logged). */
export type ResponderResult =
  | { outcome: "acted" | "unchanged"; instanceId: string; detail: string }
  | { outcome: "skipped"; reason: string; detail: string; instanceId?: string };

/** The Lambda context fields used. */
export interface InvocationContext {
  awsRequestId?: string;
}

/** A Lambda handler. */
export type Handler<R> = (event: unknown, context?: InvocationContext) => Promise<R>;

/**
 * Makes an alarm-driven handler from an executor.
 * @example
 * export const handler = createResponder("notify", notifyExecutor);
 */
export function createResponder(
  kind: DispatchKind,
  executor: ActionExecutor,
  options: ResponderOptions = {},
): Handler<ResponderResult> {
  let ctx: ResponderContext | undefined;
  return async (event, invocation) => {
    ctx ??= contextOrLog(kind, options);
    return respond(ctx, kind, executor, event, invocation?.awsRequestId ?? randomUUID());
  };
}

/** Builds the context, writing a plain error line first when the configuration is broken. */
export function contextOrLog(kind: string, options: ResponderOptions): ResponderContext {
  try {
    return createContext(kind, options);
  } catch (error) {
    const sink = options.logSink ?? ((line: string) => process.stdout.write(`${line}\n`));
    sink(
      JSON.stringify({
        level: "error",
        message: "responder configuration is invalid",
        responder: kind,
        error: describeError(error),
      }),
    );
    throw error;
  }
}

/** Logs an event refused before any work (invalid event, unreadable manifest), with a reason code. */
export function logRejected(ctx: ResponderContext, error: unknown): void {
  const reason =
    error instanceof EventRejectedError
      ? "invalid-event"
      : error instanceof ManifestError
        ? "manifest"
        : "error";
  ctx.log.decision("rejected", (error as Error).message, { reason, error: describeError(error) });
}

async function respond(
  ctx: ResponderContext,
  kind: DispatchKind,
  executor: ActionExecutor,
  input: unknown,
  requestId: string,
): Promise<ResponderResult> {
  let job: ActionJob;
  let guard: { cooldownSeconds: number; maxActionsPerHour: number; lockTtlSeconds: number };
  try {
    const planned = await planJob(ctx, kind, input);
    if ("skip" in planned) {
      ctx.log.decision("skipped", planned.skip.detail, {
        reason: planned.skip.reason,
        ...(planned.skip.instanceId ? { instanceId: planned.skip.instanceId } : {}),
      });
      return { outcome: "skipped", ...planned.skip };
    }
    ({ job, guard } = planned);
  } catch (error) {
    if (error instanceof ProvenanceRefusedError) {
      // A forged or foreign event: refused, counted, and not retried into the failure destination.
      ctx.log.decision("rejected", error.message, { reason: error.reason, instanceId: error.instanceId });
      return {
        outcome: "skipped",
        reason: error.reason,
        detail: error.message,
        instanceId: error.instanceId,
      };
    }
    logRejected(ctx, error);
    throw error;
  }

  const request: GuardRequest = {
    now: ctx.now(),
    responseId: job.responseId,
    intent: job.intent,
    transitionId: job.transitionId,
    cooldownSeconds: guard.cooldownSeconds,
    maxActionsPerHour: guard.maxActionsPerHour,
  };
  const fields = {
    instanceId: job.instanceId,
    responseId: job.responseId,
    intent: job.intent,
    transitionId: job.transitionId,
  };
  const begun = await beginSettlingInFlight(
    ctx,
    { subject: job.instanceId, kind },
    request,
    guard.lockTtlSeconds,
    `${kind}:${requestId}`,
    executor.settleInFlight,
  );
  if (!begun.act) {
    ctx.log.decision("skipped", begun.detail, { ...fields, reason: begun.reason });
    return { outcome: "skipped", reason: begun.reason, detail: begun.detail, instanceId: job.instanceId };
  }
  const started = ctx.now();
  try {
    const result = await executor(ctx, job);
    if (result.inFlight) await ctx.store.handOver(begun.lease, result.inFlight, ctx.now());
    else await ctx.store.finish(begun.lease, result.outcome === "acted", ctx.now());
    await ctx.store.audit({
      subject: job.instanceId,
      kind,
      responseId: job.responseId,
      intent: job.intent,
      transitionId: job.transitionId,
      outcome: result.outcome,
      detail: result.detail,
      at: request.now,
    });
    ctx.log.decision("acted", result.detail, {
      ...fields,
      reason: result.outcome,
      durationMs: ctx.now() - started,
    });
    return { outcome: result.outcome, instanceId: job.instanceId, detail: result.detail };
  } catch (error) {
    const detail = (error as Error).message;
    // A failed attempt counts: a response that keeps failing must meet the cooldown and the breaker too.
    await ctx.store.finish(begun.lease, true, ctx.now());
    await ctx.store.audit({
      subject: job.instanceId,
      kind,
      responseId: job.responseId,
      intent: job.intent,
      transitionId: job.transitionId,
      outcome: "failed",
      detail,
      at: request.now,
    });
    ctx.log.decision("failed", detail, {
      ...fields,
      reason: error instanceof ResponderError ? error.code : "error",
      error: describeError(error),
      durationMs: ctx.now() - started,
    });
    throw error;
  }
}

/**
 * {@link GuardStore.begin}, after looking at in-flight work that holds the lock (a resize execution):
 * when it has ended, its outcome is audited and the lock released first, so this invocation can act;
 * while it runs, a `locked` skip says what it is waiting for.
 */
export async function beginSettlingInFlight(
  ctx: ResponderContext,
  key: GuardKey,
  request: GuardRequest,
  lockTtlSeconds: number,
  holder: string,
  settle: ActionExecutor["settleInFlight"],
): Promise<BeginResult> {
  let waitingFor: string | undefined;
  const lock = settle === undefined ? undefined : (await ctx.store.read(key)).lock;
  if (settle !== undefined && lock !== undefined && lock.expiresAt > request.now) {
    const settled = await settle(ctx, key, lock.holder);
    if (!settled.ended) waitingFor = settled.detail;
    else if (await ctx.store.release(key, lock.holder, ctx.now())) {
      await ctx.store.audit({
        subject: key.subject,
        kind: key.kind,
        responseId: "in-flight",
        intent: "activate",
        transitionId: lock.holder,
        outcome: settled.outcome,
        detail: settled.detail,
        at: ctx.now(),
      });
      ctx.log.decision(settled.outcome === "acted" ? "acted" : "failed", settled.detail, {
        instanceId: key.subject,
        reason: "in-flight-ended",
      });
    }
  }
  const begun = await ctx.store.begin(key, request, lockTtlSeconds, holder);
  if (!begun.act && begun.reason === "locked" && waitingFor !== undefined)
    return { ...begun, detail: `${begun.detail}: ${waitingFor}` };
  return begun;
}

function notActing(
  name: string,
  previous: AlarmStateValue,
  next: AlarmStateValue,
): { reason: string; detail: string } {
  return {
    reason: "not-acting-transition",
    detail: `alarm ${name} went from ${previous} to ${next}; a trigger's alarm acts on entering ALARM and a clear alarm on going from ALARM to OK`,
  };
}

type Planned =
  | { skip: { reason: string; detail: string; instanceId?: string } }
  | { job: ActionJob; guard: { cooldownSeconds: number; maxActionsPerHour: number; lockTtlSeconds: number } };

async function planJob(ctx: ResponderContext, kind: DispatchKind, input: unknown): Promise<Planned> {
  const parsed = parseResponderEvent(input);
  if (parsed.kind === "alarm") {
    const event = parsed.event;
    const name = event.alarmData.alarmName;
    const contributor = event.alarmData.alarmContributor;
    const next = event.alarmData.state.value;
    // A contributor is only ALARM or OK and its event is a change, so it comes from the other state.
    const previous = contributor ? (next === "ALARM" ? "OK" : "ALARM") : event.alarmData.previousState?.value;
    if (previous === undefined)
      throw new EventRejectedError(
        `Alarm ${name}'s event has neither a previousState nor an alarmContributor, so its transition is unknown; nothing was done.`,
      );
    // No persona alarm acts on INSUFFICIENT_DATA: skip before reading anything.
    if (next === "INSUFFICIENT_DATA") return { skip: notActing(name, previous, next) };
    // A fleet-wide alarm's own change summarises its contributors ("6 out of 6 time series evaluated
    // to ALARM") and names no instance; each contributor's change arrives as its own event.
    if (contributor === undefined && isQueryAlarm(event))
      return {
        skip: {
          reason: "alarm-level",
          detail: `alarm ${name} went from ${previous} to ${next} as a whole; a fleet-wide alarm acts on each contributor's own event`,
        },
      };
    const tag = parseAlarmDescription(event.alarmData.configuration.description ?? "");
    if (tag === undefined) {
      throw new EventRejectedError(
        `Alarm ${name} has no [personas:v1 digest=... alarm=...] tag at the end of its description, so it is not a persona alarm; nothing was done. Remove this function from the alarm's actions.`,
      );
    }
    const instanceId = contributor ? contributorInstanceId(event) : alarmInstanceId(event);
    if (instanceId === undefined) {
      throw new EventRejectedError(
        contributor
          ? `Contributor ${contributor.id} of alarm ${name} has no InstanceId attribute naming an EC2 instance; nothing was done.`
          : `Alarm ${name} does not name exactly one InstanceId dimension in its metrics; nothing was done.`,
      );
    }
    // Before anything else is read or done: the instance is a member and the alarm is the one the
    // stack or the orchestrator made for it, or the persona's fleet-wide one (src/runtime/aws/provenance.ts).
    const member = await requireMember(ctx, instanceId);
    const claim = {
      alarmName: name,
      alarmArn: event.alarmArn,
      alarmId: tag.alarmId,
      digest: tag.digest,
      instanceId,
    };
    if (contributor) await requireFleetAlarmProvenance(ctx, claim, member);
    else await requireAlarmProvenance(ctx, claim, member);
    const { persona } = await ctx.manifest.persona(tag.digest);
    const alarm = persona.alarms[tag.alarmId];
    if (alarm === undefined) {
      throw new ManifestError(
        `Persona ${persona.name} ${persona.version} in the fleet manifest has no alarm '${tag.alarmId}' (alarm ${name}); run \`pulumi up\` to bring alarms and the manifest back in step.`,
      );
    }
    // Which transition acts depends on the alarm's role, read from the manifest, not from its name.
    if (!actsOnTransition(alarm.intent, previous, next)) return { skip: notActing(name, previous, next) };
    const response = persona.responses[alarm.responseId];
    const job: ActionJob = {
      instanceId,
      digest: tag.digest,
      persona,
      intent: alarm.intent,
      responseId: alarm.responseId,
      transitionId: alarmTransitionId(event),
      actions: alarm.actions.filter((a) => responderOf(a) === kind),
    };
    if (job.actions.length === 0) return { skip: noActions(kind, `alarm ${name}`, instanceId) };
    return {
      job,
      guard: {
        cooldownSeconds: response?.cooldownSeconds ?? persona.guards.defaultCooldownSeconds,
        maxActionsPerHour: response?.maxActionsPerHour ?? persona.guards.maxActionsPerHour,
        lockTtlSeconds: persona.guards.lockTtlSeconds,
      },
    };
  }
  const event = parsed.event;
  const member = await requireMember(ctx, event.instanceId);
  await requireDispatchDigest(ctx, event.instanceId, member, event.digest);
  const { persona } = await ctx.manifest.persona(event.digest);
  const response = persona.responses[event.responseId];
  if (response === undefined) {
    throw new ManifestError(
      `Persona ${persona.name} in the fleet manifest has no response '${event.responseId}' (dispatched by feed ${event.feedId}).`,
    );
  }
  const actions = event.intent === "activate" ? response.actions : response.clearActions;
  const job: ActionJob = {
    instanceId: event.instanceId,
    digest: event.digest,
    persona,
    intent: event.intent,
    responseId: event.responseId,
    transitionId: event.transitionId,
    actions: actions.filter((a) => responderOf(a) === kind),
  };
  if (job.actions.length === 0) return { skip: noActions(kind, `feed ${event.feedId}`, event.instanceId) };
  return {
    job,
    guard: {
      cooldownSeconds: (await ctx.manifest.feed(event.feedId)).cooldownSeconds ?? response.cooldownSeconds,
      maxActionsPerHour: response.maxActionsPerHour,
      lockTtlSeconds: persona.guards.lockTtlSeconds,
    },
  };
}

function noActions(kind: string, from: string, instanceId: string) {
  return { reason: "no-actions", detail: `${from} has no ${kind} actions for this responder`, instanceId };
}
