/**
 * A fast reader for the plain YAML that persona files are written in: comments, block mappings
 * and sequences, single-line plain and quoted scalars, single-line flow collections. It produces
 * exactly the `SourceDocument` the `yaml` library path of `readYaml` produces (data, spans,
 * written keys, style, duplicate keys), and gives up (returns `undefined`) on anything else, so
 * the caller falls back to the library, which is always right.
 *
 * Spans follow the library's ranges: a value's span is `[range[0], range[1])`, where a block
 * collection ends where its last value's node ends (after that value's line, including indented
 * comments that the library attaches to it), or after trailing comments it keeps for itself.
 */
import { canonicalKey } from "./document.js";
import type { SourceDocument, Span } from "./source.js";

/**
 * Reads `text` if it stays within the fast subset, else returns `undefined` (the caller then
 * uses the `yaml` library). Never throws for any input.
 * @example
 * ```ts
 * const source = readYamlFast("Name: Web\nBaseConfiguration:\n  CPU: 2 cores\n");
 * source?.data; // { name: "Web", baseConfiguration: { cpu: "2 cores" } }
 * ```
 */
export function readYamlFast(text: string): SourceDocument | undefined {
  if (UNSUPPORTED_CHARACTER.test(text)) return undefined;
  try {
    return new Reader(text).document();
  } catch (error) {
    if (error === OUTSIDE_SUBSET) return undefined;
    throw error;
  }
}

/** Tabs, carriage returns outside CRLF, other control characters, byte-order marks, Unicode line breaks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const UNSUPPORTED_CHARACTER = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]|\r(?!\n)/;

/** Thrown (one shared instance, so no stack is captured per throw) when the text leaves the subset. */
const OUTSIDE_SUBSET = new Error("outside the fast YAML subset");

/** The same limits as the library path's `convert`. */
const MAX_DEPTH = 64;
const MAX_NODES = 100_000;
/** The library reports implicit keys longer than 1024 characters; stay well clear. */
const MAX_KEY_LENGTH = 1000;

const CARRIAGE_RETURN = 13;
const SPACE = 32;
const DOUBLE_QUOTE = 34;
const HASH = 35;
const SINGLE_QUOTE = 39;
const COMMA = 44;
const DASH = 45;
const COLON = 58;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** Characters that cannot start a plain scalar here (indicators, reserved characters, quotes). */
const NOT_PLAIN_START = new Set([..."#&*!|>'\"%@`[]{},?:"].map((c) => c.charCodeAt(0)));

function isFlowIndicator(code: number): boolean {
  return (
    code === COMMA ||
    code === OPEN_BRACKET ||
    code === CLOSE_BRACKET ||
    code === OPEN_BRACE ||
    code === CLOSE_BRACE
  );
}

function outside(): never {
  throw OUTSIDE_SUBSET;
}

// --- YAML 1.2 core schema, as the `yaml` library resolves plain scalars -------------------------

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** First characters of the plain scalars that resolve to something other than a string. */
const MAYBE_NOT_STRING = new Set([..."~nNtTfF0123456789+-."].map((c) => c.charCodeAt(0)));

/** The value of a plain scalar under the core schema, tags tried in the library's order. */
export function resolvePlainScalar(source: string): unknown {
  // No core-schema null, boolean or number contains a space: "8 cores", "10 minutes" are text.
  if (!MAYBE_NOT_STRING.has(source.charCodeAt(0)) || source.includes(" ")) return source;
  if (NULL.test(source)) return null;
  if (BOOL.test(source)) return source[0] === "t" || source[0] === "T";
  if (INT_OCT.test(source)) return Number.parseInt(source.substring(2), 8);
  if (INT.test(source)) return Number.parseInt(source, 10);
  if (INT_HEX.test(source)) return Number.parseInt(source.substring(2), 16);
  if (FLOAT_NAN.test(source)) {
    if (source.slice(-3).toLowerCase() === "nan") return Number.NaN;
    return source[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(source) || FLOAT.test(source)) return Number.parseFloat(source);
  return source;
}

const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
};
const HEX_DIGITS = /^[0-9a-fA-F]+$/;

