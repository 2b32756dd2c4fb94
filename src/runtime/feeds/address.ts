/**
 * Numeric IP/CIDR parsing and formatting. Parsers scan a slice of a larger string by char code and
 * write into a caller-owned {@link ParsedCidr}, so parsing a million-line feed allocates nothing per
 * line. IPv4 is one uint32; IPv6 is four uint32 words, most significant first.
 */

/** The reusable output of {@link parseCidr}: one address with its prefix length. */
export interface ParsedCidr {
  /** 4 or 6. */
  version: 4 | 6;
  /** The network address with host bits cleared; IPv4 uses `words[0]` only. */
  readonly words: Uint32Array;
  /** The prefix length (32 or 128 for a bare address). */
  prefix: number;
  /** Whether the text had host bits set below its prefix (e.g. `10.1.2.3/8`), now cleared. */
  hostBitsCleared: boolean;
}

/** Creates an empty {@link ParsedCidr} to pass to {@link parseCidr} again and again. */
export function newParsedCidr(): ParsedCidr {
  return { version: 4, words: new Uint32Array(4), prefix: 0, hostBitsCleared: false };
}

/** Why a token is not an address; 0 means it parsed. */
export const ParseStatus = {
  ok: 0,
  notAnAddress: 1,
  badIpv4: 2,
  badIpv6: 3,
  badPrefix: 4,
  empty: 5,
} as const;
/** One of the {@link ParseStatus} values. */
export type ParseStatus = (typeof ParseStatus)[keyof typeof ParseStatus];

/** A sentence for each non-zero {@link ParseStatus}, used in rejected-line reports. */
export const parseStatusText: Readonly<Record<ParseStatus, string>> = {
  0: "ok",
  1: "not an IP address or CIDR",
  2: "invalid IPv4 address",
  3: "invalid IPv6 address",
  4: "invalid prefix length",
  5: "empty value",
};

const groups = new Uint16Array(8);

/**
 * Parses `text.slice(start, end)` as an IPv4 or IPv6 address with an optional `/prefix`, clearing
 * host bits. Leading zeros in IPv4 octets are refused (they mean octal to some tools).
 * @example
 * const out = newParsedCidr();
 * parseCidr("10.1.2.3/8", 0, 10, out); // ParseStatus.ok; out.words[0] === 0x0a000000, out.prefix === 8
 */
export function parseCidr(text: string, start: number, end: number, out: ParsedCidr): ParseStatus {
  if (start >= end) return ParseStatus.empty;
  // Fast path, one pass: a well-formed dotted quad with an optional /prefix (most feed lines).
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) break;
      octet = octet * 10 + (c - 48);
      digits++;
    } else if (c === 46 && digits > 0 && parts < 3 && octet <= 255) {
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
    } else {
      break;
    }
  }
  if (parts === 3 && digits > 0 && octet <= 255 && (i === end || text.charCodeAt(i) === 47)) {
    value = value * 256 + octet;
    let prefix = 32;
    if (i < end) {
      const count = end - i - 1;
      if (count < 1 || count > 3) return ParseStatus.badPrefix;
      prefix = 0;
      for (let k = i + 1; k < end; k++) {
        const d = text.charCodeAt(k) - 48;
        if (d < 0 || d > 9) return ParseStatus.badPrefix;
        prefix = prefix * 10 + d;
      }
      if (prefix > 32) return ParseStatus.badPrefix;
    }
    const network = prefix === 0 ? 0 : (value & (0xffffffff << (32 - prefix))) >>> 0;
    out.version = 4;
    out.words[0] = network;
    out.prefix = prefix;
    out.hostBitsCleared = network !== value;
    return ParseStatus.ok;
  }
  return parseCidrSlow(text, start, end, out);
}

