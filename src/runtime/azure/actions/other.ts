/**
 * The smaller Azure executors: shift-persona (the `persona:active` tag, the only tag the runtime
 * writes, and the previous persona in the state table), notify (an HTTPS webhook per channel, e.g.
 * a Logic App or a Teams workflow) and invoke-function (an HTTPS call to the user's function).
 */
import { PERSONA_TAGS } from "../../../plan/tags.js";
import type { AzureRuntimeContext } from "../context.js";
import { ActionFailedError } from "../errors.js";
import { getVm, mergeTags } from "../vm.js";
import type { AzureActionJob, AzureExecutor } from "../worker.js";

/** The state-table namespace of persona shifts. */
export const SHIFT_NAMESPACE = "persona";

/** shift-persona: writes `persona:active`; "back to previous" reads the shift recorded before. */
export const azureShiftPersonaExecutor: AzureExecutor = async (ctx, job) => {
  const action = job.actions[job.actions.length - 1];
  if (action?.kind !== "shift-persona")
    throw new ActionFailedError("No shift-persona action in the job.", true);
  const vm = await getVm(ctx.arm, job.vmId);
  const current = vm.tags[PERSONA_TAGS.active] ?? vm.tags[PERSONA_TAGS.name] ?? job.persona.name;
  const recorded = await ctx.state.readDocument<{ previous: string }>(SHIFT_NAMESPACE, job.vmId);
  let target: string;
  if (action.previous) {
    if (recorded === undefined)
      return { outcome: "unchanged", detail: `${vm.name}: no earlier shift to go back from` };
    target = recorded.value.previous;
  } else {
    // The tag holds a name; the range is the orchestrator's business when it applies the persona.
    target = action.persona!.split("@")[0]!;
  }
  if (target === current) return { outcome: "unchanged", detail: `${vm.name} is already ${target}` };
  await mergeTags(ctx.arm, job.vmId, { [PERSONA_TAGS.active]: target });
  // `current` is what the orchestrator trusts: a persona:active tag written by hand proves nothing.
  await ctx.state.writeDocument(
    SHIFT_NAMESPACE,
    job.vmId,
    { previous: current, current: target },
    recorded?.etag,
  );
  return { outcome: "acted", detail: `${vm.name}: persona ${current} → ${target}` };
};

/** POSTs JSON to an HTTPS webhook (30 s, no redirects); throws when it does not answer 2xx. */
export async function postJson(
  ctx: AzureRuntimeContext,
  url: string,
  body: unknown,
  what: string,
): Promise<void> {
  if (!url.startsWith("https://"))
    throw new ActionFailedError(`${what} must be an HTTPS URL; nothing was sent.`, true);
  const response = await ctx.webhookFetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
    redirect: "error",
  });
  if (!response.ok) throw new ActionFailedError(`${what} answered ${response.status}.`, true);
}

/** What every webhook the runtime calls hears of the job. */
export function jobEvent(ctx: AzureRuntimeContext, job: AzureActionJob) {
  return {
    fleet: ctx.env.fleet,
    vmId: job.vmId,
    persona: job.persona.name,
    responseId: job.responseId,
    intent: job.intent,
    transitionId: job.transitionId,
  };
}

/** notify: POSTs the message to the channel's webhook (`PERSONAS_NOTIFY_WEBHOOKS`). */
export const azureNotifyExecutor: AzureExecutor = async (ctx, job) => {
  const sent: string[] = [];
  for (const action of job.actions) {
    if (action.kind !== "notify") continue;
    const url = ctx.env.notifyWebhooks[action.target];
    if (url === undefined) {
      throw new ActionFailedError(
        `No webhook for notify channel '${action.target}' in PERSONAS_NOTIFY_WEBHOOKS; add it to the fleet's notify channels.`,
        true,
      );
    }
    await postJson(
      ctx,
      url,
      { type: "personas.notify", version: 1, ...jobEvent(ctx, job), message: action.message ?? "" },
      `Notify channel ${action.target}`,
    );
    sent.push(action.target);
  }
  return { outcome: "acted", detail: `notified ${sent.join(", ")}` };
};

/** invoke-function: POSTs the event to the function's URL (`PERSONAS_INVOKE_TARGETS`). */
export const azureInvokeFunctionExecutor: AzureExecutor = async (ctx, job) => {
  const called: string[] = [];
  for (const action of job.actions) {
    if (action.kind !== "invoke-function") continue;
    const url = ctx.env.invokeTargets[action.function];
    if (url === undefined) {
      throw new ActionFailedError(
        `No URL for function '${action.function}' in PERSONAS_INVOKE_TARGETS; add it to the fleet's invoke targets.`,
        true,
      );
    }
    await postJson(
      ctx,
      url,
      { type: "personas.invoke", version: 1, ...jobEvent(ctx, job) },
      `Function ${action.function}`,
    );
    called.push(action.function);
  }
  return { outcome: "acted", detail: `invoked ${called.join(", ")}` };
};
