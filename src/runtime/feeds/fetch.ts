/**
 * A guarded HTTPS client for feeds, on node built-ins only. Every hop of a fetch is checked before
 * a byte is sent: https only, no credentials in the URL, the host resolved once and every address
 * it resolves to public (no loopback, private, link-local/metadata, unique-local, multicast,
 * unspecified, reserved, nor IPv4-mapped forms of those); the connection then goes to the vetted
 * address itself, so a second DNS answer cannot redirect it. Bodies are capped in size, the whole
 * fetch in time, redirects in number; conditional requests turn "unchanged" into a 304.
 *
 * Tests need loopback servers, plain http or a self-signed certificate; those are allowed only by
 * the explicit `unsafeTestAllowances` constructor option, which deployed handlers never set.
 */
import { lookup } from "node:dns/promises";
import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { type AddressClass, classifyAddress } from "./address-class.js";
import {
  type FeedError,
  FeedHttpError,
  FeedNetworkError,
  FeedTimeoutError,
  FeedTooLargeError,
  FeedUrlRefusedError,
} from "./errors.js";

/** Default total time for one fetch, redirects included. */
export const DEFAULT_FEED_TIMEOUT_MS = 10_000;
/** Default cap on a response body. */
export const DEFAULT_FEED_MAX_BYTES = 32 * 1024 * 1024;
/** Default number of redirects followed. */
export const DEFAULT_FEED_MAX_REDIRECTS = 3;

/** One DNS answer. */
export interface ResolvedAddress {
  /** The address literal. */
  readonly address: string;
  /** 4 or 6. */
  readonly family: number;
}

/**
 * Relaxations for tests against loopback servers. Never set these in a deployed handler.
 */
export interface UnsafeTestAllowances {
  /**
   * Allow loopback addresses (127.0.0.0/8, ::1); private, link-local and metadata addresses stay refused.
   * @default false
   */
  readonly allowLoopback?: boolean;
  /**
   * Allow plain `http://` URLs.
   * @default false
   */
  readonly allowHttp?: boolean;
  /**
   * Extra trusted certificate authorities (PEM), e.g. a test's self-signed certificate.
   * @default undefined (the system's CAs only)
   */
  readonly ca?: string | Buffer;
}

/** Options of {@link FeedFetcher}. */
export interface FeedFetcherOptions {
  /**
   * Total time for one fetch, DNS and redirects included, in milliseconds.
   * @default 10_000
   */
  readonly timeoutMs?: number;
  /**
   * Largest accepted response body in bytes; a larger one is aborted as it arrives.
   * @default 33_554_432 (32 MiB)
   */
  readonly maxBytes?: number;
  /**
   * Redirects followed before giving up; each hop is checked like the first URL.
   * @default 3
   */
  readonly maxRedirects?: number;
  /**
   * The User-Agent header.
   * @default "pulumi-personas-feed-fetcher"
   */
  readonly userAgent?: string;
  /**
   * Resolves a host name to all its addresses; every answer is still vetted.
   * @default node:dns lookup with `all: true`
   */
  readonly resolve?: (hostname: string) => Promise<readonly ResolvedAddress[]>;
  /**
   * Test-only relaxations; see {@link UnsafeTestAllowances}.
   * @default undefined (loopback, http and unknown certificates are refused)
   */
  readonly unsafeTestAllowances?: UnsafeTestAllowances;
}

/** Validators from an earlier fetch, sent as `If-None-Match` / `If-Modified-Since`. */
export interface FeedValidators {
  /** The ETag the feed sent last time. */
  readonly etag?: string | undefined;
  /** The Last-Modified date the feed sent last time. */
  readonly lastModified?: string | undefined;
}

/** The outcome of a successful fetch. */
export type FeedFetchResult =
  | {
      /** The feed answered 304: it has not changed since the validators were issued. */
      readonly status: "unchanged";
      /** The URL that answered, after redirects. */
      readonly finalUrl: string;
      /** Validators to send next time (the new ones if the server sent any, else the old ones). */
      readonly validators: FeedValidators;
    }
  | {
      /** The feed answered 200 with a body. */
      readonly status: "fetched";
      /** The URL that answered, after redirects. */
      readonly finalUrl: string;
      /** Validators to send next time. */
      readonly validators: FeedValidators;
      /** The response body. */
      readonly body: Buffer;
      /** Redirects followed. */
      readonly redirects: number;
    };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const CLASS_TEXT: Readonly<Record<AddressClass, string>> = {
  public: "a public address",
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address (this includes the 169.254.169.254 instance metadata service)",
  "unique-local": "a unique-local address",
  multicast: "a multicast address",
  unspecified: "the unspecified address",
  reserved: "a reserved address",
  invalid: "an invalid address",
};

