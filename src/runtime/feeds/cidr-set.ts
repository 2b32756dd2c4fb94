/**
 * Sets of CIDR blocks held in typed arrays: building, aggregation into the minimal CIDR set, diffs,
 * and fitting under a per-set entry limit (AWS WAF: 10,000 addresses per IP set, one set per IP
 * version). Nothing here drops an entry silently: an oversized set is reported, and widening is
 * an explicit option that says how many extra addresses it covers.
 */
import {
  formatIpv4,
  formatIpv6,
  hostMaskWord,
  newParsedCidr,
  ParseStatus,
  parseCidr,
  parseStatusText,
} from "./address.js";
import { InvalidCidrError } from "./errors.js";

/** The AWS WAF limit on addresses in one IP set. */
export const WAF_IP_SET_LIMIT = 10_000;

const POW2: Float64Array = (() => {
  const table = new Float64Array(33);
  for (let i = 0; i <= 32; i++) table[i] = 2 ** i;
  return table;
})();

/** Accumulates CIDRs into growable typed arrays; {@link CidrBuilder.build} returns a {@link CidrSet}. */
export class CidrBuilder {
  private v4: Uint32Array;
  private v4p: Uint8Array;
  private n4 = 0;
  private v6: Uint32Array;
  private v6p: Uint8Array;
  private n6 = 0;

  constructor(capacity4 = 1024, capacity6 = 64) {
    this.v4 = new Uint32Array(Math.max(1, capacity4));
    this.v4p = new Uint8Array(Math.max(1, capacity4));
    this.v6 = new Uint32Array(4 * Math.max(1, capacity6));
    this.v6p = new Uint8Array(Math.max(1, capacity6));
  }

  /** Number of entries added so far (both versions). */
  get size(): number {
    return this.n4 + this.n6;
  }

  /** Adds an IPv4 block; `network` must already have its host bits cleared. */
  addIpv4(network: number, prefix: number): void {
    if (this.n4 === this.v4p.length) {
      const v4 = new Uint32Array(this.v4p.length * 2);
      v4.set(this.v4);
      this.v4 = v4;
      const v4p = new Uint8Array(this.v4p.length * 2);
      v4p.set(this.v4p);
      this.v4p = v4p;
    }
    this.v4[this.n4] = network;
    this.v4p[this.n4++] = prefix;
  }

  /** Adds an IPv6 block from four words at `offset`; host bits must already be cleared. */
  addIpv6(words: Uint32Array, offset: number, prefix: number): void {
    if (this.n6 === this.v6p.length) {
      const v6 = new Uint32Array(this.v6.length * 2);
      v6.set(this.v6);
      this.v6 = v6;
      const v6p = new Uint8Array(this.v6p.length * 2);
      v6p.set(this.v6p);
      this.v6p = v6p;
    }
    const at = this.n6 * 4;
    this.v6[at] = words[offset]!;
    this.v6[at + 1] = words[offset + 1]!;
    this.v6[at + 2] = words[offset + 2]!;
    this.v6[at + 3] = words[offset + 3]!;
    this.v6p[this.n6++] = prefix;
  }

  /** Returns the entries added so far as a set (unsorted, not aggregated). */
  build(): CidrSet {
    return new CidrSet(
      this.v4.slice(0, this.n4),
      this.v4p.slice(0, this.n4),
      this.v6.slice(0, this.n6 * 4),
      this.v6p.slice(0, this.n6),
    );
  }
}

/** How many entries of each version a {@link CidrSet} holds. */
export interface CidrCounts {
  /** IPv4 entries. */
  readonly ipv4: number;
  /** IPv6 entries. */
  readonly ipv6: number;
}

/**
 * An immutable list of IPv4 and IPv6 CIDR blocks (host bits always cleared). Sets from
 * {@link aggregate} are sorted and minimal; sets from a builder keep feed order.
 */
