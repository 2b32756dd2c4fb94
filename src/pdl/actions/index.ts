/**
 * The closed action catalog: phrase parsing with suggestions, the structured union schema, and the
 * per-kind behaviour (contexts, revert). To add an action kind, add a module and list it here.
 */
import { z } from "zod";
import { type Parsed, problem } from "../result.js";
import { nearest } from "../suggest.js";
import type { ActionContext, ActionKind } from "./action-kind.js";
import {
  ActivateFeatureAction,
  activateFeature,
  DeactivateFeatureAction,
  deactivateFeature,
} from "./feature.js";
import { FirewallAction, firewall } from "./firewall.js";
import { InvokeFunctionAction, invokeFunction } from "./invoke-function.js";
import {
  IsolateInstanceAction,
  isolateInstance,
  ReleaseIsolationAction,
  releaseIsolation,
} from "./isolate.js";
import { NotifyAction, notify } from "./notify.js";
import { RunCommandAction, runCommand } from "./run-command.js";
import { ScaleAction, scale } from "./scale.js";
import { ShiftPersonaAction, shiftPersona } from "./shift-persona.js";
import { DrainTrafficAction, drainTraffic, RestoreTrafficAction, restoreTraffic } from "./traffic.js";

export type { ActionContext, ActionKind } from "./action-kind.js";
export { slugify } from "./action-kind.js";
export {
  ActivateFeatureAction,
  DeactivateFeatureAction,
  DrainTrafficAction,
  FirewallAction,
  InvokeFunctionAction,
  IsolateInstanceAction,
  NotifyAction,
  ReleaseIsolationAction,
  RestoreTrafficAction,
  RunCommandAction,
  ScaleAction,
  ShiftPersonaAction,
};

/** Any action of the catalog, discriminated by `kind`. */
export const Action = z.union([
  ScaleAction,
  ActivateFeatureAction,
  DeactivateFeatureAction,
  FirewallAction,
  ShiftPersonaAction,
  NotifyAction,
  RunCommandAction,
  InvokeFunctionAction,
  DrainTrafficAction,
  RestoreTrafficAction,
  IsolateInstanceAction,
  ReleaseIsolationAction,
]);
export type Action = z.infer<typeof Action>;

/**
 * The action kinds, in the order phrases are tried.
 * @internal
 */
export const ACTION_KINDS = [
  scale,
  activateFeature,
  deactivateFeature,
  firewall,
  shiftPersona,
  notify,
  runCommand,
  invokeFunction,
  drainTraffic,
  restoreTraffic,
  isolateInstance,
  releaseIsolation,
] as const satisfies readonly ActionKind<Action>[];

/** Every action kind name. */
export type ActionKindName = Action["kind"];

/**
 * The catalog module of a kind.
 * @internal
 */
export function actionKind(kind: ActionKindName): ActionKind<Action> {
  const found = ACTION_KINDS.find((k) => k.kind === kind) as ActionKind<Action> | undefined;
  if (!found) throw new Error(`unknown action kind '${kind}'`);
  return found;
}

/** Every accepted phrase form, for "accepted forms" hints. */
export function acceptedActionForms(context?: ActionContext): string[] {
  return ACTION_KINDS.filter((k) => context === undefined || k.contexts.includes(context)).flatMap(
    (k) => k.forms,
  );
}

/** The words that appear literally in the accepted forms, for repairing typos. */
const VOCABULARY = [
  ...new Set(
    ACTION_KINDS.flatMap((k) => k.forms)
      .flatMap((form) => form.toLowerCase().split(/\s+/))
      .filter((word) => /^[a-z]+$/.test(word)),
  ),
  "scale",
  "resize",
  "memory",
  "enable",
  "disable",
  "firewall",
  "block",
  "allow",
  "drain",
  "redirect",
  "isolate",
  "quarantine",
];

/**
 * Parses an action phrase against every kind; the first kind that recognises it wins.
 * @internal
 */
export function parseActionPhrase(text: string): Parsed<Action> {
  const trimmed = text.trim().replace(/\s+/g, " ");
  for (const kind of ACTION_KINDS as readonly ActionKind<Action>[]) {
    const parsed = kind.parsePhrase(trimmed);
    if (!parsed?.ok) {
      if (parsed) return parsed;
      continue;
    }
    // The phrase matched; its values must still fit the kind's model (e.g. a message's length).
    const checked = kind.schema.safeParse(parsed.value);
    if (checked.success) return parsed;
    const issue = checked.error.issues[0]!;
    return problem(
      `action '${shorten(trimmed)}': ${issue.path.join(".")} ${issue.message.replace(/^[A-Z]/, (c) => c.toLowerCase())}`,
      `shorten or correct the ${issue.path.join(".")}`,
    );
  }
  const repaired = repairPhrase(trimmed);
  const suggestion = repaired === undefined ? "" : `did you mean '${repaired}'? `;
  return problem(
    `unknown action '${trimmed}'`,
    `${suggestion}accepted forms: ${acceptedActionForms().join(" | ")}`,
  );
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Replaces misspelt vocabulary words and returns the result if it then parses, e.g. "Scale upp" → "Scale up". */
function repairPhrase(text: string): string | undefined {
  const words = text.split(" ");
  let changed = false;
  const fixed = words.map((word) => {
    const lower = word.toLowerCase();
    if (!/^[a-z]+$/.test(lower) || VOCABULARY.includes(lower)) return word;
    const match = nearest(lower, VOCABULARY);
    if (match === undefined) return word;
    changed = true;
    return word[0] === word[0]!.toUpperCase() ? match[0]!.toUpperCase() + match.slice(1) : match;
  });
  if (!changed) return undefined;
  const candidate = fixed.join(" ");
  return ACTION_KINDS.some((k) => (k as ActionKind<Action>).parsePhrase(candidate)?.ok)
    ? candidate
    : undefined;
}

/** The canonical phrase for an action. */
export function describeAction(action: Action): string {
  return actionKind(action.kind).describe(action);
}

/**
 * The action that undoes `action` on clear, or undefined when it cannot be undone.
 * @internal
 */
export function revertAction(action: Action): Action | undefined {
  return actionKind(action.kind).revert(action) as Action | undefined;
}