/** Canonical keys of written keys seen before: the same few dozen keys recur in every document. */
const canonicalCache = new Map<string, string>();

function canonical(written: string): string {
  let key = canonicalCache.get(written);
  if (key === undefined) {
    key = canonicalKey(written) ?? written;
    if (canonicalCache.size >= 10_000) canonicalCache.clear();
    canonicalCache.set(written, key);
  }
  return key;
}

class Reader {
  private readonly text: string;
  private readonly length: number;
  private readonly source: SourceDocument;

  // The current content line (neither blank nor a comment), or the end of the text.
  private lineStart = 0;
  private content = 0;
  /** End of the current line's text: its line break (`\r\n` or `\n`) or the end of the text. */
  private lineEnd = 0;
  /** Position of the current line's `\n`, or the end of the text. */
  private lineBreak = 0;
  private atEnd = false;

  // Blank and comment lines skipped on the way to the current content line.
  private triviaCount = 0;
  private readonly triviaColumn: number[] = []; // -1 for a blank line
  private readonly triviaEnd: number[] = []; // after the line break
  private readonly triviaBreak: number[] = []; // at the line break

  /**
   * Comment lines after the last value that no value took: the innermost collection being closed
   * keeps them (and ends after them) when one is at least as indented as it is; otherwise they
   * move to its parent. -1 when there are none.
   */
  private pendingColumn = -1;
  private pendingEnd = 0;

  /** The library's `range[2]` of the node just read: where the next node's text may begin. */
  private nodeEnd = 0;
  /** End of the token just read (scalar text or closing bracket). */
  private tokenEnd = 0;

  /** False while reading the value of a duplicate key, which the library path never converts. */
  private recording = true;
  private nodes = 0;

  // The key just read by `readKey`.
  private keyValue: unknown = null;
  private keyStart = 0;
  private keyEnd = 0;
  /** The canonical spelling of the key `enterKey` recorded last. */
  private enteredKey = "";

  constructor(text: string) {
    this.text = text;
    this.length = text.length;
    this.source = {
      data: undefined,
      valueSpans: new Map(),
      keySpans: new Map(),
      writtenKeys: new Map(),
      style: "camel",
      problems: [],
    };
  }

  document(): SourceDocument {
    this.advance(0);
    if (this.atEnd) {
      this.source.data = null;
      return this.source;
    }
    if (this.content !== this.lineStart || this.isSequenceItem(this.content)) outside();
    const first = this.keyColon(this.content);
    if (first === -1) outside();
    this.readKey(this.content, first);
    if (typeof this.keyValue === "string" && /^[A-Z]/.test(this.keyValue)) this.source.style = "pascal";
    const data = this.blockMap(0, this.content, "", 0);
    if (!this.atEnd) outside();
    this.source.data = data;
    return this.source;
  }

  // --- lines ---------------------------------------------------------------------------------

  private get column(): number {
    return this.content - this.lineStart;
  }

  /** Moves to the next content line at or after the line starting at `from`, noting trivia. */
  private advance(from: number): void {
    const text = this.text;
    const length = this.length;
    this.triviaCount = 0;
    let start = from;
    while (start < length) {
      let at = start;
      while (at < length && text.charCodeAt(at) === SPACE) at++;
      let lineBreak = text.indexOf("\n", at);
      if (lineBreak === -1) lineBreak = length;
      const end =
        lineBreak > at && text.charCodeAt(lineBreak - 1) === CARRIAGE_RETURN ? lineBreak - 1 : lineBreak;
      if (at === end || text.charCodeAt(at) === HASH) {
        this.triviaColumn[this.triviaCount] = at === end ? -1 : at - start;
        this.triviaEnd[this.triviaCount] = lineBreak < length ? lineBreak + 1 : lineBreak;
        this.triviaBreak[this.triviaCount] = end;
        this.triviaCount++;
        start = lineBreak + 1;
        continue;
      }
      // Document markers (and anything that looks like one) are for the library.
      if (at === start && (text.startsWith("---", at) || text.startsWith("...", at))) outside();
      this.lineStart = start;
      this.content = at;
      this.lineEnd = end;
      this.lineBreak = lineBreak;
      this.atEnd = false;
      return;
    }
    this.lineStart = length;
    this.content = length;
    this.lineEnd = length;
    this.lineBreak = length;
    this.atEnd = true;
  }

