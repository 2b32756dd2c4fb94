/** Lambda entry of the scale responder (bundled to dist/runtime/aws/scale.js). */
import { scaleExecutor } from "../actions/scale.js";
import { createResponder } from "../responder.js";

export const handler = createResponder("scale", scaleExecutor);
