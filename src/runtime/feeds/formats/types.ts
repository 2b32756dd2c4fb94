/**
 * The one interface every feed format implements, and the collector formats feed their tokens to.
 * A format finds the address token of each record and hands its position to
 * {@link FeedCollector.accept}; the collector parses it numerically and counts what it rejects.
 */
import type * as z from "zod/mini";
import { newParsedCidr, ParseStatus, parseCidr, parseStatusText } from "../address.js";
import { CidrBuilder, type CidrSet } from "../cidr-set.js";

/** A line (or JSON value) a format could not turn into an address. */
export interface RejectedEntry {
  /** 1-based line number in the feed, or 0 for JSON values (see `path`). */
  readonly line: number;
  /** For JSON feeds, where the value was found, e.g. `$.data[3].ip`. */
  readonly path?: string;
  /** The rejected text, cut to 200 characters. */
  readonly text: string;
  /** Why it was rejected, e.g. "invalid IPv4 address". */
  readonly reason: string;
}

/** A parsed feed: the entries in feed order plus counts for logs and metrics. */
export interface ParsedFeed {
  /** The format name that parsed it. */
  readonly format: string;
  /** The accepted entries, host bits cleared, not yet aggregated. */
  readonly set: CidrSet;
  /** Number of accepted entries. */
  readonly accepted: number;
  /** Number of rejected lines or values. */
  readonly rejected: number;
  /** Accepted entries whose host bits were set below their prefix (e.g. `10.1.2.3/8`) and were cleared. */
  readonly hostBitsCleared: number;
  /** The first rejected entries with their location, for logs. */
  readonly rejectedSamples: readonly RejectedEntry[];
}

/** One feed format: a name, a zod schema for its options, and a parser. */
export interface FeedFormat<Options extends { name: string }> {
  /** The name used in `Format:` settings, e.g. `spamhaus-drop`. */
  readonly name: Options["name"];
  /** One sentence for docs and error messages. */
  readonly description: string;
  /** Strict schema of the format's options, including `name`. */
  readonly options: z.ZodMiniType<Options>;
  /** Reads every record of `text` into `collector`; throws `FeedParseError` if the text is not this format at all. */
  parse(text: string, options: Options, collector: FeedCollector): void;
}

const MAX_SAMPLE_TEXT = 200;

/** Collects accepted addresses and rejected records while a format scans a feed. */
export class FeedCollector {
  private readonly builder = new CidrBuilder(4096, 256);
  private readonly parsed = newParsedCidr();
  private readonly samples: RejectedEntry[] = [];
  private rejectedCount = 0;
  private clearedCount = 0;

  /** @param maxSamples how many rejected entries to keep for logs. */
  constructor(private readonly maxSamples = 5) {}

  /**
   * Parses `text.slice(start, end)` as an address or CIDR and returns whether it was accepted; a
   * rejection records `text.slice(lineStart, lineEnd)` as a sample while there is room.
   */
  accept(
    text: string,
    start: number,
    end: number,
    line: number,
    lineStart: number,
    lineEnd: number,
  ): boolean {
    const status = parseCidr(text, start, end, this.parsed);
    if (status !== ParseStatus.ok) {
      this.reject(line, text, lineStart, lineEnd, parseStatusText[status]);
      return false;
    }
    const p = this.parsed;
    if (p.hostBitsCleared) this.clearedCount++;
    if (p.version === 4) this.builder.addIpv4(p.words[0]!, p.prefix);
    else this.builder.addIpv6(p.words, 0, p.prefix);
    return true;
  }

  /** Counts a rejected line, keeping `text.slice(lineStart, lineEnd)` as a sample while there is room. */
  reject(line: number, text: string, lineStart: number, lineEnd: number, reason: string): void {
    this.rejectedCount++;
    if (this.samples.length < this.maxSamples) {
      this.samples.push({ line, text: clip(text, lineStart, lineEnd), reason });
    }
  }

  /** Accepts a JSON string value, or records it as rejected at `path()`. */
  acceptValue(value: unknown, path: () => string): boolean {
    if (typeof value === "string") {
      let s = 0;
      let e = value.length;
      while (s < e && isBlank(value.charCodeAt(s))) s++;
      while (e > s && isBlank(value.charCodeAt(e - 1))) e--;
      const status = parseCidr(value, s, e, this.parsed);
      if (status === ParseStatus.ok) {
        const p = this.parsed;
        if (p.hostBitsCleared) this.clearedCount++;
        if (p.version === 4) this.builder.addIpv4(p.words[0]!, p.prefix);
        else this.builder.addIpv6(p.words, 0, p.prefix);
        return true;
      }
      this.rejectValue(path, value, parseStatusText[status]);
      return false;
    }
    this.rejectValue(
      path,
      JSON.stringify(value) ?? String(value),
      `expected a string, received ${describe(value)}`,
    );
    return false;
  }

  private rejectValue(path: () => string, text: string, reason: string): void {
    this.rejectedCount++;
    if (this.samples.length < this.maxSamples) {
      this.samples.push({ line: 0, path: path(), text: clip(text, 0, text.length), reason });
    }
  }

  /** The result so far. */
  finish(format: string): ParsedFeed {
    const set = this.builder.build();
    return {
      format,
      set,
      accepted: set.size,
      rejected: this.rejectedCount,
      hostBitsCleared: this.clearedCount,
      rejectedSamples: this.samples,
    };
  }
}

function clip(text: string, start: number, end: number): string {
  return end - start > MAX_SAMPLE_TEXT
    ? `${text.slice(start, start + MAX_SAMPLE_TEXT)}…`
    : text.slice(start, end);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Whether a char code is a space or tab.
 * @internal
 */
export function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Calls `onLine(start, end, lineNumber)` for each line of `text`, without the line break (LF or
 * CRLF) and with surrounding spaces and tabs trimmed. Blank lines are skipped.
 * @internal
 */
export function forEachLine(text: string, onLine: (start: number, end: number, line: number) => void): void {
  const length = text.length;
  let pos = 0;
  let line = 0;
  while (pos < length) {
    line++;
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = length;
    let s = pos;
    let e = nl;
    pos = nl + 1;
    while (s < e && isBlank(text.charCodeAt(s))) s++;
    while (e > s) {
      const c = text.charCodeAt(e - 1);
      if (c === 13 || isBlank(c)) e--;
      else break;
    }
    if (s < e) onLine(s, e, line);
  }
}
