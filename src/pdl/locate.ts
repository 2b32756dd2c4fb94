/**
 * Locating problems in YAML sources: turns a path into a diagnostic at the right line and column,
 * and words values and expected types for messages. Shared by every YAML format the package reads
 * (persona files, mapping files), so their errors look and point the same.
 */
import type { Diagnostic, SourceMap } from "./diagnostics.js";
import { type Path, pathKey, type SourceDocument, type Span } from "./source.js";

/** A value as messages name it: "a list", "the text 'x'". */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value} ${String(value)}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: "text",
  record: "a mapping",
  number: "a number",
  int: "a whole number",
  object: "a mapping",
  array: "a list",
  boolean: "true or false",
};

/** zod's expected type(s) in words: "text or a number". */
export function typeName(expected: string): string {
  return expected
    .split(" or ")
    .map((t) => TYPE_NAMES[t] ?? t)
    .join(" or ");
}

/** Makes located diagnostics for one source. */
export interface Locator {
  path(path: Path, code: string, message: string, hint?: string): Diagnostic;
  key(path: Path, code: string, message: string, hint?: string): Diagnostic;
  span(span: Span, code: string, message: string, hint?: string): Diagnostic;
  /** The key at the end of `path` as the user wrote it, when it differs from the canonical one. */
  written(path: Path): string | undefined;
}

/** A locator for `file`; without `map` (objects, not text) diagnostics carry paths and 0:0. */
export function locator(
  file: string,
  map: SourceMap | undefined,
  source: SourceDocument | undefined,
): Locator {
  const make = (
    span: Span | undefined,
    code: string,
    message: string,
    hint: string | undefined,
    path: Path,
  ): Diagnostic => {
    // Text without a located value (an empty document) points at its start; objects have no lines (0:0).
    const start = span && map ? map.position(span.start) : { line: map ? 1 : 0, column: map ? 1 : 0 };
    const end = span && map ? map.position(span.end) : start;
    const length = end.line === start.line ? Math.max(1, end.column - start.column) : 1;
    const diagnostic: Diagnostic = {
      severity: "error",
      code,
      message,
      file,
      line: start.line,
      column: start.column,
      length,
      path: pathKey(path),
    };
    if (hint !== undefined && hint !== "") diagnostic.hint = hint;
    return diagnostic;
  };
  // The nearest enclosing value that has a position (a missing key points at its parent).
  const nearestSpan = (path: Path): Span | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const span = source?.valueSpans.get(pathKey(path.slice(0, n)));
      if (span) return span;
    }
    return undefined;
  };
  return {
    path: (path, code, message, hint) => make(nearestSpan(path), code, message, hint, path),
    key: (path, code, message, hint) =>
      make(source?.keySpans.get(pathKey(path)) ?? nearestSpan(path), code, message, hint, path),
    span: (span, code, message, hint) => make(span, code, message, hint, []),
    written: (path) => source?.writtenKeys.get(pathKey(path)),
  };
}
