/**
 * The queue worker: one queue-triggered function per responder kind reads the jobs the intake
 * queued and does the work, as the AWS responders do: re-check membership, check the alert rule in
 * ARM (it exists in the fleet's resource group, targets the VM and carries the owner and fleet tags
 * its name implies), find the persona and alarm in the manifest, keep this kind's actions, pass the
 * guard rails in the state table (duplicate, lock, cooldown, circuit breaker), act, release, audit.
 *
 * A job that throws is retried by the Functions host and, after `maxDequeueCount` attempts (5),
 * moved to `<queue>-poison` ("Azure Queue storage trigger", Microsoft Learn); the sweep timer counts
 * poison messages and logs them as failures (docs/runtime-azure.md, "Poison queues"). A refused
 * (forged) job does not throw: it is logged as `rejected` and dropped.
 */
import type { InvocationContext } from "@azure/functions";
import type { Action } from "../../pdl/actions/index.js";
import { AGENT_LOG_TABLE } from "../../plan/agent-log-table.js";
import { kqlString } from "../../plan/log-query.js";
import { responderOf } from "../../plan/responders.js";
import { ALARM_OWNER_TAG } from "../../plan/tags.js";
import { describeError } from "../aws/log.js";
import type { GuardRequest } from "../decide.js";
import { AlertJob } from "./alert.js";
import { fleetDigestRefusal, runningDigest } from "./applied.js";
import { type AzureRuntimeContext, type AzureRuntimeOptions, createAzureContext } from "./context.js";
import { type AlertResponderKind, memberIdOf } from "./contract.js";
import { fleetScope, inMemberGroup } from "./env.js";
import {
  ActionFailedError,
  AlertRejectedError,
  ArmRequestError,
  ManifestError,
  ProvenanceRefusedError,
} from "./errors.js";
import type { ManifestPersona } from "./fleet-store.js";

/** One responder's share of a response on one VM. */
export interface AzureActionJob {
  vmId: string;
  digest: string;
  persona: ManifestPersona;
  intent: "activate" | "clear";
  responseId: string;
  transitionId: string;
  actions: Action[];
}

/** What an executor did. */
export interface AzureActionResult {
  outcome: "acted" | "unchanged";
  detail: string;
}

/** Carries out one kind of action; throws when it cannot. */
export type AzureExecutor = (ctx: AzureRuntimeContext, job: AzureActionJob) => Promise<AzureActionResult>;

/** What a worker invocation returns (also logged). */
export type WorkerResult =
  | { outcome: "acted" | "unchanged"; vmId: string; detail: string }
  | { outcome: "skipped" | "rejected"; reason: string; detail: string; vmId?: string };

/** Runs before the guard is taken, under nothing (the scale kind repairs an interrupted resize here). */
export type BeforeAct = (ctx: AzureRuntimeContext, vmId: string) => Promise<void>;

/** Builds the context, writing a plain error line first when the configuration is broken. */
export function contextOrLog(kind: string, options: AzureRuntimeOptions): AzureRuntimeContext {
  try {
    return createAzureContext(kind, options);
  } catch (error) {
    const sink = options.logSink ?? ((line: string) => process.stdout.write(`${line}\n`));
    sink(
      JSON.stringify({
        level: "error",
        message: "runtime configuration is invalid",
        responder: kind,
        error: describeError(error),
      }),
    );
    throw error;
  }
}

/**
 * Makes a queue worker from an executor.
 * @example
 * app.storageQueue("personas-worker-scale", { queueName: responderQueueName("scale"), connection: "AzureWebJobsStorage", handler: createWorker("scale", scaleExecutor) });
 */
export function createWorker(
  kind: AlertResponderKind,
  executor: AzureExecutor,
  options: AzureRuntimeOptions & { afterLock?: BeforeAct } = {},
) {
  let ctx: AzureRuntimeContext | undefined;
  return async (message: unknown, invocation: InvocationContext): Promise<WorkerResult> => {
    ctx ??= contextOrLog(kind, options);
    return work(ctx, kind, executor, message, invocation.invocationId, options.afterLock);
  };
}

