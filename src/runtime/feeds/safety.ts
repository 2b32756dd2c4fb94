/**
 * What a list feed may put into a firewall. A feed publisher is not a persona author: whatever the
 * feed says, a block list never covers the internet (`0.0.0.0/0`, `::/0`, or any entry wider than the
 * minimum prefix), never blocks special-purpose space (private, loopback, link-local, documentation,
 * multicast: the IANA special-purpose registries) and never blocks the account's own networks (the
 * VPCs' CIDR blocks). Entries that break these rules are refused one by one and counted, so the rest
 * of the feed still applies and the refusal is visible in metrics.
 */
import { hostMaskWord } from "./address.js";
import { CidrBuilder, CidrSet } from "./cidr-set.js";

/**
 * Default minimum prefix lengths: a feed entry may be at most this wide.
 *
 * - IPv4 `/8`: the unit in which IANA allocates to the regional registries and the largest block ever
 *   assigned to one organisation; anything wider necessarily spans several unrelated networks.
 * - IPv6 `/29`: the default allocation the RIPE NCC makes to one LIR ("IPv6 Address Allocation and
 *   Assignment Policy", ripe-738 §5.1.2). Spamhaus DROPv6 lists hijacked allocations whole, so its
 *   entries are as wide as that; a wider entry covers more than one registry's default allocation.
 */
export const DEFAULT_MIN_PREFIX = { ipv4: 8, ipv6: 29 } as const;

/** Why an entry was refused. */
export type RefusalReason = "too-wide" | "special-purpose" | "own-network";

/** An entry the safety screen refused. */
export interface RefusedEntry {
  /** The entry, `a.b.c.d/p` or `x::/p`. */
  readonly cidr: string;
  /** Why. */
  readonly reason: RefusalReason;
  /** One phrase naming the rule, e.g. `overlaps 10.0.0.0/8 (private-use, RFC 1918)`. */
  readonly detail: string;
}

/** Rules of {@link screenList}. */
export interface ListSafety {
  /** `block` lists also refuse special-purpose and own-network ranges; `allow` lists only the width rule. */
  readonly mode: "block" | "allow";
  /**
   * Shortest IPv4 prefix an entry may have (1–32).
   * @default 8
   */
  readonly minPrefixIpv4?: number;
  /**
   * Shortest IPv6 prefix an entry may have (1–128).
   * @default 29
   */
  readonly minPrefixIpv6?: number;
  /**
   * The account's own networks (the VPCs' CIDR blocks), never blocked.
   * @default none
   */
  readonly ownNetworks?: CidrSet;
  /**
   * Refused entries kept for logs.
   * @default 5
   */
  readonly maxSamples?: number;
}

/** The outcome of {@link screenList}. */
export interface ScreenedList {
  /** The entries that passed. */
  readonly set: CidrSet;
  /** Number of entries refused. */
  readonly refused: number;
  /** Refused entries per reason. */
  readonly byReason: Readonly<Record<RefusalReason, number>>;
  /** The first refused entries, for logs. */
  readonly samples: readonly RefusedEntry[];
}

interface NamedRange {
  readonly set: CidrSet;
  readonly name: string;
}

function named(cidr: string, name: string): NamedRange {
  return { set: CidrSet.fromStrings([cidr]), name };
}

/**
 * IANA IPv4 Special-Purpose Address Registry
 * (https://www.iana.org/assignments/iana-ipv4-special-registry/), plus multicast from the IANA IPv4
 * Address Space Registry. Every entry, including the few marked globally reachable (AS112, AMT):
 * no threat feed needs to block them, and a feed that lists them is wrong or hostile.
 */
