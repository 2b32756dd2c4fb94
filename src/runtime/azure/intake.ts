/**
 * The alert intake: the HTTP function each action group's function receiver calls. It answers fast
 * (an HTTP function must answer within 230 s, and webhooks are retried), so it only checks and
 * queues: the call is a common-schema alert, the responder kind is one the runtime serves, the one
 * target is a VM in the fleet's resource group that the membership record lists, the alert's name
 * is the one the stack (or the orchestrator) gives that VM and alarm, and its webhook properties name
 * this fleet and the VM's digest (the same confused-deputy rules as AWS, docs/security.md). A
 * transition is queued once (a marker in the state table); a Resolved alert queues nothing (reverts
 * have their own clear alert). Answers: 202 queued / duplicate / skipped, 400 invalid, 403 refused,
 * 413 too large, 503 when the queue or the store failed (the action group retries).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { alarmName, fleetAlarmKey, fleetAlarmName, runtimeAlarmName } from "../../plan/names.js";
import { actsOnTransition } from "../../plan/render.js";
import { describeError } from "../aws/log.js";
import {
  type AlertJob,
  type AlertProperties,
  alertProperties,
  alertRuleKind,
  alertTransitionId,
  MAX_ALERT_BYTES,
  parseCommonAlert,
} from "./alert.js";
import { fleetDigestRefusal, readApplied, runningDigest } from "./applied.js";
import type { AzureRuntimeContext, AzureRuntimeOptions } from "./context.js";
import {
  type AlertResponderKind,
  AZURE_MEMBER_ID_PATTERN,
  memberIdOf,
  responderQueueName,
} from "./contract.js";
import { fleetScope, inMemberGroup } from "./env.js";
import { AlertRejectedError, ProvenanceRefusedError } from "./errors.js";
import { contextOrLog } from "./worker.js";

/** Markers of queued transitions are kept this long (action groups retry within minutes). */
const INTAKE_MARKER_RETENTION_MS = 24 * 3_600_000;

/**
 * Makes the intake of one responder kind: the HTTP function `alert-<kind>` its action group calls
 * (one per kind, because the function called is what tells the kind).
 * @example
 * app.http(alertIntakeFunctionName("scale"), { methods: ["POST"], authLevel: "function", handler: createIntake("scale") });
 */
export function createIntake(kind: AlertResponderKind, options: AzureRuntimeOptions = {}) {
  let ctx: AzureRuntimeContext | undefined;
  return async (request: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> => {
    ctx ??= contextOrLog(`intake-${kind}`, options);
    return intake(ctx, kind, request, invocation);
  };
}

async function intake(
  ctx: AzureRuntimeContext,
  kind: AlertResponderKind,
  request: HttpRequest,
  invocation: InvocationContext,
): Promise<HttpResponseInit> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_ALERT_BYTES) {
    ctx.log.decision("rejected", `alert of ${declared} bytes`, { reason: "too-large" });
    return { status: 413, jsonBody: { outcome: "rejected", reason: "too-large" } };
  }
  let job: AlertJob | { skip: string; detail: string };
  try {
    job = await check(ctx, kind, await request.text());
  } catch (error) {
    if (error instanceof AlertRejectedError) {
      ctx.log.decision("rejected", error.message, { reason: "invalid-alert" });
      return {
        status: 400,
        jsonBody: { outcome: "rejected", reason: "invalid-alert", detail: error.message },
      };
    }
    if (error instanceof ProvenanceRefusedError) {
      ctx.log.decision("rejected", error.message, { reason: error.reason, vmId: error.vmId });
      return { status: 403, jsonBody: { outcome: "rejected", reason: error.reason } };
    }
    ctx.log.error("intake failed before queueing; the action group will retry", error, {
      invocationId: invocation.invocationId,
    });
    return { status: 503, jsonBody: { outcome: "failed" } };
  }
  if ("skip" in job) {
    ctx.log.decision("skipped", job.detail, { reason: job.skip });
    return { status: 202, jsonBody: { outcome: "skipped", reason: job.skip } };
  }
  const marker = `${job.kind}|${job.transitionId}`;
  if (!(await ctx.state.claimOnce("intake", marker, INTAKE_MARKER_RETENTION_MS))) {
    ctx.log.decision("skipped", `transition ${job.transitionId} was already queued for ${job.kind}`, {
      reason: "duplicate",
      vmId: job.vmId,
    });
    return { status: 202, jsonBody: { outcome: "duplicate" } };
  }
  try {
    // The queue trigger reads base64 by default (host.json `messageEncoding`).
    await ctx.storage.sendMessage(
      responderQueueName(job.kind),
      Buffer.from(JSON.stringify(job)).toString("base64"),
    );
  } catch (error) {
    // Unclaim, so the action group's retry queues it.
    await ctx.state.deleteDocument("intake", marker);
    ctx.log.error("could not queue the alert; the action group will retry", error, {
      vmId: job.vmId,
      error: describeError(error),
    });
    return { status: 503, jsonBody: { outcome: "failed" } };
  }
  ctx.log.decision("acted", `queued ${job.alertRule} for ${job.kind}`, {
    reason: "queued",
    vmId: job.vmId,
    transitionId: job.transitionId,
  });
  return { status: 202, jsonBody: { outcome: "queued" } };
}

