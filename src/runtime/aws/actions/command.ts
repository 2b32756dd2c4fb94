/**
 * SSM Run Command with its outcome: send a document to one instance, then poll the invocation
 * until it ends (bounded by SCALE_WAIT_SECONDS at POLL_SECONDS intervals) and report its status.
 */
import { GetCommandInvocationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import type { ResponderContext } from "../context.js";
import { ActionFailedError } from "../errors.js";
import { retryThrottled } from "../instances.js";

const ENDED = new Set(["Success", "Failed", "Cancelled", "TimedOut", "Cancelling"]);

/** The end of a command. */
export interface CommandOutcome {
  commandId: string;
  status: string;
  /** The first 500 characters of standard output. */
  output: string;
}

/** Runs an SSM document on the instance; throws {@link ActionFailedError} unless it succeeds. */
export async function runDocument(
  ctx: ResponderContext,
  instanceId: string,
  document: string,
  parameters: Record<string, string[]>,
  comment: string,
): Promise<CommandOutcome> {
  const sent = await retryThrottled(ctx, () =>
    ctx.clients.ssm.send(
      new SendCommandCommand({
        DocumentName: document,
        InstanceIds: [instanceId],
        Parameters: parameters,
        Comment: comment.slice(0, 100),
      }),
    ),
  );
  const commandId = sent.Command?.CommandId;
  if (commandId === undefined)
    throw new ActionFailedError(
      `SSM did not return a command id for ${instanceId}; the script may not have run.`,
      false,
    );
  const poll = ctx.env.pollSeconds;
  const polls = Math.max(1, Math.ceil(ctx.env.scaleWaitSeconds / Math.max(poll, 1)));
  let status = "Pending";
  for (let i = 0; i < polls; i++) {
    try {
      const invocation = await retryThrottled(ctx, () =>
        ctx.clients.ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
        ),
      );
      status = invocation.Status ?? "Pending";
      if (ENDED.has(status)) {
        const output = (invocation.StandardOutputContent ?? "").slice(0, 500);
        if (status !== "Success") {
          const error = (invocation.StandardErrorContent ?? "").slice(0, 500);
          throw new ActionFailedError(
            `Command ${commandId} on ${instanceId} ended ${status}${error === "" ? "" : `: ${error}`}; see Run Command's history for the full output.`,
            false,
          );
        }
        return { commandId, status, output };
      }
    } catch (error) {
      // The invocation is not registered yet right after SendCommand.
      if ((error as { name?: string }).name !== "InvocationDoesNotExist") throw error;
    }
    await ctx.sleep(poll * 1000);
  }
  throw new ActionFailedError(
    `Command ${commandId} on ${instanceId} had not ended after ${ctx.env.scaleWaitSeconds} s (last status ${status}); it may still be running.`,
    false,
  );
}