const SPECIAL_IPV4: readonly NamedRange[] = [
  named("0.0.0.0/8", "this network, RFC 791"),
  named("10.0.0.0/8", "private-use, RFC 1918"),
  named("100.64.0.0/10", "shared address space, RFC 6598"),
  named("127.0.0.0/8", "loopback, RFC 1122"),
  named("169.254.0.0/16", "link-local, RFC 3927"),
  named("172.16.0.0/12", "private-use, RFC 1918"),
  named("192.0.0.0/24", "IETF protocol assignments, RFC 6890"),
  named("192.0.2.0/24", "documentation TEST-NET-1, RFC 5737"),
  named("192.31.196.0/24", "AS112-v4, RFC 7535"),
  named("192.52.193.0/24", "AMT, RFC 7450"),
  named("192.88.99.0/24", "deprecated 6to4 relay anycast, RFC 7526"),
  named("192.168.0.0/16", "private-use, RFC 1918"),
  named("192.175.48.0/24", "AS112 direct delegation, RFC 7534"),
  named("198.18.0.0/15", "benchmarking, RFC 2544"),
  named("198.51.100.0/24", "documentation TEST-NET-2, RFC 5737"),
  named("203.0.113.0/24", "documentation TEST-NET-3, RFC 5737"),
  named("224.0.0.0/4", "multicast, RFC 5771"),
  named("240.0.0.0/4", "reserved, RFC 1112"),
];

/**
 * IANA IPv6 Special-Purpose Address Registry
 * (https://www.iana.org/assignments/iana-ipv6-special-registry/), plus multicast (RFC 4291).
 */
const SPECIAL_IPV6: readonly NamedRange[] = [
  named("::/128", "unspecified, RFC 4291"),
  named("::1/128", "loopback, RFC 4291"),
  named("::ffff:0:0/96", "IPv4-mapped, RFC 4291"),
  named("64:ff9b::/96", "IPv4-IPv6 translation, RFC 6052"),
  named("64:ff9b:1::/48", "local-use IPv4-IPv6 translation, RFC 8215"),
  named("100::/64", "discard-only, RFC 6666"),
  named("2001::/23", "IETF protocol assignments, RFC 2928"),
  named("2001:db8::/32", "documentation, RFC 3849"),
  named("2002::/16", "6to4, RFC 3056"),
  named("2620:4f:8000::/48", "AS112 direct delegation, RFC 7534"),
  named("3fff::/20", "documentation, RFC 9637"),
  named("5f00::/16", "segment routing SIDs, RFC 9602"),
  named("fc00::/7", "unique-local, RFC 4193"),
  named("fe80::/10", "link-local unicast, RFC 4291"),
  named("ff00::/8", "multicast, RFC 4291"),
];

function overlapsIpv4(a: number, ap: number, b: number, bp: number): boolean {
  const common = Math.min(ap, bp);
  const mask = ~hostMaskWord(common, 0) >>> 0;
  return ((a ^ b) & mask) >>> 0 === 0;
}

function overlapsIpv6(
  a: Uint32Array,
  ai: number,
  ap: number,
  b: Uint32Array,
  bi: number,
  bp: number,
): boolean {
  const common = Math.min(ap, bp);
  for (let k = 0; k < 4; k++) {
    const mask = ~hostMaskWord(common, k) >>> 0;
    if (((a[ai * 4 + k]! ^ b[bi * 4 + k]!) & mask) >>> 0 !== 0) return false;
  }
  return true;
}

/** The first range of `ranges` the IPv4 entry overlaps, or undefined. */
function findIpv4(ranges: readonly NamedRange[], network: number, prefix: number): NamedRange | undefined {
  for (const r of ranges)
    for (let j = 0; j < r.set.ipv4Prefixes.length; j++)
      if (overlapsIpv4(network, prefix, r.set.ipv4[j]!, r.set.ipv4Prefixes[j]!)) return r;
  return undefined;
}

function findIpv6(
  ranges: readonly NamedRange[],
  words: Uint32Array,
  index: number,
  prefix: number,
): NamedRange | undefined {
  for (const r of ranges)
    for (let j = 0; j < r.set.ipv6Prefixes.length; j++)
      if (overlapsIpv6(words, index, prefix, r.set.ipv6, j, r.set.ipv6Prefixes[j]!)) return r;
  return undefined;
}

/**
 * Checks the configured minimum prefixes; throws a RangeError naming the setting when one is out of range.
 * @example
 * minPrefixesOf({ mode: "block" }); // { ipv4: 8, ipv6: 29 }
 */
