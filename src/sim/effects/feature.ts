/**
 * Activate / deactivate a feature: flips the feature, and while it is on multiplies the metrics
 * its declared effect names (src/sim/effects/declared.ts) relative to how the telemetry was
 * recorded (a feature on at time 0 is already in the recorded values).
 */
import { type ActionEffect, expectKind } from "./effect.js";

export const featureEffect: ActionEffect = {
  kinds: ["activate-feature", "deactivate-feature"],
  apply(given, instance) {
    const action = expectKind(given, ["activate-feature", "deactivate-feature"]);
    const on = action.kind === "activate-feature";
    if (instance.features.get(action.feature) === on) {
      return { status: "unchanged", detail: `${action.feature} already ${on ? "on" : "off"}` };
    }
    instance.features.set(action.feature, on);
    return { status: "changed", detail: `${action.feature} ${on ? "on" : "off"}` };
  },
  loadFactor(metric, instance, recorded) {
    let factor = 1;
    for (const [feature, factors] of recorded.featureEffects) {
      const f = factors.get(metric.id);
      if (f === undefined) continue;
      const now = instance.features.get(feature) === true;
      const then = recorded.features[feature] === true;
      if (now !== then) factor *= now ? f : 1 / f;
    }
    return factor;
  },
};
