/**
 * The interface every action kind's simulator effect implements: what the action does to the
 * simulated instance (its size, features, persona) and how the state that kind controls changes
 * the telemetry the alarms see. One module per kind in this folder, listed in `index.ts`, like the
 * action catalog itself (src/pdl/actions).
 */
import { type Action, describeAction } from "../../pdl/actions/index.js";
import type { MetricDefinition } from "../../pdl/metrics/index.js";
import type { Bounds } from "../../pdl/model.js";
import type { InstanceSize } from "../../resolve/sizing/index.js";
import type { FeatureEffects } from "./declared.js";

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
  /**
   * Out of rotation: drained from the load balancer (`Drain traffic`), with the redirect target that
   * took the traffic when one was named; undefined while the instance takes traffic.
   */
  drained: { readonly target?: string } | undefined;
  /** Isolated: in the fleet's quarantine group (`Isolate instance`), so it takes no traffic either. */
  isolated: boolean;
}

/**
 * What the telemetry was recorded against: replayed samples describe the instance as it was at
 * time 0, so an effect scales a sample by how the instance now differs from then.
 */
export interface RecordedState {
  /** The size the telemetry was recorded on (the run's initial size), when known. */
  readonly size: InstanceSize | undefined;
  /** Feature states at time 0. */
  readonly features: Readonly<Record<string, boolean>>;
  /** Whether the instance took traffic when the telemetry was recorded (always, so far). */
  readonly inRotation?: boolean;
  /** What each feature does to the metrics while it is on (declared by the scenario or the test). */
  readonly featureEffects: FeatureEffects;
}

/** What one action did. */
export interface EffectOutcome {
  /** `changed`: the instance changed; `unchanged`: already as asked; `recorded`: no simulated state (notify, run command, ...); `failed`: the action could not be carried out. */
  readonly status: "changed" | "unchanged" | "recorded" | "failed";
  /** One sentence for the timeline. */
  readonly detail: string;
}

/** One action kind's effect in the simulator. */
export interface ActionEffect {
  /** The action kinds this effect handles (`activate-feature` and `deactivate-feature` share one). */
  readonly kinds: readonly Action["kind"][];
  /**
   * Changes the instance as the kind's responder would. Never throws for an action that cannot
   * be carried out: it returns `failed` with the reason.
   */
  apply(action: Action, instance: InstanceState): EffectOutcome;
  /**
   * The factor the state this kind controls multiplies `metric`'s recorded value by, now: 1 when
   * the kind has no bearing on the metric or the instance is as it was recorded. Pure and
   * deterministic: the same state gives the same factor.
   */
  loadFactor(metric: MetricDefinition, instance: InstanceState, recorded: RecordedState): number;
}

/** No bearing on any metric. */
export const noLoadEffect = (): number => 1;

/** An effect for kinds whose result lives outside the instance (a message sent, a command run). */
export function recordedEffect(kind: Action["kind"]): ActionEffect {
  return {
    kinds: [kind],
    apply: (action) => ({ status: "recorded", detail: describeAction(expectKind(action, [kind])) }),
    loadFactor: noLoadEffect,
  };
}

/** Narrows an action to the kinds an effect handles; a mismatch is a programming error. */
export function expectKind<K extends Action["kind"]>(
  action: Action,
  kinds: readonly K[],
): Extract<Action, { kind: K }> {
  if (!(kinds as readonly string[]).includes(action.kind)) {
    throw new TypeError(`the ${kinds.join("/")} effect was given a ${action.kind} action`);
  }
  return action as Extract<Action, { kind: K }>;
}
