/** Lambda entry of the value-feed responder (bundled to dist/runtime/aws/value-feed.js). */
import { createValueFeedResponder } from "../value-feed.js";

export const handler = createValueFeedResponder();
