import { lookup } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FeedHttpError,
  FeedNetworkError,
  FeedTimeoutError,
  FeedTooLargeError,
  FeedUrlRefusedError,
} from "../../../src/runtime/feeds/errors.js";
import {
  DEFAULT_FEED_MAX_BYTES,
  FeedFetcher,
  type FeedFetcherOptions,
} from "../../../src/runtime/feeds/fetch.js";
import { type LastGoodList, refreshFeed } from "../../../src/runtime/feeds/refresh.js";
import { have } from "../../support/prerequisites.js";
import { ETAG, type FeedServer, LAST_MODIFIED, startFeedServer } from "./feed-server.js";

let server: FeedServer;
/** https://127.0.0.1:PORT with openssl, else http://127.0.0.1:PORT (then the http allowance is on). */
let origin: string;
let allowances: NonNullable<FeedFetcherOptions["unsafeTestAllowances"]>;
const testFetcher = (options: FeedFetcherOptions = {}) =>
  new FeedFetcher({ timeoutMs: 20_000, ...options, unsafeTestAllowances: allowances });

beforeAll(async () => {
  server = await startFeedServer();
  origin = server.httpsOrigin ?? server.httpOrigin;
  allowances =
    server.cert === undefined
      ? { allowLoopback: true, allowHttp: true }
      : { allowLoopback: true, ca: server.cert };
});

afterAll(async () => {
  await server.close();
});

describe("FeedFetcher default configuration", () => {
  it("refuses a loopback URL before sending anything", async () => {
    const before = server.hits.length;
    const url = `https://127.0.0.1:${new URL(origin).port}/plain.txt`;
    const error = await new FeedFetcher().fetch(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedUrlRefusedError);
    expect((error as FeedUrlRefusedError).reason).toBe("loopback");
    expect((error as Error).message).toBe(
      `Feed URL ${url} points to a loopback address; feeds may only be fetched from public addresses.`,
    );
    expect(server.hits.length).toBe(before);
  });

  it("refuses plain http before sending anything", async () => {
    const before = server.hits.length;
    const url = `${server.httpOrigin}/plain.txt`;
    const error = await new FeedFetcher().fetch(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedUrlRefusedError);
    expect((error as FeedUrlRefusedError).reason).toBe("scheme");
    expect((error as Error).message).toBe(
      `Feed URL ${url} uses http; only https is allowed. Use the feed's https:// address.`,
    );
    expect(server.hits.length).toBe(before);
  });

  it("refuses a host name that resolves to loopback", async () => {
    const [first] = await lookup("localhost", { all: true, verbatim: true });
    const url = `https://localhost:${new URL(origin).port}/plain.txt`;
    await expect(new FeedFetcher().fetch(url)).rejects.toThrow(
      `Feed URL ${url} points to a loopback address (localhost resolves to ${first!.address}); feeds may only be fetched from public addresses.`,
    );
  });

  it.each([
    ["https://169.254.169.254/latest/meta-data/", "link-local"],
    ["https://[::ffff:169.254.169.254]/latest/meta-data/", "link-local"],
    ["https://[fd00:ec2::254]/latest/meta-data/", "unique-local"],
    ["https://10.0.0.8/feed.txt", "private"],
    ["https://192.168.1.1/feed.txt", "private"],
    ["https://[fe80::1]/feed.txt", "link-local"],
    ["https://0.0.0.0/feed.txt", "unspecified"],
    ["https://224.0.0.1/feed.txt", "multicast"],
    ["https://2130706433/feed.txt", "loopback"],
  ])("refuses %s as %s", async (url, reason) => {
    const error = await new FeedFetcher().fetch(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedUrlRefusedError);
    expect((error as FeedUrlRefusedError).reason).toBe(reason);
  });

  it("refuses a host whose DNS answers mix public and private addresses", async () => {
    const fetcher = new FeedFetcher({
      resolve: async () => [
        { address: "93.184.216.34", family: 4 },
        { address: "10.0.0.5", family: 4 },
      ],
    });
    await expect(fetcher.fetch("https://feeds.example/list.txt")).rejects.toThrow(
      "Feed URL https://feeds.example/list.txt points to a private address (feeds.example resolves to 10.0.0.5); feeds may only be fetched from public addresses.",
    );
  });

  it("refuses credentials in the URL", async () => {
    await expect(new FeedFetcher().fetch("https://user:secret@feeds.example/list.txt")).rejects.toThrow(
      "Feed URL https://user:secret@feeds.example/list.txt contains credentials; credentials in feed URLs are not supported.",
    );
  });

  it("keeps loopback refused when only plain http is allowed", async () => {
    const fetcher = new FeedFetcher({ unsafeTestAllowances: { allowHttp: true } });
    const error = await fetcher.fetch(`${server.httpOrigin}/plain.txt`).catch((e: unknown) => e);
    expect((error as FeedUrlRefusedError).reason).toBe("loopback");
  });
});

