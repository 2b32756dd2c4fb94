import { z } from "zod";
import { ok } from "../result.js";
import { type ActionKind, phrase, slugify } from "./action-kind.js";

/**
 * Feature ids are slugs of their names: "CDN caching" → `cdn-caching`.
 * @internal
 */
export const FeatureId = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "a feature id is lower-case words joined by '-'");

/** Switch a named feature on: record its state and run its Activate script. */
export const ActivateFeatureAction = z.strictObject({
  kind: z.literal("activate-feature"),
  /** The feature's id (slug of its name). */
  feature: FeatureId,
});
export type ActivateFeatureAction = z.infer<typeof ActivateFeatureAction>;

/** Switch a named feature off: record its state and run its Deactivate script. */
export const DeactivateFeatureAction = z.strictObject({
  kind: z.literal("deactivate-feature"),
  /** The feature's id (slug of its name). */
  feature: FeatureId,
});
export type DeactivateFeatureAction = z.infer<typeof DeactivateFeatureAction>;

const ACTIVATE = phrase(String.raw`(?:activate|enable|turn on|switch on) (?:feature )?(.*[a-z0-9].*)`);
const DEACTIVATE = phrase(String.raw`(?:deactivate|disable|turn off|switch off) (?:feature )?(.*[a-z0-9].*)`);

/** @internal */
export const activateFeature: ActionKind<ActivateFeatureAction> = {
  kind: "activate-feature",
  schema: ActivateFeatureAction,
  forms: ["Activate <feature>", "Enable <feature>"],
  contexts: ["trigger", "value-source"],
  parsePhrase(text) {
    const match = ACTIVATE.exec(text);
    return match ? ok({ kind: "activate-feature", feature: slugify(match[1]!) }) : undefined;
  },
  describe: (action) => `Activate ${action.feature}`,
  revert: (action) => ({ kind: "deactivate-feature", feature: action.feature }),
};

/** @internal */
export const deactivateFeature: ActionKind<DeactivateFeatureAction> = {
  kind: "deactivate-feature",
  schema: DeactivateFeatureAction,
  forms: ["Deactivate <feature>", "Disable <feature>"],
  contexts: ["trigger", "value-source"],
  parsePhrase(text) {
    const match = DEACTIVATE.exec(text);
    return match ? ok({ kind: "deactivate-feature", feature: slugify(match[1]!) }) : undefined;
  },
  describe: (action) => `Deactivate ${action.feature}`,
  revert: (action) => ({ kind: "activate-feature", feature: action.feature }),
};
