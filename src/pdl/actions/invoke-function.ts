import { z } from "zod";
import { ok } from "../result.js";
import { type ActionKind, phrase } from "./action-kind.js";

/** Invoke a user's function (Lambda / Azure Function) with the event, for anything the catalog lacks. */
export const InvokeFunctionAction = z.strictObject({
  kind: z.literal("invoke-function"),
  /** Function name or ARN. */
  function: z.string().regex(/^[\w.:/-]+$/, "a function name or ARN has no spaces"),
});
export type InvokeFunctionAction = z.infer<typeof InvokeFunctionAction>;

const INVOKE = phrase(String.raw`(?:invoke|call)(?: the)?(?: function| lambda)? ([\w.:/-]+)`);

/** @internal */
export const invokeFunction: ActionKind<InvokeFunctionAction> = {
  kind: "invoke-function",
  schema: InvokeFunctionAction,
  forms: ["Invoke function <name>"],
  contexts: ["trigger", "list-source", "value-source"],
  parsePhrase(text) {
    const match = INVOKE.exec(text);
    return match ? ok({ kind: "invoke-function", function: match[1]! }) : undefined;
  },
  describe: (action) => `Invoke function ${action.function}`,
  revert: () => undefined,
};