export class CidrSet {
  /** IPv4 network addresses. */
  readonly ipv4: Uint32Array;
  /** IPv4 prefix lengths, parallel to {@link CidrSet.ipv4}. */
  readonly ipv4Prefixes: Uint8Array;
  /** IPv6 network addresses, four words per entry, most significant first. */
  readonly ipv6: Uint32Array;
  /** IPv6 prefix lengths, one per entry. */
  readonly ipv6Prefixes: Uint8Array;

  constructor(ipv4: Uint32Array, ipv4Prefixes: Uint8Array, ipv6: Uint32Array, ipv6Prefixes: Uint8Array) {
    this.ipv4 = ipv4;
    this.ipv4Prefixes = ipv4Prefixes;
    this.ipv6 = ipv6;
    this.ipv6Prefixes = ipv6Prefixes;
  }

  /** The empty set. */
  static empty(): CidrSet {
    return new CidrSet(new Uint32Array(0), new Uint8Array(0), new Uint32Array(0), new Uint8Array(0));
  }

  /**
   * Parses addresses or CIDRs (host bits are cleared); throws {@link InvalidCidrError} on the first bad one.
   * @example
   * CidrSet.fromStrings(["10.1.2.3/8", "2001:db8::/32"]).toStrings(); // ["10.0.0.0/8", "2001:db8::/32"]
   */
  static fromStrings(entries: Iterable<string>): CidrSet {
    const builder = new CidrBuilder();
    const parsed = newParsedCidr();
    for (const entry of entries) {
      const text = entry.trim();
      const status = parseCidr(text, 0, text.length, parsed);
      if (status !== ParseStatus.ok) throw new InvalidCidrError(entry, parseStatusText[status]);
      if (parsed.version === 4) builder.addIpv4(parsed.words[0]!, parsed.prefix);
      else builder.addIpv6(parsed.words, 0, parsed.prefix);
    }
    return builder.build();
  }

  /** Entries per IP version. */
  get counts(): CidrCounts {
    return { ipv4: this.ipv4Prefixes.length, ipv6: this.ipv6Prefixes.length };
  }

  /** Total number of entries. */
  get size(): number {
    return this.ipv4Prefixes.length + this.ipv6Prefixes.length;
  }

  /** The IPv4 entries as `a.b.c.d/p` strings. */
  ipv4Strings(): string[] {
    const out = new Array<string>(this.ipv4Prefixes.length);
    for (let i = 0; i < out.length; i++) out[i] = `${formatIpv4(this.ipv4[i]!)}/${this.ipv4Prefixes[i]}`;
    return out;
  }

  /** The IPv6 entries as canonical (RFC 5952) `x::y/p` strings. */
  ipv6Strings(): string[] {
    const out = new Array<string>(this.ipv6Prefixes.length);
    for (let i = 0; i < out.length; i++) out[i] = `${formatIpv6(this.ipv6, i * 4)}/${this.ipv6Prefixes[i]}`;
    return out;
  }

  /** All entries as strings, IPv4 first. */
  toStrings(): string[] {
    return [...this.ipv4Strings(), ...this.ipv6Strings()];
  }

  /** Number of IPv4 addresses covered (entries may overlap unless the set is aggregated). */
  ipv4AddressCount(): number {
    let total = 0;
    for (let i = 0; i < this.ipv4Prefixes.length; i++) total += POW2[32 - this.ipv4Prefixes[i]!]!;
    return total;
  }

  /** Number of IPv6 addresses covered (entries may overlap unless the set is aggregated). */
  ipv6AddressCount(): bigint {
    let total = 0n;
    for (let i = 0; i < this.ipv6Prefixes.length; i++) total += 1n << BigInt(128 - this.ipv6Prefixes[i]!);
    return total;
  }

  /** Whether both sets hold the same entries in the same order. */
  equals(other: CidrSet): boolean {
    return (
      sameArray(this.ipv4, other.ipv4) &&
      sameArray(this.ipv4Prefixes, other.ipv4Prefixes) &&
      sameArray(this.ipv6, other.ipv6) &&
      sameArray(this.ipv6Prefixes, other.ipv6Prefixes)
    );
  }
}

