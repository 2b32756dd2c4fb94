/**
 * Scale: resize an instance to a target (vCPU, memory, a named size, or the persona's baseline)
 * inside its family and bounds. A running instance is stopped, modified and started, waiting for
 * each state; AWS refuses a type change on a running instance. On any failure after the stop, the
 * original type is restored and the instance started: a resize never leaves an instance stopped.
 */
import {
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import type { ScaleAction } from "../../../pdl/actions/index.js";
import { type ScaleOptions, type ScaleResult, scaleWithinFamily } from "../../../resolve/sizing/index.js";
import type { ResponderContext } from "../context.js";
import { ActionFailedError, InstanceRefusedError } from "../errors.js";
import { describeFleetInstance, describeInstance, retryThrottled, waitForState } from "../instances.js";
import type { ActionExecutor, ActionResult, ManifestPersona } from "../responder.js";

/** Recovery passes before giving up (each pass: settle the state, restore the type, start). */
const RECOVERY_PASSES = 3;

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

/** The scale responder's executor. Several scale actions in one response: the last one wins. */
export const scaleExecutor: ActionExecutor = async (ctx, job) => {
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
  if (plan.direction === "none") return { outcome: "unchanged", detail: `${job.instanceId}: ${plan.reason}` };
  return resizeInstance(ctx, instance, plan.to.name, plan.reason);
};

/**
 * Resizes a described instance to `to`: a stopped one is only modified (and left stopped); a running
 * one is stopped, modified and started, and restored on failure. Any other state is refused.
 */
export async function resizeInstance(
  ctx: ResponderContext,
  instance: { id: string; state: string; type: string },
  to: string,
  reason: string,
): Promise<ActionResult> {
  if (instance.state === "stopped") {
    // Found stopped, left stopped: only the type changes.
    await retryThrottled(ctx, () =>
      ctx.clients.ec2.send(
        new ModifyInstanceAttributeCommand({ InstanceId: instance.id, InstanceType: { Value: to } }),
      ),
    );
    return { outcome: "acted", detail: `${instance.id} (stopped): ${reason}` };
  }
  if (instance.state !== "running") {
    throw new InstanceRefusedError(
      instance.id,
      `Instance ${instance.id} is ${instance.state}; a resize starts only from running or stopped, so nothing was changed.`,
    );
  }
  await resizeRunning(ctx, instance.id, instance.type, to);
  return { outcome: "acted", detail: `${instance.id}: ${reason}; stopped, modified and started` };
}

async function resizeRunning(
  ctx: ResponderContext,
  instanceId: string,
  original: string,
  to: string,
): Promise<void> {
  const ec2 = ctx.clients.ec2;
  try {
    await retryThrottled(ctx, () => ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] })));
    if ((await waitForState(ctx, instanceId, "stopped")) === undefined) {
      throw new ActionFailedError(`${instanceId} did not stop within ${ctx.env.scaleWaitSeconds} s`, false);
    }
    await retryThrottled(ctx, () =>
      ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: to } })),
    );
    await retryThrottled(ctx, () => ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] })));
    if ((await waitForState(ctx, instanceId, "running")) === undefined) {
      throw new ActionFailedError(
        `${instanceId} did not reach running within ${ctx.env.scaleWaitSeconds} s after the start`,
        false,
      );
    }
  } catch (error) {
    const reason = (error as Error).message;
    ctx.log.warn("resize failed; restoring the instance", {
      instanceId,
      original,
      target: to,
      error: (error as Error).name,
      reason,
    });
    const restored = await restore(ctx, instanceId, original);
    if (restored.ok) {
      throw new ActionFailedError(
        `Resizing ${instanceId} from ${original} to ${to} failed (${reason}); the instance was restored and is running as ${restored.type}.`,
        true,
        { cause: error },
      );
    }
    ctx.log.metric(
      "instance could not be restored after a failed resize",
      [{ name: "ResizeRestoreFailed", value: 1, unit: "Count", dimensions: {} }],
      { instanceId },
    );
    throw new ActionFailedError(
      `Resizing ${instanceId} from ${original} to ${to} failed (${reason}), and restoring it failed too (${restored.reason}); check the instance now: set its type to ${original} if it differs and start it.`,
      false,
      { cause: error },
    );
  }
}

/** Brings the instance back to running with its original type; bounded passes. */
async function restore(
  ctx: ResponderContext,
  instanceId: string,
  original: string,
): Promise<{ ok: true; type: string } | { ok: false; reason: string }> {
  const ec2 = ctx.clients.ec2;
  let last = "no attempt was made";
  for (let pass = 0; pass < RECOVERY_PASSES; pass++) {
    try {
      let view = await describeInstance(ctx, instanceId);
      if (view.state === "pending") view = (await waitForState(ctx, instanceId, "running")) ?? view;
      if (view.state === "running") return { ok: true, type: view.type };
      if (view.state === "stopping") {
        const stopped = await waitForState(ctx, instanceId, "stopped");
        if (stopped === undefined) {
          // Stuck in stopping: a forced stop is the documented way out.
          await retryThrottled(ctx, () =>
            ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId], Force: true })),
          );
          view = (await waitForState(ctx, instanceId, "stopped")) ?? view;
        } else view = stopped;
      }
      if (view.state !== "stopped") {
        last = `the instance is ${view.state}`;
        continue;
      }
      if (view.type !== original) {
        await retryThrottled(ctx, () =>
          ec2.send(
            new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: original } }),
          ),
        );
      }
      await retryThrottled(ctx, () => ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] })));
      const running = await waitForState(ctx, instanceId, "running");
      if (running !== undefined) return { ok: true, type: running.type };
      last = `it did not reach running within ${ctx.env.scaleWaitSeconds} s`;
    } catch (error) {
      last = (error as Error).message;
      ctx.log.warn("restore pass failed", { instanceId, pass, error: (error as Error).name, reason: last });
    }
  }
  return { ok: false, reason: last };
}