describe("FeedFetcher with test allowances", () => {
  it("fetches a feed and returns its validators", async () => {
    const result = await testFetcher().fetch(`${origin}/drop.txt`);
    expect(result.status).toBe("fetched");
    if (result.status !== "fetched") return;
    expect(result.body.toString("utf8")).toContain("1.10.16.0/20 ; SBL256894");
    expect(result.validators).toEqual({ etag: ETAG, lastModified: LAST_MODIFIED });
    expect(result.redirects).toBe(0);
  });

  it("sends the validators and reports a 304 as unchanged", async () => {
    const result = await testFetcher().fetch(`${origin}/drop.txt`, { etag: ETAG });
    expect(result).toEqual({
      status: "unchanged",
      finalUrl: `${origin}/drop.txt`,
      validators: { etag: ETAG, lastModified: LAST_MODIFIED },
    });
  });

  it("follows a relative redirect", async () => {
    const result = await testFetcher().fetch(`${origin}/redirect-plain`);
    expect(result).toMatchObject({ status: "fetched", finalUrl: `${origin}/plain.txt`, redirects: 1 });
  });

  it("stops after the maximum number of redirects", async () => {
    await expect(testFetcher({ maxRedirects: 2 }).fetch(`${origin}/redirect-loop`)).rejects.toThrow(
      new FeedHttpError(
        `${origin}/redirect-loop`,
        302,
        "redirected more than 2 times; the last good list is kept",
      ),
    );
  });

  it("re-checks the address of each redirect hop, even with loopback and http allowed", async () => {
    const fetcher = new FeedFetcher({ unsafeTestAllowances: { allowLoopback: true, allowHttp: true } });
    const target = "http://169.254.169.254/latest/meta-data/iam/security-credentials/";
    await expect(fetcher.fetch(`${server.httpOrigin}/redirect-metadata`)).rejects.toThrow(
      `Feed URL ${target} points to a link-local address (this includes the 169.254.169.254 instance metadata service); feeds may only be fetched from public addresses.`,
    );
  });

  it("aborts a 50 MB body at the default 32 MiB cap", async () => {
    await expect(testFetcher().fetch(`${origin}/huge.txt`)).rejects.toThrow(
      new FeedTooLargeError(`${origin}/huge.txt`, DEFAULT_FEED_MAX_BYTES),
    );
  });

  it("refuses a declared Content-Length above the cap before reading the body", async () => {
    await expect(testFetcher({ maxBytes: 1024 }).fetch(`${origin}/huge-declared.txt`)).rejects.toThrow(
      `Feed ${origin}/huge-declared.txt is larger than the 1024-byte cap; the download was aborted. Raise maxBytes if the feed is really this big.`,
    );
  });

  it("times out on a feed that trickles", async () => {
    await expect(testFetcher({ timeoutMs: 300 }).fetch(`${origin}/slow.txt`)).rejects.toThrow(
      new FeedTimeoutError(`${origin}/slow.txt`, 300),
    );
  });

  it("reports a connection dropped before the whole body arrived", async () => {
    await expect(testFetcher().fetch(`${origin}/truncated.txt`)).rejects.toThrow(
      `Feed ${origin}/truncated.txt could not be read: the connection closed before the whole body arrived.`,
    );
  });

  it("reports an error status", async () => {
    await expect(testFetcher().fetch(`${origin}/error`)).rejects.toThrow(
      `Feed ${origin}/error answered HTTP 503: Service Unavailable.`,
    );
  });
});

