import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newParsedCidr, ParseStatus, parseCidr } from "../../../src/runtime/feeds/address.js";
import { classifyAddress } from "../../../src/runtime/feeds/address-class.js";
import {
  aggregate,
  CidrBuilder,
  CidrSet,
  coverageChange,
  diffCidrSets,
  fitToLimit,
} from "../../../src/runtime/feeds/cidr-set.js";
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
  // Built inside each test, not while the file is collected: a mutant that breaks parsing must fail
  // a test (a file whose collection throws reports no failed test, and Stryker counts it surviving).
  const scattered = () =>
    CidrSet.fromStrings(["10.0.0.1", "10.0.0.3", "10.0.0.5", "10.0.1.0", "2001:db8::1", "2001:db8::3"]);

  it("reports a version over the limit without dropping anything", () => {
    const fit = fitToLimit(scattered(), { limit: 3 });
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
    const fit = fitToLimit(scattered(), { limit: 2, widen: true });
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
    const fit = fitToLimit(scattered(), { limit: 1, widen: true });
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

/** Counts addresses covered by CIDR strings by walking every address (small ranges only). */
function coveredAddresses(entries: readonly string[], bits: 32 | 128): Set<bigint> {
  const out = new Set<bigint>();
  for (const entry of entries) {
    const [text, prefixText] = entry.split("/");
    const start = bits === 32 ? v4Value(text!) : v6Value(text!);
    const size = 1n << BigInt(bits - Number(prefixText ?? bits));
    for (let k = 0n; k < size; k++) out.add(start + k);
  }
  return out;
}

function v4Value(text: string): bigint {
  return text.split(".").reduce((acc, part) => (acc << 8n) | BigInt(part), 0n);
}

function v6Value(text: string): bigint {
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head === "" ? [] : head!.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? headGroups
      : [
          ...headGroups,
          ...new Array<string>(8 - headGroups.length - tailGroups.length).fill("0"),
          ...tailGroups,
        ];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n);
}

/** The reference coverage change: set differences of the addresses each list covers. */
function referenceCoverage(before: readonly string[], after: readonly string[], bits: 32 | 128) {
  const a = coveredAddresses(before, bits);
  const b = coveredAddresses(after, bits);
  let removed = 0n;
  let added = 0n;
  for (const x of a) if (!b.has(x)) removed++;
  for (const x of b) if (!a.has(x)) added++;
  return { before: BigInt(a.size), removed, added };
}

describe("CidrBuilder", () => {
  it("keeps every IPv6 entry in order when it grows past its initial capacity of 64", () => {
    const builder = new CidrBuilder();
    const words = new Uint32Array(4);
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      words.set([0x20010db8, 0, i, 0]);
      builder.addIpv6(words, 0, 96);
      expected.push(`2001:db8:0:0:0:${i.toString(16)}:0:0/96`);
    }
    expect(builder.size).toBe(200);
    const set = builder.build();
    expect(set.ipv6.length).toBe(800);
    expect(set.ipv6Prefixes.length).toBe(200);
    expect(set.equals(CidrSet.fromStrings(expected))).toBe(true);
    expect(set.ipv6Strings()[0]).toBe("2001:db8::/96");
    expect(set.ipv6Strings()[199]).toBe("2001:db8::c7:0:0/96");
  });

  it("keeps every IPv4 entry when it grows from a capacity of one", () => {
    const builder = new CidrBuilder(1, 1);
    for (let i = 0; i < 5; i++) builder.addIpv4((10 << 24) + i * 256, 24);
    expect(builder.size).toBe(5);
    expect(builder.build().ipv4Strings()).toEqual([
      "10.0.0.0/24",
      "10.0.1.0/24",
      "10.0.2.0/24",
      "10.0.3.0/24",
      "10.0.4.0/24",
    ]);
  });

  it("counts entries of both versions and builds arrays exactly as long as the entries added", () => {
    const builder = new CidrBuilder();
    builder.addIpv4(0xc0000200, 24);
    builder.addIpv4(0x0a000000, 8);
    builder.addIpv6(new Uint32Array([0x20010db8, 0, 0, 0]), 0, 32);
    expect(builder.size).toBe(3);
    const set = builder.build();
    expect(set.ipv4.length).toBe(2);
    expect(set.ipv4Prefixes.length).toBe(2);
    expect(set.ipv6.length).toBe(4);
    expect(set.ipv6Prefixes.length).toBe(1);
    expect(set.toStrings()).toEqual(["192.0.2.0/24", "10.0.0.0/8", "2001:db8::/32"]);
  });
});

