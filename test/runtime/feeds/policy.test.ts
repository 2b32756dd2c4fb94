import { describe, expect, it } from "vitest";
import { CidrSet } from "../../../src/runtime/feeds/cidr-set.js";
import { FeedTimeoutError } from "../../../src/runtime/feeds/errors.js";
import { decideLastGood } from "../../../src/runtime/feeds/policy.js";

const list = (n: number) => CidrSet.fromStrings(Array.from({ length: n }, (_, i) => `185.220.101.${i}/32`));
/** `n` single addresses from the /24 after the one {@link list} uses: same size, no address in common. */
const other = (n: number) => CidrSet.fromStrings(Array.from({ length: n }, (_, i) => `185.220.102.${i}/32`));
const parsed = (set: CidrSet, rejected = 0) => ({
  kind: "parsed" as const,
  list: set,
  accepted: set.size,
  rejected,
});

describe("decideLastGood", () => {
  it("keeps the last good list when the fetch failed, naming the error", () => {
    const decision = decideLastGood(list(10), {
      kind: "failed",
      error: new FeedTimeoutError("https://f.example/x", 500),
    });
    expect(decision).toEqual({
      action: "keep",
      reason: "fetch-failed",
      message:
        "The feed could not be read (Feed https://f.example/x did not answer within 500 ms; the last good list is kept. " +
        "Check that the feed is up, or raise timeoutMs.); keeping the last good list of 10 entries.",
      previousEntries: 10,
    });
  });

  it("keeps nothing in place of a first list that failed or came back empty", () => {
    expect(decideLastGood(undefined, { kind: "failed", error: "boom" }).message).toBe(
      "The feed could not be read (boom); there is no previous list to keep.",
    );
    expect(decideLastGood(undefined, parsed(CidrSet.empty()))).toMatchObject({
      action: "keep",
      reason: "empty",
    });
  });

  it("keeps the list when most lines were rejected", () => {
    expect(decideLastGood(list(10), parsed(list(4), 5)).message).toBe(
      "5 of 9 feed lines were rejected (more than 50%); the feed looks broken or is not in the configured format; " +
        "keeping the last good list of 10 entries.",
    );
  });

  it("accepts a feed with exactly the allowed share of rejected lines, and keeps one with a line more", () => {
    // Boundary of the rule: the share must be MORE than maxRejectedShare to refuse (5 of 10 is not).
    expect(decideLastGood(list(10), parsed(list(5), 5))).toMatchObject({
      action: "replace",
      reason: "updated",
    });
    expect(decideLastGood(list(10), parsed(list(5), 6)).reason).toBe("mostly-rejected");
    expect(decideLastGood(list(10), parsed(list(8), 2), { maxRejectedShare: 0.2 }).reason).toBe("updated");
    expect(decideLastGood(list(10), parsed(list(8), 3), { maxRejectedShare: 0.2 }).reason).toBe(
      "mostly-rejected",
    );
  });

  it("keeps the list when the safety screen refused more than the allowed share, naming the reason", () => {
    const refused = (set: CidrSet, n: number) => ({ ...parsed(set), accepted: set.size, refused: n });
    expect(decideLastGood(list(10), refused(CidrSet.empty(), 1))).toEqual({
      action: "keep",
      reason: "unsafe-entries",
      message:
        "1 of 1 feed entries were refused as unsafe for a firewall (wider than the minimum prefix, special-purpose " +
        "or the account's own network; more than 50%); keeping the last good list of 10 entries.",
      previousEntries: 10,
      newEntries: 0,
    });
    expect(decideLastGood(list(10), refused(list(5), 5)).reason).toBe("updated");
    // Refused and rejected add up against the same share.
    expect(decideLastGood(list(10), { ...refused(list(5), 3), rejected: 3 }).reason).toBe("mostly-rejected");
  });

  it("replaces a list that shrank by exactly the allowed share, and keeps one that shrank more", () => {
    expect(decideLastGood(list(10), parsed(list(5))).reason).toBe("updated");
    expect(decideLastGood(list(10), parsed(list(4))).reason).toBe("shrunk-too-much");
    expect(decideLastGood(list(10), parsed(list(4)), { maxShrinkShare: 0.6 }).reason).toBe("updated");
  });

  it("replaces with a growing list and keeps an identical one", () => {
    expect(decideLastGood(list(10), parsed(list(20)))).toEqual({
      action: "replace",
      reason: "updated",
      message: "Replacing the list of 10 entries with 20 entries.",
      previousEntries: 10,
      newEntries: 20,
    });
    expect(decideLastGood(list(10), parsed(list(10))).reason).toBe("identical");
  });

  it("measures the shrink in addresses: swapping every entry for another is a 100% loss", () => {
    expect(decideLastGood(list(10), parsed(other(10))).message).toBe(
      "The new list stops covering 100% of the IPv4 addresses the last good list covers (more than the allowed 50%; " +
        "10 entries before, 10 now); keeping the last good list of 10 entries. Raise the feed's MaxShrink if the change is expected.",
    );
  });

  it("refuses a list that swaps 100 /32s for 100 /8s, though the entry count is the same", () => {
    const hosts = CidrSet.fromStrings(Array.from({ length: 100 }, (_, i) => `45.${i}.0.1/32`));
    const eights = CidrSet.fromStrings(Array.from({ length: 100 }, (_, i) => `${i + 1}.0.0.0/8`));
    const grown = CidrSet.fromStrings([...hosts.toStrings(), ...eights.toStrings()]);
    expect(decideLastGood(hosts, parsed(grown), { maxShrinkShare: 1 })).toMatchObject({
      action: "keep",
      reason: "grew-too-much",
    });
  });

  it("accepts a list whose coverage exactly doubles, and keeps one that grows more", () => {
    const one = CidrSet.fromStrings(["45.1.0.0/24"]);
    expect(decideLastGood(one, parsed(CidrSet.fromStrings(["45.1.0.0/23"]))).reason).toBe("updated");
    expect(decideLastGood(one, parsed(CidrSet.fromStrings(["45.1.0.0/23", "45.9.0.1"])))).toEqual({
      action: "keep",
      reason: "grew-too-much",
      message:
        "The new list covers 100.4% more IPv4 addresses than the last good list (more than the allowed 100%; " +
        "1 entries before, 2 now); keeping the last good list of 1 entries. Raise maxGrowPercent if the growth is expected.",
      previousEntries: 1,
      newEntries: 2,
    });
    expect(
      decideLastGood(one, parsed(CidrSet.fromStrings(["45.1.0.0/22"])), { maxGrowShare: 3 }).reason,
    ).toBe("updated");
    // A version the last list did not cover is a first list for that version.
    expect(decideLastGood(one, parsed(CidrSet.fromStrings(["45.1.0.0/24", "2a0b:f4c0::/32"]))).reason).toBe(
      "updated",
    );
  });

  it("judges IPv6 by its own coverage, not drowned by IPv4's", () => {
    const both = CidrSet.fromStrings(["45.1.0.0/16", "2a0b:f4c0::/48", "2a0b:f4c1::/48"]);
    expect(decideLastGood(both, parsed(CidrSet.fromStrings(["45.1.0.0/16"]))).message).toContain(
      "stops covering 100% of the IPv6 addresses",
    );
  });

  it("refuses shares outside 0..1", () => {
    expect(() => decideLastGood(undefined, { kind: "not-modified" }, { maxShrinkShare: 50 })).toThrow(
      "maxShrinkShare must be between 0 and 1, got 50",
    );
  });

  it("refuses a negative or unbounded share for every tunable, naming it", () => {
    const notModified = { kind: "not-modified" } as const;
    expect(() => decideLastGood(undefined, notModified, { maxShrinkShare: -0.1 })).toThrow(
      new RangeError("maxShrinkShare must be between 0 and 1, got -0.1"),
    );
    expect(() => decideLastGood(undefined, notModified, { maxRejectedShare: 2 })).toThrow(
      new RangeError("maxRejectedShare must be between 0 and 1, got 2"),
    );
    expect(() => decideLastGood(undefined, notModified, { maxGrowShare: -1 })).toThrow(
      new RangeError("maxGrowShare must be a finite number from 0, got -1"),
    );
    expect(() => decideLastGood(undefined, notModified, { maxGrowShare: Number.POSITIVE_INFINITY })).toThrow(
      new RangeError("maxGrowShare must be a finite number from 0, got Infinity"),
    );
    expect(() => decideLastGood(undefined, notModified, { maxGrowShare: Number.NaN })).toThrow(
      new RangeError("maxGrowShare must be a finite number from 0, got NaN"),
    );
  });

  it("takes 0 as a valid share: no shrink, no growth and no rejected line allowed", () => {
    const one = CidrSet.fromStrings(["45.1.0.0/24"]);
    const zero = { maxShrinkShare: 0, maxGrowShare: 0, maxRejectedShare: 0 };
    expect(decideLastGood(one, parsed(CidrSet.fromStrings(["45.1.0.0/25"])), zero).reason).toBe(
      "shrunk-too-much",
    );
    expect(decideLastGood(one, parsed(CidrSet.fromStrings(["45.1.0.0/23"])), zero).reason).toBe(
      "grew-too-much",
    );
    expect(
      decideLastGood(one, parsed(CidrSet.fromStrings(["45.1.0.0/24", "45.9.0.0/24"]), 1), zero).reason,
    ).toBe("mostly-rejected");
    expect(decideLastGood(one, parsed(CidrSet.fromStrings(["45.1.0.0/24"])), zero).reason).toBe("identical");
  });

  it("keeps the list the feed did not change (304 Not Modified)", () => {
    expect(decideLastGood(list(3), { kind: "not-modified" })).toEqual({
      action: "keep",
      reason: "not-modified",
      message: "The feed has not changed; keeping the last good list of 3 entries.",
      previousEntries: 3,
    });
  });

  it("keeps the list when the feed had no line at all", () => {
    expect(decideLastGood(list(10), parsed(CidrSet.empty()))).toEqual({
      action: "keep",
      reason: "empty",
      message: "The feed is empty; keeping the last good list of 10 entries.",
      previousEntries: 10,
      newEntries: 0,
    });
  });

  it("keeps the list when every line was rejected, even where rejections are allowed", () => {
    expect(decideLastGood(list(10), parsed(CidrSet.empty(), 4), { maxRejectedShare: 1 })).toEqual({
      action: "keep",
      reason: "empty",
      message: "The feed lists no addresses; keeping the last good list of 10 entries.",
      previousEntries: 10,
      newEntries: 0,
    });
  });

  it("counts refused and rejected lines together in the message when most were turned away", () => {
    expect(decideLastGood(list(10), { ...parsed(list(3), 2), refused: 2 })).toEqual({
      action: "keep",
      reason: "mostly-rejected",
      message:
        "4 of 7 feed lines were rejected (more than 50%); the feed looks broken or is not in the configured format; " +
        "keeping the last good list of 10 entries.",
      previousEntries: 10,
      newEntries: 3,
    });
  });

  it("keeps the list when a version is over the firewall's limit, with the limit's own sentences", () => {
    const overLimit = ["IPv4 has 12000 entries, over the limit of 10000.", "Widening is off."];
    expect(decideLastGood(list(10), { ...parsed(list(12)), overLimit })).toEqual({
      action: "keep",
      reason: "over-limit",
      message:
        "IPv4 has 12000 entries, over the limit of 10000. Widening is off. Keeping the last good list of 10 entries.",
      previousEntries: 10,
      newEntries: 12,
    });
    expect(decideLastGood(undefined, { ...parsed(list(12)), overLimit }).message).toBe(
      "IPv4 has 12000 entries, over the limit of 10000. Widening is off. There is no previous list to keep.",
    );
    // No sentence: the list fits.
    expect(decideLastGood(list(10), { ...parsed(list(12)), overLimit: [] }).reason).toBe("updated");
  });

  it("applies a first list, with or without an empty list before it, whatever its size", () => {
    const first = {
      action: "replace",
      reason: "first-list",
      message: "Applying the first list of 7 entries.",
      previousEntries: 0,
      newEntries: 7,
    };
    expect(decideLastGood(undefined, parsed(list(7)))).toEqual(first);
    expect(decideLastGood(CidrSet.empty(), parsed(list(7)))).toEqual(first);
  });

  it("keeps an identical list, saying so", () => {
    expect(decideLastGood(list(4), parsed(list(4)))).toEqual({
      action: "keep",
      reason: "identical",
      message: "The list is unchanged at 4 entries.",
      previousEntries: 4,
      newEntries: 4,
    });
  });

  it("refuses a list that trades every IPv6 address for IPv4 ones, naming IPv6", () => {
    const v6 = CidrSet.fromStrings(["2a0b:f4c0::/48"]);
    expect(decideLastGood(v6, parsed(CidrSet.fromStrings(["45.1.0.0/24"])))).toEqual({
      action: "keep",
      reason: "shrunk-too-much",
      message:
        "The new list stops covering 100% of the IPv6 addresses the last good list covers (more than the allowed 50%; " +
        "1 entries before, 1 now); keeping the last good list of 1 entries. Raise the feed's MaxShrink if the change is expected.",
      previousEntries: 1,
      newEntries: 1,
    });
    // Adding IPv4 to an IPv6-only list is a first list for IPv4.
    expect(decideLastGood(v6, parsed(CidrSet.fromStrings(["2a0b:f4c0::/48", "45.1.0.0/24"]))).reason).toBe(
      "updated",
    );
  });

  it("names the version that grew most, and IPv4 when both grew as much", () => {
    const both = CidrSet.fromStrings(["45.1.0.0/24", "2a0b:f4c0::/48"]);
    expect(
      decideLastGood(both, parsed(CidrSet.fromStrings(["45.1.0.0/24", "2a0b:f4c0::/46"]))).message,
    ).toContain("covers 300% more IPv6 addresses");
    expect(
      decideLastGood(both, parsed(CidrSet.fromStrings(["45.1.0.0/22", "2a0b:f4c0::/46"]))).message,
    ).toContain("covers 300% more IPv4 addresses");
    expect(
      decideLastGood(both, parsed(CidrSet.fromStrings(["45.1.0.0/25", "2a0b:f4c0::/49"])), {
        maxShrinkShare: 0.4,
      }).message,
    ).toContain("stops covering 50% of the IPv4 addresses");
  });
});
