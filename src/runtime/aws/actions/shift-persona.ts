/**
 * Persona shift: rewrite the instance's active-persona tag (`persona:active`), keeping the one it
 * replaces in `persona:previous` so "Shift back to previous persona" knows where to go. `pulumi up`
 * ignores `persona:active`, so the shift survives the next deployment.
 */
import { CreateTagsCommand } from "@aws-sdk/client-ec2";
import type { ShiftPersonaAction } from "../../../pdl/actions/index.js";
import { PERSONA_TAGS } from "../../../plan/tags.js";
import { ActionFailedError } from "../errors.js";
import { describeFleetInstance, retryThrottled } from "../instances.js";
import type { ActionExecutor } from "../responder.js";

/** The tag that remembers the persona a shift replaced. */
export const PREVIOUS_PERSONA_TAG = "persona:previous";

/** The shift-persona responder's executor. Several shifts in one response: the last one wins. */
export const shiftPersonaExecutor: ActionExecutor = async (ctx, job) => {
  const action = job.actions[job.actions.length - 1] as ShiftPersonaAction;
  const instance = await describeFleetInstance(ctx, job.instanceId);
  const current = instance.tags[PERSONA_TAGS.active] ?? instance.tags[PERSONA_TAGS.name] ?? job.persona.name;
  let target: string;
  if (action.previous) {
    const previous = instance.tags[PREVIOUS_PERSONA_TAG];
    if (previous === undefined) {
      throw new ActionFailedError(
        `Instance ${job.instanceId} has no ${PREVIOUS_PERSONA_TAG} tag, so there is no previous persona to shift back to; it stays ${current}.`,
        true,
      );
    }
    target = previous;
  } else {
    target = action.persona!.replace(/@.*$/, "");
  }
  if (target === current)
    return { outcome: "unchanged", detail: `${job.instanceId} already has persona ${current}` };
  await retryThrottled(ctx, () =>
    ctx.clients.ec2.send(
      new CreateTagsCommand({
        Resources: [job.instanceId],
        Tags: [
          { Key: PERSONA_TAGS.active, Value: target },
          { Key: PREVIOUS_PERSONA_TAG, Value: current },
        ],
      }),
    ),
  );
  return { outcome: "acted", detail: `${job.instanceId}: persona ${current} -> ${target}` };
};