/** The general path: IPv6, and precise reasons for malformed input. */
function parseCidrSlow(text: string, start: number, end: number, out: ParsedCidr): ParseStatus {
  let slash = -1;
  let colon = false;
  let dot = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 47) {
      slash = i;
      break;
    }
    if (c === 58) colon = true;
    else if (c === 46) dot = true;
  }
  const addrEnd = slash < 0 ? end : slash;
  let status: ParseStatus;
  if (colon) {
    status = parseIpv6(text, start, addrEnd, out.words);
    out.version = 6;
  } else if (dot) {
    const v4 = parseIpv4(text, start, addrEnd);
    status = v4 < 0 ? ParseStatus.badIpv4 : ParseStatus.ok;
    out.words[0] = Math.max(v4, 0);
    out.version = 4;
  } else {
    return ParseStatus.notAnAddress;
  }
  if (status !== ParseStatus.ok) return status;
  const max = out.version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const digits = end - slash - 1;
    if (digits < 1 || digits > 3) return ParseStatus.badPrefix;
    prefix = 0;
    for (let i = slash + 1; i < end; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return ParseStatus.badPrefix;
      prefix = prefix * 10 + c;
    }
    if (prefix > max) return ParseStatus.badPrefix;
  }
  out.prefix = prefix;
  out.hostBitsCleared = clearHostBits(out.words, out.version === 4 ? 1 : 4, prefix);
  return ParseStatus.ok;
}

/** Parses a dotted quad; returns the uint32 value, or -1. */
function parseIpv4(text: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || parts === 3) return -1;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || parts !== 3) return -1;
  return value * 256 + octet;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses an IPv6 address (with `::` and an optional trailing dotted quad) into four words. */
function parseIpv6(text: string, start: number, end: number, words: Uint32Array): ParseStatus {
  let count = 0;
  let gap = -1;
  let i = start;
  if (end - start >= 2 && text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return ParseStatus.badIpv6;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    const groupStart = i;
    let value = 0;
    let digits = 0;
    while (i < end) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      digits++;
      i++;
    }
    if (i < end && text.charCodeAt(i) === 46) {
      // Embedded dotted quad: must be the last 32 bits.
      if (count > 6) return ParseStatus.badIpv6;
      const v4 = parseIpv4(text, groupStart, end);
      if (v4 < 0) return ParseStatus.badIpv6;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return ParseStatus.badIpv6;
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return ParseStatus.badIpv6;
    i++;
    if (i < end && text.charCodeAt(i) === 58) {
      if (gap >= 0) return ParseStatus.badIpv6;
      gap = count;
      i++;
    } else if (i === end) {
      return ParseStatus.badIpv6;
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return ParseStatus.badIpv6;
  if (gap >= 0) {
    const tail = count - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[count - 1 - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  for (let k = 0; k < 4; k++) words[k] = ((groups[2 * k]! << 16) | groups[2 * k + 1]!) >>> 0;
  return ParseStatus.ok;
}

/** The host-bit mask of word `k` (0-based) for a prefix length. */
export function hostMaskWord(prefix: number, k: number): number {
  const netBits = prefix - 32 * k;
  if (netBits <= 0) return 0xffffffff;
  if (netBits >= 32) return 0;
  return 0xffffffff >>> netBits;
}

/** Clears host bits in place; returns whether any were set. */
export function clearHostBits(words: Uint32Array, wordCount: number, prefix: number): boolean {
  let changed = false;
  for (let k = 0; k < wordCount; k++) {
    const w = words[k]!;
    const cleared = (w & ~hostMaskWord(prefix, k)) >>> 0;
    if (cleared !== w) {
      words[k] = cleared;
      changed = true;
    }
  }
  return changed;
}

/** Formats a uint32 as a dotted quad. */
export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Formats four words at `offset` as an RFC 5952 canonical IPv6 address (lowercase, longest zero run as `::`, IPv4-mapped as `::ffff:a.b.c.d`). */
export function formatIpv6(words: Uint32Array, offset = 0): string {
  if (words[offset] === 0 && words[offset + 1] === 0 && words[offset + 2] === 0xffff) {
    return `::ffff:${formatIpv4(words[offset + 3]!)}`;
  }
  const g: number[] = [];
  for (let k = 0; k < 4; k++) {
    const w = words[offset + k]!;
    g.push(w >>> 16, w & 0xffff);
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    g
      .slice(from, to)
      .map((n) => n.toString(16))
      .join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** The text form of a parsed CIDR, always with its prefix. */
export function formatCidr(parsed: ParsedCidr): string {
  return parsed.version === 4
    ? `${formatIpv4(parsed.words[0]!)}/${parsed.prefix}`
    : `${formatIpv6(parsed.words)}/${parsed.prefix}`;
}
