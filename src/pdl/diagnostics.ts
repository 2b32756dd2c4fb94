/**
 * Diagnostics: one problem in a persona or mapping file, with its position, a caret snippet and a
 * next step. Every PDL problem is reported this way, all at once, sorted by position.
 */

/** How serious a diagnostic is; only errors make a document invalid. */
export type Severity = "error" | "warning";

/** One problem found in a source document. */
export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. `unknown-key`, `unknown-action`. */
  code: string;
  /** What is wrong, in one sentence. */
  message: string;
  /** What to do about it (accepted forms, the nearest valid name, ...). */
  hint?: string;
  /** The file name as given by the caller, or `<input>`. */
  file: string;
  /** 1-based line and column of the start of the offending text. */
  line: number;
  column: number;
  /** Length of the offending text on its line (for the caret underline); at least 1. */
  length: number;
  /** The path to the value in the document, e.g. `telemetryTriggers[0].condition`. */
  path: string;
}

/** Maps character offsets in a source text to 1-based line and column numbers. */
export class SourceMap {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    this.lineStarts = [0];
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.lineStarts.push(i + 1);
  }

  /** Returns the 1-based line and column of `offset`. */
  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low]! + 1 };
  }

  /** Returns the text of the 1-based line `line`, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, "");
  }
}

/**
 * Orders diagnostics by file, line and column, so reports read top to bottom.
 * @internal
 */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/**
 * Formats one diagnostic the way compilers do:
 *
 * ```
 * HighTraffic.yaml:14:15: error: unknown action 'Scale upp to 16 cores'
 *    14 |       Action: Scale upp to 16 cores
 *       |               ^^^^^^^^^^^^^^^^^^^^^
 *   hint: did you mean 'Scale up to 16 cores'?
 * ```
 */
export function formatDiagnostic(diagnostic: Diagnostic, source?: SourceMap): string {
  const head = `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity}: ${diagnostic.message}`;
  const lines = [head];
  if (source) {
    const text = source.lineText(diagnostic.line);
    const gutter = String(diagnostic.line).padStart(5);
    const width = Math.max(1, Math.min(diagnostic.length, text.length - diagnostic.column + 1));
    lines.push(`${gutter} | ${text}`);
    lines.push(`${" ".repeat(gutter.length)} | ${" ".repeat(diagnostic.column - 1)}${"^".repeat(width)}`);
  }
  if (diagnostic.hint) lines.push(`  hint: ${diagnostic.hint}`);
  return lines.join("\n");
}
