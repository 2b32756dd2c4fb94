import { z } from "zod";
import { ok } from "../result.js";
import { type ActionKind, phrase } from "./action-kind.js";

/**
 * A security measure: swap the instance's security groups (AWS) or NSG (Azure) for the fleet's
 * quarantine group, which allows only the management path the fleet declares; tag it
 * `persona:isolated`; keep its disks and keep it running. The original groups are recorded before
 * the swap, and {@link ReleaseIsolationAction} puts exactly those back.
 */
export const IsolateInstanceAction = z.strictObject({
  kind: z.literal("isolate-instance"),
});
export type IsolateInstanceAction = z.infer<typeof IsolateInstanceAction>;

/** Undo an isolation: the groups recorded before the swap go back, the `persona:isolated` tag goes. */
export const ReleaseIsolationAction = z.strictObject({
  kind: z.literal("release-isolation"),
});
export type ReleaseIsolationAction = z.infer<typeof ReleaseIsolationAction>;

const ISOLATE = phrase(String.raw`(?:isolate|quarantine)(?: (?:this |the )?instance)?`);
const RELEASE = phrase(
  String.raw`(?:release|end|lift) (?:the )?(?:isolation|quarantine)|(?:restore|release) (?:this |the )?instance(?: from (?:isolation|quarantine))?|un-?isolate(?: (?:this |the )?instance)?`,
);

/** @internal */
export const isolateInstance: ActionKind<IsolateInstanceAction> = {
  kind: "isolate-instance",
  schema: IsolateInstanceAction,
  forms: ["Isolate instance"],
  contexts: ["trigger", "value-source"],
  parsePhrase: (text) => (ISOLATE.test(text) ? ok({ kind: "isolate-instance" }) : undefined),
  describe: () => "Isolate instance",
  revert: () => ({ kind: "release-isolation" }),
};

/** @internal */
export const releaseIsolation: ActionKind<ReleaseIsolationAction> = {
  kind: "release-isolation",
  schema: ReleaseIsolationAction,
  forms: ["Release isolation"],
  contexts: ["trigger", "value-source"],
  parsePhrase: (text) => (RELEASE.test(text) ? ok({ kind: "release-isolation" }) : undefined),
  describe: () => "Release isolation",
  revert: () => undefined,
};
