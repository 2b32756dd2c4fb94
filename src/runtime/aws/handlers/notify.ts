/** Lambda entry of the notify responder (bundled to dist/runtime/aws/notify.js). */
import { notifyExecutor } from "../actions/notify.js";
import { createResponder } from "../responder.js";

export const handler = createResponder("notify", notifyExecutor);
