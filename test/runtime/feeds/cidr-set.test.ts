import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newParsedCidr, ParseStatus, parseCidr } from "../../../src/runtime/feeds/address.js";
import { classifyAddress } from "../../../src/runtime/feeds/address-class.js";
import { aggregate, CidrSet, diffCidrSets, fitToLimit } from "../../../src/runtime/feeds/cidr-set.js";
import { InvalidCidrError } from "../../../src/runtime/feeds/errors.js";
import { propertyRuns } from "../../support/property-runs.js";

/** A straightforward reference: BigInt intervals, sort, merge, then split into aligned blocks. */
function referenceAggregate(entries: readonly { start: bigint; prefix: number }[], bits: number): string[] {
  const ranges = entries
    .map(({ start, prefix }) => [start, start + (1n << BigInt(bits - prefix)) - 1n] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const [s, e] of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && s <= last[1] + 1n) {
      if (e > last[1]) last[1] = e;
    } else {
      merged.push([s, e]);
    }
  }
  const out: string[] = [];
  for (const [s0, e] of merged) {
    let s = s0;
    while (s <= e) {
      let size = 1n;
      while (size < 1n << BigInt(bits) && s % (size * 2n) === 0n && s + size * 2n - 1n <= e) size *= 2n;
      let hostBits = 0;
      while (1n << BigInt(hostBits) < size) hostBits++;
      out.push(`${bits === 32 ? v4Text(s) : v6Text(s)}/${bits - hostBits}`);
      s += size;
    }
  }
  return out;
}

function v4Text(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((n >> shift) & 255n).toString()).join(".");
}

function v6Text(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Canonicalise through the parser under test's own formatter via CidrSet.
  return CidrSet.fromStrings([groups.join(":")])
    .ipv6Strings()[0]!
    .replace(/\/128$/, "");
}

const mask = (value: bigint, prefix: number, bits: number) =>
  (value >> BigInt(bits - prefix)) << BigInt(bits - prefix);

/** CIDRs clustered near a few bases so overlaps and adjacency are common, plus some anywhere. */
function cidrs(bits: 32 | 128) {
  const max = (1n << BigInt(bits)) - 1n;
  const bases = [
    0n,
    max - 4095n,
    1n << BigInt(bits - 1),
    (0x0a000000n << BigInt(bits - 32)) + 1000n,
    max >> 1n,
  ];
  const near = fc
    .tuple(
      fc.constantFrom(...bases),
      fc.bigInt({ min: 0n, max: 4095n }),
      fc.integer({ min: bits - 13, max: bits }),
    )
    .map(([base, offset, prefix]) => {
      const value = base + offset > max ? max : base + offset;
      return { start: mask(value, prefix, bits), prefix };
    });
  const anywhere = fc
    .tuple(fc.bigInt({ min: 0n, max }), fc.integer({ min: 0, max: bits }))
    .map(([value, prefix]) => ({ start: mask(value, prefix, bits), prefix }));
  return fc.array(fc.oneof({ arbitrary: near, weight: 5 }, { arbitrary: anywhere, weight: 1 }), {
    maxLength: 60,
  });
}

