/**
 * Persona shift: rewrite the instance's active-persona tag (`persona:active`) and record the shift
 * in the state table (`persona#<instance id>` / `previous`), so "Shift back to previous persona"
 * knows where to go. The responder may write only `persona:active` (an IAM condition on the tag
 * keys); `pulumi up` ignores that tag, so the shift survives the next deployment.
 */
import { CreateTagsCommand } from "@aws-sdk/client-ec2";
import type { ShiftPersonaAction } from "../../../pdl/actions/index.js";
import { PERSONA_TAGS } from "../../../plan/tags.js";
import { ActionFailedError } from "../errors.js";
import { describeFleetInstance, retryThrottled } from "../instances.js";
import type { ActionExecutor } from "../responder.js";

/** The state-table document recording an instance's last shift. */
export interface PersonaShiftRecord {
  /** The persona before the last shift. */
  previous: string;
  /** The persona the last shift set. */
  current: string;
  /** When, ms. */
  at: number;
}

/** The shift-persona responder's executor. Several shifts in one response: the last one wins. */
export const shiftPersonaExecutor: ActionExecutor = async (ctx, job) => {
  const action = job.actions[job.actions.length - 1] as ShiftPersonaAction;
  const instance = await describeFleetInstance(ctx, job.instanceId);
  const current = instance.tags[PERSONA_TAGS.active] ?? instance.tags[PERSONA_TAGS.name] ?? job.persona.name;
  let target: string;
  if (action.previous) {
    const record = await ctx.store.readDocument<PersonaShiftRecord>(`persona#${job.instanceId}`, "previous");
    if (record === undefined) {
      throw new ActionFailedError(
        `Instance ${job.instanceId} has no recorded persona shift, so there is no previous persona to shift back to; it stays ${current}.`,
        true,
      );
    }
    target = record.previous;
  } else {
    target = action.persona!.replace(/@.*$/, "");
  }
  if (target === current)
    return { outcome: "unchanged", detail: `${job.instanceId} already has persona ${current}` };
  await retryThrottled(ctx, () =>
    ctx.clients.ec2.send(
      new CreateTagsCommand({
        Resources: [job.instanceId],
        Tags: [{ Key: PERSONA_TAGS.active, Value: target }],
      }),
    ),
  );
  const record: PersonaShiftRecord = { previous: current, current: target, at: ctx.now() };
  await ctx.store.writeDocument(`persona#${job.instanceId}`, "previous", record, record.at);
  return { outcome: "acted", detail: `${job.instanceId}: persona ${current} -> ${target}` };
};