  private nextLine(): number {
    return this.lineBreak < this.length ? this.lineBreak + 1 : this.length;
  }

  private isSequenceItem(at: number): boolean {
    return (
      this.text.charCodeAt(at) === DASH && (at + 1 === this.lineEnd || this.text.charCodeAt(at + 1) === SPACE)
    );
  }

  private skipSpaces(at: number): number {
    while (at < this.lineEnd && this.text.charCodeAt(at) === SPACE) at++;
    return at;
  }

  /**
   * After a value written on its line (scalar or flow collection) in a collection at `column`:
   * moves to the next content line. The value's node ends after its line and after the comment
   * lines indented deeper than the collection that follow it; the other comments are pending.
   */
  private afterLineValue(column: number): void {
    let end = this.nextLine();
    this.advance(end);
    let i = 0;
    for (; i < this.triviaCount; i++) {
      const comment = this.triviaColumn[i]!;
      if (comment === -1) continue;
      if (comment <= column) break;
      end = this.triviaEnd[i]!;
    }
    let pending = -1;
    for (; i < this.triviaCount; i++) pending = Math.max(pending, this.triviaColumn[i]!);
    this.pendingColumn = pending;
    this.pendingEnd = this.content;
    this.nodeEnd = end;
  }

  /** A block collection at `column` is complete; `end` is its `range[1]`. Sets its `range[2]`. */
  private close(column: number, end: number): void {
    if (column > 0 && this.pendingColumn >= column) {
      this.nodeEnd = this.pendingEnd;
      this.pendingColumn = -1;
    } else {
      this.nodeEnd = end;
    }
  }

  // --- recording -----------------------------------------------------------------------------

  private span(path: string, start: number, end: number, depth: number): Span {
    if (depth > MAX_DEPTH) outside();
    const span = { start, end };
    if (this.recording) {
      if (++this.nodes > MAX_NODES) outside();
      this.source.valueSpans.set(path, span);
    }
    return span;
  }

