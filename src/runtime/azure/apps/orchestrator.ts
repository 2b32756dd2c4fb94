/**
 * The `orchestrator` Function App's entry (`functionAppEntry("orchestrator")`): the Event Grid
 * handler for ResourceWriteSuccess events on the fleet's resource group, and the sweep every 15 minutes.
 */
import { app } from "@azure/functions";
import { ORCHESTRATOR_EVENTS_FUNCTION } from "../contract.js";
import { createOrchestratorEvents, createOrchestratorSweep } from "../orchestrator.js";

app.eventGrid(ORCHESTRATOR_EVENTS_FUNCTION, { handler: createOrchestratorEvents() });
app.timer("orchestrator-sweep", { schedule: "0 */15 * * * *", handler: createOrchestratorSweep() });