function sameArray(a: Uint32Array | Uint8Array, b: Uint32Array | Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Returns the minimal CIDR set covering exactly the same addresses: entries are sorted, overlaps
 * removed, and adjacent blocks merged (10.0.0.0/25 + 10.0.0.128/25 → 10.0.0.0/24).
 * @example
 * aggregate(CidrSet.fromStrings(["10.0.0.0/25", "10.0.0.128/25", "10.0.0.7"])).toStrings(); // ["10.0.0.0/24"]
 */
export function aggregate(set: CidrSet): CidrSet {
  const v4 = aggregateIpv4(set.ipv4, set.ipv4Prefixes);
  const v6 = aggregateIpv6(set.ipv6, set.ipv6Prefixes);
  return new CidrSet(v4.starts, v4.prefixes, v6.words, v6.prefixes);
}

function aggregateIpv4(
  addrs: Uint32Array,
  prefixes: Uint8Array,
): { starts: Uint32Array; prefixes: Uint8Array } {
  const n = prefixes.length;
  const sorted = radixSortIpv4(addrs, prefixes);
  const keys = sorted.addrs;
  const keyPrefixes = sorted.prefixes;
  const outStarts = new Uint32Array(n);
  const outPrefixes = new Uint8Array(n);
  let out = 0;
  let i = 0;
  while (i < n) {
    const start = keys[i]!;
    let end = start + POW2[32 - keyPrefixes[i++]!]! - 1;
    while (i < n) {
      const nextStart = keys[i]!;
      if (nextStart > end + 1) break;
      const nextEnd = nextStart + POW2[32 - keyPrefixes[i]!]! - 1;
      if (nextEnd > end) end = nextEnd;
      i++;
    }
    out = emitIpv4Range(start, end, outStarts, outPrefixes, out);
  }
  return { starts: outStarts.slice(0, out), prefixes: outPrefixes.slice(0, out) };
}

/**
 * Sorts addresses (carrying their prefixes) with a two-pass LSD radix sort on 16-bit digits:
 * linear time and several times faster than a comparison sort for feed-sized inputs. Only the
 * order of starts matters to the merge sweep, so equal starts may keep any prefix order.
 */
function radixSortIpv4(
  addrs: Uint32Array,
  prefixes: Uint8Array,
): { addrs: Uint32Array; prefixes: Uint8Array } {
  const n = prefixes.length;
  const tmpAddrs = new Uint32Array(n);
  const tmpPrefixes = new Uint8Array(n);
  const outAddrs = new Uint32Array(n);
  const outPrefixes = new Uint8Array(n);
  const counts = new Uint32Array(65536);
  for (let i = 0; i < n; i++) counts[addrs[i]! & 0xffff]!++;
  let sum = 0;
  for (let d = 0; d < 65536; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const a = addrs[i]!;
    const at = counts[a & 0xffff]!++;
    tmpAddrs[at] = a;
    tmpPrefixes[at] = prefixes[i]!;
  }
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[tmpAddrs[i]! >>> 16]!++;
  sum = 0;
  for (let d = 0; d < 65536; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const a = tmpAddrs[i]!;
    const at = counts[a >>> 16]!++;
    outAddrs[at] = a;
    outPrefixes[at] = tmpPrefixes[i]!;
  }
  return { addrs: outAddrs, prefixes: outPrefixes };
}

/** Splits [start, end] into its maximal aligned blocks. */
function emitIpv4Range(
  start: number,
  end: number,
  starts: Uint32Array,
  prefixes: Uint8Array,
  at: number,
): number {
  let s = start;
  let out = at;
  while (s <= end) {
    const lowBit = s & -s;
    let hostBits = s === 0 ? 32 : 31 - Math.clz32(lowBit);
    while (s + POW2[hostBits]! - 1 > end) hostBits--;
    starts[out] = s;
    prefixes[out++] = 32 - hostBits;
    s += POW2[hostBits]!;
  }
  return out;
}

/** Compares two IPv6 entries (four words each) by address, then prefix. */
function compareIpv6(words: Uint32Array, prefixes: Uint8Array, a: number, b: number): number {
  for (let k = 0; k < 4; k++) {
    const d = words[a * 4 + k]! - words[b * 4 + k]!;
    if (d !== 0) return d;
  }
  return prefixes[a]! - prefixes[b]!;
}

/** Compares 128-bit values `x` at `xo` and `y` at `yo`. */
function cmp128(x: Uint32Array, xo: number, y: Uint32Array, yo: number): number {
  for (let k = 0; k < 4; k++) {
    const d = x[xo + k]! - y[yo + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Adds one in place; returns false when the value wrapped past the top of the address space. */
function increment128(x: Uint32Array): boolean {
  for (let k = 3; k >= 0; k--) {
    const v = (x[k]! + 1) >>> 0;
    x[k] = v;
    if (v !== 0) return true;
  }
  return false;
}

function aggregateIpv6(
  words: Uint32Array,
  prefixes: Uint8Array,
): { words: Uint32Array; prefixes: Uint8Array } {
  const n = prefixes.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => compareIpv6(words, prefixes, a, b));
  const outWords = new Uint32Array(n * 4);
  const outPrefixes = new Uint8Array(n);
  const start = new Uint32Array(4);
  const end = new Uint32Array(4);
  const next = new Uint32Array(4);
  const nextEnd = new Uint32Array(4);
  let out = 0;
  let i = 0;
  while (i < n) {
    const first = order[i++]!;
    for (let k = 0; k < 4; k++) {
      start[k] = words[first * 4 + k]!;
      end[k] = (start[k]! | hostMaskWord(prefixes[first]!, k)) >>> 0;
    }
    let endIsTop = false;
    while (i < n) {
      const j = order[i]!;
      if (!endIsTop) {
        next.set(end);
        const fits = increment128(next);
        // Merge when the next block starts at or before end + 1.
        if (fits && cmp128(words, j * 4, next, 0) > 0) break;
      }
      for (let k = 0; k < 4; k++) nextEnd[k] = (words[j * 4 + k]! | hostMaskWord(prefixes[j]!, k)) >>> 0;
      if (cmp128(nextEnd, 0, end, 0) > 0) end.set(nextEnd);
      endIsTop =
        end[0] === 0xffffffff && end[1] === 0xffffffff && end[2] === 0xffffffff && end[3] === 0xffffffff;
      i++;
    }
    out = emitIpv6Range(start, end, outWords, outPrefixes, out);
  }
  return { words: outWords.slice(0, out * 4), prefixes: outPrefixes.slice(0, out) };
}

function trailingZeros128(x: Uint32Array): number {
  for (let k = 3; k >= 0; k--) {
    const w = x[k]!;
    if (w !== 0) return (3 - k) * 32 + (31 - Math.clz32(w & -w));
  }
  return 128;
}

const lastScratch = new Uint32Array(4);

/** Splits [start, end] (start is modified) into its maximal aligned blocks. */
function emitIpv6Range(
  start: Uint32Array,
  end: Uint32Array,
  words: Uint32Array,
  prefixes: Uint8Array,
  at: number,
): number {
  let out = at;
  for (;;) {
    let prefix = 128 - trailingZeros128(start);
    for (;;) {
      for (let k = 0; k < 4; k++) lastScratch[k] = (start[k]! | hostMaskWord(prefix, k)) >>> 0;
      if (cmp128(lastScratch, 0, end, 0) <= 0) break;
      prefix++;
    }
    words.set(start, out * 4);
    prefixes[out++] = prefix;
    if (cmp128(lastScratch, 0, end, 0) === 0) return out;
    start.set(lastScratch);
    increment128(start);
  }
}

/** What changes between two sets, per IP version, as entry strings. */
export interface CidrDiff {
  /** IPv4 entries in `after` but not in `before`. */
  readonly ipv4ToAdd: string[];
  /** IPv4 entries in `before` but not in `after`. */
  readonly ipv4ToRemove: string[];
  /** IPv6 entries in `after` but not in `before`. */
  readonly ipv6ToAdd: string[];
  /** IPv6 entries in `before` but not in `after`. */
  readonly ipv6ToRemove: string[];
  /** Entries present in both. */
  readonly unchanged: number;
}

/**
 * Compares two sets entry by entry (aggregate both first to compare the addresses they cover).
 * @example
 * diffCidrSets(CidrSet.fromStrings(["10.0.0.0/8"]), CidrSet.fromStrings(["10.0.0.0/8", "192.0.2.1"]));
 * // { ipv4ToAdd: ["192.0.2.1/32"], ipv4ToRemove: [], ipv6ToAdd: [], ipv6ToRemove: [], unchanged: 1 }
 */
export function diffCidrSets(before: CidrSet, after: CidrSet): CidrDiff {
  const a4 = sortedIpv4Keys(before);
  const b4 = sortedIpv4Keys(after);
  const ipv4ToAdd: string[] = [];
  const ipv4ToRemove: string[] = [];
  let unchanged = 0;
  let i = 0;
  let j = 0;
  const v4 = (key: number) => `${formatIpv4((key - (key % 64)) / 64)}/${key % 64}`;
  while (i < a4.length || j < b4.length) {
    const x = i < a4.length ? a4[i]! : Number.POSITIVE_INFINITY;
    const y = j < b4.length ? b4[j]! : Number.POSITIVE_INFINITY;
    if (x === y) {
      unchanged++;
      i++;
      j++;
    } else if (x < y) {
      ipv4ToRemove.push(v4(x));
      i++;
    } else {
      ipv4ToAdd.push(v4(y));
      j++;
    }
  }
  const a6 = sortedIpv6Order(before);
  const b6 = sortedIpv6Order(after);
  const ipv6ToAdd: string[] = [];
  const ipv6ToRemove: string[] = [];
  const v6 = (set: CidrSet, index: number) => `${formatIpv6(set.ipv6, index * 4)}/${set.ipv6Prefixes[index]}`;
  i = 0;
  j = 0;
  while (i < a6.length || j < b6.length) {
    let c: number;
    if (i >= a6.length) c = 1;
    else if (j >= b6.length) c = -1;
    else {
      c = cmp128(before.ipv6, a6[i]! * 4, after.ipv6, b6[j]! * 4);
      if (c === 0) c = before.ipv6Prefixes[a6[i]!]! - after.ipv6Prefixes[b6[j]!]!;
    }
    if (c === 0) {
      unchanged++;
      i++;
      j++;
    } else if (c < 0) {
      ipv6ToRemove.push(v6(before, a6[i++]!));
    } else {
      ipv6ToAdd.push(v6(after, b6[j++]!));
    }
  }
  return { ipv4ToAdd, ipv4ToRemove, ipv6ToAdd, ipv6ToRemove, unchanged };
}

function sortedIpv4Keys(set: CidrSet): Float64Array {
  const keys = new Float64Array(set.ipv4Prefixes.length);
  for (let i = 0; i < keys.length; i++) keys[i] = set.ipv4[i]! * 64 + set.ipv4Prefixes[i]!;
  keys.sort();
  // Drop duplicates so each entry is compared once.
  let w = 0;
  for (let r = 0; r < keys.length; r++) if (r === 0 || keys[r] !== keys[w - 1]) keys[w++] = keys[r]!;
  return keys.subarray(0, w);
}

function sortedIpv6Order(set: CidrSet): Uint32Array {
  const n = set.ipv6Prefixes.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => compareIpv6(set.ipv6, set.ipv6Prefixes, a, b));
  let w = 0;
  for (let r = 0; r < n; r++) {
    if (w === 0 || compareIpv6(set.ipv6, set.ipv6Prefixes, order[r]!, order[w - 1]!) !== 0)
      order[w++] = order[r]!;
  }
  return order.subarray(0, w);
}

/** How one IP version's list compares with the limit. */
export type VersionFit =
  | {
      /** The list fits as it is. */
      readonly status: "within";
      /** Entries in the list. */
      readonly entries: number;
      /** The limit it was checked against. */
      readonly limit: number;
    }
  | {
      /** The list does not fit and widening was not enabled; nothing was changed. */
      readonly status: "over";
      /** Entries in the (aggregated) list. */
      readonly entries: number;
      /** The limit it was checked against. */
      readonly limit: number;
    }
  | {
      /** The list was widened to fit: prefixes longer than `maxPrefix` became `/maxPrefix`. */
      readonly status: "widened";
      /** Entries before widening. */
      readonly entriesBefore: number;
      /** Entries after widening. */
      readonly entries: number;
      /** The limit it was checked against. */
      readonly limit: number;
      /** The longest prefix left after widening. */
      readonly maxPrefix: number;
      /** Addresses covered after widening that the feed did not list. */
      readonly extraAddresses: bigint;
    };

/** The outcome of {@link fitToLimit}. */
export interface FitResult {
  /** Whether both versions are now within the limit. */
  readonly ok: boolean;
  /** The aggregated (and, if enabled and needed, widened) set; never a truncated one. */
  readonly set: CidrSet;
  /** The IPv4 list against the limit. */
  readonly ipv4: VersionFit;
  /** The IPv6 list against the limit. */
  readonly ipv6: VersionFit;
  /** One sentence per version that is over the limit or was widened; empty when both simply fit. */
  readonly messages: string[];
}

/** Options of {@link fitToLimit}. */
export interface FitOptions {
  /**
   * Maximum entries per IP version.
   * @default 10_000 (the AWS WAF IP set limit)
   */
  readonly limit?: number;
  /**
   * Widen prefixes (longest first) until each version fits, covering extra addresses.
   * @default false
   */
  readonly widen?: boolean;
}

/**
 * Aggregates `set` and checks each IP version against the limit. An oversized version is reported
 * (`ok: false`, nothing dropped) unless `widen` is set, in which case every prefix longer than the
 * longest prefix that fits is shortened to it and the extra addresses are counted.
 * @example
 * const fit = fitToLimit(parsed.set, { limit: 10_000 });
 * if (!fit.ok) throw new Error(fit.messages.join(" "));
 */
export function fitToLimit(set: CidrSet, options: FitOptions = {}): FitResult {
  const limit = options.limit ?? WAF_IP_SET_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const widen = options.widen ?? false;
  const agg = aggregate(set);
  const messages: string[] = [];
  let v4Starts = agg.ipv4;
  let v4Prefixes = agg.ipv4Prefixes;
  let v6Words = agg.ipv6;
  let v6Prefixes = agg.ipv6Prefixes;
  let ipv4: VersionFit = { status: "within", entries: agg.ipv4Prefixes.length, limit };
  let ipv6: VersionFit = { status: "within", entries: agg.ipv6Prefixes.length, limit };

  if (agg.ipv4Prefixes.length > limit) {
    if (!widen) {
      ipv4 = { status: "over", entries: agg.ipv4Prefixes.length, limit };
      messages.push(overMessage("IPv4", agg.ipv4Prefixes.length, limit));
    } else {
      const before = agg.ipv4AddressCount();
      const best = widestFit(32, limit, (p) => truncateIpv4(agg, p));
      v4Starts = best.result.starts;
      v4Prefixes = best.result.prefixes;
      const after = new CidrSet(
        v4Starts,
        v4Prefixes,
        new Uint32Array(0),
        new Uint8Array(0),
      ).ipv4AddressCount();
      const extra = BigInt(after - before);
      ipv4 = {
        status: "widened",
        entriesBefore: agg.ipv4Prefixes.length,
        entries: v4Prefixes.length,
        limit,
        maxPrefix: best.prefix,
        extraAddresses: extra,
      };
      messages.push(widenedMessage("IPv4", agg.ipv4Prefixes.length, v4Prefixes.length, best.prefix, extra));
    }
  }
  if (agg.ipv6Prefixes.length > limit) {
    if (!widen) {
      ipv6 = { status: "over", entries: agg.ipv6Prefixes.length, limit };
      messages.push(overMessage("IPv6", agg.ipv6Prefixes.length, limit));
    } else {
      const before = agg.ipv6AddressCount();
      const best = widestFit(128, limit, (p) => truncateIpv6(agg, p));
      v6Words = best.result.words;
      v6Prefixes = best.result.prefixes;
      const after = new CidrSet(
        new Uint32Array(0),
        new Uint8Array(0),
        v6Words,
        v6Prefixes,
      ).ipv6AddressCount();
      const extra = after - before;
      ipv6 = {
        status: "widened",
        entriesBefore: agg.ipv6Prefixes.length,
        entries: v6Prefixes.length,
        limit,
        maxPrefix: best.prefix,
        extraAddresses: extra,
      };
      messages.push(widenedMessage("IPv6", agg.ipv6Prefixes.length, v6Prefixes.length, best.prefix, extra));
    }
  }
  return {
    ok: ipv4.status !== "over" && ipv6.status !== "over",
    set: new CidrSet(v4Starts, v4Prefixes, v6Words, v6Prefixes),
    ipv4,
    ipv6,
    messages,
  };
}

function overMessage(version: string, entries: number, limit: number): string {
  return (
    `The ${version} list has ${entries.toLocaleString("en-US")} entries after aggregation, above the limit of ` +
    `${limit.toLocaleString("en-US")} per IP set; nothing was dropped and the list was not applied. ` +
    "Enable widening to cover it with broader prefixes, or use a smaller feed."
  );
}

function widenedMessage(
  version: string,
  before: number,
  after: number,
  prefix: number,
  extra: bigint,
): string {
  return (
    `The ${version} list was widened from ${before.toLocaleString("en-US")} to ${after.toLocaleString("en-US")} ` +
    `entries by shortening prefixes longer than /${prefix} to /${prefix}, covering ${extra.toLocaleString("en-US")} ` +
    "addresses the feed did not list."
  );
}

/**
 * Finds the longest maximum prefix whose truncated, aggregated list fits. The entry count never
 * grows as the maximum prefix shrinks, so a binary search is exact.
 */
function widestFit<T extends { prefixes: Uint8Array }>(
  max: number,
  limit: number,
  truncate: (prefix: number) => T,
): { prefix: number; result: T } {
  let lo = 0;
  let hi = max;
  let best: T | undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const candidate = truncate(mid);
    if (candidate.prefixes.length <= limit) {
      lo = mid;
      best = candidate;
    } else {
      hi = mid - 1;
    }
  }
  // A /0 always fits (one entry); it is computed only when nothing longer does.
  return { prefix: lo, result: best ?? truncate(0) };
}

function truncateIpv4(set: CidrSet, maxPrefix: number): { starts: Uint32Array; prefixes: Uint8Array } {
  const n = set.ipv4Prefixes.length;
  const starts = new Uint32Array(n);
  const prefixes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = Math.min(set.ipv4Prefixes[i]!, maxPrefix);
    starts[i] = (set.ipv4[i]! & ~hostMaskWord(p, 0)) >>> 0;
    prefixes[i] = p;
  }
  return aggregateIpv4(starts, prefixes);
}

