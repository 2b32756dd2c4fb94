/**
 * Scale on Azure: resize a VM to a target inside its family and the persona's bounds.
 *
 * - The target is listed by List Available Sizes (the VM's current hardware cluster offers it): one
 *   Update, in place (a running VM restarts).
 * - Otherwise the VM must be deallocated first ("Resize a virtual machine", Microsoft Learn):
 *   deallocate → resize → start. This path is durable: an in-flight record in the state table
 *   (namespace `resize`, the VM's id) says what was started, phase by phase, before each step. If
 *   the invocation dies (timeout, host restart), the next scale invocation on that VM (under its
 *   lock) or the sweep timer (once the lock has expired) repairs it: original size, started.
 * - On any failure after the deallocation the VM is restored (original size, started), with bounded
 *   passes; only if that fails too is the record kept for the repair and the error says what to do.
 * A deallocated VM is resized and left deallocated (found so, left so).
 */
import type { ScaleAction } from "../../../pdl/actions/index.js";
import { type ScaleOptions, type ScaleResult, scaleWithinFamily } from "../../../resolve/sizing/index.js";
import type { AzureRuntimeContext } from "../context.js";
import { ActionFailedError } from "../errors.js";
import type { ManifestPersona } from "../fleet-store.js";
import { availableSizes, deallocate, getVm, setSize, start } from "../vm.js";
import type { AzureActionResult, AzureExecutor } from "../worker.js";

/** Restore passes before giving up. */
const RESTORE_PASSES = 3;
/** The state-table namespace of in-flight resize records. */
export const RESIZE_NAMESPACE = "resize";

/** An in-flight resize, written before each step of the deallocating path. */
export interface InFlightResize {
  vmId: string;
  original: string;
  target: string;
  phase: "deallocating" | "resizing" | "starting" | "restore-failed";
  startedAt: number;
  /** Until when the scale lock covers it; past this, the sweep may repair it. */
  lockExpiresAt: number;
}

/** Where an action takes a VM of size `current`, within the persona's bounds. */
export function azureScaleTarget(
  persona: ManifestPersona,
  current: string,
  action: ScaleAction,
): ScaleResult {
  try {
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
  } catch (error) {
    if (error instanceof ActionFailedError) throw error;
    throw new ActionFailedError(`${(error as Error).message} The VM was not changed.`, true, {
      cause: error,
    });
  }
}

/** The scale executor. Several scale actions in one response: the last one wins. */
export const azureScaleExecutor: AzureExecutor = async (ctx, job) => {
  const action = job.actions[job.actions.length - 1] as ScaleAction;
  const vm = await getVm(ctx.arm, job.vmId);
  const plan = azureScaleTarget(job.persona, vm.size, action);
  if (plan.direction === "none") return { outcome: "unchanged", detail: `${vm.name}: ${plan.reason}` };
  const to = plan.to.name;
  if (vm.power === "deallocated" || vm.power === "stopped") {
    await setSize(ctx.arm, job.vmId, to);
    return { outcome: "acted", detail: `${vm.name} (${vm.power}): ${plan.reason}; left ${vm.power}` };
  }
  if (vm.power !== "running") {
    throw new ActionFailedError(
      `VM ${vm.name} is ${vm.power}; a resize starts only from running or deallocated, so nothing was changed.`,
      true,
    );
  }
  if ((await availableSizes(ctx.arm, job.vmId)).has(to)) {
    await setSize(ctx.arm, job.vmId, to);
    return { outcome: "acted", detail: `${vm.name}: ${plan.reason}; resized in place` };
  }
  return resizeDeallocated(
    ctx,
    job.vmId,
    vm.name,
    vm.size,
    to,
    plan.reason,
    job.persona.guards.lockTtlSeconds,
  );
};