async function work(
  ctx: AzureRuntimeContext,
  kind: AlertResponderKind,
  executor: AzureExecutor,
  message: unknown,
  invocationId: string,
  afterLock: BeforeAct | undefined,
): Promise<WorkerResult> {
  let planned:
    | {
        job: AzureActionJob;
        guard: { cooldownSeconds: number; maxActionsPerHour: number; lockTtlSeconds: number };
      }
    | { skip: WorkerResult };
  try {
    planned = await plan(ctx, kind, message);
  } catch (error) {
    if (error instanceof ProvenanceRefusedError) {
      ctx.log.decision("rejected", error.message, { reason: error.reason, vmId: error.vmId });
      return { outcome: "rejected", reason: error.reason, detail: error.message, vmId: error.vmId };
    }
    if (error instanceof AlertRejectedError) {
      // A malformed message will never parse: drop it rather than retry it into the poison queue.
      ctx.log.decision("rejected", error.message, { reason: "invalid-job" });
      return { outcome: "rejected", reason: "invalid-job", detail: error.message };
    }
    ctx.log.decision("rejected", (error as Error).message, {
      reason: error instanceof ManifestError ? "manifest" : "error",
      error: describeError(error),
    });
    throw error;
  }
  if ("skip" in planned) {
    const skip = planned.skip as Extract<WorkerResult, { reason: string }>;
    ctx.log.decision("skipped", skip.detail, {
      reason: skip.reason,
      ...(skip.vmId ? { vmId: skip.vmId } : {}),
    });
    return skip;
  }
  const { job, guard } = planned;
  const request: GuardRequest = {
    now: ctx.now(),
    responseId: job.responseId,
    intent: job.intent,
    transitionId: job.transitionId,
    cooldownSeconds: guard.cooldownSeconds,
    maxActionsPerHour: guard.maxActionsPerHour,
  };
  const fields = {
    vmId: job.vmId,
    responseId: job.responseId,
    intent: job.intent,
    transitionId: job.transitionId,
  };
  const begun = await ctx.state.begin(
    { subject: job.vmId, kind },
    request,
    guard.lockTtlSeconds,
    `${kind}:${invocationId}`,
  );
  if (!begun.act) {
    ctx.log.decision("skipped", begun.detail, { ...fields, reason: begun.reason });
    return { outcome: "skipped", reason: begun.reason, detail: begun.detail, vmId: job.vmId };
  }
  const started = ctx.now();
  const audit = (outcome: "acted" | "unchanged" | "failed", detail: string) =>
    ctx.state.audit({
      subject: job.vmId,
      kind,
      responseId: job.responseId,
      intent: job.intent,
      transitionId: job.transitionId,
      outcome,
      detail,
      at: request.now,
    });
  try {
    // Under the lock: whatever an earlier invocation left half done on this VM is repaired first.
    await afterLock?.(ctx, job.vmId);
    const result = await executor(ctx, job);
    await ctx.state.finish(begun.lease, result.outcome === "acted", ctx.now());
    await audit(result.outcome, result.detail);
    ctx.log.decision("acted", result.detail, {
      ...fields,
      reason: result.outcome,
      durationMs: ctx.now() - started,
    });
    return { outcome: result.outcome, vmId: job.vmId, detail: result.detail };
  } catch (error) {
    const detail = (error as Error).message;
    // A failed attempt counts: a response that keeps failing meets the cooldown and the breaker too.
    await ctx.state.finish(begun.lease, true, ctx.now());
    await audit("failed", detail);
    ctx.log.decision("failed", detail, {
      ...fields,
      reason:
        error instanceof ActionFailedError ? (error.recovered ? "recovered" : "not-recovered") : "error",
      error: describeError(error),
      durationMs: ctx.now() - started,
    });
    throw error;
  }
}