describe("CidrSet", () => {
  it("has no entries when empty", () => {
    const empty = CidrSet.empty();
    expect(empty.size).toBe(0);
    expect(empty.counts).toEqual({ ipv4: 0, ipv6: 0 });
    expect(empty.toStrings()).toEqual([]);
    expect(empty.equals(CidrSet.fromStrings([]))).toBe(true);
  });

  it("counts entries per IP version and in total", () => {
    const set = CidrSet.fromStrings(["10.0.0.0/8", "192.0.2.1", "198.51.100.0/24", "2001:db8::/32", "::1"]);
    expect(set.counts).toEqual({ ipv4: 3, ipv6: 2 });
    expect(set.size).toBe(5);
  });

  it("parses entries with surrounding whitespace", () => {
    expect(CidrSet.fromStrings([" 10.1.2.3/8\t", "\n2001:db8::1/32 "]).toStrings()).toEqual([
      "10.0.0.0/8",
      "2001:db8::/32",
    ]);
  });

  it.each([
    ["bogus", "not an IP address or CIDR"],
    ["300.1.2.3", "invalid IPv4 address"],
    ["2001:db8::g", "invalid IPv6 address"],
    ["10.0.0.0/33", "invalid prefix length"],
    ["  ", "empty value"],
  ])("rejects %j with the parser's reason", (entry, reason) => {
    const parse = () => CidrSet.fromStrings(["10.0.0.0/8", entry]);
    expect(parse).toThrow(InvalidCidrError);
    expect(parse).toThrow(`"${entry}" is not a valid IP address or CIDR: ${reason}.`);
  });

  it("equals a set with the same entries in the same order only", () => {
    const base = ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "2001:db8:1::/48"];
    const set = CidrSet.fromStrings(base);
    expect(set.equals(CidrSet.fromStrings(base))).toBe(true);
    // Differs in one IPv4 address, one IPv4 prefix, one IPv6 word, one IPv6 prefix, or a length.
    for (const other of [
      ["11.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "2001:db8:1::/48"],
      ["10.0.0.0/9", "192.0.2.0/24", "2001:db8::/32", "2001:db8:1::/48"],
      ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "2001:db8:2::/48"],
      ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "2001:db8:1::/64"],
      ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"],
      ["10.0.0.0/8", "2001:db8::/32", "2001:db8:1::/48"],
      ["192.0.2.0/24", "10.0.0.0/8", "2001:db8::/32", "2001:db8:1::/48"],
    ]) {
      expect(set.equals(CidrSet.fromStrings(other)), other.join(" ")).toBe(false);
      expect(CidrSet.fromStrings(other).equals(set), other.join(" ")).toBe(false);
    }
  });
});

describe("aggregate (exact arrays)", () => {
  it("returns arrays exactly as long as its entries", () => {
    const set = aggregate(
      CidrSet.fromStrings([
        "2001:db8::/33",
        "2001:db8:8000::/33",
        "2001:db8::1",
        "10.0.0.0/25",
        "10.0.0.128/25",
      ]),
    );
    expect(set.equals(CidrSet.fromStrings(["10.0.0.0/24", "2001:db8::/32"]))).toBe(true);
  });

  it("merges blocks that reach the last IPv6 address", () => {
    const top = "ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    expect(
      aggregate(
        CidrSet.fromStrings([`${top}:ff00/120`, `${top}:fff0/124`, `${top}:ffff/128`, `${top}:ff80/121`]),
      ).toStrings(),
    ).toEqual([`${top}:ff00/120`]);
  });

  it.each([
    ["0:0:ffff:ffff:ffff:ffff:ffff:ffff/128", "1::/16"],
    ["ffff:ffff:0:0:ffff:ffff:ffff:ffff/128", "ffff:ffff:ffff::/48"],
    ["ffff:ffff:ffff:ffff:0:0:ffff:ffff/128", "ffff:ffff:ffff:ffff:ffff::/80"],
  ])("keeps %s apart from the later %s although some of its words are all ones", (low, high) => {
    expect(aggregate(CidrSet.fromStrings([high, low])).toStrings()).toEqual(
      CidrSet.fromStrings([low, high]).toStrings(),
    );
  });

  // The blocks above are never merged, so the merge's "end is the last address" flag is never set;
  // here two adjacent blocks merge first into an end with some words all ones (not the last address),
  // and the next block, not adjacent, must still stay apart.
  it.each([
    ["0:0:ffff:ffff:ffff:ffff:ffff:fffe", "0:0:ffff:ffff:ffff:ffff:ffff:ffff", "1::/16"],
    ["ffff:ffff:0:0:ffff:ffff:ffff:fffe", "ffff:ffff:0:0:ffff:ffff:ffff:ffff", "ffff:ffff:ffff::/48"],
    [
      "ffff:ffff:ffff:ffff:0:0:ffff:fffe",
      "ffff:ffff:ffff:ffff:0:0:ffff:ffff",
      "ffff:ffff:ffff:ffff:ffff::/80",
    ],
    [
      "ffff:ffff:ffff:ffff:ffff:ffff:0:0",
      "ffff:ffff:ffff:ffff:ffff:ffff:0:1",
      "ffff:ffff:ffff:ffff:ffff:ffff:1:0/128",
    ],
  ])("merges %s with %s into one /127 and keeps the later %s apart", (first, second, later) => {
    expect(aggregate(CidrSet.fromStrings([later, second, first])).toStrings()).toEqual(
      CidrSet.fromStrings([`${first}/127`, later]).toStrings(),
    );
  });
});

