/** Lambda entry of the feature responder (bundled to dist/runtime/aws/feature.js). */
import { featureExecutor } from "../actions/feature.js";
import { createResponder } from "../responder.js";

export const handler = createResponder("feature", featureExecutor);
