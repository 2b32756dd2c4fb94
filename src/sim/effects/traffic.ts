/**
 * Drain / restore traffic and isolate / release: take the simulated instance out of rotation and
 * back. While it takes no traffic (drained, or isolated behind the quarantine group), the metrics
 * that follow the traffic fall to idle: each is multiplied by its catalog `idleFactor` (request
 * count and error rate to 0, CPU to a tenth, ...); memory and disk stay as they are.
 */
import type { MetricDefinition } from "../../pdl/metrics/index.js";
import { type ActionEffect, expectKind, type InstanceState, type RecordedState } from "./effect.js";

/** Whether the instance takes traffic now. */
export function inRotation(instance: InstanceState): boolean {
  return instance.drained === undefined && !instance.isolated;
}

/** The factor of a metric when the instance takes no traffic now but did when recorded. */
function idleLoad(metric: MetricDefinition, instance: InstanceState, recorded: RecordedState): number {
  const then = recorded.inRotation ?? true;
  const now = inRotation(instance);
  if (then === now || metric.idleFactor === undefined) return 1;
  // Recorded idle and now serving again has no known factor: the recorded values stand.
  return now ? 1 : metric.idleFactor;
}

export const trafficEffect: ActionEffect = {
  kinds: ["drain-traffic", "restore-traffic"],
  apply(given, instance) {
    const action = expectKind(given, ["drain-traffic", "restore-traffic"]);
    if (action.kind === "restore-traffic") {
      if (instance.drained === undefined) return { status: "unchanged", detail: "already in rotation" };
      instance.drained = undefined;
      return { status: "changed", detail: "back in rotation" };
    }
    if (instance.drained !== undefined) return { status: "unchanged", detail: "already out of rotation" };
    instance.drained = action.target === undefined ? {} : { target: action.target };
    return {
      status: "changed",
      detail:
        action.target === undefined
          ? "out of rotation"
          : `out of rotation; traffic redirected to ${action.target}`,
    };
  },
  // Isolation takes the instance out of rotation too; the factor is applied once, here.
  loadFactor: idleLoad,
};

export const isolateEffect: ActionEffect = {
  kinds: ["isolate-instance", "release-isolation"],
  apply(given, instance) {
    const action = expectKind(given, ["isolate-instance", "release-isolation"]);
    const isolate = action.kind === "isolate-instance";
    if (instance.isolated === isolate)
      return { status: "unchanged", detail: isolate ? "already isolated" : "not isolated" };
    instance.isolated = isolate;
    return {
      status: "changed",
      detail: isolate
        ? "isolated: quarantine group only, disks kept, out of rotation"
        : "original groups restored",
    };
  },
  loadFactor: () => 1,
};
