/**
 * `plain`: one IP address or CIDR per line. `#` and `;` start comments (whole-line or after the
 * address); blank lines are skipped. Anything else on a line rejects that line.
 */
import * as z from "zod/mini";
import { type FeedCollector, type FeedFormat, forEachLine, isBlank } from "./types.js";

/** Options of the `plain` format (it has none besides its name). */
export const plainFormatOptions = z.strictObject({
  /** The format name. */
  name: z.literal("plain"),
});
/** Options of the `plain` format. */
export type plainFormatOptions = z.infer<typeof plainFormatOptions>;

function isCommentStart(c: number): boolean {
  return c === 35 || c === 59;
}

/** The `plain` format. */
export const plainFormat: FeedFormat<plainFormatOptions> = {
  name: "plain",
  description: "One IP address or CIDR per line; `#` and `;` start comments; blank lines are skipped.",
  options: plainFormatOptions,
  parse(text: string, _options: plainFormatOptions, collector: FeedCollector): void {
    forEachLine(text, (start, end, line) => {
      if (isCommentStart(text.charCodeAt(start))) return;
      let tokenEnd = start;
      while (tokenEnd < end) {
        const c = text.charCodeAt(tokenEnd);
        if (isBlank(c) || isCommentStart(c)) break;
        tokenEnd++;
      }
      let rest = tokenEnd;
      while (rest < end && isBlank(text.charCodeAt(rest))) rest++;
      if (rest < end && !isCommentStart(text.charCodeAt(rest))) {
        collector.reject(line, text, start, end, "unexpected text after the address");
        return;
      }
      collector.accept(text, start, tokenEnd, line, start, end);
    });
  },
};