function truncateIpv6(set: CidrSet, maxPrefix: number): { words: Uint32Array; prefixes: Uint8Array } {
  const n = set.ipv6Prefixes.length;
  const words = new Uint32Array(n * 4);
  const prefixes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = Math.min(set.ipv6Prefixes[i]!, maxPrefix);
    for (let k = 0; k < 4; k++) words[i * 4 + k] = (set.ipv6[i * 4 + k]! & ~hostMaskWord(p, k)) >>> 0;
    prefixes[i] = p;
  }
  return aggregateIpv6(words, prefixes);
}

/** Addresses covered before and after a change, for one IP version. */
export interface VersionCoverage<N extends number | bigint> {
  /** Addresses the old list covers. */
  readonly before: N;
  /** Addresses the old list covers and the new one does not. */
  readonly removed: N;
  /** Addresses the new list covers and the old one did not. */
  readonly added: N;
}

/** How the addresses covered change between two lists, per IP version (IPv4 fits a double exactly). */
export interface CoverageChange {
  readonly ipv4: VersionCoverage<number>;
  readonly ipv6: VersionCoverage<bigint>;
}

/**
 * Measures a list change in addresses covered rather than entries, so swapping 100 /32s for 100 /8s
 * reads as what it is: 100 addresses removed and about 1.7 billion added.
 * @example
 * coverageChange(CidrSet.fromStrings(["1.2.3.4"]), CidrSet.fromStrings(["1.0.0.0/8"])).ipv4;
 * // { before: 1, removed: 0, added: 16777215 }
 */