describe.skipIf(!have.openssl)("FeedFetcher TLS", () => {
  it("refuses a self-signed certificate unless its CA is given", async () => {
    const fetcher = new FeedFetcher({ unsafeTestAllowances: { allowLoopback: true } });
    const error = await fetcher.fetch(`${origin}/plain.txt`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedNetworkError);
    expect((error as Error).message).toBe(
      `Feed ${origin}/plain.txt could not be read: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT).`,
    );
  });

  it("connects to the vetted address and checks the certificate against the host name", async () => {
    const port = new URL(origin).port;
    const resolve = async () => [{ address: "127.0.0.1", family: 4 }];
    const ok = await new FeedFetcher({ resolve, unsafeTestAllowances: allowances }).fetch(
      `https://feeds.test:${port}/plain.txt`,
    );
    expect(ok.status).toBe("fetched");
    const wrongName = await new FeedFetcher({ resolve, unsafeTestAllowances: allowances })
      .fetch(`https://other.test:${port}/plain.txt`)
      .catch((e: unknown) => e);
    expect((wrongName as Error).message).toBe(
      `Feed https://other.test:${port}/plain.txt could not be read: Hostname/IP does not match certificate's altnames: Host: other.test. is not in the cert's altnames: IP Address:127.0.0.1, DNS:feeds.test (ERR_TLS_CERT_ALTNAME_INVALID).`,
    );
  });
});