/**
 * Fetches feeds over HTTPS with an SSRF guard, a size cap, a timeout and conditional requests.
 * Failures throw a subclass of `FeedError`.
 * @example
 * const fetcher = new FeedFetcher({ timeoutMs: 5_000 });
 * const result = await fetcher.fetch("https://www.spamhaus.org/drop/drop.txt", previous.validators);
 * if (result.status === "fetched") parseFeed(decodeFeedBody(result.body), "spamhaus-drop");
 */
export class FeedFetcher {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxRedirects: number;
  private readonly userAgent: string;
  private readonly resolve: (hostname: string) => Promise<readonly ResolvedAddress[]>;
  private readonly allowances: UnsafeTestAllowances;

  constructor(options: FeedFetcherOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FEED_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_FEED_MAX_BYTES;
    this.maxRedirects = options.maxRedirects ?? DEFAULT_FEED_MAX_REDIRECTS;
    this.userAgent = options.userAgent ?? "pulumi-personas-feed-fetcher";
    this.resolve = options.resolve ?? ((hostname) => lookup(hostname, { all: true, verbatim: true }));
    this.allowances = { ...options.unsafeTestAllowances };
  }

  /** Fetches `url`, following redirects; sends the validators so an unchanged feed costs a 304. */
  async fetch(url: string, validators: FeedValidators = {}): Promise<FeedFetchResult> {
    const deadline = Date.now() + this.timeoutMs;
    let current = url;
    for (let redirects = 0; ; redirects++) {
      const target = this.checkUrl(current);
      const address = await this.withDeadline(this.vetHost(target, current), deadline, current);
      const response = await this.request(target, address, validators, deadline, current);
      if (response.kind === "redirect") {
        if (redirects >= this.maxRedirects) {
          throw new FeedHttpError(
            current,
            response.status,
            `redirected more than ${this.maxRedirects} times; the last good list is kept`,
          );
        }
        current = response.location;
        continue;
      }
      return response.kind === "unchanged"
        ? {
            status: "unchanged",
            finalUrl: current,
            validators: mergeValidators(validators, response.validators),
          }
        : {
            status: "fetched",
            finalUrl: current,
            validators: response.validators,
            body: response.body,
            redirects,
          };
    }
  }