export function coverageChange(before: CidrSet, after: CidrSet): CoverageChange {
  const a = aggregate(before);
  const b = aggregate(after);
  return { ipv4: ipv4Coverage(a, b), ipv6: ipv6Coverage(a, b) };
}

function ipv4Coverage(a: CidrSet, b: CidrSet): VersionCoverage<number> {
  const total = (set: CidrSet) => set.ipv4AddressCount();
  let both = 0;
  let i = 0;
  let j = 0;
  // Both lists are sorted and disjoint after aggregation: one pass over the two interval lists.
  while (i < a.ipv4Prefixes.length && j < b.ipv4Prefixes.length) {
    const aStart = a.ipv4[i]!;
    const aEnd = aStart + POW2[32 - a.ipv4Prefixes[i]!]!;
    const bStart = b.ipv4[j]!;
    const bEnd = bStart + POW2[32 - b.ipv4Prefixes[j]!]!;
    const overlap = Math.min(aEnd, bEnd) - Math.max(aStart, bStart);
    if (overlap > 0) both += overlap;
    if (aEnd <= bEnd) i++;
    else j++;
  }
  const before = total(a);
  return { before, removed: before - both, added: total(b) - both };
}

function ipv6Coverage(a: CidrSet, b: CidrSet): VersionCoverage<bigint> {
  const start = (set: CidrSet, k: number) =>
    (BigInt(set.ipv6[k * 4]!) << 96n) |
    (BigInt(set.ipv6[k * 4 + 1]!) << 64n) |
    (BigInt(set.ipv6[k * 4 + 2]!) << 32n) |
    BigInt(set.ipv6[k * 4 + 3]!);
  let both = 0n;
  let i = 0;
  let j = 0;
  while (i < a.ipv6Prefixes.length && j < b.ipv6Prefixes.length) {
    const aStart = start(a, i);
    const aEnd = aStart + (1n << BigInt(128 - a.ipv6Prefixes[i]!));
    const bStart = start(b, j);
    const bEnd = bStart + (1n << BigInt(128 - b.ipv6Prefixes[j]!));
    const lo = aStart > bStart ? aStart : bStart;
    const hi = aEnd < bEnd ? aEnd : bEnd;
    if (hi > lo) both += hi - lo;
    if (aEnd <= bEnd) i++;
    else j++;
  }
  const before = a.ipv6AddressCount();
  return { before, removed: before - both, added: b.ipv6AddressCount() - both };
}
