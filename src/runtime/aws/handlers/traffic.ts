/** Lambda entry of the traffic responder (bundled to dist/runtime/aws/traffic.js). */
import { trafficExecutor } from "../actions/traffic.js";
import { createResponder } from "../responder.js";

export const handler = createResponder("traffic", trafficExecutor);
