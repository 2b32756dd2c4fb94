/**
 * The `orchestrator` Function App's entry (`functionAppEntry("orchestrator")`): the Event Grid
 * handler for ResourceWriteSuccess events on the fleet's resource group, and the sweep every 15 minutes.
 */
import { app } from "@azure/functions";
import { createOrchestratorEvents, createOrchestratorSweep } from "../orchestrator.js";

app.eventGrid("resource-writes", { handler: createOrchestratorEvents() });
app.timer("orchestrator-sweep", { schedule: "0 */15 * * * *", handler: createOrchestratorSweep() });
