/** Lambda entry of the firewall responder (bundled to dist/runtime/aws/firewall.js). */
import { createFirewallResponder } from "../firewall.js";

export const handler = createFirewallResponder();
