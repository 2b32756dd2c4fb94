/**
 * What each action kind does to a simulated instance. One entry per kind, behind one interface,
 * like the action catalog itself (src/pdl/actions): adding a kind means adding its effect here.
 * Effects change the simulated instance's size, features or persona, and describe what they did.
 */
import { type Action, describeAction } from "../pdl/actions/index.js";
import type { Bounds } from "../pdl/model.js";
import { type ScaleTarget, SizingError, scaleWithinFamily } from "../resolve/sizing/index.js";

/** The parts of a simulated instance an action may change. */
export interface InstanceState {
  /** The current instance type / VM size, when one is known. */
  size: string | undefined;
  /** The size the persona's baseline selects (what "Scale back to baseline" returns to). */
  readonly baselineSize: string | undefined;
  /** Limits scaling may not cross. */
  bounds: Bounds;
  /** Feature states by feature id. */
  readonly features: Map<string, boolean>;
  /** The persona in force (a name, or `Name@range` as written in the shift). */
  persona: string;
  /** Personas shifted away from, most recent last ("Shift back to previous persona" pops). */
  readonly personaStack: string[];
}

/** What one action did. */
export interface EffectOutcome {
  /** `changed`: the instance changed; `unchanged`: already as asked; `recorded`: no simulated state (notify, run command, ...); `failed`: the action could not be carried out. */
  readonly status: "changed" | "unchanged" | "recorded" | "failed";
  /** One sentence for the timeline. */
  readonly detail: string;
}

/** Applies one action to the instance state. Never throws for an action that cannot be carried out: it fails. */
export type ActionEffect = (action: Action, instance: InstanceState) => EffectOutcome;

function scaleEffect(action: Action, instance: InstanceState): EffectOutcome {
  if (action.kind !== "scale") throw new TypeError(`scale effect given a ${action.kind} action`);
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
}

function featureEffect(action: Action, instance: InstanceState): EffectOutcome {
  if (action.kind !== "activate-feature" && action.kind !== "deactivate-feature") {
    throw new TypeError(`feature effect given a ${action.kind} action`);
  }
  const on = action.kind === "activate-feature";
  if (instance.features.get(action.feature) === on) {
    return { status: "unchanged", detail: `${action.feature} already ${on ? "on" : "off"}` };
  }
  instance.features.set(action.feature, on);
  return { status: "changed", detail: `${action.feature} ${on ? "on" : "off"}` };
}

function shiftEffect(action: Action, instance: InstanceState): EffectOutcome {
  if (action.kind !== "shift-persona")
    throw new TypeError(`shift-persona effect given a ${action.kind} action`);
  if (action.previous) {
    const previous = instance.personaStack.pop();
    if (previous === undefined)
      return { status: "unchanged", detail: `no previous persona; ${instance.persona} stays` };
    const from = instance.persona;
    instance.persona = previous;
    return { status: "changed", detail: `persona ${from} → ${previous}` };
  }
  const target = action.persona!;
  if (target === instance.persona) return { status: "unchanged", detail: `already ${target}` };
  instance.personaStack.push(instance.persona);
  const from = instance.persona;
  instance.persona = target;
  return { status: "changed", detail: `persona ${from} → ${target}` };
}

const recorded: ActionEffect = (action) => ({ status: "recorded", detail: describeAction(action) });

/** The effect of each action kind. */
export const ACTION_EFFECTS: Readonly<Record<Action["kind"], ActionEffect>> = {
  scale: scaleEffect,
  "activate-feature": featureEffect,
  "deactivate-feature": featureEffect,
  // List feeds drive the firewall; the simulator applies their lists with the last-good-list rule.
  firewall: recorded,
  "shift-persona": shiftEffect,
  notify: recorded,
  "run-command": recorded,
  "invoke-function": recorded,
};

/** Applies `action` with the effect registered for its kind. */
export function applyAction(action: Action, instance: InstanceState): EffectOutcome {
  return ACTION_EFFECTS[action.kind](action, instance);
}
