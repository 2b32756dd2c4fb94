/**
 * Errors thrown by the feed machinery. Every class ends in `Error` and extends {@link FeedError},
 * so a responder can catch one base class, log `code` and keep its last good list.
 */
import { PersonasError } from "../../errors.js";

/** Base of every feed error; `url` names the feed when one is known. */
export class FeedError extends PersonasError {
  /** The feed URL (or the hop of a redirect chain) the error is about, when known. */
  readonly url: string | undefined;

  constructor(code: string, message: string, options: { url?: string | undefined; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.url = options.url;
  }
}

/** Thrown when a URL is refused before any byte is sent: wrong scheme, credentials, or a forbidden address. */
export class FeedUrlRefusedError extends FeedError {
  /** Why the URL was refused, e.g. `scheme`, `loopback`, `link-local`. */
  readonly reason: string;

  constructor(reason: string, message: string, options: { url?: string; cause?: unknown } = {}) {
    super("FEED_URL_REFUSED", message, options);
    this.reason = reason;
  }
}

/** Thrown when the feed does not answer within the fetcher's timeout. */
export class FeedTimeoutError extends FeedError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(url: string, timeoutMs: number) {
    super(
      "FEED_TIMEOUT",
      `Feed ${url} did not answer within ${timeoutMs} ms; the last good list is kept. Check that the feed is up, or raise timeoutMs.`,
      { url },
    );
    this.timeoutMs = timeoutMs;
  }
}

/** Thrown when a response body is larger than the fetcher's size cap; the download is aborted. */
export class FeedTooLargeError extends FeedError {
  /** The cap that was exceeded, in bytes. */
  readonly maxBytes: number;

  constructor(url: string, maxBytes: number) {
    super(
      "FEED_TOO_LARGE",
      `Feed ${url} is larger than the ${maxBytes}-byte cap; the download was aborted. Raise maxBytes if the feed is really this big.`,
      { url },
    );
    this.maxBytes = maxBytes;
  }
}

/** Thrown for an HTTP answer that is neither 200, 304 nor a followable redirect. */
export class FeedHttpError extends FeedError {
  /** The HTTP status code received. */
  readonly status: number;

  constructor(url: string, status: number, detail: string) {
    super("FEED_HTTP", `Feed ${url} answered HTTP ${status}: ${detail}.`, { url });
    this.status = status;
  }
}

/** Thrown when the connection fails (DNS, TCP, TLS) or breaks off mid-body. */
export class FeedNetworkError extends FeedError {
  constructor(url: string, detail: string, cause?: unknown) {
    super("FEED_NETWORK", `Feed ${url} could not be read: ${detail}.`, { url, cause });
  }
}

/** Thrown when a feed's content cannot be read as its format at all (e.g. invalid JSON, missing CSV column). */
export class FeedParseError extends FeedError {
  /** The format that was being parsed. */
  readonly format: string;

  constructor(format: string, message: string, options: { url?: string; cause?: unknown } = {}) {
    super("FEED_PARSE", message, options);
    this.format = format;
  }
}

/** Thrown for a format setting that names an unknown format or has invalid options. */
export class FeedFormatError extends FeedError {
  constructor(message: string, cause?: unknown) {
    super("FEED_FORMAT", message, { cause });
  }
}

/** Thrown by {@link CidrSet.fromStrings} for an entry that is not an IP address or CIDR. */
export class InvalidCidrError extends FeedError {
  /** The offending text. */
  readonly text: string;

  constructor(text: string, reason: string) {
    super("FEED_INVALID_CIDR", `"${text}" is not a valid IP address or CIDR: ${reason}.`);
    this.text = text;
  }
}
