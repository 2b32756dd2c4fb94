/**
 * Scale: resizes the simulated instance within its family (the same `scaleWithinFamily` the
 * responders use), and divides the metrics that are a share of a capacity (CPU, memory) by how
 * much of that capacity the instance has now compared with the size the telemetry was recorded on.
 */
import { findSize, type ScaleTarget, SizingError, scaleWithinFamily } from "../../resolve/sizing/index.js";
import { type ActionEffect, expectKind } from "./effect.js";

export const scaleEffect: ActionEffect = {
  kinds: ["scale"],
  apply(given, instance) {
    const action = expectKind(given, ["scale"]);
    if (instance.size === undefined) {
      return { status: "failed", detail: "no instance size is known; give the simulation an initial size" };
    }
    let target: ScaleTarget;
    if (action.baseline) {
      if (instance.baselineSize === undefined)
        return { status: "failed", detail: "the baseline size is not known" };
      target = { size: instance.baselineSize };
    } else if (action.cpu !== undefined) target = { vcpu: action.cpu };
    else if (action.memoryGiB !== undefined) target = { memoryGiB: action.memoryGiB };
    else target = { size: action.size! };
    try {
      const bounds = instance.bounds;
      const result = scaleWithinFamily(instance.size, target, {
        ...(bounds.maxCpu !== undefined ? { maxVcpu: bounds.maxCpu } : {}),
        ...(bounds.maxMemoryGiB !== undefined ? { maxMemoryGiB: bounds.maxMemoryGiB } : {}),
        ...(bounds.maxSize !== undefined ? { maxSize: bounds.maxSize } : {}),
      });
      if (result.direction === "none") return { status: "unchanged", detail: `already ${result.to.name}` };
      // "Scale up to 16 cores" is a floor: an instance already above it stays as it is.
      if (result.direction === "down" && (action.cpu !== undefined || action.memoryGiB !== undefined)) {
        const what = action.cpu !== undefined ? `${action.cpu} vCPU` : `${action.memoryGiB} GiB`;
        return { status: "unchanged", detail: `${instance.size} already has at least ${what}` };
      }
      const from = instance.size;
      instance.size = result.to.name;
      return {
        status: "changed",
        detail: `${from} → ${result.to.name} (${result.to.vcpu} vCPU, ${result.to.memoryGiB} GiB)`,
      };
    } catch (error) {
      if (error instanceof SizingError) return { status: "failed", detail: error.message };
      throw error;
    }
  },
  loadFactor(metric, instance, recorded) {
    const capacity = metric.capacity;
    if (capacity === undefined || recorded.size === undefined || instance.size === undefined) return 1;
    if (instance.size === recorded.size.name) return 1;
    // The size came out of the catalog through apply(), so it is known.
    const now = findSize(instance.size);
    return capacity === "vcpu" ? recorded.size.vcpu / now.vcpu : recorded.size.memoryGiB / now.memoryGiB;
  },
};
