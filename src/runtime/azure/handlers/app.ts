/**
 * The Azure Functions entry (programming model v4): registers the intake, one queue worker per
 * responder kind and the sweep timer. The build bundles this file for the compute Function App.
 */
import { app } from "@azure/functions";
import { azureFeatureExecutor, azureRunCommandExecutor } from "../actions/command.js";
import {
  azureInvokeFunctionExecutor,
  azureNotifyExecutor,
  azureShiftPersonaExecutor,
} from "../actions/other.js";
import { azureScaleExecutor, repairInFlightResizes } from "../actions/scale.js";
import { AZURE_APP_SETTINGS, AZURE_QUEUED_KINDS, INTAKE_ROUTE, responderQueueName } from "../contract.js";
import { createIntake } from "../intake.js";
import { createSweep } from "../sweep.js";
import { type AzureExecutor, createWorker } from "../worker.js";

const EXECUTORS: Record<(typeof AZURE_QUEUED_KINDS)[number], AzureExecutor> = {
  scale: azureScaleExecutor,
  feature: azureFeatureExecutor,
  "run-command": azureRunCommandExecutor,
  "shift-persona": azureShiftPersonaExecutor,
  notify: azureNotifyExecutor,
  "invoke-function": azureInvokeFunctionExecutor,
};

app.http("personas-intake", {
  methods: ["POST"],
  authLevel: "function",
  route: INTAKE_ROUTE,
  handler: createIntake(),
});

for (const kind of AZURE_QUEUED_KINDS) {
  app.storageQueue(`personas-worker-${kind}`, {
    queueName: responderQueueName(kind),
    // The host's storage connection prefix: `AzureWebJobsStorage__accountName` when identity-based.
    connection: AZURE_APP_SETTINGS.storageConnectionString,
    handler: createWorker(
      kind,
      EXECUTORS[kind],
      kind === "scale"
        ? { afterLock: async (ctx, vmId) => void (await repairInFlightResizes(ctx, vmId)) }
        : {},
    ),
  });
}

app.timer("personas-sweep", { schedule: "0 */5 * * * *", handler: createSweep() });
