/**
 * Scale: resize an instance to a target (vCPU, memory, a named size, or the persona's baseline)
 * inside its family and bounds. The resize itself runs as a Step Functions Standard workflow (the
 * fleet's resize state machine, src/aws/resize-definition.ts): stop, wait, change the type, start,
 * wait, and on any failure restore the original type and start. A Lambda function only decides,
 * refuses what cannot be stopped safely, and starts the execution; its 900 s limit no longer bounds
 * the waits, and the lock on the instance is held by the execution until the next invocation sees
 * that it ended (`settleInFlight`).
 */
import { createHash } from "node:crypto";
import { DescribeInstanceTypesCommand, DescribeSpotInstanceRequestsCommand } from "@aws-sdk/client-ec2";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { ScaleAction } from "../../../pdl/actions/index.js";
import { type ScaleOptions, type ScaleResult, scaleWithinFamily } from "../../../resolve/sizing/index.js";
import type { ResponderContext } from "../context.js";
import { ActionFailedError, InstanceRefusedError, ResizeRefusedError } from "../errors.js";
import { describeFleetInstance, describeInstance, type InstanceView, retryThrottled } from "../instances.js";
import { describeError } from "../log.js";
import type { ActionExecutor, ActionResult, InFlightSettlement, ManifestPersona } from "../responder.js";
import type { GuardKey } from "../state.js";

/** The lock holder prefix of a lock held by a resize execution: `execution:<execution ARN>`. */
export const EXECUTION_HOLDER = "execution:";

/** The errors of the workflow's own Fail states (src/aws/resize-definition.ts). */
const WORKFLOW_RESTORED = "Personas.ResizeFailedRestored";

/** Where an action takes an instance of type `current`, within the persona's bounds. */
export function scaleTarget(persona: ManifestPersona, current: string, action: ScaleAction): ScaleResult {
  if (action.baseline) {
    if (persona.baselineSize === undefined) {
      throw new ActionFailedError(
        `Persona ${persona.name} has no baseline size in the fleet manifest, so "Scale back to baseline" has nowhere to go; nothing was changed.`,
        true,
      );
    }
    // Going back to the baseline is always allowed: the bounds limit growth, not reverts.
    return scaleWithinFamily(current, { size: persona.baselineSize });
  }
  const options: { -readonly [K in keyof ScaleOptions]: ScaleOptions[K] } = {};
  if (persona.bounds.maxCpu !== undefined) options.maxVcpu = persona.bounds.maxCpu;
  if (persona.bounds.maxMemoryGiB !== undefined) options.maxMemoryGiB = persona.bounds.maxMemoryGiB;
  if (persona.bounds.maxSize !== undefined) options.maxSize = persona.bounds.maxSize;
  const target =
    action.cpu !== undefined
      ? { vcpu: action.cpu }
      : action.memoryGiB !== undefined
        ? { memoryGiB: action.memoryGiB }
        : { size: action.size! };
  return scaleWithinFamily(current, target, options);
}

/**
 * The name of the execution that resizes `instanceId` for one transition: the instance id and a hash
 * of the transition id, so a redelivered event maps to the same execution (StartExecution is
 * idempotent per name for Standard workflows) and `ListExecutions` finds an instance's resizes by
 * prefix. At most 80 characters of `[a-z0-9-]`, as the StartExecution `name` member allows.
 * @example
 * resizeExecutionName("i-0abc", "arn:...:alarm:x@2025-01-09T11:37:48.000+0000"); // "i-0abc-3f1c…" (52 chars for a 17-digit id)
 */
export function resizeExecutionName(instanceId: string, transitionId: string): string {
  return `${instanceId}-${createHash("sha256").update(transitionId).digest("hex").slice(0, 32)}`;
}

/** The scale responder's executor. Several scale actions in one response: the last one wins. */
export const scaleExecutor: ActionExecutor = Object.assign(
  async (ctx: ResponderContext, job: Parameters<ActionExecutor>[1]): Promise<ActionResult> => {
    const action = job.actions[job.actions.length - 1] as ScaleAction;
    const instance = await describeFleetInstance(ctx, job.instanceId);
    let plan: ScaleResult;
    try {
      plan = scaleTarget(job.persona, instance.type, action);
    } catch (error) {
      if (error instanceof ActionFailedError) throw error;
      throw new ActionFailedError(
        `${(error as Error).message} Instance ${job.instanceId} was not changed.`,
        true,
        { cause: error },
      );
    }
    if (plan.direction === "none")
      return { outcome: "unchanged", detail: `${job.instanceId}: ${plan.reason}` };
    return resizeInstance(ctx, instance, plan.to.name, plan.reason, job.transitionId);
  },
  { settleInFlight: settleResizeExecution },
);

