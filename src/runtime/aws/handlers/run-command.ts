/** Lambda entry of the run-command responder (bundled to dist/runtime/aws/run-command.js). */
import { runCommandExecutor } from "../actions/run-command.js";
import { createResponder } from "../responder.js";

export const handler = createResponder("run-command", runCommandExecutor);
