// Runs before every test file: install the recording Pulumi mocks before anything registers.
import { installMocks } from "../support/pulumi.js";

await installMocks();