describe("parseCidr", () => {
  const parse = (text: string) => {
    const out = newParsedCidr();
    const status = parseCidr(text, 0, text.length, out);
    return { status, out };
  };

  it("clears host bits below the prefix and says so", () => {
    const { status, out } = parse("10.1.2.3/8");
    expect(status).toBe(ParseStatus.ok);
    expect([out.version, out.words[0], out.prefix, out.hostBitsCleared]).toEqual([4, 0x0a000000, 8, true]);
  });

  it("reads IPv6 with ::, upper case and an embedded dotted quad, and prints RFC 5952 text", () => {
    expect(
      CidrSet.fromStrings([
        "2001:DB8:0:0:1::1",
        "::ffff:192.0.2.1",
        "1::",
        "::",
        "1:2:3:4:5:6:7::",
      ]).toStrings(),
    ).toEqual(["2001:db8::1:0:0:1/128", "::ffff:192.0.2.1/128", "1::/128", "::/128", "1:2:3:4:5:6:7:0/128"]);
  });

  it.each([
    ["1.2.3", ParseStatus.badIpv4],
    ["1.2.3.256", ParseStatus.badIpv4],
    ["01.2.3.4", ParseStatus.badIpv4],
    ["1.2.3.4.5", ParseStatus.badIpv4],
    ["1.2.3.4/33", ParseStatus.badPrefix],
    ["1.2.3.4/", ParseStatus.badPrefix],
    ["1.2.3.4/1a", ParseStatus.badPrefix],
    ["2001:db8::/129", ParseStatus.badPrefix],
    ["1:2:3:4:5:6:7:8:9", ParseStatus.badIpv6],
    ["1::2::3", ParseStatus.badIpv6],
    [":1", ParseStatus.badIpv6],
    ["1:", ParseStatus.badIpv6],
    ["12345::", ParseStatus.badIpv6],
    ["fe80::1%eth0", ParseStatus.badIpv6],
    ["example.com", ParseStatus.badIpv4],
    ["deadbeef", ParseStatus.notAnAddress],
    ["", ParseStatus.empty],
  ])("refuses %j", (text, status) => {
    expect(parse(text).status).toBe(status);
  });

  it("accepts exactly the strict dotted quads with an optional prefix", () => {
    const octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    const strict = new RegExp(`^${octet}(\\.${octet}){3}(/\\d{1,3})?$`);
    const valid = (text: string) => strict.test(text) && Number(text.split("/")[1] ?? 32) <= 32;
    const chars = fc.constantFrom(..."0123456789./".split(""), "1", "2", ".");
    // Random characters, and random numbers joined as a quad (leading zeros, values over 255, a
    // missing or extra part, a prefix over 32) so that both answers are common.
    const number = fc.oneof(
      { weight: 12, arbitrary: fc.nat({ max: 300 }).map(String) },
      { weight: 1, arbitrary: fc.constantFrom("00", "01", "010", "", "256") },
    );
    const parts = fc.oneof(
      { weight: 6, arbitrary: fc.array(number, { minLength: 4, maxLength: 4 }) },
      { weight: 1, arbitrary: fc.array(number, { minLength: 3, maxLength: 5 }) },
    );
    const quadLike = fc
      .tuple(parts, fc.option(fc.nat({ max: 40 })))
      .map(([parts, prefix]) => parts.join(".") + (prefix === null ? "" : `/${prefix}`));
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(chars, { minLength: 1, maxLength: 20 }).map((l) => l.join("")),
          quadLike,
        ),
        (text) => {
          expect(parse(text).status === ParseStatus.ok).toBe(valid(text));
          if (valid(text)) accepted++;
        },
      ),
      { numRuns: propertyRuns(3000) },
    );
    // Both answers are common: about 12 % of the texts are strict quads (pure random characters
    // reach under 1 %), the rest must be refused.
    expect(accepted / propertyRuns(3000)).toBeGreaterThanOrEqual(0.06);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 32 }),
        (o, p) => {
          const { status, out } = parse(`${o.join(".")}/${p}`);
          const value = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
          const network = p === 0 ? 0 : Number((BigInt(value) >> BigInt(32 - p)) << BigInt(32 - p));
          expect([status, out.words[0], out.prefix, out.hostBitsCleared]).toEqual([
            ParseStatus.ok,
            network,
            p,
            network !== value,
          ]);
        },
      ),
    );
  });

  it("throws InvalidCidrError naming the text from CidrSet.fromStrings", () => {
    expect(() => CidrSet.fromStrings(["10.0.0.0/8", "10.0.0.0/40"])).toThrow(
      new InvalidCidrError("10.0.0.0/40", "invalid prefix length"),
    );
    expect(() => CidrSet.fromStrings(["nope"])).toThrow(
      '"nope" is not a valid IP address or CIDR: not an IP address or CIDR.',
    );
  });
});

