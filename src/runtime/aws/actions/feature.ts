/**
 * Features: record the feature's state in Parameter Store
 * (`<FEATURE_PARAMETER_PREFIX>/<instance id>/<feature id>` = `on` | `off`) and run the persona's
 * activate / deactivate script with Run Command, reporting its outcome.
 */
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import type { ActivateFeatureAction, DeactivateFeatureAction } from "../../../pdl/actions/index.js";
import { ENV } from "../env.js";
import { ActionFailedError, InstanceRefusedError } from "../errors.js";
import { describeFleetInstance, retryThrottled } from "../instances.js";
import type { ActionExecutor } from "../responder.js";
import { runDocument } from "./command.js";

/** The parameter holding a feature's state on an instance. */
export function featureParameterName(prefix: string, instanceId: string, featureId: string): string {
  return `${prefix}/${instanceId}/${featureId}`;
}

/** The feature responder's executor. */
export const featureExecutor: ActionExecutor = async (ctx, job) => {
  const instance = await describeFleetInstance(ctx, job.instanceId);
  const done: string[] = [];
  for (const action of job.actions as (ActivateFeatureAction | DeactivateFeatureAction)[]) {
    const on = action.kind === "activate-feature";
    const name = featureParameterName(ctx.env.featureParameterPrefix, job.instanceId, action.feature);
    await retryThrottled(ctx, () =>
      ctx.clients.ssm.send(
        new PutParameterCommand({ Name: name, Value: on ? "on" : "off", Type: "String", Overwrite: true }),
      ),
    );
    const feature = job.persona.features.find((f) => f.id === action.feature);
    const script = on ? feature?.activate : feature?.deactivate;
    if (script === undefined) {
      done.push(`${action.feature} ${on ? "on" : "off"} (state only)`);
      continue;
    }
    if (instance.state !== "running") {
      throw new InstanceRefusedError(
        job.instanceId,
        `Feature ${action.feature} was set ${on ? "on" : "off"} in ${name}, but its script needs a running instance and ${job.instanceId} is ${instance.state}.`,
      );
    }
    const document = ctx.env.featureDocument;
    if (document === undefined) {
      throw new ActionFailedError(
        `Feature ${action.feature} was set ${on ? "on" : "off"} in ${name}, but ${ENV.featureDocument} is not set, so its script cannot run; the component sets it when a feature has scripts.`,
        false,
      );
    }
    const outcome = await runDocument(
      ctx,
      job.instanceId,
      document,
      { feature: [action.feature], state: [on ? "on" : "off"] },
      `personas: ${on ? "activate" : "deactivate"} ${action.feature}`,
    );
    done.push(`${action.feature} ${on ? "on" : "off"} (command ${outcome.commandId} ${outcome.status})`);
  }
  return { outcome: "acted", detail: `${job.instanceId}: ${done.join(", ")}` };
};
