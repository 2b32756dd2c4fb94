import { z } from "zod";
import { ok } from "../result.js";
import { type ActionKind, phrase } from "./action-kind.js";

/** Hand the instance to another persona (retag it), or back to the one it had before. */
export const ShiftPersonaAction = z
  .strictObject({
    kind: z.literal("shift-persona"),
    /** Target persona, optionally with a version range: `LockedDown` or `LockedDown@^1`. */
    persona: z
      .string()
      .regex(/^[A-Za-z][\w-]*(?:@\S+)?$/, "a persona reference is a name, optionally followed by @range")
      .optional(),
    /** Back to the persona the instance had before the last shift. */
    previous: z.literal(true).optional(),
  })
  .refine((a) => (a.persona === undefined) !== (a.previous === undefined), {
    message: "a shift-persona action needs exactly one of persona or previous",
  });
export type ShiftPersonaAction = z.infer<typeof ShiftPersonaAction>;

const PREVIOUS = phrase(
  String.raw`(?:shift|switch|change)(?: persona)? back(?: to (?:the )?previous(?: persona)?)?`,
);
const TARGET = phrase(
  String.raw`(?:shift|switch|change)(?: persona)? to (?:persona )?([A-Za-z][\w-]*(?:@\S+)?)(?: persona)?`,
);

/** @internal */
export const shiftPersona: ActionKind<ShiftPersonaAction> = {
  kind: "shift-persona",
  schema: ShiftPersonaAction,
  forms: ["Shift persona to <Name>", "Shift back to previous persona"],
  contexts: ["trigger", "value-source"],
  parsePhrase(text) {
    if (PREVIOUS.test(text)) return ok({ kind: "shift-persona", previous: true });
    const match = TARGET.exec(text);
    return match ? ok({ kind: "shift-persona", persona: match[1]! }) : undefined;
  },
  describe: (action) =>
    action.previous ? "Shift back to previous persona" : `Shift persona to ${action.persona}`,
  revert: (action) => (action.previous ? undefined : { kind: "shift-persona", previous: true }),
};
