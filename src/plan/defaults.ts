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

/**
 * Network ACLs hold few rules: 20 per direction by default ("Rules per network ACL", Amazon VPC
 * quotas, https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html), which the
 * ACL's own rules share. Longer lists need a WAF IP set (10,000 entries per set).
 * @internal
 */
export const NETWORK_ACL_MAX_ENTRIES = 18;

/**
 * What a list feed may put into a firewall when the fleet does not say otherwise; see
 * `src/runtime/feeds/safety.ts` for why /8 and /29, and docs/security.md.
 */
export const LIST_SAFETY_DEFAULTS = {
  /** Shortest IPv4 prefix a feed entry may have. */
  minPrefixIpv4: 8,
  /** Shortest IPv6 prefix a feed entry may have. */
  minPrefixIpv6: 29,
  /** Largest growth in covered addresses per update, in percent of the last good list (100 = may double). */
  maxGrowPercent: 100,
} as const;
