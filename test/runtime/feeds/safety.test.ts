import { describe, expect, it } from "vitest";
import { CidrSet } from "../../../src/runtime/feeds/cidr-set.js";
import { DEFAULT_MIN_PREFIX, screenList } from "../../../src/runtime/feeds/safety.js";

const screen = (entries: string[], safety: Parameters<typeof screenList>[1] = { mode: "block" }) =>
  screenList(CidrSet.fromStrings(entries), { maxSamples: 20, ...safety });

describe("screenList", () => {
  it("refuses the whole internet and anything wider than the minimum prefix, in both modes", () => {
    for (const mode of ["block", "allow"] as const) {
      const result = screen(
        ["0.0.0.0/0", "::/0", "44.0.0.0/7", "2a00::/12", "45.0.0.0/8", "2a0b:f4c0::/29"],
        {
          mode,
        },
      );
      expect(result.set.toStrings()).toEqual(["45.0.0.0/8", "2a0b:f4c0::/29"]);
      expect(result.byReason).toEqual({ "too-wide": 4, "special-purpose": 0, "own-network": 0 });
      expect(result.samples[0]).toEqual({
        cidr: "0.0.0.0/0",
        reason: "too-wide",
        detail: "wider than the minimum IPv4 prefix /8",
      });
    }
  });

  it("defaults to /8 for IPv4 and /29 for IPv6, and takes other minimums", () => {
    expect(DEFAULT_MIN_PREFIX).toEqual({ ipv4: 8, ipv6: 29 });
    const strict = screen(["45.0.0.0/16", "45.1.2.0/24", "2a0b:f4c0::/32", "2a0b:f4c0::/48"], {
      mode: "block",
      minPrefixIpv4: 24,
      minPrefixIpv6: 48,
    });
    expect(strict.set.toStrings()).toEqual(["45.1.2.0/24", "2a0b:f4c0::/48"]);
    expect(strict.refused).toBe(2);
  });

  it("refuses a minimum of /0 or beyond the address length", () => {
    expect(() => screen(["45.0.0.0/8"], { mode: "block", minPrefixIpv4: 0 })).toThrow(
      "minPrefixIpv4 must be an integer from 1 to 32 (a /0 covers everyone), got 0",
    );
    expect(() => screen(["45.0.0.0/8"], { mode: "block", minPrefixIpv6: 129 })).toThrow(
      "minPrefixIpv6 must be an integer from 1 to 128 (a /0 covers everyone), got 129",
    );
  });

  it("refuses private, link-local, documentation, multicast and other special-purpose ranges on a block list", () => {
    const special = [
      "10.1.2.3",
      "172.16.0.0/12",
      "192.168.1.0/24",
      "100.64.0.1",
      "127.0.0.1",
      "169.254.169.254",
      "192.0.2.1",
      "198.18.0.0/15",
      "224.0.0.1",
      "255.255.255.255",
      "::1",
      "fe80::1",
      "fd00:1::/48",
      "2001:db8::1",
      "::ffff:10.0.0.1",
      "ff02::1",
      // Wider than a special range but still overlapping it: 8.0.0.0/7 does not, 10.0.0.0/7 does.
      "10.0.0.0/7",
    ];
    const result = screen([...special, "8.8.8.0/24", "2a0b:f4c0::1"], { mode: "block", minPrefixIpv4: 7 });
    expect(result.set.toStrings()).toEqual(["8.8.8.0/24", "2a0b:f4c0::1/128"]);
    expect(result.byReason["special-purpose"]).toBe(special.length);
    expect(result.samples.find((s) => s.cidr === "169.254.169.254/32")).toEqual({
      cidr: "169.254.169.254/32",
      reason: "special-purpose",
      detail: "overlaps 169.254.0.0/16 (link-local, RFC 3927)",
    });
  });

  it("lets an allow list name private ranges (only the width rule applies)", () => {
    expect(screen(["10.0.0.0/8", "192.168.0.0/16"], { mode: "allow" }).refused).toBe(0);
  });

  it("refuses the account's own networks on a block list, public or not", () => {
    const ownNetworks = CidrSet.fromStrings(["52.95.110.0/24", "2600:1f18:abcd::/56"]);
    const result = screen(["52.95.110.7", "52.0.0.0/8", "52.95.111.0/24", "2600:1f18:abcd:1::/64"], {
      mode: "block",
      ownNetworks,
    });
    expect(result.set.toStrings()).toEqual(["52.95.111.0/24"]);
    expect(result.byReason["own-network"]).toBe(3);
    expect(result.samples[0]).toEqual({
      cidr: "52.95.110.7/32",
      reason: "own-network",
      detail: "overlaps the account's own network (a VPC CIDR block)",
    });
  });
});
