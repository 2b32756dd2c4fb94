/**
 * The SSRF guard on its own: which addresses are public (each special-purpose range at its first and
 * last address and just outside it, IANA's special-purpose registries for IPv4 and IPv6, RFC 6890),
 * and the fetcher's URL and DNS-answer vetting, with a fake resolver and, for the one accepted case,
 * a plain-http server on loopback. fetch.test.ts covers the fetcher end to end over TLS; this file is
 * the one mutation testing runs (it takes milliseconds per case).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyAddress } from "../../../src/runtime/feeds/address-class.js";
import { FeedNetworkError, FeedUrlRefusedError } from "../../../src/runtime/feeds/errors.js";
import { FeedFetcher, type ResolvedAddress } from "../../../src/runtime/feeds/fetch.js";

describe("classifyAddress at the edges of every special-purpose range", () => {
  // [range, its class, the address before its first, first, last, the address after its last]
  const ipv4: [string, string, string | undefined, string, string, string | undefined][] = [
    ["0.0.0.0/8", "unspecified", undefined, "0.0.0.0", "0.255.255.255", "1.0.0.0"],
    ["10.0.0.0/8", "private", "9.255.255.255", "10.0.0.0", "10.255.255.255", "11.0.0.0"],
    ["100.64.0.0/10", "private", "100.63.255.255", "100.64.0.0", "100.127.255.255", "100.128.0.0"],
    ["127.0.0.0/8", "loopback", "126.255.255.255", "127.0.0.0", "127.255.255.255", "128.0.0.0"],
    ["169.254.0.0/16", "link-local", "169.253.255.255", "169.254.0.0", "169.254.255.255", "169.255.0.0"],
    ["172.16.0.0/12", "private", "172.15.255.255", "172.16.0.0", "172.31.255.255", "172.32.0.0"],
    ["192.0.0.0/24", "reserved", "191.255.255.255", "192.0.0.0", "192.0.0.255", "192.0.1.0"],
    ["192.0.2.0/24", "reserved", "192.0.1.255", "192.0.2.0", "192.0.2.255", "192.0.3.0"],
    ["192.88.99.0/24", "reserved", "192.88.98.255", "192.88.99.0", "192.88.99.255", "192.88.100.0"],
    ["192.168.0.0/16", "private", "192.167.255.255", "192.168.0.0", "192.168.255.255", "192.169.0.0"],
    ["198.18.0.0/15", "reserved", "198.17.255.255", "198.18.0.0", "198.19.255.255", "198.20.0.0"],
    ["198.51.100.0/24", "reserved", "198.51.99.255", "198.51.100.0", "198.51.100.255", "198.51.101.0"],
    ["203.0.113.0/24", "reserved", "203.0.112.255", "203.0.113.0", "203.0.113.255", "203.0.114.0"],
    ["224.0.0.0/4", "multicast", "223.255.255.255", "224.0.0.0", "239.255.255.255", undefined],
    ["240.0.0.0/4", "reserved", undefined, "240.0.0.0", "255.255.255.255", undefined],
  ];
  it.each(ipv4)(
    "%s is %s from its first to its last address, and public around it",
    (_, kind, before, first, last, after) => {
      expect([classifyAddress(first), classifyAddress(last)]).toEqual([kind, kind]);
      if (before !== undefined) expect(classifyAddress(before)).toBe("public");
      if (after !== undefined) expect(classifyAddress(after)).toBe("public");
    },
  );

  const ipv6: [string, string, string | undefined, string, string, string | undefined][] = [
    ["::/128 and ::1/128", "unspecified", undefined, "::", "::", undefined],
    ["::1/128", "loopback", undefined, "::1", "::1", undefined],
    ["::/96 (IPv4-compatible, deprecated)", "reserved", undefined, "::2", "::ffff:ffff", undefined],
    [
      "64:ff9b:1::/48",
      "private",
      "64:ff9b:0:ffff:ffff:ffff:ffff:ffff",
      "64:ff9b:1::",
      "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
      "64:ff9b:2::",
    ],
    [
      "100::/64",
      "reserved",
      "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "100::",
      "100::ffff:ffff:ffff:ffff",
      "100:0:0:1::",
    ],
    [
      "2001::/32 (TEREDO)",
      "reserved",
      "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "2001::",
      "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
      "2001:1::",
    ],
    [
      "2001:db8::/32",
      "reserved",
      "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
      "2001:db8::",
      "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
      "2001:db9::",
    ],
    [
      "fc00::/7",
      "unique-local",
      "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "fc00::",
      "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      undefined,
    ],
    ["fe80::/10", "link-local", undefined, "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", undefined],
    [
      "fec0::/10 (site-local, deprecated)",
      "private",
      undefined,
      "fec0::",
      "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      undefined,
    ],
    [
      "ff00::/8",
      "multicast",
      "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "ff00::",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      undefined,
    ],
  ];
  it.each(ipv6)(
    "%s is %s from its first to its last address, and not public-by-accident around it",
    (_, kind, before, first, last, after) => {
      expect([classifyAddress(first), classifyAddress(last)]).toEqual([kind, kind]);
      // The neighbours are public unless they fall in the next range (fe00::/9 between them is public).
      if (before !== undefined && !before.startsWith("feff")) expect(classifyAddress(before)).toBe("public");
      if (after !== undefined) expect(classifyAddress(after)).toBe("public");
    },
  );

  it("classifies addresses that embed IPv4 by the embedded address, in every embedding", () => {
    expect(
      [
        "::ffff:10.0.0.1",
        "::ffff:8.8.8.8",
        "64:ff9b::7f00:1",
        "64:ff9b::808:808",
        "2002:0a00:0001::",
        "2002:0808:0808::",
      ].map(classifyAddress),
    ).toEqual(["private", "public", "loopback", "public", "private", "public"]);
    // The edges of the embeddings: one bit outside them is not an embedding.
    expect(["::fffe:a00:1", "::1:0:a00:1", "64:ff9b::1:a00:1", "2003::"].map(classifyAddress)).toEqual([
      "public",
      "public",
      "public",
      "public",
    ]);
  });

  it("takes the public IPv6 ranges next to the special ones as public", () => {
    expect(["2600::1", "fe00::1", "2001:4860:4860::8888", "3fff::1"].map(classifyAddress)).toEqual([
      "public",
      "public",
      "public",
      "public",
    ]);
  });

  it("says invalid for a prefix, a host name or a malformed literal, never public", () => {
    expect(
      ["8.8.8.8/32", "::1/128", "example.com", "1.2.3", "1.2.3.256", "", "[::1]"].map(classifyAddress),
    ).toEqual(Array(7).fill("invalid"));
  });
});

describe("FeedFetcher URL and address vetting", () => {
  /** A fetcher whose resolver answers `answers` (or throws `error`) and records the names asked. */
  function fetcherResolving(answers: readonly ResolvedAddress[] | Error, allowances = {}) {
    const asked: string[] = [];
    const fetcher = new FeedFetcher({
      timeoutMs: 5_000,
      resolve: async (host) => {
        asked.push(host);
        if (answers instanceof Error) throw answers;
        return answers;
      },
      unsafeTestAllowances: allowances,
    });
    return { fetcher, asked };
  }

  /** The error `fetch(url)` rejects with. */
  async function failure(fetcher: FeedFetcher, url: string) {
    const error = await fetcher.fetch(url).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return error as Error & { reason?: string; code?: string; url?: string; cause?: unknown };
  }

  it.each([
    ["10.0.0.5", "private", "a private address"],
    ["127.0.0.1", "loopback", "a loopback address"],
    [
      "169.254.169.254",
      "link-local",
      "a link-local address (this includes the 169.254.169.254 instance metadata service)",
    ],
    ["fd00::1", "unique-local", "a unique-local address"],
    ["239.1.1.1", "multicast", "a multicast address"],
    ["0.0.0.0", "unspecified", "the unspecified address"],
    ["192.0.2.1", "reserved", "a reserved address"],
    ["not-an-address", "invalid", "an invalid address"],
  ])("refuses a host name that resolves to %s as %s, naming the address", async (address, reason, text) => {
    const { fetcher, asked } = fetcherResolving([{ address, family: 4 }]);
    const error = await failure(fetcher, "https://feeds.example/list.txt");
    expect(error).toBeInstanceOf(FeedUrlRefusedError);
    expect([error.reason, error.url, error.message]).toEqual([
      reason,
      "https://feeds.example/list.txt",
      `Feed URL https://feeds.example/list.txt points to ${text} (feeds.example resolves to ${address}); feeds may only be fetched from public addresses.`,
    ]);
    expect(asked).toEqual(["feeds.example"]);
  });

  it("refuses an answer list with one unsafe address anywhere in it (DNS rebinding)", async () => {
    for (const answers of [
      [
        { address: "10.0.0.5", family: 4 },
        { address: "93.184.216.34", family: 4 },
      ],
      [
        { address: "93.184.216.34", family: 4 },
        { address: "2606:4700::1", family: 6 },
        { address: "::1", family: 6 },
      ],
    ]) {
      const { fetcher } = fetcherResolving(answers);
      expect((await failure(fetcher, "https://feeds.example/list.txt")).name).toBe("FeedUrlRefusedError");
    }
  });

  it("refuses an address literal without asking DNS, and names no resolution", async () => {
    const { fetcher, asked } = fetcherResolving([{ address: "93.184.216.34", family: 4 }]);
    expect((await failure(fetcher, "https://[fe80::1]/list.txt")).message).toBe(
      "Feed URL https://[fe80::1]/list.txt points to a link-local address (this includes the 169.254.169.254 instance metadata service); feeds may only be fetched from public addresses.",
    );
    expect((await failure(fetcher, "https://10.1.1.1/list.txt")).message).toBe(
      "Feed URL https://10.1.1.1/list.txt points to a private address; feeds may only be fetched from public addresses.",
    );
    expect(asked).toEqual([]);
  });

  it("reports a host name with no addresses, or one that cannot be resolved, as a network error", async () => {
    const empty = fetcherResolving([]);
    const none = await failure(empty.fetcher, "https://feeds.example/list.txt");
    expect(none).toBeInstanceOf(FeedNetworkError);
    expect(none.message).toBe(
      "Feed https://feeds.example/list.txt could not be read: the host name feeds.example has no addresses.",
    );
    const broken = fetcherResolving(new Error("ENOTFOUND"));
    const unresolved = await failure(broken.fetcher, "https://feeds.example/list.txt");
    expect(unresolved).toBeInstanceOf(FeedNetworkError);
    expect(unresolved.message).toBe(
      "Feed https://feeds.example/list.txt could not be read: the host name feeds.example could not be resolved.",
    );
    expect((unresolved as Error & { cause?: unknown }).cause).toEqual(new Error("ENOTFOUND"));
  });

  it("refuses a text that is not a URL, naming it", async () => {
    const { fetcher, asked } = fetcherResolving([]);
    const error = await failure(fetcher, "feeds.example/list.txt");
    expect([error.name, error.reason, error.url, error.message]).toEqual([
      "FeedUrlRefusedError",
      "invalid",
      "feeds.example/list.txt",
      '"feeds.example/list.txt" is not a valid URL.',
    ]);
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(asked).toEqual([]);
  });

  it("refuses every scheme but https, and http unless allowed", async () => {
    const { fetcher } = fetcherResolving([{ address: "93.184.216.34", family: 4 }]);
    for (const [url, scheme] of [
      ["ftp://feeds.example/list.txt", "ftp"],
      ["file:///etc/passwd", "file"],
      ["http://feeds.example/list.txt", "http"],
    ]) {
      const error = await failure(fetcher, url!);
      expect([error.reason, error.url, error.message]).toEqual([
        "scheme",
        url,
        `Feed URL ${url} uses ${scheme}; only https is allowed. Use the feed's https:// address.`,
      ]);
    }
    // Allowing http allows nothing else.
    const httpAllowed = fetcherResolving([{ address: "93.184.216.34", family: 4 }], { allowHttp: true });
    expect((await failure(httpAllowed.fetcher, "ftp://feeds.example/list.txt")).reason).toBe("scheme");
  });

  it("refuses a user name or a password in the URL, each on its own", async () => {
    const { fetcher, asked } = fetcherResolving([{ address: "93.184.216.34", family: 4 }]);
    for (const url of ["https://user@feeds.example/list.txt", "https://:secret@feeds.example/list.txt"]) {
      const error = await failure(fetcher, url);
      expect([error.reason, error.url, error.message]).toEqual([
        "credentials",
        url,
        `Feed URL ${url} contains credentials; credentials in feed URLs are not supported.`,
      ]);
    }
    expect(asked).toEqual([]);
  });

  it("allows loopback only when told to, and private addresses never", async () => {
    const loopbackAllowed = fetcherResolving([{ address: "10.0.0.5", family: 4 }], { allowLoopback: true });
    expect((await failure(loopbackAllowed.fetcher, "https://feeds.example/list.txt")).reason).toBe("private");
  });

  describe("with loopback and http allowed (the test allowances)", () => {
    let server: Server;
    let port: number;
    const hosts: (string | undefined)[] = [];
    beforeAll(async () => {
      server = createServer((request, response) => {
        hosts.push(request.headers.host);
        response.end("45.1.2.3\n");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it("connects to the vetted address, the first answer, keeping the host name in the request", async () => {
      const { fetcher, asked } = fetcherResolving(
        [
          { address: "127.0.0.1", family: 4 },
          { address: "127.0.0.2", family: 4 },
        ],
        { allowLoopback: true, allowHttp: true },
      );
      const result = await fetcher.fetch(`http://feeds.example:${port}/list.txt`);
      expect(result.status === "fetched" ? result.body.toString() : result.status).toBe("45.1.2.3\n");
      expect(asked).toEqual(["feeds.example"]);
      expect(hosts.at(-1)).toBe(`feeds.example:${port}`);
    });

    it("connects to a loopback literal without asking DNS", async () => {
      const { fetcher, asked } = fetcherResolving([], { allowLoopback: true, allowHttp: true });
      const result = await fetcher.fetch(`http://127.0.0.1:${port}/list.txt`);
      expect(result.status).toBe("fetched");
      expect(asked).toEqual([]);
    });
  });
});