export function minPrefixesOf(safety: Pick<ListSafety, "minPrefixIpv4" | "minPrefixIpv6">): {
  ipv4: number;
  ipv6: number;
} {
  const ipv4 = safety.minPrefixIpv4 ?? DEFAULT_MIN_PREFIX.ipv4;
  const ipv6 = safety.minPrefixIpv6 ?? DEFAULT_MIN_PREFIX.ipv6;
  if (!Number.isInteger(ipv4) || ipv4 < 1 || ipv4 > 32)
    throw new RangeError(`minPrefixIpv4 must be an integer from 1 to 32 (a /0 covers everyone), got ${ipv4}`);
  if (!Number.isInteger(ipv6) || ipv6 < 1 || ipv6 > 128)
    throw new RangeError(
      `minPrefixIpv6 must be an integer from 1 to 128 (a /0 covers everyone), got ${ipv6}`,
    );
  return { ipv4, ipv6 };
}

/**
 * Refuses the entries a firewall list must not hold, one by one.
 * @example
 * const screened = screenList(parsed.set, { mode: "block", ownNetworks: CidrSet.fromStrings(["10.0.0.0/16"]) });
 * if (screened.refused > 0) log.warn(screened.samples);
 */
export function screenList(set: CidrSet, safety: ListSafety): ScreenedList {
  const min = minPrefixesOf(safety);
  const maxSamples = safety.maxSamples ?? 5;
  const own: NamedRange[] = safety.ownNetworks
    ? [{ set: safety.ownNetworks, name: "the account's own network (a VPC CIDR block)" }]
    : [];
  const block = safety.mode === "block";
  const byReason: Record<RefusalReason, number> = { "too-wide": 0, "special-purpose": 0, "own-network": 0 };
  const samples: RefusedEntry[] = [];
  const kept = new CidrBuilder(set.ipv4Prefixes.length, set.ipv6Prefixes.length);
  const refuse = (cidr: string, reason: RefusalReason, detail: string) => {
    byReason[reason]++;
    if (samples.length < maxSamples) samples.push({ cidr, reason, detail });
  };
  const v4 = set.ipv4Strings();
  for (let i = 0; i < set.ipv4Prefixes.length; i++) {
    const network = set.ipv4[i]!;
    const prefix = set.ipv4Prefixes[i]!;
    if (prefix < min.ipv4) {
      refuse(v4[i]!, "too-wide", `wider than the minimum IPv4 prefix /${min.ipv4}`);
      continue;
    }
    if (block) {
      const special = findIpv4(SPECIAL_IPV4, network, prefix);
      if (special) {
        refuse(v4[i]!, "special-purpose", `overlaps ${special.set.toStrings()[0]} (${special.name})`);
        continue;
      }
      const mine = findIpv4(own, network, prefix);
      if (mine) {
        refuse(v4[i]!, "own-network", `overlaps ${mine.name}`);
        continue;
      }
    }
    kept.addIpv4(network, prefix);
  }
  const v6 = set.ipv6Strings();
  for (let i = 0; i < set.ipv6Prefixes.length; i++) {
    const prefix = set.ipv6Prefixes[i]!;
    if (prefix < min.ipv6) {
      refuse(v6[i]!, "too-wide", `wider than the minimum IPv6 prefix /${min.ipv6}`);
      continue;
    }
    if (block) {
      const special = findIpv6(SPECIAL_IPV6, set.ipv6, i, prefix);
      if (special) {
        refuse(v6[i]!, "special-purpose", `overlaps ${special.set.toStrings()[0]} (${special.name})`);
        continue;
      }
      const mine = findIpv6(own, set.ipv6, i, prefix);
      if (mine) {
        refuse(v6[i]!, "own-network", `overlaps ${mine.name}`);
        continue;
      }
    }
    kept.addIpv6(set.ipv6, i * 4, prefix);
  }
  const refused = byReason["too-wide"] + byReason["special-purpose"] + byReason["own-network"];
  return { set: refused === 0 ? set : kept.build(), refused, byReason, samples };
}
