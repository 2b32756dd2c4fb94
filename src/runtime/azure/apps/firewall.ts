/**
 * The `firewall` Function App's entry (`functionAppEntry("firewall")`): the feeds timer, every
 * minute (NCRONTAB, six fields); each list feed runs once per its own period (src/runtime/azure/feeds.ts).
 */
import { app } from "@azure/functions";
import { createFeedsTimer } from "../feeds.js";

app.timer("feeds", { schedule: "0 * * * * *", handler: createFeedsTimer() });
