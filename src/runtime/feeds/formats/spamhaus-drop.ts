/**
 * `spamhaus-drop`: the Spamhaus DROP / EDROP / DROPv6 text lists, `cidr ; SBLnnn` per line with
 * `;` comment lines. A data line without its `; SBL` reference is rejected, which also catches a
 * feed configured with the wrong format.
 */
import * as z from "zod/mini";
import { type FeedCollector, type FeedFormat, forEachLine, isBlank } from "./types.js";

/** Options of the `spamhaus-drop` format (it has none besides its name). */
export const spamhausDropFormatOptions = z.strictObject({
  /** The format name. */
  name: z.literal("spamhaus-drop"),
});
/** Options of the `spamhaus-drop` format. */
export type spamhausDropFormatOptions = z.infer<typeof spamhausDropFormatOptions>;

/** The `spamhaus-drop` format. */
export const spamhausDropFormat: FeedFormat<spamhausDropFormatOptions> = {
  name: "spamhaus-drop",
  description: "Spamhaus DROP lists: `cidr ; SBLnnn` per line, `;` comment lines.",
  options: spamhausDropFormatOptions,
  parse(text: string, _options: spamhausDropFormatOptions, collector: FeedCollector): void {
    forEachLine(text, (start, end, line) => {
      const first = text.charCodeAt(start);
      if (first === 59 || first === 35) return;
      let tokenEnd = start;
      while (tokenEnd < end) {
        const c = text.charCodeAt(tokenEnd);
        if (isBlank(c) || c === 59) break;
        tokenEnd++;
      }
      let i = tokenEnd;
      while (i < end && isBlank(text.charCodeAt(i))) i++;
      if (i === end || text.charCodeAt(i) !== 59) {
        collector.reject(line, text, start, end, "expected `cidr ; SBLnnn`");
        return;
      }
      i++;
      while (i < end && isBlank(text.charCodeAt(i))) i++;
      // "SBL" followed by at least one digit and nothing else.
      let ok = end - i >= 4 && text.startsWith("SBL", i);
      for (let k = i + 3; ok && k < end; k++) {
        const c = text.charCodeAt(k);
        ok = c >= 48 && c <= 57;
      }
      if (!ok) {
        collector.reject(line, text, start, end, "expected an SBL reference after `;`");
        return;
      }
      collector.accept(text, start, tokenEnd, line, start, end);
    });
  },
};
