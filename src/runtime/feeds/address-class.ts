/**
 * Classifies IP addresses for the fetcher's SSRF guard: only `public` addresses may be contacted.
 * IPv4-mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`) addresses are
 * judged by the IPv4 address they carry, so `::ffff:169.254.169.254` is link-local like the original.
 */
import { newParsedCidr, ParseStatus, parseCidr } from "./address.js";

/** The kind of an address, as far as the SSRF guard is concerned. */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "unique-local"
  | "multicast"
  | "unspecified"
  | "reserved"
  | "invalid";

interface Range {
  readonly words: Uint32Array;
  readonly prefix: number;
  readonly kind: AddressClass | "embedded-ipv4" | "6to4";
}

function range(cidr: string, kind: Range["kind"]): Range {
  const parsed = newParsedCidr();
  if (parseCidr(cidr, 0, cidr.length, parsed) !== ParseStatus.ok) throw new Error(`bad range ${cidr}`);
  return { words: parsed.words, prefix: parsed.prefix, kind };
}

// Most specific first: the first match wins.
const IPV4_RANGES: readonly Range[] = [
  range("0.0.0.0/8", "unspecified"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "private"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "reserved"),
  range("192.0.2.0/24", "reserved"),
  range("192.88.99.0/24", "reserved"),
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "reserved"),
  range("198.51.100.0/24", "reserved"),
  range("203.0.113.0/24", "reserved"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"),
];

const IPV6_RANGES: readonly Range[] = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("::ffff:0:0/96", "embedded-ipv4"),
  range("64:ff9b::/96", "embedded-ipv4"),
  range("::/96", "reserved"),
  range("64:ff9b:1::/48", "private"),
  range("100::/64", "reserved"),
  range("2001:db8::/32", "reserved"),
  range("2001::/32", "reserved"),
  range("2002::/16", "6to4"),
  range("fc00::/7", "unique-local"),
  range("fe80::/10", "link-local"),
  range("fec0::/10", "private"),
  range("ff00::/8", "multicast"),
];

function inRange(words: Uint32Array, wordCount: number, r: Range): boolean {
  for (let k = 0; k < wordCount; k++) {
    const netBits = r.prefix - 32 * k;
    if (netBits <= 0) return true;
    const mask = netBits >= 32 ? 0xffffffff : ~(0xffffffff >>> netBits) >>> 0;
    if ((words[k]! & mask) >>> 0 !== r.words[k]) return false;
  }
  return true;
}

function classifyIpv4(value: number): AddressClass {
  const words = new Uint32Array([value]);
  for (const r of IPV4_RANGES) if (inRange(words, 1, r)) return r.kind as AddressClass;
  return "public";
}

/**
 * Classifies an IP address literal (no prefix, no brackets).
 * @example
 * classifyAddress("169.254.169.254"); // "link-local"
 * classifyAddress("::ffff:127.0.0.1"); // "loopback"
 */
export function classifyAddress(ip: string): AddressClass {
  const parsed = newParsedCidr();
  if (ip.includes("/") || parseCidr(ip, 0, ip.length, parsed) !== ParseStatus.ok) return "invalid";
  const w = parsed.words;
  if (parsed.version === 4) return classifyIpv4(w[0]!);
  for (const r of IPV6_RANGES) {
    if (!inRange(w, 4, r)) continue;
    if (r.kind === "embedded-ipv4") return classifyIpv4(w[3]!);
    if (r.kind === "6to4") return classifyIpv4(((w[0]! << 16) | (w[1]! >>> 16)) >>> 0);
    return r.kind;
  }
  return "public";
}