describe("refreshFeed", () => {
  let previous: LastGoodList;

  beforeAll(async () => {
    const first = await refreshFeed({ fetcher: testFetcher(), url: `${origin}/plain.txt`, format: "plain" });
    previous = first.lastGood!;
  });

  it("applies the first good list, aggregated, with its validators", async () => {
    const first = await refreshFeed({ fetcher: testFetcher(), url: `${origin}/plain.txt`, format: "plain" });
    expect(first.decision).toEqual({
      action: "replace",
      reason: "first-list",
      message: "Applying the first list of 41 entries.",
      previousEntries: 0,
      newEntries: 41,
    });
    expect(first.lastGood?.validators).toEqual({ etag: ETAG, lastModified: LAST_MODIFIED });
    expect(first.lastGood?.list.ipv6Strings()).toEqual(["2a0b:f4c0:bad::/48"]);
  });

  it.each([
    ["/drop.txt", "spamhaus-drop", ["1.10.16.0/20", "1.19.0.0/16", "2a06:e480::/29"]],
    ["/feodo.csv", { name: "csv", column: "dst_ip" }, ["67.213.75.205/32", "185.117.90.142/32"]],
    ["/data.json", { name: "json", path: "$.data[*].ip" }, ["185.220.100.44/32", "2a0b:f4c0::dead:beef/128"]],
  ] as const)("reads %s as %j", async (path, format, expected) => {
    const run = await refreshFeed({ fetcher: testFetcher(), url: `${origin}${path}`, format });
    expect(run.decision.reason).toBe("first-list");
    expect(run.lastGood?.list.toStrings()).toEqual(expected);
  });

  it("keeps the list on a 304", async () => {
    const run = await refreshFeed({
      fetcher: testFetcher(),
      url: `${origin}/plain.txt`,
      format: "plain",
      lastGood: previous,
    });
    expect(run.decision).toEqual({
      action: "keep",
      reason: "not-modified",
      message: "The feed has not changed; keeping the last good list of 41 entries.",
      previousEntries: 41,
    });
    expect(run.lastGood?.list).toBe(previous.list);
  });

  it("keeps the list and takes the new validators when the content is identical", async () => {
    const run = await refreshFeed({
      fetcher: testFetcher(),
      url: `${origin}/plain.txt`,
      format: "plain",
      lastGood: { list: previous.list },
    });
    expect(run.decision.reason).toBe("identical");
    expect(run.lastGood).toEqual({
      list: previous.list,
      validators: { etag: ETAG, lastModified: LAST_MODIFIED },
    });
  });

  const hostile: [string, string, string, FeedFetcherOptions?][] = [
    ["/empty.txt", "plain", "empty"],
    ["/garbage.txt", "plain", "mostly-rejected"],
    ["/shrunk.txt", "plain", "shrunk-too-much"],
    ["/truncated.txt", "plain", "fetch-failed"],
    ["/huge.txt", "plain", "fetch-failed"],
    ["/slow.txt", "plain", "fetch-failed", { timeoutMs: 300 }],
    ["/redirect-metadata", "plain", "fetch-failed"],
    ["/error", "plain", "fetch-failed"],
    ["/data.json", "plain", "mostly-rejected"],
    ["/plain.txt", JSON.stringify({ name: "json", path: "$.data[*].ip" }), "fetch-failed"],
  ];
  it.each(hostile)(
    "keeps the last good list for %s read as %s (%s)",
    async (path, format, reason, options) => {
      const run = await refreshFeed({
        fetcher: testFetcher(options),
        url: `${origin}${path}`,
        format: format.startsWith("{") ? JSON.parse(format) : (format as "plain"),
        lastGood: { list: previous.list },
      });
      expect(run.decision.action).toBe("keep");
      expect(run.decision.reason).toBe(reason);
      expect(run.lastGood?.list).toBe(previous.list);
    },
  );

  it("keeps the last good list when the feed is served over plain http", async () => {
    const fetcher = new FeedFetcher({ unsafeTestAllowances: { allowLoopback: true } });
    const run = await refreshFeed({
      fetcher,
      url: `${server.httpOrigin}/plain.txt`,
      format: "plain",
      lastGood: previous,
    });
    expect(run.decision.reason).toBe("fetch-failed");
    expect(run.error).toBeInstanceOf(FeedUrlRefusedError);
    expect(run.lastGood).toBe(previous);
  });

  it("explains a shrink in the decision message", async () => {
    const run = await refreshFeed({
      fetcher: testFetcher(),
      url: `${origin}/shrunk.txt`,
      format: "plain",
      lastGood: { list: previous.list },
    });
    expect(run.decision.message).toBe(
      "The new list stops covering 75% of the IPv4 addresses the last good list covers (more than the allowed 50%; 41 entries before, 11 now); keeping the last good list of 41 entries. Raise the feed's MaxShrink if the change is expected.",
    );
  });

  it("accepts the same shrink when the policy allows it", async () => {
    const run = await refreshFeed({
      fetcher: testFetcher(),
      url: `${origin}/shrunk.txt`,
      format: "plain",
      lastGood: { list: previous.list },
      policy: { maxShrinkShare: 0.8 },
    });
    expect(run.decision.reason).toBe("updated");
    expect(run.lastGood?.list.ipv4Strings()).toEqual(previous.list.ipv4Strings().slice(0, 10));
  });

  it("keeps the last good list when the new one is over the limit, and names the limit", async () => {
    const run = await refreshFeed({
      fetcher: testFetcher(),
      url: `${origin}/plain.txt`,
      format: "plain",
      lastGood: { list: previous.list },
      limit: { limit: 30 },
      policy: { maxShrinkShare: 1 },
    });
    expect(run.decision.reason).toBe("over-limit");
    expect(run.decision.message).toBe(
      "The IPv4 list has 40 entries after aggregation, above the limit of 30 per IP set; nothing was dropped and the list was not applied. Enable widening to cover it with broader prefixes, or use a smaller feed. Keeping the last good list of 41 entries.",
    );
  });
});