async function plan(ctx: AzureRuntimeContext, kind: AlertResponderKind, message: unknown) {
  const parsed = AlertJob.safeParse(typeof message === "string" ? safeJson(message) : message);
  if (!parsed.success) {
    throw new AlertRejectedError(
      `The queue message is not an alert job the intake writes (${parsed.error.issues[0]?.message}).`,
    );
  }
  const job = parsed.data;
  if (job.kind !== kind) {
    throw new AlertRejectedError(
      `The queue message is for ${job.kind}, not ${kind}; only the intake writes to this queue.`,
    );
  }
  const vmId = memberIdOf(job.vmId);
  const member = await ctx.fleet.member(vmId);
  if (member === undefined || !inMemberGroup(ctx.env, vmId)) {
    throw new ProvenanceRefusedError(
      "not-member",
      vmId,
      `VM ${vmId} is not a member of fleet ${ctx.env.fleet}; nothing was done.`,
    );
  }
  // A fleet-wide rule watches every VM of the group: the persona the VM runs is what makes it this rule's.
  if (job.owner === "fleet") {
    const running = await runningDigest(ctx.state, vmId, member);
    if (running.digest !== job.digest)
      throw new ProvenanceRefusedError(
        "digest",
        vmId,
        fleetDigestRefusal(job.alertRule, job.digest, vmId, running),
      );
  }
  await requireAlertRule(ctx, job, vmId);
  const persona = await ctx.fleet.persona(job.digest);
  const alarm = persona.alarms[job.alarmId];
  if (alarm === undefined) {
    throw new ManifestError(
      `Persona ${persona.name} ${persona.version} in the fleet manifest has no alarm '${job.alarmId}' (alert ${job.alertRule}); run \`pulumi up\` to bring alerts and the manifest back in step.`,
    );
  }
  if (alarm.intent !== job.intent) {
    throw new ProvenanceRefusedError(
      "alert-properties",
      vmId,
      `Alert ${job.alertRule} says intent ${job.intent}, but alarm '${job.alarmId}' of persona ${persona.name} is ${alarm.intent}; nothing was done.`,
    );
  }
  const actions = alarm.actions.filter((a) => responderOf(a) === kind);
  if (actions.length === 0) {
    return {
      skip: {
        outcome: "skipped" as const,
        reason: "no-actions",
        detail: `alert ${job.alertRule} has no ${kind} actions`,
        vmId,
      },
    };
  }
  const response = persona.responses[alarm.responseId];
  return {
    job: {
      vmId,
      digest: job.digest,
      persona,
      intent: alarm.intent,
      responseId: alarm.responseId,
      transitionId: job.transitionId,
      actions,
    },
    guard: {
      cooldownSeconds: response?.cooldownSeconds ?? persona.guards.defaultCooldownSeconds,
      maxActionsPerHour: response?.maxActionsPerHour ?? persona.guards.maxActionsPerHour,
      lockTtlSeconds: persona.guards.lockTtlSeconds,
    },
  };
}

/** API version of Microsoft.Insights/metricAlerts. */
export const METRIC_ALERTS_API_VERSION = "2018-03-01";
/** API version of Microsoft.Insights/scheduledQueryRules (log search alert rules). */
export const SCHEDULED_QUERY_RULES_API_VERSION = "2023-12-01";

/**
 * Reads an alert rule of the fleet's resource group in ARM.
 * @throws ProvenanceRefusedError (`alert-rule`) when there is no such rule.
 */
async function readAlertRule<T>(
  ctx: AzureRuntimeContext,
  type: "metricAlerts" | "scheduledQueryRules",
  apiVersion: string,
  name: string,
  vmId: string,
  what: string,
): Promise<T> {
  try {
    return (
      await ctx.arm.request<T>(
        "GET",
        `${fleetScope(ctx.env)}/providers/Microsoft.Insights/${type}/${encodeURIComponent(name)}`,
        apiVersion,
      )
    ).body;
  } catch (error) {
    if (error instanceof ArmRequestError && error.status === 404) {
      throw new ProvenanceRefusedError(
        "alert-rule",
        vmId,
        `No ${what} ${name} exists in resource group ${ctx.env.resourceGroup}; nothing was done.`,
      );
    }
    throw error;
  }
}