  /** Parses and checks scheme and credentials. */
  private checkUrl(url: string): URL {
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      throw new FeedUrlRefusedError("invalid", `"${url}" is not a valid URL.`, { url, cause: error });
    }
    const httpAllowed = this.allowances.allowHttp === true;
    if (target.protocol !== "https:" && !(httpAllowed && target.protocol === "http:")) {
      throw new FeedUrlRefusedError(
        "scheme",
        `Feed URL ${url} uses ${target.protocol.replace(/:$/, "")}; only https is allowed. Use the feed's https:// address.`,
        { url },
      );
    }
    if (target.username !== "" || target.password !== "") {
      throw new FeedUrlRefusedError(
        "credentials",
        `Feed URL ${url} contains credentials; credentials in feed URLs are not supported.`,
        { url },
      );
    }
    return target;
  }

  /** Resolves the host once and returns an address that every answer proves safe. */
  private async vetHost(target: URL, url: string): Promise<ResolvedAddress> {
    const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
    let answers: readonly ResolvedAddress[];
    if (isIP(host) !== 0) {
      answers = [{ address: host, family: isIP(host) }];
    } else {
      try {
        answers = await this.resolve(host);
      } catch (error) {
        throw new FeedNetworkError(url, `the host name ${host} could not be resolved`, error);
      }
      if (answers.length === 0) throw new FeedNetworkError(url, `the host name ${host} has no addresses`);
    }
    // Every answer must be safe: a mixed answer is how DNS rebinding hides an internal address.
    for (const answer of answers) {
      const kind = classifyAddress(answer.address);
      const allowed = kind === "public" || (kind === "loopback" && this.allowances.allowLoopback === true);
      if (!allowed) {
        const via = answer.address === host ? "" : ` (${host} resolves to ${answer.address})`;
        throw new FeedUrlRefusedError(
          kind,
          `Feed URL ${url} points to ${CLASS_TEXT[kind]}${via}; feeds may only be fetched from public addresses.`,
          { url },
        );
      }
    }
    return answers[0]!;
  }

  private async withDeadline<T>(promise: Promise<T>, deadline: number, url: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FeedTimeoutError(url, this.timeoutMs)),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([promise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private request(
    target: URL,
    address: ResolvedAddress,
    validators: FeedValidators,
    deadline: number,
    url: string,
  ): Promise<HopResult> {
    const secure = target.protocol === "https:";
    const headers: Record<string, string> = {
      Host: target.host,
      "User-Agent": this.userAgent,
      Accept: "*/*",
      "Accept-Encoding": "identity",
    };
    if (validators.etag !== undefined) headers["If-None-Match"] = validators.etag;
    if (validators.lastModified !== undefined) headers["If-Modified-Since"] = validators.lastModified;
    const hostname = target.hostname.replace(/^\[(.*)\]$/, "$1");
    const options: https.RequestOptions = {
      host: address.address,
      family: address.family,
      port: target.port === "" ? (secure ? 443 : 80) : Number(target.port),
      path: `${target.pathname}${target.search}`,
      method: "GET",
      headers,
      agent: false,
    };
    if (secure) {
      // Verify the certificate against the URL's host name, not the vetted address we connect to.
      if (isIP(hostname) === 0) options.servername = hostname;
      options.checkServerIdentity = (_host, cert) => tlsCheck(hostname, cert);
      if (this.allowances.ca !== undefined) options.ca = this.allowances.ca;
    }
    return new Promise<HopResult>((resolve, reject) => {
      let settled = false;
      const fail = (error: FeedError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(error);
      };
      const req = (secure ? https : http).request(options, (res) => {
        const status = res.statusCode ?? 0;
        const got = readValidators(res.headers);
        if (REDIRECTS.has(status)) {
          const location = res.headers.location;
          res.destroy();
          if (location === undefined) {
            fail(new FeedHttpError(url, status, "a redirect without a Location header"));
            return;
          }
          settled = true;
          clearTimeout(timer);
          resolve({ kind: "redirect", status, location: new URL(location, url).toString() });
          return;
        }
        if (status === 304) {
          res.destroy();
          settled = true;
          clearTimeout(timer);
          resolve({ kind: "unchanged", validators: got });
          return;
        }
        if (status !== 200) {
          res.destroy();
          fail(new FeedHttpError(url, status, res.statusMessage || "unexpected status"));
          return;
        }
        const declared = Number(res.headers["content-length"]);
        if (Number.isFinite(declared) && declared > this.maxBytes) {
          fail(new FeedTooLargeError(url, this.maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on("data", (chunk: Buffer) => {
          total += chunk.length;
          if (total > this.maxBytes) {
            fail(new FeedTooLargeError(url, this.maxBytes));
            return;
          }
          chunks.push(chunk);
        });
        res.on("aborted", () =>
          fail(new FeedNetworkError(url, "the connection closed before the whole body arrived")),
        );
        res.on("error", (error) =>
          fail(new FeedNetworkError(url, "the connection closed before the whole body arrived", error)),
        );
        res.on("end", () => {
          if (settled) return;
          if (!res.complete) {
            fail(new FeedNetworkError(url, "the connection closed before the whole body arrived"));
            return;
          }
          settled = true;
          clearTimeout(timer);
          resolve({ kind: "body", body: Buffer.concat(chunks, total), validators: got });
        });
      });
      const timer = setTimeout(
        () => fail(new FeedTimeoutError(url, this.timeoutMs)),
        Math.max(0, deadline - Date.now()),
      );
      req.on("error", (error) => fail(new FeedNetworkError(url, networkDetail(error), error)));
      req.end();
    });
  }
}

type HopResult =
  | { kind: "redirect"; status: number; location: string }
  | { kind: "unchanged"; validators: FeedValidators }
  | { kind: "body"; body: Buffer; validators: FeedValidators };

function tlsCheck(hostname: string, cert: PeerCertificate): Error | undefined {
  return checkServerIdentity(hostname, cert);
}

function readValidators(headers: http.IncomingHttpHeaders): FeedValidators {
  const out: { etag?: string; lastModified?: string } = {};
  if (typeof headers.etag === "string") out.etag = headers.etag;
  if (typeof headers["last-modified"] === "string") out.lastModified = headers["last-modified"];
  return out;
}

function mergeValidators(old: FeedValidators, fresh: FeedValidators): FeedValidators {
  return { etag: fresh.etag ?? old.etag, lastModified: fresh.lastModified ?? old.lastModified };
}

function networkDetail(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined ? message : `${message} (${code})`;
}

/**
 * Decodes a feed body to text: UTF-8 by default, UTF-16 when it starts with a UTF-16 byte-order
 * mark; a UTF-8 byte-order mark is dropped.
 * @example
 * decodeFeedBody(Buffer.from("\uFEFF10.0.0.0/8\n")); // "10.0.0.0/8\n"
 */
export function decodeFeedBody(body: Buffer): string {
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return body.toString("utf16le", 2);
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) {
    const swapped = Buffer.from(body.subarray(2, 2 + ((body.length - 2) & ~1)));
    swapped.swap16();
    return swapped.toString("utf16le");
  }
  const text = body.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
