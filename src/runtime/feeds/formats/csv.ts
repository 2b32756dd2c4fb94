/**
 * `csv`: one column of a delimited file holds the address. The column is chosen by 0-based index or
 * by header name; fields may be quoted (`"..."`, with `""` for a quote, line breaks allowed);
 * lines starting with the comment character and blank lines are skipped.
 */
import * as z from "zod/mini";
import { FeedParseError } from "../errors.js";
import { type FeedCollector, type FeedFormat, isBlank } from "./types.js";

/** Options of the `csv` format. */
export const csvFormatOptions = z.strictObject({
  /** The format name. */
  name: z.literal("csv"),
  /** The column holding the address: a 0-based index, or a header name (which implies `header: true`). */
  column: z.union([z.int().check(z.minimum(0)), z.string().check(z.minLength(1))]),
  /** Whether the first record is a header row; defaults to true when `column` is a name, false otherwise. */
  header: z.optional(z.boolean()),
  /** The field delimiter, one character; defaults to `,`. */
  delimiter: z.optional(z.string().check(z.length(1))),
  /** Lines starting with this character are comments; defaults to `#`. */
  comment: z.optional(z.string().check(z.length(1))),
});
/** Options of the `csv` format. */
export type csvFormatOptions = z.infer<typeof csvFormatOptions>;

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** The `csv` format. */
export const csvFormat: FeedFormat<csvFormatOptions> = {
  name: "csv",
  description: "A column of a CSV file, chosen by 0-based index or header name; quoted fields allowed.",
  options: csvFormatOptions,
  parse(text: string, options: csvFormatOptions, collector: FeedCollector): void {
    const delimiter = (options.delimiter ?? ",").charCodeAt(0);
    const comment = (options.comment ?? "#").charCodeAt(0);
    const byName = typeof options.column === "string";
    let target = typeof options.column === "number" ? options.column : -1;
    let headerPending = options.header ?? byName;
    // Spaces around fields are ignored; tabs too unless they are the delimiter.
    const isPad = (c: number) => c === 32 || (c === 9 && delimiter !== 9);
    const length = text.length;
    let pos = 0;
    let line = 0;
    while (pos < length) {
      line++;
      const recordLine = line;
      const recordStart = pos;
      let probe = pos;
      while (probe < length && isBlank(text.charCodeAt(probe))) probe++;
      const first = probe < length ? text.charCodeAt(probe) : LF;
      if (first === LF || first === CR || first === comment) {
        const nl = text.indexOf("\n", probe);
        pos = nl < 0 ? length : nl + 1;
        continue;
      }
      let field = 0;
      let valueStart = -1;
      let valueEnd = -1;
      let valueEscaped = false;
      let fields = 0;
      let problem: string | undefined;
      const headerNames: string[] | undefined = headerPending ? [] : undefined;
      for (;;) {
        while (pos < length && isPad(text.charCodeAt(pos))) pos++;
        let fs: number;
        let fe: number;
        let escaped = false;
        if (pos < length && text.charCodeAt(pos) === QUOTE) {
          pos++;
          fs = pos;
          fe = -1;
          while (fe < 0) {
            const q = text.indexOf('"', pos);
            if (q < 0) break;
            line += countLineBreaks(text, pos, q);
            if (q + 1 < length && text.charCodeAt(q + 1) === QUOTE) {
              escaped = true;
              pos = q + 2;
            } else {
              fe = q;
              pos = q + 1;
            }
          }
          if (fe < 0) {
            problem = "unterminated quoted field";
            fe = length;
            pos = length;
          } else {
            while (pos < length && isPad(text.charCodeAt(pos))) pos++;
            const c = pos < length ? text.charCodeAt(pos) : LF;
            if (c !== delimiter && c !== LF && c !== CR && problem === undefined) {
              problem = "unexpected text after a quoted field";
            }
          }
        } else {
          fs = pos;
          while (pos < length) {
            const c = text.charCodeAt(pos);
            if (c === delimiter || c === LF) break;
            pos++;
          }
          fe = pos;
          while (fe > fs) {
            const c = text.charCodeAt(fe - 1);
            if (c === CR || isPad(c)) fe--;
            else break;
          }
        }
        if (headerNames !== undefined) headerNames.push(unquote(text, fs, fe, escaped));
        if (field === target) {
          valueStart = fs;
          valueEnd = fe;
          valueEscaped = escaped;
        }
        fields++;
        // Skip to the delimiter or the end of the record.
        while (pos < length) {
          const c = text.charCodeAt(pos);
          if (c === delimiter || c === LF) break;
          pos++;
        }
        if (pos < length && text.charCodeAt(pos) === delimiter) {
          pos++;
          field++;
          continue;
        }
        break;
      }
      let recordEnd = pos;
      if (recordEnd > recordStart && text.charCodeAt(recordEnd - 1) === CR) recordEnd--;
      if (pos < length) pos++; // past the LF
      if (headerNames !== undefined) {
        headerPending = false;
        if (typeof options.column === "string") target = findColumn(headerNames, options.column);
        continue;
      }
      if (problem !== undefined) {
        collector.reject(recordLine, text, recordStart, recordEnd, problem);
      } else if (valueStart < 0) {
        collector.reject(
          recordLine,
          text,
          recordStart,
          recordEnd,
          `the row has ${fields} column${fields === 1 ? "" : "s"}, the address is in column ${target}`,
        );
      } else if (valueEscaped) {
        // An address never contains a quote.
        collector.reject(recordLine, text, recordStart, recordEnd, "not an IP address or CIDR");
      } else {
        collector.accept(text, valueStart, valueEnd, recordLine, recordStart, recordEnd);
      }
    }
  },
};

function countLineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", from); i >= 0 && i < to; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function unquote(text: string, start: number, end: number, escaped: boolean): string {
  const raw = text.slice(start, end);
  return escaped ? raw.replaceAll('""', '"') : raw;
}

function findColumn(names: readonly string[], wanted: string): number {
  const exact = names.indexOf(wanted);
  if (exact >= 0) return exact;
  const lower = wanted.toLowerCase();
  const loose = names.findIndex((n) => n.trim().toLowerCase() === lower);
  if (loose >= 0) return loose;
  throw new FeedParseError(
    "csv",
    `The CSV header has no column "${wanted}"; its columns are: ${names.map((n) => `"${n}"`).join(", ")}. ` +
      "Set Format column to one of them, or to a 0-based index.",
  );
}
