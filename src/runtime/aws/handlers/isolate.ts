/** Lambda entry of the isolate responder (bundled to dist/runtime/aws/isolate.js). */
import { isolateExecutor } from "../actions/isolate.js";
import { createResponder } from "../responder.js";

export const handler = createResponder("isolate", isolateExecutor);
