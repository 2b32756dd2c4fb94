/** The orchestrator's Lambda handler: parse the event, reconcile, report. */
import { EventRejectedError } from "../errors.js";
import { createOrchestrator, type OrchestratorContext, type OrchestratorOptions } from "./context.js";
import { parseOrchestratorEvent } from "./events.js";
import type { ReconcileSummary } from "./orchestrator.js";

/**
 * Builds the handler; the context (clients, caches of the repository and plans) lives as long as
 * the container.
 * @example
 * export const handler = createOrchestratorHandler();
 */
export function createOrchestratorHandler(
  options: OrchestratorOptions = {},
): (event: unknown) => Promise<ReconcileSummary> {
  let context: OrchestratorContext | undefined;
  return async (event: unknown) => {
    context ??= createOrchestrator(options);
    let request: ReturnType<typeof parseOrchestratorEvent>;
    try {
      request = parseOrchestratorEvent(event, context.env.fleetName);
    } catch (error) {
      if (error instanceof EventRejectedError) {
        context.log.decision("rejected", error.message, { reason: "invalid-event" });
      }
      throw error;
    }
    return context.orchestrator.reconcile(request.kind === "sweep" ? undefined : request.instanceIds);
  };
}
