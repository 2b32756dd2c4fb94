/** Run command: a shell command on the instance through SSM Run Command, reporting its outcome. */
import type { RunCommandAction } from "../../../pdl/actions/index.js";
import { InstanceRefusedError } from "../errors.js";
import { describeFleetInstance } from "../instances.js";
import type { ActionExecutor } from "../responder.js";
import { runDocument } from "./command.js";

/** The run-command responder's executor. */
export const runCommandExecutor: ActionExecutor = async (ctx, job) => {
  const instance = await describeFleetInstance(ctx, job.instanceId);
  if (instance.state !== "running") {
    throw new InstanceRefusedError(
      job.instanceId,
      `Instance ${job.instanceId} is ${instance.state}; a command needs a running instance, so nothing was run.`,
    );
  }
  const done: string[] = [];
  for (const action of job.actions as RunCommandAction[]) {
    const outcome = await runDocument(
      ctx,
      job.instanceId,
      ctx.env.commandDocument,
      { commands: [action.command] },
      `personas: ${job.responseId}`,
    );
    done.push(`command ${outcome.commandId} ${outcome.status}`);
  }
  return { outcome: "acted", detail: `${job.instanceId}: ${done.join(", ")}` };
};
