// Runs before every test file: install the recording Pulumi mocks before anything registers.
import { setResponderCodeCheck } from "../../src/aws/render.js";
import { installMocks } from "../support/pulumi.js";

await installMocks();
// Component tests never upload code; the check itself is tested with a fixture directory.
setResponderCodeCheck(false);
