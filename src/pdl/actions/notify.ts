import { z } from "zod";
import { ok } from "../result.js";
import { type ActionKind, phrase } from "./action-kind.js";

/** Send a notification to a named channel (the fleet maps channel names to SNS topics / action groups). */
export const NotifyAction = z.strictObject({
  kind: z.literal("notify"),
  /** Channel name, e.g. `ops-team`. */
  target: z.string().regex(/^[\w.:/@-]+$/, "a channel name has no spaces"),
  /** Optional text added to the notification. */
  message: z.string().max(1000).optional(),
});
export type NotifyAction = z.infer<typeof NotifyAction>;

const NOTIFY = phrase(
  String.raw`(?:notify|alert|page|send (?:a )?notification to) ([\w.:/@-]+)(?:\s*:\s*(.+))?`,
);

export const notify: ActionKind<NotifyAction> = {
  kind: "notify",
  schema: NotifyAction,
  forms: ["Notify <channel>", "Notify <channel>: <message>"],
  contexts: ["trigger", "list-source", "value-source"],
  parsePhrase(text) {
    const match = NOTIFY.exec(text);
    if (!match) return undefined;
    return ok(
      match[2]
        ? { kind: "notify", target: match[1]!, message: match[2] }
        : { kind: "notify", target: match[1]! },
    );
  },
  describe: (action) => `Notify ${action.target}${action.message ? `: ${action.message}` : ""}`,
  revert: () => undefined,
};
