/** Invoke a function: an asynchronous Lambda invocation with the instance, persona and response. */
import { InvokeCommand } from "@aws-sdk/client-lambda";
import type { InvokeFunctionAction } from "../../../pdl/actions/index.js";
import { ActionFailedError } from "../errors.js";
import { retryThrottled } from "../instances.js";
import type { ActionExecutor } from "../responder.js";

/** The payload the invoked function receives. */
export interface InvokePayload {
  type: "personas.invoke";
  version: 1;
  fleet: string;
  instanceId: string;
  persona: string;
  responseId: string;
  intent: "activate" | "clear";
  transitionId: string;
}

/** The invoke-function responder's executor. */
export const invokeFunctionExecutor: ActionExecutor = async (ctx, job) => {
  const invoked: string[] = [];
  for (const action of job.actions as InvokeFunctionAction[]) {
    const payload: InvokePayload = {
      type: "personas.invoke",
      version: 1,
      fleet: ctx.env.fleetName,
      instanceId: job.instanceId,
      persona: job.persona.name,
      responseId: job.responseId,
      intent: job.intent,
      transitionId: job.transitionId,
    };
    const result = await retryThrottled(ctx, () =>
      ctx.clients.lambda.send(
        new InvokeCommand({
          FunctionName: action.function,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      ),
    );
    if (result.StatusCode !== 202) {
      throw new ActionFailedError(
        `Lambda did not accept the invocation of ${action.function} (status ${result.StatusCode}).`,
        true,
      );
    }
    invoked.push(action.function);
  }
  return { outcome: "acted", detail: `invoked ${invoked.join(", ")} for ${job.instanceId}` };
};
