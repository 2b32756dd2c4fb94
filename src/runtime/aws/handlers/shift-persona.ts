/** Lambda entry of the shift-persona responder (bundled to dist/runtime/aws/shift-persona.js). */
import { shiftPersonaExecutor } from "../actions/shift-persona.js";
import { createResponder } from "../responder.js";

export const handler = createResponder("shift-persona", shiftPersonaExecutor);