/**
 * A log search rule of the fleet (owner `fleet`) is in the fleet's group with the owner and fleet
 * tags, kind LogAlert, split by the agent table's Resource ID column, and its query keeps only the
 * fleet group's VMs (the quoted prefix the renderer writes, src/plan/log-query.ts); the VM is in that
 * group. A rule someone else wrote, or one that reads another group's rows, is refused.
 */
async function requireLogSearchRule(ctx: AzureRuntimeContext, job: AlertJob, vmId: string): Promise<void> {
  const rule = await readAlertRule<{
    kind?: string;
    tags?: Record<string, string>;
    properties?: { criteria?: { allOf?: { query?: string; resourceIdColumn?: string }[] } };
  }>(
    ctx,
    "scheduledQueryRules",
    SCHEDULED_QUERY_RULES_API_VERSION,
    job.alertRule,
    vmId,
    "log search alert rule",
  );
  const group = fleetScope(ctx.env).toLowerCase();
  const conditions = rule.properties?.criteria?.allOf ?? [];
  const selectsGroup = kqlString(`${group}/providers/microsoft.compute/virtualmachines/`);
  const watches =
    job.owner === "fleet" &&
    rule.kind === "LogAlert" &&
    vmId.startsWith(`${group}/`) &&
    conditions.length === 1 &&
    conditions[0]!.resourceIdColumn === AGENT_LOG_TABLE.resourceIdColumn &&
    (conditions[0]!.query ?? "").includes(`startswith ${selectsGroup}`);
  if (
    rule.tags?.[ALARM_OWNER_TAG] !== "fleet" ||
    rule.tags?.[ctx.env.fleetTagKey] !== ctx.env.fleet ||
    !watches
  ) {
    throw new ProvenanceRefusedError(
      "alert-rule",
      vmId,
      `Log search alert rule ${job.alertRule} does not select the virtual machines of resource group ${ctx.env.resourceGroup} per ${AGENT_LOG_TABLE.resourceIdColumn} with the tags ${ALARM_OWNER_TAG}=fleet and ${ctx.env.fleetTagKey}=${ctx.env.fleet}; nothing was done.`,
    );
  }
}

/**
 * The alert rule exists in the fleet's resource group, watches this VM and carries the owner and
 * fleet tags: a call forged with a copied function key and guessed names is refused here. A per-VM
 * alert watches the VM alone; a fleet-wide rule (owner `fleet`) watches the VMs of the fleet's
 * resource group, which holds this VM.
 */
async function requireAlertRule(ctx: AzureRuntimeContext, job: AlertJob, vmId: string): Promise<void> {
  if (job.rule === "log") return requireLogSearchRule(ctx, job, vmId);
  const rule = await readAlertRule<{
    tags?: Record<string, string>;
    properties?: { scopes?: string[]; enabled?: boolean; targetResourceType?: string };
  }>(ctx, "metricAlerts", METRIC_ALERTS_API_VERSION, job.alertRule, vmId, "alert rule");
  const scopes = (rule.properties?.scopes ?? []).map(memberIdOf);
  const group = fleetScope(ctx.env).toLowerCase();
  const watches =
    job.owner === "fleet"
      ? scopes.length === 1 &&
        scopes[0] === group &&
        vmId.startsWith(`${group}/`) &&
        rule.properties?.targetResourceType?.toLowerCase() === "microsoft.compute/virtualmachines"
      : scopes.length === 1 && scopes[0] === vmId;
  if (
    rule.tags?.[ALARM_OWNER_TAG] !== job.owner ||
    rule.tags?.[ctx.env.fleetTagKey] !== ctx.env.fleet ||
    !watches
  ) {
    throw new ProvenanceRefusedError(
      "alert-rule",
      vmId,
      job.owner === "fleet"
        ? `Alert rule ${job.alertRule} does not watch the virtual machines of resource group ${ctx.env.resourceGroup} with the tags ${ALARM_OWNER_TAG}=fleet and ${ctx.env.fleetTagKey}=${ctx.env.fleet}; nothing was done.`
        : `Alert rule ${job.alertRule} does not watch ${vmId} alone with the tags ${ALARM_OWNER_TAG}=${job.owner} and ${ctx.env.fleetTagKey}=${ctx.env.fleet}; nothing was done.`,
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