async function check(
  ctx: AzureRuntimeContext,
  kind: AlertResponderKind,
  body: string,
): Promise<AlertJob | { skip: string; detail: string }> {
  const alert = parseCommonAlert(body);
  const e = alert.data.essentials;
  const vmId = e.alertTargetIDs.length === 1 ? memberIdOf(e.alertTargetIDs[0]!) : "";
  if (!AZURE_MEMBER_ID_PATTERN.test(vmId)) {
    throw new AlertRejectedError(
      `Alert ${e.alertRule} must target exactly one virtual machine; it targets ${e.alertTargetIDs.length} resource(s) (${e.alertTargetIDs[0]?.slice(0, 200)}).`,
    );
  }
  if (!inMemberGroup(ctx.env, vmId)) {
    throw new ProvenanceRefusedError(
      "not-member",
      vmId,
      `VM ${vmId} is outside the fleet's resource group ${ctx.env.resourceGroup}${ctx.env.memberGroups.length > 0 ? " and the groups of its attached VMs" : ""}; nothing was done.`,
    );
  }
  const member = await ctx.fleet.member(vmId);
  if (member === undefined) {
    throw new ProvenanceRefusedError(
      "not-member",
      vmId,
      `VM ${vmId} is not a member of fleet ${ctx.env.fleet} (the stack's membership record does not list it, whatever its tags say); nothing was done.`,
    );
  }
  const props = alertProperties(alert);
  if (props === undefined || props.fleet !== ctx.env.fleet || props.stack !== ctx.env.stack) {
    throw new ProvenanceRefusedError(
      "alert-properties",
      vmId,
      `Alert ${e.alertRule} lacks the persona webhook properties of fleet ${ctx.env.fleet}, stack ${ctx.env.stack}; nothing was done.`,
    );
  }
  const scope = { fleet: ctx.env.fleet, stack: ctx.env.stack };
  const origin = await expectedOrigin(ctx, scope, e.alertRule, props, member, vmId);
  if (props.digest !== origin.digest) {
    throw new ProvenanceRefusedError(
      "digest",
      vmId,
      props.owner === "fleet"
        ? fleetDigestRefusal(e.alertRule, props.digest, vmId, origin)
        : `Alert ${e.alertRule} names persona ${props.digest}, but ${vmId} carries ${origin.digest ?? "no run-time persona"}; nothing was done.`,
    );
  }
  const rule = alertRuleKind(alert);
  // The stack makes log search alert rules only as fleet-wide rules (src/azure/log-alerts.ts).
  if (rule === "log" && props.owner !== "fleet") {
    throw new ProvenanceRefusedError(
      "alert-name",
      vmId,
      `Alert ${e.alertRule} comes from a log search alert rule, which the stack creates only as a fleet-wide rule (owner fleet), not as owner ${props.owner}; nothing was done.`,
    );
  }
  const transitionId = alertTransitionId(alert);
  // The same rule as CloudWatch's (actsOnTransition): a trigger's alert acts when it fires; a clear
  // watcher (the clear condition's complement) acts when it resolves, so no alert is fired while the VM
  // is healthy. Azure sends Resolved to the action groups of alerts with autoMitigate on.
  const fired = e.monitorCondition === "Fired";
  if (!actsOnTransition(props.intent, fired ? "OK" : "ALARM", fired ? "ALARM" : "OK")) {
    return fired
      ? {
          skip: "clear-watching",
          detail: `alert ${e.alertRule} fired: the clear window starts again; the clear runs when this alert resolves`,
        }
      : {
          skip: "resolved",
          detail: `alert ${e.alertRule} resolved; a trigger's alert acts when it fires (its clear runs when the clear alert resolves)`,
        };
  }
  return {
    version: 1,
    kind,
    vmId,
    alertRule: e.alertRule,
    alarmId: props.alarmId,
    digest: props.digest,
    intent: props.intent,
    owner: props.owner,
    transitionId,
    receivedAt: ctx.now(),
    rule,
  };
}

