/**
 * Features and run-command on Azure, through Run Command calling the fixed script cloud-init
 * installed on the VM (`RUN_COMMAND_SCRIPT_PATH`, src/runtime/azure/contract.ts) with quoted arguments:
 * the persona's own scripts run, never text from an alert. Azure runs one Run Command at a time per
 * VM and refuses a second with 409 `Conflict`; the call is retried a bounded number of times. The
 * output Azure returns is the last 4,096 bytes; the detail keeps at most that.
 */
import { shellWords } from "../../../plan/shell.js";
import type { AzureRuntimeContext } from "../context.js";
import { RUN_COMMAND_SCRIPT_PATH } from "../contract.js";
import { ActionFailedError } from "../errors.js";
import { getVm, isConflict, type RunCommandOutput, runCommand } from "../vm.js";
import type { AzureExecutor } from "../worker.js";

/** Attempts when another Run Command is in progress, with waits of 15, 30, 60 and 120 s. */
const CONFLICT_ATTEMPTS = 5;
/** The state-table namespace of feature states. */
export const FEATURE_NAMESPACE = "feature";

/** Runs `personas-command <args>` on the VM, waiting out another Run Command. */
export async function runPersonaAction(
  ctx: AzureRuntimeContext,
  vmId: string,
  args: readonly string[],
): Promise<RunCommandOutput> {
  const script = [shellWords([RUN_COMMAND_SCRIPT_PATH, ...args])];
  for (let attempt = 1; ; attempt++) {
    try {
      return await runCommand(ctx.arm, vmId, script);
    } catch (error) {
      if (!isConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
      ctx.log.info("another Run Command is in progress; waiting", { vmId, attempt });
      await ctx.sleep(15_000 * 2 ** (attempt - 1));
    }
  }
}

async function requireRunning(ctx: AzureRuntimeContext, vmId: string): Promise<string> {
  const vm = await getVm(ctx.arm, vmId);
  if (vm.power !== "running") {
    throw new ActionFailedError(
      `VM ${vm.name} is ${vm.power}; Run Command needs a running VM, so nothing was changed.`,
      true,
    );
  }
  return vm.name;
}

/** activate-feature / deactivate-feature: the persona's script through Run Command, state in the table. */
export const azureFeatureExecutor: AzureExecutor = async (ctx, job) => {
  const name = await requireRunning(ctx, job.vmId);
  const details: string[] = [];
  let acted = false;
  for (const action of job.actions) {
    if (action.kind !== "activate-feature" && action.kind !== "deactivate-feature") continue;
    const state = action.kind === "activate-feature" ? "on" : "off";
    const feature = job.persona.features.find((f) => f.id === action.feature);
    const key = `${job.vmId}|${action.feature}`;
    const current = await ctx.state.readDocument<{ state: string }>(FEATURE_NAMESPACE, key);
    if (current?.value.state === state) {
      details.push(`${action.feature} already ${state}`);
      continue;
    }
    if (feature?.[state === "on" ? "activate" : "deactivate"] !== undefined) {
      const result = await runPersonaAction(ctx, job.vmId, ["feature", action.feature, state]);
      if (!result.succeeded) {
        throw new ActionFailedError(
          `Turning ${action.feature} ${state} on ${name} failed: ${result.output}`,
          true,
        );
      }
    }
    await ctx.state.writeDocument(FEATURE_NAMESPACE, key, { state }, current?.etag);
    details.push(`${action.feature} ${state}`);
    acted = true;
  }
  return { outcome: acted ? "acted" : "unchanged", detail: `${name}: ${details.join("; ")}` };
};

/**
 * run-command: `personas-command run <response id>`; the VM's script runs the response's commands
 * from its own copy of the persona, so no command text crosses.
 */
export const azureRunCommandExecutor: AzureExecutor = async (ctx, job) => {
  const name = await requireRunning(ctx, job.vmId);
  const result = await runPersonaAction(ctx, job.vmId, ["run", job.responseId]);
  if (!result.succeeded)
    throw new ActionFailedError(
      `The commands of ${job.responseId} on ${name} failed: ${result.output}`,
      true,
    );
  return { outcome: "acted", detail: `${name}: ran ${job.responseId}; output: ${result.output}` };
};
