/**
 * Run-time guard rails applied when a persona leaves them out. One place, so the AWS and Azure
 * responders, the simulator and `explain` agree.
 */
export const GUARD_DEFAULTS = {
  /** Minimum time between two runs of one response on one instance. */
  cooldownSeconds: 300,
  /** Circuit breaker: at most this many actions per instance per hour, whatever triggers them. */
  maxActionsPerHour: 6,
  /** An in-flight action's lock expires after this long (a crashed responder must not block forever). */
  lockTtlSeconds: 900,
} as const;

/** What the personas agent probes when a persona needs network latency and the fleet names no targets. */
export const DEFAULT_PROBE_TARGETS = [
  { name: "local-http", kind: "http", url: "http://127.0.0.1/" },
] as const;

/** Network ACLs hold few rules; longer lists need a WAF IP set (10,000 entries per set). */
export const NETWORK_ACL_MAX_ENTRIES = 18;