async function resizeDeallocated(
  ctx: AzureRuntimeContext,
  vmId: string,
  name: string,
  original: string,
  to: string,
  reason: string,
  lockTtlSeconds: number,
): Promise<AzureActionResult> {
  const record: InFlightResize = {
    vmId,
    original,
    target: to,
    phase: "deallocating",
    startedAt: ctx.now(),
    lockExpiresAt: ctx.now() + lockTtlSeconds * 1000,
  };
  if (!(await ctx.state.writeDocument(RESIZE_NAMESPACE, vmId, record))) {
    throw new ActionFailedError(
      `A resize of ${name} is already in flight (state table record); nothing was changed.`,
      true,
    );
  }
  let etag = (await ctx.state.readDocument<InFlightResize>(RESIZE_NAMESPACE, vmId))?.etag;
  const advance = async (phase: InFlightResize["phase"]) => {
    await ctx.state.writeDocument(RESIZE_NAMESPACE, vmId, { ...record, phase }, etag);
    etag = (await ctx.state.readDocument<InFlightResize>(RESIZE_NAMESPACE, vmId))?.etag;
  };
  try {
    await deallocate(ctx.arm, vmId);
    await advance("resizing");
    await setSize(ctx.arm, vmId, to);
    await advance("starting");
    await start(ctx.arm, vmId);
    await ctx.state.deleteDocument(RESIZE_NAMESPACE, vmId);
    return {
      outcome: "acted",
      detail: `${name}: ${reason}; deallocated, resized and started (${to} is not offered on its current hardware)`,
    };
  } catch (error) {
    const why = (error as Error).message;
    ctx.log.warn("resize failed; restoring the VM", { vmId, original, target: to, reason: why });
    const restored = await restoreVm(ctx, vmId, original);
    if (restored.ok) {
      await ctx.state.deleteDocument(RESIZE_NAMESPACE, vmId);
      throw new ActionFailedError(
        `Resizing ${name} from ${original} to ${to} failed (${why}); the VM was restored and is running as ${restored.size}.`,
        true,
        { cause: error },
      );
    }
    await advance("restore-failed");
    ctx.log.metric(
      "VM could not be restored after a failed resize",
      [{ name: "ResizeRestoreFailed", value: 1, unit: "Count", dimensions: {} }],
      { vmId },
    );
    throw new ActionFailedError(
      `Resizing ${name} from ${original} to ${to} failed (${why}), and restoring it failed too (${restored.reason}); the sweep retries every run. Check the VM now: set its size to ${original} if it differs and start it.`,
      false,
      { cause: error },
    );
  }
}

/** Brings a VM back to running with its original size; bounded passes. */
async function restoreVm(
  ctx: AzureRuntimeContext,
  vmId: string,
  original: string,
): Promise<{ ok: true; size: string } | { ok: false; reason: string }> {
  let last = "no attempt was made";
  for (let pass = 0; pass < RESTORE_PASSES; pass++) {
    try {
      const vm = await getVm(ctx.arm, vmId);
      if (vm.power === "running") return { ok: true, size: vm.size };
      if (vm.power === "deallocated" || vm.power === "stopped") {
        if (vm.size !== original) await setSize(ctx.arm, vmId, original);
        await start(ctx.arm, vmId);
        const after = await getVm(ctx.arm, vmId);
        if (after.power === "running") return { ok: true, size: after.size };
        last = `the VM is ${after.power} after the start`;
      } else {
        last = `the VM is ${vm.power}`;
        await ctx.sleep(5000);
      }
    } catch (error) {
      last = (error as Error).message;
      ctx.log.warn("restore pass failed", { vmId, pass, reason: last });
    }
  }
  return { ok: false, reason: last };
}

/**
 * Repairs in-flight resizes an earlier invocation left: the one of `vmId` (the caller holds its scale
 * lock), or, without `vmId`, every record whose lock has expired (the sweep). Returns the VMs repaired.
 */
export async function repairInFlightResizes(ctx: AzureRuntimeContext, vmId?: string): Promise<string[]> {
  const records = await ctx.state.listDocuments<InFlightResize>(RESIZE_NAMESPACE);
  const repaired: string[] = [];
  for (const { value: record, etag } of records) {
    const mine = vmId !== undefined && record.vmId === vmId;
    if (!mine && (vmId !== undefined || record.lockExpiresAt > ctx.now())) continue;
    const restored = await restoreVm(ctx, record.vmId, record.original);
    if (restored.ok) {
      await ctx.state.deleteDocument(RESIZE_NAMESPACE, record.vmId, etag);
      ctx.log.info("repaired an interrupted resize", {
        vmId: record.vmId,
        phase: record.phase,
        size: restored.size,
      });
      repaired.push(record.vmId);
    } else {
      ctx.log.metric(
        "interrupted resize could not be repaired",
        [{ name: "ResizeRestoreFailed", value: 1, unit: "Count", dimensions: {} }],
        {
          vmId: record.vmId,
          reason: restored.reason,
        },
      );
    }
  }
  return repaired;
}
