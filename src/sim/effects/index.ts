/**
 * What each action kind does in the simulator: one module per kind behind {@link ActionEffect},
 * like the action catalog itself (src/pdl/actions). Adding a kind means adding its module here.
 * An effect changes the simulated instance (size, features, persona) and says how the state it
 * controls changes the telemetry the alarms see (docs/simulation.md, "Effects").
 */
import type { Action } from "../../pdl/actions/index.js";
import type { MetricDefinition } from "../../pdl/metrics/index.js";
import type { ActionEffect, EffectOutcome, InstanceState, RecordedState } from "./effect.js";
import { featureEffect } from "./feature.js";
import { firewallEffect } from "./firewall.js";
import { invokeFunctionEffect } from "./invoke-function.js";
import { notifyEffect } from "./notify.js";
import { runCommandEffect } from "./run-command.js";
import { scaleEffect } from "./scale.js";
import { shiftPersonaEffect } from "./shift-persona.js";
import { isolateEffect, trafficEffect } from "./traffic.js";

export {
  checkFeatureEffects,
  type FeatureEffects,
  mergeFeatureEffects,
  NO_FEATURE_EFFECTS,
  parseFeatureEffects,
} from "./declared.js";
export type { ActionEffect, EffectOutcome, InstanceState, RecordedState } from "./effect.js";
export { inRotation } from "./traffic.js";

/** Every effect, one per module; each lists the action kinds it handles. */
export const EFFECTS: readonly ActionEffect[] = [
  scaleEffect,
  featureEffect,
  shiftPersonaEffect,
  firewallEffect,
  notifyEffect,
  runCommandEffect,
  invokeFunctionEffect,
  trafficEffect,
  isolateEffect,
] as readonly ActionEffect[];

/** The effect of each action kind. */
export const ACTION_EFFECTS: Readonly<Record<Action["kind"], ActionEffect>> = Object.fromEntries(
  EFFECTS.flatMap((effect) => effect.kinds.map((kind) => [kind, effect])),
) as Record<Action["kind"], ActionEffect>;

/**
 * Applies `action` with the effect registered for its kind.
 * @example
 * applyAction({ kind: "scale", cpu: 16 }, instance); // { status: "changed", detail: "m7i.2xlarge → m7i.4xlarge (16 vCPU, 64 GiB)" }
 */
export function applyAction(action: Action, instance: InstanceState): EffectOutcome {
  return ACTION_EFFECTS[action.kind].apply(action, instance);
}

/**
 * The factor `metric`'s recorded values are multiplied by for the instance as it is now: the
 * product of every effect's factor (1 when the instance is as the telemetry was recorded).
 * @example
 * loadFactor(metricById("cpu-utilization"), instance, recorded); // 0.5 after 8 → 16 vCPU
 */
export function loadFactor(
  metric: MetricDefinition,
  instance: InstanceState,
  recorded: RecordedState,
): number {
  let factor = 1;
  for (const effect of EFFECTS) factor *= effect.loadFactor(metric, instance, recorded);
  return factor;
}
