import { z } from "zod";
import { ok } from "../result.js";
import { type ActionKind, phrase } from "./action-kind.js";

/**
 * Make the firewall follow a list feed: `block` keeps a blocklist equal to the feed's addresses,
 * `allow` an allowlist. Only list sources can drive it; the last good list is kept on feed failure.
 */
export const FirewallAction = z.strictObject({
  kind: z.literal("firewall"),
  /** Whether the listed addresses are blocked or allowed. */
  mode: z.enum(["block", "allow"]),
});
export type FirewallAction = z.infer<typeof FirewallAction>;

const FIREWALL = phrase(
  String.raw`(?:update|sync|refresh)(?: the)? firewall(?: rules)? to (block|deny|allow)\b.*|(block|deny|allow) (?:the )?(?:listed|these|malicious|feed|all)?\s*(?:ips?|ip addresses|addresses|cidrs|networks|ranges)\b.*`,
);

export const firewall: ActionKind<FirewallAction> = {
  kind: "firewall",
  schema: FirewallAction,
  forms: ["Update firewall rules to block malicious IPs", "Block listed addresses", "Allow listed addresses"],
  contexts: ["list-source"],
  parsePhrase(text) {
    const match = FIREWALL.exec(text);
    if (!match) return undefined;
    const verb = (match[1] ?? match[2])!.toLowerCase();
    return ok({ kind: "firewall", mode: verb === "allow" ? "allow" : "block" });
  },
  describe: (action) => `Update firewall rules to ${action.mode} listed addresses`,
  revert: () => undefined,
};