/**
 * Starts the resize workflow for a described instance: a stopped one is only changed (and stays
 * stopped); a running one is stopped, changed and started, and restored on failure. Any other state,
 * and instances that cannot be stopped safely, are refused.
 */
export async function resizeInstance(
  ctx: ResponderContext,
  instance: InstanceView,
  to: string,
  reason: string,
  transitionId: string,
): Promise<ActionResult> {
  if (instance.state !== "stopped" && instance.state !== "running") {
    throw new InstanceRefusedError(
      instance.id,
      `Instance ${instance.id} is ${instance.state}; a resize starts only from running or stopped, so nothing was changed.`,
    );
  }
  const running = instance.state === "running";
  if (running) await refuseUnsafeStop(ctx, instance);
  await refuseConcurrentExecution(ctx, instance.id);
  const name = resizeExecutionName(instance.id, transitionId);
  const input = JSON.stringify({
    instanceId: instance.id,
    originalType: instance.type,
    targetType: to,
    start: running,
  });
  let executionArn: string;
  try {
    const started = await retryThrottled(ctx, () =>
      ctx.clients.sfn.send(
        new StartExecutionCommand({ stateMachineArn: ctx.env.resizeStateMachineArn, name, input }),
      ),
    );
    executionArn = started.executionArn!;
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) {
      throw new ActionFailedError(
        `A resize execution named ${name} already ran for this transition of ${instance.id}; not starting it twice. Nothing was changed.`,
        true,
        { cause: error },
      );
    }
    throw new ActionFailedError(
      `Could not start the resize workflow for ${instance.id} (${(error as Error).message}); nothing was changed.`,
      true,
      { cause: error },
    );
  }
  const verb = running ? "stop, change the type and start" : "change the type (it stays stopped)";
  return {
    outcome: "acted",
    detail: `${instance.id}: ${reason}; resize workflow started to ${verb} (execution ${name})`,
    inFlight: {
      holder: `${EXECUTION_HOLDER}${executionArn}`,
      until: ctx.now() + ctx.env.resizeTimeoutSeconds * 1000,
    },
  };
}

/**
 * Refuses instances whose stop would lose data or be undone (docs/runtime-aws.md "What a resize
 * refuses"): Auto Scaling group members (the group replaces a stopped member), one-time Spot
 * instances (they cannot be stopped), and instances with instance-store volumes (their data is lost
 * on stop).
 */
