/**
 * Responders: the run-time functions that carry out actions, one per kind per fleet. The plan says
 * which exist and what each may touch, as cloud-neutral capabilities; src/aws maps capabilities to
 * IAM statements (scoped to the fleet's tag), src/azure to role assignments.
 */
import type { Action } from "../pdl/actions/index.js";

/**
 * Every responder kind, in the order they are listed (and so created), for stable plans.
 * `value-feed` is a scheduled fetcher; `firewall` is both the list-feed fetcher and its enforcer.
 */
export const RESPONDER_KINDS = [
  "scale",
  "feature",
  "firewall",
  "shift-persona",
  "notify",
  "run-command",
  "invoke-function",
  "traffic",
  "isolate",
  "value-feed",
] as const;
export type ResponderKind = (typeof RESPONDER_KINDS)[number];

/**
 * What a responder may do. Each is one line of least privilege: `instance.resize` is stop, modify
 * type and start of the fleet's instances, never anything else.
 */
export type Capability =
  | "instance.describe"
  | "instance.resize"
  | "instance.tag"
  | "feature.state"
  | "command.run"
  | "firewall.update"
  | "notification.publish"
  | "function.invoke"
  | "traffic.shift"
  | "instance.isolate"
  | "responder.invoke"
  | "state.readwrite"
  | "metrics.publish";

/**
 * The responder that carries out an action kind.
 * @internal
 */
export function responderOf(action: Action): ResponderKind {
  switch (action.kind) {
    case "scale":
      return "scale";
    case "activate-feature":
    case "deactivate-feature":
      return "feature";
    case "firewall":
      return "firewall";
    case "shift-persona":
      return "shift-persona";
    case "notify":
      return "notify";
    case "run-command":
      return "run-command";
    case "invoke-function":
      return "invoke-function";
    case "drain-traffic":
    case "restore-traffic":
      return "traffic";
    case "isolate-instance":
    case "release-isolation":
      return "isolate";
  }
}

/** Every responder keeps its state (locks, cooldowns, idempotency, audit) and reports its decisions. */
const COMMON: readonly Capability[] = ["state.readwrite", "metrics.publish"];

/** What each responder may touch. */
export const RESPONDER_CAPABILITIES: Record<ResponderKind, readonly Capability[]> = {
  scale: ["instance.describe", "instance.resize", ...COMMON],
  feature: ["instance.describe", "feature.state", "command.run", ...COMMON],
  firewall: ["firewall.update", ...COMMON],
  "shift-persona": ["instance.describe", "instance.tag", ...COMMON],
  notify: ["notification.publish", ...COMMON],
  "run-command": ["instance.describe", "command.run", ...COMMON],
  "invoke-function": ["function.invoke", ...COMMON],
  // Deregisters and re-registers the fleet's instances in the target groups (backend pools) and
  // records the fleet declares, and reads their health: never anything else of the load balancer.
  traffic: ["instance.describe", "traffic.shift", ...COMMON],
  // Swaps the instance's groups for the fleet's quarantine group and back, and tags it isolated.
  isolate: ["instance.describe", "instance.isolate", "notification.publish", ...COMMON],
  // A value feed dispatches its response through the other responders, with their guards; it lists
  // the fleet's instances (by the fleet tag) to dispatch to each of them.
  "value-feed": ["instance.describe", "responder.invoke", ...COMMON],
};

/** Order in which responders are listed (and so created). */
export const RESPONDER_ORDER: readonly ResponderKind[] = RESPONDER_KINDS;