describe("aggregate", () => {
  it("merges overlaps and adjacent siblings into the minimal set", () => {
    const set = CidrSet.fromStrings([
      "10.0.0.128/25",
      "10.0.0.0/25",
      "10.0.0.7",
      "10.0.1.0/24",
      "192.0.2.1",
      "192.0.2.2",
      "2001:db8::/33",
      "2001:db8:8000::/33",
      "2001:db8::1",
    ]);
    expect(aggregate(set).toStrings()).toEqual([
      "10.0.0.0/23",
      "192.0.2.1/32",
      "192.0.2.2/32",
      "2001:db8::/32",
    ]);
  });

  it("handles the whole address space and its last address", () => {
    expect(
      aggregate(CidrSet.fromStrings(["0.0.0.0/1", "128.0.0.0/1", "255.255.255.255"])).toStrings(),
    ).toEqual(["0.0.0.0/0"]);
    expect(
      aggregate(
        CidrSet.fromStrings(["ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", "::/1", "8000::/1"]),
      ).toStrings(),
    ).toEqual(["::/0"]);
    expect(aggregate(CidrSet.fromStrings(["255.255.255.254", "255.255.255.255"])).toStrings()).toEqual([
      "255.255.255.254/31",
    ]);
  });

  it("splits a merged range that is not one aligned block", () => {
    expect(aggregate(CidrSet.fromStrings(["10.0.0.1", "10.0.0.2/31", "10.0.0.4/30"])).toStrings()).toEqual([
      "10.0.0.1/32",
      "10.0.0.2/31",
      "10.0.0.4/30",
    ]);
    expect(aggregate(CidrSet.fromStrings(["::1", "::2/127", "::4/126", "::8/125"])).toStrings()).toEqual([
      "::1/128",
      "::2/127",
      "::4/126",
      "::8/125",
    ]);
  });

  it("matches a BigInt reference implementation for IPv4", () => {
    let merged = 0;
    fc.assert(
      fc.property(cidrs(32), (entries) => {
        const set = CidrSet.fromStrings(entries.map((e) => `${v4Text(e.start)}/${e.prefix}`));
        expect(aggregate(set).ipv4Strings()).toEqual(referenceAggregate(entries, 32));
        if (aggregate(set).ipv4.length < new Set(entries.map((e) => `${e.start}/${e.prefix}`)).size) merged++;
      }),
      { numRuns: propertyRuns(300) },
    );
    // Merging is exercised: about 40 % of the lists have overlapping or adjacent blocks.
    expect(merged / propertyRuns(300)).toBeGreaterThanOrEqual(0.2);
  });

  it("matches a BigInt reference implementation for IPv6", () => {
    let merged = 0;
    fc.assert(
      fc.property(cidrs(128), (entries) => {
        const set = CidrSet.fromStrings(entries.map((e) => `${v6Text(e.start)}/${e.prefix}`));
        expect(aggregate(set).ipv6Strings()).toEqual(referenceAggregate(entries, 128));
        if (aggregate(set).ipv6Strings().length < new Set(entries.map((e) => `${e.start}/${e.prefix}`)).size)
          merged++;
      }),
      { numRuns: propertyRuns(300) },
    );
    // Merging is exercised: about 40 % of the lists have overlapping or adjacent blocks.
    expect(merged / propertyRuns(300)).toBeGreaterThanOrEqual(0.2);
  });

  it("covers exactly the addresses of its input (checked address by address in a /20)", () => {
    const base = 0x0a000000;
    let merged = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 20, max: 32 })), {
          maxLength: 40,
        }),
        (raw) => {
          const entries = raw.map(([offset, prefix]) => `${v4Text(BigInt(base + offset))}/${prefix}`);
          const expected = new Uint8Array(4096);
          for (const [offset, prefix] of raw) {
            const size = 2 ** (32 - prefix);
            const start = offset - (offset % size);
            expected.fill(1, start, start + size);
          }
          const result = aggregate(CidrSet.fromStrings(entries));
          const covered = new Uint8Array(4096);
          for (let i = 0; i < result.ipv4.length; i++) {
            const size = 2 ** (32 - result.ipv4Prefixes[i]!);
            const start = result.ipv4[i]! - base;
            expect(covered.subarray(start, start + size).every((b) => b === 0)).toBe(true);
            covered.fill(1, start, start + size);
          }
          expect(covered).toEqual(expected);
          if (result.ipv4.length < new Set(entries).size) merged++;
        },
      ),
      { numRuns: propertyRuns(300) },
    );
    // Merging is exercised: about 60 % of the lists have overlapping or adjacent blocks.
    expect(merged / propertyRuns(300)).toBeGreaterThanOrEqual(0.3);
  });
});

describe("diffCidrSets", () => {
  it("lists entries to add and to remove per IP version", () => {
    const before = CidrSet.fromStrings(["10.0.0.0/8", "198.51.100.0/24", "2001:db8::/32", "2001:db8:1::/48"]);
    const after = CidrSet.fromStrings([
      "10.0.0.0/8",
      "192.0.2.1",
      "2001:db8::/32",
      "2001:db8:2::/48",
      "10.0.0.0/8",
    ]);
    expect(diffCidrSets(before, after)).toEqual({
      ipv4ToAdd: ["192.0.2.1/32"],
      ipv4ToRemove: ["198.51.100.0/24"],
      ipv6ToAdd: ["2001:db8:2::/48"],
      ipv6ToRemove: ["2001:db8:1::/48"],
      unchanged: 2,
    });
  });

  it("finds nothing to do between equal sets in different orders", () => {
    const a = CidrSet.fromStrings(["192.0.2.0/24", "10.0.0.0/8", "::1"]);
    const b = CidrSet.fromStrings(["::1", "10.0.0.0/8", "192.0.2.0/24"]);
    expect(diffCidrSets(a, b)).toEqual({
      ipv4ToAdd: [],
      ipv4ToRemove: [],
      ipv6ToAdd: [],
      ipv6ToRemove: [],
      unchanged: 3,
    });
  });
});

