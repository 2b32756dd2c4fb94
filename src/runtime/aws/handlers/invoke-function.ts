/** Lambda entry of the invoke-function responder (bundled to dist/runtime/aws/invoke-function.js). */
import { invokeFunctionExecutor } from "../actions/invoke-function.js";
import { createResponder } from "../responder.js";

export const handler = createResponder("invoke-function", invokeFunctionExecutor);
