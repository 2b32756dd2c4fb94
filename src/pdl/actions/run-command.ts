import { z } from "zod";
import { ok } from "../result.js";
import { type ActionKind, phrase } from "./action-kind.js";

/** Run a shell command on the instance (SSM Run Command on AWS, Run Command on Azure). */
export const RunCommandAction = z.strictObject({
  kind: z.literal("run-command"),
  /** The shell command, run as root by the cloud's agent. */
  command: z.string().min(1).max(4096),
});
export type RunCommandAction = z.infer<typeof RunCommandAction>;

// The command must be quoted, so the phrase's end is never ambiguous.
const RUN = phrase(String.raw`run(?: command)? (?:\x60([^\x60]+)\x60|"([^"]+)"|'([^']+)')`);

/** @internal */
export const runCommand: ActionKind<RunCommandAction> = {
  kind: "run-command",
  schema: RunCommandAction,
  forms: ["Run command `<shell command>`"],
  contexts: ["trigger", "list-source", "value-source"],
  parsePhrase(text) {
    const match = RUN.exec(text);
    return match ? ok({ kind: "run-command", command: (match[1] ?? match[2] ?? match[3])! }) : undefined;
  },
  describe: (action) => `Run command \`${action.command}\``,
  revert: () => undefined,
};