describe("fitToLimit", () => {
  const scattered = CidrSet.fromStrings([
    "10.0.0.1",
    "10.0.0.3",
    "10.0.0.5",
    "10.0.1.0",
    "2001:db8::1",
    "2001:db8::3",
  ]);

  it("reports a version over the limit without dropping anything", () => {
    const fit = fitToLimit(scattered, { limit: 3 });
    expect(fit.ok).toBe(false);
    expect(fit.ipv4).toEqual({ status: "over", entries: 4, limit: 3 });
    expect(fit.ipv6).toEqual({ status: "within", entries: 2, limit: 3 });
    expect(fit.set.ipv4Strings()).toEqual(["10.0.0.1/32", "10.0.0.3/32", "10.0.0.5/32", "10.0.1.0/32"]);
    expect(fit.messages).toEqual([
      "The IPv4 list has 4 entries after aggregation, above the limit of 3 per IP set; nothing was dropped and " +
        "the list was not applied. Enable widening to cover it with broader prefixes, or use a smaller feed.",
    ]);
  });

  it("widens the longest prefixes only as far as needed and counts the extra addresses", () => {
    const fit = fitToLimit(scattered, { limit: 2, widen: true });
    expect(fit.ok).toBe(true);
    expect(fit.set.toStrings()).toEqual(["10.0.0.0/29", "10.0.1.0/30", "2001:db8::1/128", "2001:db8::3/128"]);
    expect(fit.ipv4).toEqual({
      status: "widened",
      entriesBefore: 4,
      entries: 2,
      limit: 2,
      maxPrefix: 30,
      extraAddresses: 8n,
    });
    expect(fit.messages).toEqual([
      "The IPv4 list was widened from 4 to 2 entries by shortening prefixes longer than /30 to /30, covering 8 addresses the feed did not list.",
    ]);
  });

  it("widens IPv6 with BigInt address counts", () => {
    const fit = fitToLimit(scattered, { limit: 1, widen: true });
    expect(fit.set.ipv6Strings()).toEqual(["2001:db8::/126"]);
    expect(fit.ipv6).toMatchObject({ status: "widened", maxPrefix: 127, extraAddresses: 2n });
    expect(fit.set.ipv4Strings()).toEqual(["10.0.0.0/23"]);
  });

  it("always covers every listed address and fits, with the longest prefix that does", () => {
    let widenedCount = 0;
    fc.assert(
      fc.property(cidrs(32), fc.integer({ min: 1, max: 20 }), (entries, limit) => {
        const set = CidrSet.fromStrings(entries.map((e) => `${v4Text(e.start)}/${e.prefix}`));
        const fit = fitToLimit(set, { limit, widen: true });
        expect(fit.ok).toBe(true);
        expect(fit.set.ipv4.length).toBeLessThanOrEqual(limit);
        // Every original block lies inside some widened block.
        for (let i = 0; i < set.ipv4.length; i++) {
          const start = set.ipv4[i]!;
          const inside = Array.from(fit.set.ipv4).some((w, j) => {
            const p = fit.set.ipv4Prefixes[j]!;
            return p <= set.ipv4Prefixes[i]! && (p === 0 || start >>> (32 - p) === w >>> (32 - p));
          });
          expect(inside).toBe(true);
        }
        const widened = fit.ipv4;
        if (widened.status === "widened") {
          widenedCount++;
          const added = fit.set.ipv4AddressCount() - aggregate(set).ipv4AddressCount();
          expect(widened.extraAddresses).toBe(BigInt(added));
          const { maxPrefix } = widened;
          if (maxPrefix < 32) {
            const tighter = CidrSet.fromStrings(
              Array.from(aggregate(set).ipv4, (a, j) => {
                const p = Math.min(aggregate(set).ipv4Prefixes[j]!, maxPrefix + 1);
                return `${v4Text(BigInt(a))}/${p}`;
              }),
            );
            expect(aggregate(tighter).ipv4.length).toBeGreaterThan(limit);
          }
        }
      }),
      { numRuns: propertyRuns(200) },
    );
    // Widening is exercised: about 23 % of the lists exceed their limit (the others must fit as they are).
    expect(widenedCount / propertyRuns(200)).toBeGreaterThanOrEqual(0.1);
  });

  it("keeps the default WAF limit of 10,000 entries per IP version", () => {
    const entries = Array.from({ length: 10_001 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/32`);
    const fit = fitToLimit(CidrSet.fromStrings(entries));
    expect(fit.ipv4).toEqual({ status: "over", entries: 10_001, limit: 10_000 });
  });
});

describe("classifyAddress", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["2606:4700:4700::1111", "public"],
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["100.64.0.1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["fd00:ec2::254", "unique-local"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:8.8.8.8", "public"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["2002:a9fe:a9fe::1", "link-local"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["255.255.255.255", "reserved"],
    ["192.0.2.10", "reserved"],
    ["not-an-ip", "invalid"],
  ])("classifies %s as %s", (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });
});
