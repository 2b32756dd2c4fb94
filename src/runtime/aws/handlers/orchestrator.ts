/** Lambda entry of the run-time orchestrator (bundled to dist/runtime/aws/orchestrator.js). */
import { createOrchestratorHandler } from "../orchestrator/handler.js";

export const handler = createOrchestratorHandler();
