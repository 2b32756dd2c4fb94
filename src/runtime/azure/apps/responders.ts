/**
 * The `responders` Function App's entry (programming model v4, `functionAppEntry("responders")`):
 * for each alert-driven kind the app hosts (`PERSONAS_RESPONDER_KINDS`), the intake `alert-<kind>`
 * and the queue worker of `personas-<kind>`; and the sweep timer. The build bundles it.
 */
import { app } from "@azure/functions";
import { azureFeatureExecutor, azureRunCommandExecutor } from "../actions/command.js";
import { azureIsolateExecutor } from "../actions/isolate.js";
import {
  azureInvokeFunctionExecutor,
  azureNotifyExecutor,
  azureShiftPersonaExecutor,
} from "../actions/other.js";
import { azureScaleExecutor, repairInFlightResizes } from "../actions/scale.js";
import { azureTrafficExecutor } from "../actions/traffic.js";
import {
  ALERT_RESPONDER_KINDS,
  type AlertResponderKind,
  APP_SETTINGS,
  alertIntakeFunctionName,
  responderQueueName,
} from "../contract.js";
import { createIntake } from "../intake.js";
import { createSweep } from "../sweep.js";
import { type AzureExecutor, createWorker } from "../worker.js";

const EXECUTORS: Record<AlertResponderKind, AzureExecutor> = {
  scale: azureScaleExecutor,
  feature: azureFeatureExecutor,
  "run-command": azureRunCommandExecutor,
  "shift-persona": azureShiftPersonaExecutor,
  notify: azureNotifyExecutor,
  "invoke-function": azureInvokeFunctionExecutor,
  traffic: azureTrafficExecutor,
  isolate: azureIsolateExecutor,
};

const hosted = new Set(
  (process.env[APP_SETTINGS.responderKinds] ?? "").split(",").map((kind) => kind.trim()),
);

for (const kind of ALERT_RESPONDER_KINDS) {
  if (!hosted.has(kind)) continue;
  const name = alertIntakeFunctionName(kind);
  app.http(name, { methods: ["POST"], authLevel: "function", route: name, handler: createIntake(kind) });
  app.storageQueue(`worker-${kind}`, {
    queueName: responderQueueName(kind),
    connection: APP_SETTINGS.storageConnection,
    handler: createWorker(
      kind,
      EXECUTORS[kind],
      kind === "scale"
        ? { afterLock: async (ctx, vmId) => void (await repairInFlightResizes(ctx, vmId)) }
        : {},
    ),
  });
}

app.timer("sweep", { schedule: "0 */5 * * * *", handler: createSweep() });