describe("diffCidrSets (ordering and duplicates)", () => {
  it("lists additions and removals in address order whatever the input order", () => {
    const before = CidrSet.fromStrings([
      "198.51.100.0/24",
      "10.0.0.0/8",
      "2001:db9::/32",
      "2001:db8::/32",
      "::1",
    ]);
    const after = CidrSet.fromStrings([
      "203.0.113.0/24",
      "192.0.2.0/24",
      "10.0.0.0/8",
      "2001:db8::/32",
      "2001:dba::/32",
      "2001:db7::/32",
    ]);
    expect(diffCidrSets(before, after)).toEqual({
      ipv4ToAdd: ["192.0.2.0/24", "203.0.113.0/24"],
      ipv4ToRemove: ["198.51.100.0/24"],
      ipv6ToAdd: ["2001:db7::/32", "2001:dba::/32"],
      ipv6ToRemove: ["::1/128", "2001:db9::/32"],
      unchanged: 2,
    });
  });

  it("removes every IPv6 entry of the side that has more", () => {
    const before = CidrSet.fromStrings(["2001:db8::/32", "2001:db9::/32", "2001:dba::/32"]);
    const after = CidrSet.fromStrings(["2001:db8::/32"]);
    expect(diffCidrSets(before, after)).toEqual({
      ipv4ToAdd: [],
      ipv4ToRemove: [],
      ipv6ToAdd: [],
      ipv6ToRemove: ["2001:db9::/32", "2001:dba::/32"],
      unchanged: 1,
    });
    expect(diffCidrSets(after, before)).toEqual({
      ipv4ToAdd: [],
      ipv4ToRemove: [],
      ipv6ToAdd: ["2001:db9::/32", "2001:dba::/32"],
      ipv6ToRemove: [],
      unchanged: 1,
    });
  });

  it("treats the same IPv6 address with another prefix as a different entry", () => {
    expect(
      diffCidrSets(CidrSet.fromStrings(["2001:db8::/32"]), CidrSet.fromStrings(["2001:db8::/48"])),
    ).toEqual({
      ipv4ToAdd: [],
      ipv4ToRemove: [],
      ipv6ToAdd: ["2001:db8::/48"],
      ipv6ToRemove: ["2001:db8::/32"],
      unchanged: 0,
    });
  });

  it("compares duplicated entries once", () => {
    const before = CidrSet.fromStrings([
      "2001:db8::/32",
      "2001:db8::/32",
      "::1",
      "10.0.0.0/8",
      "10.0.0.0/8",
      "1.0.0.0/8",
    ]);
    const after = CidrSet.fromStrings(["2001:db8::/32", "10.0.0.0/8", "1.0.0.0/8", "::1", "::1"]);
    expect(diffCidrSets(before, after)).toEqual({
      ipv4ToAdd: [],
      ipv4ToRemove: [],
      ipv6ToAdd: [],
      ipv6ToRemove: [],
      unchanged: 4,
    });
  });
});

