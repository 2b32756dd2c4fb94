/**
 * The registry of feed formats. Adding a format means adding one module beside this one and one
 * line to {@link feedFormats}; the `Format:` setting schema and the docs follow from it.
 */
import * as z from "zod/mini";
import { FeedFormatError } from "../errors.js";
import { csvFormat, csvFormatOptions } from "./csv.js";
import { jsonFormat, jsonFormatOptions } from "./json.js";
import { plainFormat, plainFormatOptions } from "./plain.js";
import { spamhausDropFormat, spamhausDropFormatOptions } from "./spamhaus-drop.js";
import { FeedCollector, type FeedFormat, type ParsedFeed } from "./types.js";

export { compileJsonPath } from "./json.js";
export type { FeedFormat, ParsedFeed, RejectedEntry } from "./types.js";
export { FeedCollector } from "./types.js";
export {
  csvFormat,
  csvFormatOptions,
  jsonFormat,
  jsonFormatOptions,
  plainFormat,
  plainFormatOptions,
  spamhausDropFormat,
  spamhausDropFormatOptions,
};

/**
 * Every format, by name.
 * @internal
 */
export const feedFormats = {
  plain: plainFormat,
  "spamhaus-drop": spamhausDropFormat,
  csv: csvFormat,
  json: jsonFormat,
} as const;

/** The format names, in documentation order. */
export const feedFormatNames = [
  "plain",
  "spamhaus-drop",
  "csv",
  "json",
] as const satisfies readonly (keyof typeof feedFormats)[];
/** A format name. */
export type FeedFormatName = (typeof feedFormatNames)[number];

/** A format with its options, as an object: `{ name: "csv", column: "ip" }`. */
export const feedFormatOptions = z.discriminatedUnion("name", [
  plainFormatOptions,
  spamhausDropFormatOptions,
  csvFormatOptions,
  jsonFormatOptions,
]);
/** A format with its options, as an object. */
export type feedFormatOptions = z.infer<typeof feedFormatOptions>;

/**
 * A `Format:` setting as written in a persona: a bare name for formats without required options
 * (`plain`, `spamhaus-drop`), or an options object. Normalise with {@link normaliseFormatSetting}.
 */
export const feedFormatSetting = z.union([z.enum(["plain", "spamhaus-drop"]), feedFormatOptions]);
/** A `Format:` setting as written in a persona. */
export type feedFormatSetting = z.infer<typeof feedFormatSetting>;

/**
 * Turns a setting into its options object, validating it; throws {@link FeedFormatError} listing the
 * problems and the accepted names.
 * @example
 * normaliseFormatSetting("plain"); // { name: "plain" }
 */
export function normaliseFormatSetting(setting: unknown): feedFormatOptions {
  const result = feedFormatSetting.safeParse(setting);
  if (result.success) return typeof result.data === "string" ? { name: result.data } : result.data;
  const problems = result.error.issues.map(
    (i) => `${i.path.length > 0 ? `${i.path.join(".")}: ` : ""}${i.message}`,
  );
  throw new FeedFormatError(
    `Invalid feed format setting ${JSON.stringify(setting)}: ${problems.join("; ")}. ` +
      `Accepted formats: ${feedFormatNames.join(", ")}.`,
    result.error,
  );
}

/** Options of {@link parseFeed}. */
export interface ParseFeedOptions {
  /**
   * How many rejected lines to keep, with their line numbers, for logs.
   * @default 5
   */
  readonly maxRejectedSamples?: number;
}

/**
 * Parses feed text (a leading byte-order mark is ignored) with a format setting.
 * @example
 * const feed = parseFeed("10.0.0.0/8 ; SBL1\n", "spamhaus-drop");
 * feed.set.toStrings(); // ["10.0.0.0/8"]
 */
export function parseFeed(
  text: string,
  setting: feedFormatSetting,
  options: ParseFeedOptions = {},
): ParsedFeed {
  const format = normaliseFormatSetting(setting);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const collector = new FeedCollector(options.maxRejectedSamples ?? 5);
  const implementation = feedFormats[format.name] as FeedFormat<feedFormatOptions>;
  implementation.parse(body, format, collector);
  return collector.finish(format.name);
}
