/**
 * Shift persona: records the persona in force (a stack, so "Shift back" returns). Which persona's
 * triggers evaluate from then on is the engine's part: it re-plans the target through the run's
 * `resolvePersona` and puts that plan's alarms in force. A persona itself changes no metric.
 */
import { type ActionEffect, expectKind, noLoadEffect } from "./effect.js";

export const shiftPersonaEffect: ActionEffect = {
  kinds: ["shift-persona"],
  apply(given, instance) {
    const action = expectKind(given, ["shift-persona"]);
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
  },
  loadFactor: noLoadEffect,
};