describe("fitToLimit (limits)", () => {
  it.each([0, -3, 1.5, Number.NaN])("refuses the limit %s", (limit) => {
    expect(() => fitToLimit(CidrSet.empty(), { limit })).toThrow(
      new RangeError(`limit must be a positive integer, got ${limit}`),
    );
  });

  it("accepts lists exactly at the limit as they are", () => {
    const set = CidrSet.fromStrings(["10.0.0.1", "10.0.0.3", "2001:db8::1", "2001:db8::3"]);
    for (const widen of [false, true]) {
      const fit = fitToLimit(set, { limit: 2, widen });
      expect(fit).toEqual({
        ok: true,
        set: aggregate(set),
        ipv4: { status: "within", entries: 2, limit: 2 },
        ipv6: { status: "within", entries: 2, limit: 2 },
        messages: [],
      });
    }
  });

  it("reports an IPv6 list over the limit without widening and changes nothing", () => {
    const set = CidrSet.fromStrings(["10.0.0.1", "2001:db8::1", "2001:db8::3", "2001:db8::5"]);
    const fit = fitToLimit(set, { limit: 2 });
    expect(fit.ok).toBe(false);
    expect(fit.set.equals(aggregate(set))).toBe(true);
    expect(fit.ipv4).toEqual({ status: "within", entries: 1, limit: 2 });
    expect(fit.ipv6).toEqual({ status: "over", entries: 3, limit: 2 });
    expect(fit.messages).toEqual([
      "The IPv6 list has 3 entries after aggregation, above the limit of 2 per IP set; nothing was dropped and " +
        "the list was not applied. Enable widening to cover it with broader prefixes, or use a smaller feed.",
    ]);
  });

  it("reports an IPv4 list over the limit as not ok while IPv6 fits", () => {
    const fit = fitToLimit(CidrSet.fromStrings(["10.0.0.1", "10.0.0.3", "10.0.0.5", "::1"]), { limit: 2 });
    expect(fit.ok).toBe(false);
    expect(fit.ipv4).toEqual({ status: "over", entries: 3, limit: 2 });
    expect(fit.ipv6).toEqual({ status: "within", entries: 1, limit: 2 });
  });

  it("says how far an IPv6 list was widened", () => {
    const fit = fitToLimit(CidrSet.fromStrings(["2001:db8::1", "2001:db8::3", "2001:db8::5"]), {
      limit: 2,
      widen: true,
    });
    expect(fit.ok).toBe(true);
    expect(fit.set.ipv6Strings()).toEqual(["2001:db8::/126", "2001:db8::4/127"]);
    expect(fit.ipv6).toEqual({
      status: "widened",
      entriesBefore: 3,
      entries: 2,
      limit: 2,
      maxPrefix: 127,
      extraAddresses: 3n,
    });
    expect(fit.messages).toEqual([
      "The IPv6 list was widened from 3 to 2 entries by shortening prefixes longer than /127 to /127, covering 3 " +
        "addresses the feed did not list.",
    ]);
  });
});

describe("coverageChange", () => {
  const cases: [string, string[], string[], 32 | 128][] = [
    ["a single address grown to its /24", ["10.0.0.4"], ["10.0.0.0/24"], 32],
    ["disjoint lists", ["10.0.0.0/26", "10.0.1.0/30"], ["10.0.0.128/26", "10.0.2.0/31"], 32],
    ["a list shrunk to part of itself", ["10.0.0.0/23"], ["10.0.0.64/26", "10.0.1.255"], 32],
    [
      "interleaved blocks ending on both sides",
      ["10.0.0.0/28", "10.0.0.32/27", "10.0.0.128/25", "10.0.1.0/32"],
      ["10.0.0.8/29", "10.0.0.16/28", "10.0.0.48/28", "10.0.0.64/26", "10.0.0.192/30", "10.0.1.0/24"],
      32,
    ],
    ["an empty old list", [], ["10.0.0.0/30", "192.0.2.0/28"], 32],
    ["an empty new list", ["192.0.2.0/28"], [], 32],
    ["a single IPv6 address grown to its /120", ["2001:db8::4"], ["2001:db8::/120"], 128],
    [
      "disjoint IPv6 lists",
      ["2001:db8::/122", "2001:db8::100/126"],
      ["2001:db8::80/122", "2001:db8::200/127"],
      128,
    ],
    [
      "interleaved IPv6 blocks",
      ["2001:db8::/124", "2001:db8::20/123", "2001:db8::80/121", "2001:db8:0:0:1::/128"],
      [
        "2001:db8::8/125",
        "2001:db8::10/124",
        "2001:db8::30/124",
        "2001:db8::40/122",
        "2001:db8::c0/126",
        "2001:db8::1:0/120",
      ],
      128,
    ],
    [
      "IPv6 blocks in different words",
      ["2001:db8:0:1::/120", "2001:db8:1::/124"],
      ["2001:db8:0:1::80/121", "2001:db9::/126", "2001:db8:1::8/125"],
      128,
    ],
  ];

  it.each(cases)("counts the addresses removed and added for %s", (_, before, after, bits) => {
    const change = coverageChange(CidrSet.fromStrings(before), CidrSet.fromStrings(after));
    const expected = referenceCoverage(before, after, bits);
    if (bits === 32) {
      expect(change.ipv4).toEqual({
        before: Number(expected.before),
        removed: Number(expected.removed),
        added: Number(expected.added),
      });
      expect(change.ipv6).toEqual({ before: 0n, removed: 0n, added: 0n });
    } else {
      expect(change.ipv6).toEqual(expected);
      expect(change.ipv4).toEqual({ before: 0, removed: 0, added: 0 });
    }
  });

  it("counts overlapping entries of one list once and measures both versions", () => {
    const change = coverageChange(
      CidrSet.fromStrings(["1.2.3.4", "1.2.3.4", "2001:db8::/32"]),
      CidrSet.fromStrings(["1.0.0.0/8", "2001:db8::/33"]),
    );
    expect(change).toEqual({
      ipv4: { before: 1, removed: 0, added: 16_777_215 },
      ipv6: { before: 1n << 96n, removed: 1n << 95n, added: 0n },
    });
  });
});
