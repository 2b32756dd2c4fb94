/** Lambda entry of the scale responder (bundled to dist/runtime/aws/scale.js): alarms, dispatches and baseline requests. */
import { createScaleHandler } from "../actions/baseline.js";

export const handler = createScaleHandler();