async function refuseUnsafeStop(ctx: ResponderContext, instance: InstanceView): Promise<void> {
  const refuse = (why: string, reason: string): never => {
    ctx.log.metric(
      "resize refused: the instance cannot be stopped safely",
      [{ name: "ResizeRefused", value: 1, unit: "Count", dimensions: { Reason: reason } }],
      { instanceId: instance.id },
    );
    throw new ResizeRefusedError(
      instance.id,
      reason,
      `Instance ${instance.id} ${why}, so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
    );
  };
  const group = instance.tags["aws:autoscaling:groupName"];
  if (group !== undefined)
    refuse(
      `is a member of Auto Scaling group ${JSON.stringify(group)}, which would replace it while it is stopped`,
      "auto-scaling-group",
    );
  if (instance.rootDeviceType === "instance-store")
    refuse("has an instance-store root volume and cannot be stopped", "instance-store");
  if (instance.lifecycle === "spot") {
    const requestId = instance.spotInstanceRequestId;
    const requests =
      requestId === undefined
        ? undefined
        : await retryThrottled(ctx, () =>
            ctx.clients.ec2.send(
              new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [requestId] }),
            ),
          );
    const request = requests?.SpotInstanceRequests?.[0];
    // Only a persistent request with the stop interruption behaviour lets a Spot instance stop and start again.
    if (request?.Type !== "persistent" || request.InstanceInterruptionBehavior !== "stop")
      refuse(
        `is a Spot instance from ${request?.Type === undefined ? "an unknown" : `a ${request.Type}`} request (only persistent requests with interruption behaviour 'stop' can be stopped)`,
        "spot",
      );
  }
  const types = await retryThrottled(ctx, () =>
    ctx.clients.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instance.type as never] })),
  );
  const storage = types.InstanceTypes?.[0];
  // Fail closed: an answer that does not describe the type cannot show that a stop keeps the data.
  if (storage === undefined)
    refuse(
      `is a ${instance.type}, which DescribeInstanceTypes did not describe, so whether it has instance-store volumes that lose their data when it stops is unknown`,
      "instance-store",
    );
  else if (storage.InstanceStorageSupported === true) {
    const gb = storage.InstanceStorageInfo?.TotalSizeInGB;
    refuse(
      `is a ${instance.type}, whose instance-store volumes${gb === undefined ? "" : ` (${gb} GB)`} lose their data when it stops`,
      "instance-store",
    );
  }
}

/** Refuses when a resize execution of this instance is still running (a lock lost to a crash cannot double-resize). */
async function refuseConcurrentExecution(ctx: ResponderContext, instanceId: string): Promise<void> {
  let nextToken: string | undefined;
  // Bounded: 10 pages of 100 running executions is far more than one fleet has at once.
  for (let page = 0; page < 10; page++) {
    const listed = await retryThrottled(ctx, () =>
      ctx.clients.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: ctx.env.resizeStateMachineArn,
          statusFilter: "RUNNING",
          maxResults: 100,
          ...(nextToken ? { nextToken } : {}),
        }),
      ),
    );
    const running = listed.executions?.find((e) => e.name?.startsWith(`${instanceId}-`));
    if (running !== undefined)
      throw new InstanceRefusedError(
        instanceId,
        `A resize of ${instanceId} is still running (execution ${running.name}); nothing was changed. The next alarm after it ends is handled.`,
      );
    nextToken = listed.nextToken;
    if (nextToken === undefined) return;
  }
}

/**
 * Looks at the execution that holds the instance's lock: still running → keep the lock; ended → write
 * its outcome to the audit record and a metric, and let the caller release the lock.
 */
export async function settleResizeExecution(
  ctx: ResponderContext,
  key: GuardKey,
  holder: string,
): Promise<InFlightSettlement> {
  if (!holder.startsWith(EXECUTION_HOLDER)) return { ended: false };
  const executionArn = holder.slice(EXECUTION_HOLDER.length);
  const execution = await retryThrottled(ctx, () =>
    ctx.clients.sfn.send(new DescribeExecutionCommand({ executionArn })),
  );
  const status = execution.status ?? "UNKNOWN";
  if (status === "RUNNING" || status === "PENDING_REDRIVE")
    return { ended: false, detail: `resize execution ${execution.name} is ${status.toLowerCase()}` };
  const view = await describeInstance(ctx, key.subject).catch((error: unknown) => {
    // The execution's outcome is still recorded; only the instance's state is missing from it.
    ctx.log.warn("could not describe the instance after its resize execution ended", {
      instanceId: key.subject,
      executionArn,
      error: describeError(error),
    });
    return undefined;
  });
  const now = view === undefined ? "its state is unknown" : `it is ${view.state} as ${view.type}`;
  if (status === "SUCCEEDED")
    return { ended: true, outcome: "acted", detail: `resize execution ${execution.name} succeeded; ${now}` };
  const recovered = execution.error === WORKFLOW_RESTORED;
  const metric = recovered ? "ResizeRestored" : "ResizeRestoreFailed";
  ctx.log.metric(
    recovered
      ? "a resize failed and the instance was restored"
      : "a resize failed and the instance may not be running",
    [{ name: metric, value: 1, unit: "Count", dimensions: {} }],
    { instanceId: key.subject, executionArn, error: execution.error, cause: execution.cause },
  );
  return {
    ended: true,
    outcome: "failed",
    detail: recovered
      ? `resize execution ${execution.name} failed (${execution.cause ?? "no cause"}) and restored the instance; ${now}`
      : `resize execution ${execution.name} ended ${status} (${execution.error ?? "no error"}: ${execution.cause ?? "no cause"}) without restoring the instance; ${now}. Check it now: set its original type and start it.`,
  };
}