  /**
   * Records the key just read in a mapping whose keys so far are `seen`, and returns its path, or
   * `undefined` for a duplicate (whose value the library path neither converts nor locates).
   */
  private enterKey(path: string, seen: Map<string, string>): string | undefined {
    const written = String(this.keyValue);
    const key = canonical(written);
    const childPath = path === "" ? key : `${path}.${key}`;
    this.enteredKey = key;
    if (!this.recording) {
      if (seen.has(key)) return undefined;
      seen.set(key, written);
      return childPath;
    }
    const keySpan = { start: this.keyStart, end: this.keyEnd };
    this.source.keySpans.set(childPath, keySpan);
    if (written !== key) this.source.writtenKeys.set(childPath, written);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      this.source.problems.push({
        code: "duplicate-key",
        message:
          earlier === written ? `key '${written}' appears twice` : `key '${written}' repeats '${earlier}'`,
        hint: "keep one of them",
        span: keySpan,
      });
      return undefined;
    }
    seen.set(key, written);
    return childPath;
  }

  // --- block collections ---------------------------------------------------------------------

  /** A block mapping whose first key starts at `keyAt` on the current line, at `column`. */
  private blockMap(column: number, keyAt: number, path: string, depth: number): Record<string, unknown> {
    const span = this.span(path, keyAt, keyAt, depth);
    const out: Record<string, unknown> = {};
    const seen = new Map<string, string>();
    let at = keyAt;
    for (;;) {
      const colon = this.keyColon(at);
      if (colon === -1) outside();
      this.readKey(at, colon);
      const childPath = this.enterKey(path, seen);
      const key = this.enteredKey;
      const recording = this.recording;
      if (childPath === undefined) this.recording = false;
      const value = this.mapValue(column, colon + 1, childPath ?? path, depth + 1);
      this.recording = recording;
      if (childPath !== undefined) define(out, key, value);
      span.end = this.nodeEnd;
      if (this.atEnd || this.column < column) break;
      if (this.column > column || this.isSequenceItem(this.content)) outside();
      this.pendingColumn = -1;
      at = this.content;
    }
    this.close(column, span.end);
    return out;
  }

  /** The value after a block mapping key's colon: on the same line, on the lines below, or empty. */
  private mapValue(column: number, afterColon: number, path: string, depth: number): unknown {
    const at = this.skipSpaces(afterColon);
    if (at < this.lineEnd && this.text.charCodeAt(at) !== HASH) {
      const value = this.lineValue(at, path, depth);
      this.afterLineValue(column);
      return value;
    }
    const comment = at < this.lineEnd;
    this.advance(this.nextLine());
    if (!this.atEnd) {
      const below = this.column;
      if (below > column || (below === column && this.isSequenceItem(this.content)))
        return this.blockNode(below, path, depth);
    }
    return this.empty(at, comment, path, depth, column);
  }

  /** A block sequence whose first `-` is the current line's content, at `column`. */
  private blockSeq(column: number, path: string, depth: number): unknown[] {
    const span = this.span(path, this.content, this.content, depth);
    const out: unknown[] = [];
    // Comment lines left over from the previous item belong to this item's `-` in the library.
    let commentBefore = false;
    for (let index = 0; ; index++) {
      const childPath = `${path}[${index}]`;
      const at = this.skipSpaces(this.content + 1);
      let value: unknown;
      if (at === this.lineEnd || this.text.charCodeAt(at) === HASH) {
        const comment = commentBefore || at < this.lineEnd;
        this.advance(this.nextLine());
        value =
          !this.atEnd && this.column > column
            ? this.blockNode(this.column, childPath, depth + 1)
            : this.empty(at, comment, childPath, depth + 1);
      } else if (this.isSequenceItem(at)) {
        outside(); // compact nested sequence: `- - a`
      } else if (this.keyColon(at) !== -1) {
        value = this.blockMap(at - this.lineStart, at, childPath, depth + 1);
      } else {
        value = this.lineValue(at, childPath, depth + 1);
        this.afterLineValue(column);
      }
      out.push(value);
      span.end = this.nodeEnd;
      if (this.atEnd || this.column < column) break;
      if (this.column > column) outside();
      if (!this.isSequenceItem(this.content)) break;
      commentBefore = this.pendingColumn >= 0;
      this.pendingColumn = -1;
    }
    this.close(column, span.end);
    return out;
  }

  /** A block collection starting at the current line's content. */
  private blockNode(column: number, path: string, depth: number): unknown {
    if (this.isSequenceItem(this.content)) return this.blockSeq(column, path, depth);
    return this.blockMap(column, this.content, path, depth);
  }

  /**
   * An empty value (null) at `at`, after its `:` or `-` and spaces, with the current line the next
   * content. With no comment near it the node is empty; with one, it runs over the blank and
   * comment lines up to the next content, except that before the next key of its own mapping
   * (`nextKeyColumn`) the library hands the lines from the second line break after the last
   * comment indented deeper than that mapping over to that key.
   */
  private empty(at: number, inlineComment: boolean, path: string, depth: number, nextKeyColumn = -1): null {
    this.span(path, at, at, depth);
    this.pendingColumn = -1;
    let end = this.content;
    let lines = this.triviaCount;
    if (nextKeyColumn >= 0 && !this.atEnd && this.column === nextKeyColumn) {
      let reset = 0;
      for (let i = 0; i < this.triviaCount; i++) if (this.triviaColumn[i]! > nextKeyColumn) reset = i + 1;
      if (reset < this.triviaCount) {
        lines = reset + 1;
        end = this.triviaBreak[reset]!;
      }
    }
    let comment = inlineComment;
    for (let i = 0; i < lines && !comment; i++) comment = this.triviaColumn[i]! >= 0;
    this.nodeEnd = comment ? end : at;
    return null;
  }

  // --- keys ----------------------------------------------------------------------------------

  /** The position of the `:` ending the implicit key starting at `at`, or -1 when there is none. */
  private keyColon(at: number): number {
    const text = this.text;
    const lineEnd = this.lineEnd;
    const first = text.charCodeAt(at);
    // A flow collection is never a key here: `[a]: b` is left to the library by the caller.
    if (first === OPEN_BRACKET || first === OPEN_BRACE) return -1;
    let colon: number;
    if (first === DOUBLE_QUOTE || first === SINGLE_QUOTE) {
      colon = first === DOUBLE_QUOTE ? this.doubleQuotedEnd(at) : this.singleQuotedEnd(at);
      if (colon === -1 || text.charCodeAt(colon) !== COLON) return -1;
    } else {
      colon = -1;
      for (let i = at; i < lineEnd; i++) {
        const code = text.charCodeAt(i);
        if (code === COLON && (i + 1 === lineEnd || text.charCodeAt(i + 1) === SPACE)) {
          colon = i;
          break;
        }
        if (code === SPACE && text.charCodeAt(i + 1) === HASH) return -1;
      }
      if (colon === -1) return -1;
    }
    if (colon + 1 < lineEnd && text.charCodeAt(colon + 1) !== SPACE) return -1;
    return colon;
  }

  /** Reads the key from `at` to its `colon` into keyValue/keyStart/keyEnd. */
  private readKey(at: number, colon: number): void {
    if (colon - at > MAX_KEY_LENGTH) outside();
    const first = this.text.charCodeAt(at);
    this.keyStart = at;
    if (first === DOUBLE_QUOTE) {
      this.keyValue = this.doubleQuoted(at);
      this.keyEnd = colon;
    } else if (first === SINGLE_QUOTE) {
      this.keyValue = this.singleQuoted(at);
      this.keyEnd = colon;
    } else {
      let end = colon;
      while (this.text.charCodeAt(end - 1) === SPACE) end--;
      if (end === at) outside();
      this.checkPlainStart(at, false);
      this.keyValue = resolvePlainScalar(this.text.slice(at, end));
      this.keyEnd = end;
    }
  }

  // --- values on one line --------------------------------------------------------------------

  /** A scalar or flow collection starting at `at`, alone on the rest of its line (bar a comment). */
  private lineValue(at: number, path: string, depth: number): unknown {
    const text = this.text;
    const first = text.charCodeAt(at);
    let value: unknown;
    if (first === OPEN_BRACKET || first === OPEN_BRACE) {
      value = this.flowCollection(at, path, depth);
    } else if (first === DOUBLE_QUOTE || first === SINGLE_QUOTE) {
      value = first === DOUBLE_QUOTE ? this.doubleQuoted(at) : this.singleQuoted(at);
      this.span(path, at, this.tokenEnd, depth);
    } else {
      this.checkPlainStart(at, false);
      let end = at;
      for (let i = at; i < this.lineEnd; i++) {
        const code = text.charCodeAt(i);
        if (code === SPACE) {
          if (text.charCodeAt(i + 1) === HASH) break;
          continue;
        }
        // `key: a: b` is a nested mapping in a compact one: an error the library reports.
        if (code === COLON && (i + 1 === this.lineEnd || text.charCodeAt(i + 1) === SPACE)) outside();
        end = i + 1;
      }
      value = resolvePlainScalar(text.slice(at, end));
      this.span(path, at, end, depth);
      return value;
    }
    // After a quoted scalar or a flow collection: only spaces and a comment may follow.
    const rest = this.skipSpaces(this.tokenEnd);
    if (rest < this.lineEnd && (text.charCodeAt(rest) !== HASH || rest === this.tokenEnd)) outside();
    return value;
  }

  private checkPlainStart(at: number, flow: boolean): void {
    const first = this.text.charCodeAt(at);
    if (NOT_PLAIN_START.has(first)) outside();
    if (first === DASH) {
      const next = this.text.charCodeAt(at + 1);
      if (at + 1 >= this.lineEnd || next === SPACE || (flow && isFlowIndicator(next))) outside();
    }
  }

  /** Index after the closing quote of the double-quoted scalar at `at`, or -1 if not on this line. */
  private doubleQuotedEnd(at: number): number {
    const text = this.text;
    for (let i = at + 1; i < this.lineEnd; i++) {
      const code = text.charCodeAt(i);
      if (code === BACKSLASH) i++;
      else if (code === DOUBLE_QUOTE) return i + 1;
    }
    return -1;
  }

  private singleQuotedEnd(at: number): number {
    const text = this.text;
    for (let i = at + 1; i < this.lineEnd; i++) {
      if (text.charCodeAt(i) === SINGLE_QUOTE) {
        if (text.charCodeAt(i + 1) === SINGLE_QUOTE) i++;
        else return i + 1;
      }
    }
    return -1;
  }

  /** The value of the double-quoted scalar at `at`; sets tokenEnd. */
  private doubleQuoted(at: number): string {
    const end = this.doubleQuotedEnd(at);
    if (end === -1) outside();
    this.tokenEnd = end;
    const text = this.text;
    const body = text.slice(at + 1, end - 1);
    if (!body.includes("\\")) return body;
    let out = "";
    for (let i = 0; i < body.length; i++) {
      const ch = body[i]!;
      if (ch !== "\\") {
        out += ch;
        continue;
      }
      const next = body[++i]!;
      const simple = ESCAPES[next];
      if (simple !== undefined) {
        out += simple;
        continue;
      }
      const digits = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
      const hex = body.slice(i + 1, i + 1 + digits);
      if (digits === 0 || hex.length !== digits || !HEX_DIGITS.test(hex)) outside();
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) outside();
      out += String.fromCodePoint(code);
      i += digits;
    }
    return out;
  }

  /** The value of the single-quoted scalar at `at`; sets tokenEnd. */
  private singleQuoted(at: number): string {
    const end = this.singleQuotedEnd(at);
    if (end === -1) outside();
    this.tokenEnd = end;
    return this.text.slice(at + 1, end - 1).replaceAll("''", "'");
  }

  // --- flow collections (on one line) --------------------------------------------------------

  /** The flow mapping or sequence at `at`; sets tokenEnd after its closing bracket. */
  private flowCollection(at: number, path: string, depth: number): unknown {
    const text = this.text;
    const span = this.span(path, at, at, depth);
    const isMap = text.charCodeAt(at) === OPEN_BRACE;
    const close = isMap ? CLOSE_BRACE : CLOSE_BRACKET;
    let i = this.skipSpaces(at + 1);
    const out: unknown = isMap ? {} : [];
    const seen = new Map<string, string>();
    if (text.charCodeAt(i) === close) {
      this.tokenEnd = span.end = i + 1;
      return out;
    }
    for (let index = 0; ; index++) {
      if (i >= this.lineEnd) outside();
      if (isMap) {
        i = this.flowKey(i);
        const childPath = this.enterKey(path, seen);
        const key = this.enteredKey;
        const recording = this.recording;
        if (childPath === undefined) this.recording = false;
        const value = this.flowValue(i, childPath ?? path, depth + 1);
        this.recording = recording;
        if (childPath !== undefined) define(out as Record<string, unknown>, key, value);
      } else {
        (out as unknown[]).push(this.flowValue(i, `${path}[${index}]`, depth + 1));
      }
      i = this.skipSpaces(this.tokenEnd);
      const code = text.charCodeAt(i);
      if (i < this.lineEnd && code === close) break;
      if (i >= this.lineEnd || code !== COMMA) outside();
      i = this.skipSpaces(i + 1);
      if (i >= this.lineEnd || text.charCodeAt(i) === close) outside(); // trailing comma: leave it
    }
    this.tokenEnd = span.end = i + 1;
    return out;
  }

  /** Reads a flow mapping key at `at` into keyValue/keyStart/keyEnd; returns where its value starts. */
  private flowKey(at: number): number {
    const text = this.text;
    const first = text.charCodeAt(at);
    this.keyStart = at;
    let colon: number;
    if (first === DOUBLE_QUOTE || first === SINGLE_QUOTE) {
      this.keyValue = first === DOUBLE_QUOTE ? this.doubleQuoted(at) : this.singleQuoted(at);
      this.keyEnd = this.tokenEnd;
      colon = this.skipSpaces(this.tokenEnd);
    } else if (first === OPEN_BRACKET || first === OPEN_BRACE) {
      outside();
    } else {
      const end = this.flowPlainEnd(at);
      this.keyValue = resolvePlainScalar(text.slice(at, end));
      this.keyEnd = end;
      colon = this.skipSpaces(end);
    }
    if (colon - at > MAX_KEY_LENGTH || text.charCodeAt(colon) !== COLON || colon >= this.lineEnd) outside();
    // A plain key needs a space after its colon (`a:b` is one scalar); values must not be empty.
    const value = this.skipSpaces(colon + 1);
    if (value === colon + 1 && !(first === DOUBLE_QUOTE || first === SINGLE_QUOTE)) outside();
    if (value >= this.lineEnd) outside();
    return value;
  }

  /** A value inside a flow collection: a scalar or a nested flow collection. */
  private flowValue(at: number, path: string, depth: number): unknown {
    const text = this.text;
    const first = text.charCodeAt(at);
    if (first === OPEN_BRACKET || first === OPEN_BRACE) return this.flowCollection(at, path, depth);
    let value: unknown;
    if (first === DOUBLE_QUOTE || first === SINGLE_QUOTE) {
      value = first === DOUBLE_QUOTE ? this.doubleQuoted(at) : this.singleQuoted(at);
    } else {
      const end = this.flowPlainEnd(at);
      // A plain scalar ending at `: ` would be a key: an implicit pair, left to the library.
      if (text.charCodeAt(end) === COLON || text.charCodeAt(this.skipSpaces(end)) === COLON) outside();
      value = resolvePlainScalar(text.slice(at, end));
      this.tokenEnd = end;
    }
    this.span(path, at, this.tokenEnd, depth);
    return value;
  }

  /** End (trailing spaces excluded) of the plain scalar at `at` inside a flow collection. */
  private flowPlainEnd(at: number): number {
    const text = this.text;
    this.checkPlainStart(at, true);
    let end = at;
    for (let i = at; ; i++) {
      if (i >= this.lineEnd) outside(); // flow collections left open at the end of the line
      const code = text.charCodeAt(i);
      if (isFlowIndicator(code)) break;
      if (code === SPACE) {
        if (text.charCodeAt(i + 1) === HASH) outside();
        continue;
      }
      if (code === COLON) {
        const next = text.charCodeAt(i + 1);
        if (i + 1 >= this.lineEnd || next === SPACE || isFlowIndicator(next)) break;
      }
      end = i + 1;
    }
    if (end === at) outside();
    return end;
  }
}

/**
 * Sets a key as the library path's `Object.defineProperty` does. Plain assignment makes the same
 * property on a fresh object for every key but `__proto__` (the one setter on `Object.prototype`),
 * and keeps objects in V8's fast mode, which makes everything that reads them later faster.
 */
function define(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