/**
 * Checks that an alert is one the stack, the orchestrator or a fleet-wide rule gave this VM and alarm
 * (its name and member property), and returns the persona digest the VM must carry for it: the
 * membership record's for the stack's alerts, the orchestrator's record for run-time alerts, and for
 * fleet-wide rules the persona the VM runs (the orchestrator's record when it applied one, else the
 * membership record's: a VM shifted to a persona is covered by that persona's rules, as on AWS).
 * A fleet-wide rule watches every VM of the fleet's resource group (a multi-resource metric alert
 * fires per VM, naming it in `alertTargetIDs`: "Monitor multiple time series in a single metric
 * alert rule"; a log search rule split by its Resource ID column does too), so its VM must be in
 * the fleet's own group, not an attached VM's.
 */
async function expectedOrigin(
  ctx: AzureRuntimeContext,
  scope: { fleet: string; stack: string },
  alertRule: string,
  props: AlertProperties,
  member: { key: string; digest: string },
  vmId: string,
): Promise<{ digest: string | undefined; source: "runtime" | "stack" }> {
  let expected: string;
  let named: boolean;
  let maker: string;
  switch (props.owner) {
    case "stack":
      expected = alarmName(scope, member.key, props.alarmId);
      named = alertRule === expected && props.member === member.key;
      maker = "the stack";
      break;
    case "runtime":
      expected = runtimeAlarmName(scope, vmId.slice(vmId.lastIndexOf("/") + 1), props.alarmId);
      named = alertRule === expected;
      maker = "the orchestrator";
      break;
    case "fleet":
      expected = fleetAlarmName(scope, props.digest, props.alarmId);
      named =
        alertRule === expected &&
        props.member === fleetAlarmKey(props.digest) &&
        vmId.startsWith(`${fleetScope(ctx.env).toLowerCase()}/`);
      maker = "a fleet-wide rule of the stack";
      break;
  }
  if (!named) {
    throw new ProvenanceRefusedError(
      "alert-name",
      vmId,
      `Alert ${alertRule} is not the alert '${props.alarmId}' ${maker} created for ${vmId} (${expected}); nothing was done.`,
    );
  }
  switch (props.owner) {
    case "stack":
      return { digest: member.digest, source: "stack" };
    case "runtime":
      return { digest: (await readApplied(ctx.state, vmId))?.value.digest, source: "runtime" };
    case "fleet":
      return runningDigest(ctx.state, vmId, member);
  }
}
