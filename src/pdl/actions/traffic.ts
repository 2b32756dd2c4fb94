import { z } from "zod";
import { ok } from "../result.js";
import { type ActionKind, phrase } from "./action-kind.js";

/**
 * A redirect target's name, as the fleet declares it (`traffic.targets` on AWS, `Redirect traffic
 * to standby`). The persona only names it; the components refuse a name the fleet does not declare.
 * @internal
 */
export const TrafficTargetName = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, "a redirect target is lower-case words joined by '-'")
  .max(64);

/**
 * Take the instance out of rotation: deregister it from the load-balancer target groups (AWS) or
 * backend pools (Azure) the fleet declares, honouring their deregistration delay. With `target`,
 * also send the traffic to that named target (a Route 53 weighted record the fleet declares). The
 * last healthy target of a group is never drained. Reverted by {@link RestoreTrafficAction}.
 */
export const DrainTrafficAction = z.strictObject({
  kind: z.literal("drain-traffic"),
  /** The fleet's named redirect target that takes the traffic; absent: the rest of the pool takes it. */
  target: TrafficTargetName.optional(),
});
export type DrainTrafficAction = z.infer<typeof DrainTrafficAction>;

/** Put the instance back into rotation: exactly what the last drain recorded it took away. */
export const RestoreTrafficAction = z.strictObject({
  kind: z.literal("restore-traffic"),
});
export type RestoreTrafficAction = z.infer<typeof RestoreTrafficAction>;

const DRAIN = phrase(
  String.raw`(?:drain(?: traffic)?(?: from (?:this |the )?instance)?|(?:redirect|move|shift) traffic away(?: from (?:this |the )?instance)?|take (?:the |this )?instance out of rotation)`,
);
const REDIRECT_TO = phrase(String.raw`(?:redirect|move|shift|send) traffic to (?:target )?(\S+)`);
const RESTORE = phrase(
  String.raw`(?:restore|resume|undrain) traffic(?: to (?:this |the )?instance)?|put (?:the |this )?instance back (?:in|into) rotation`,
);

/** @internal */
export const drainTraffic: ActionKind<DrainTrafficAction> = {
  kind: "drain-traffic",
  schema: DrainTrafficAction,
  forms: ["Drain traffic", "Redirect traffic away", "Redirect traffic to <target>"],
  contexts: ["trigger", "value-source"],
  parsePhrase(text) {
    if (DRAIN.test(text)) return ok({ kind: "drain-traffic" });
    const match = REDIRECT_TO.exec(text);
    // The schema (checked by the catalog) says what a target name may be.
    return match ? ok({ kind: "drain-traffic", target: match[1]! }) : undefined;
  },
  describe: (action) =>
    action.target === undefined ? "Drain traffic" : `Redirect traffic to ${action.target}`,
  revert: () => ({ kind: "restore-traffic" }),
};

/** @internal */
export const restoreTraffic: ActionKind<RestoreTrafficAction> = {
  kind: "restore-traffic",
  schema: RestoreTrafficAction,
  forms: ["Restore traffic"],
  contexts: ["trigger", "value-source"],
  parsePhrase: (text) => (RESTORE.test(text) ? ok({ kind: "restore-traffic" }) : undefined),
  describe: () => "Restore traffic",
  revert: () => undefined,
};
