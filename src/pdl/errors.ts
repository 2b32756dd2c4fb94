/** Errors of the PDL layer. */
import { PersonasError } from "../errors.js";
import { type Diagnostic, formatDiagnostic, SourceMap } from "./diagnostics.js";

/**
 * Thrown by `parsePersona` when a persona document has errors. Carries every diagnostic (errors
 * and warnings) at once; `message` is the formatted report with snippets.
 */
export class PersonaValidationError extends PersonasError {
  readonly diagnostics: readonly Diagnostic[];
  readonly file: string;

  constructor(file: string, diagnostics: readonly Diagnostic[], sourceText?: string) {
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    const source = sourceText === undefined ? undefined : new SourceMap(sourceText);
    const report = diagnostics.map((d) => formatDiagnostic(d, source)).join("\n");
    super("PDL_INVALID", `${file}: ${errors} error${errors === 1 ? "" : "s"} in persona\n${report}`);
    this.diagnostics = diagnostics;
    this.file = file;
  }
}

/**
 * Thrown before parsing when a persona, mapping or test file is larger than the input cap
 * (`maxInputBytes`, default 1 MiB): YAML parsers need memory and time far beyond the input's size
 * (a 44 MB flow-style document took over 60 s and 4.4 GB), so a size check is the only safe bound.
 */
export class InputTooLargeError extends PersonasError {
  /** The file, path or URL read. */
  readonly file: string;
  /** Its size in bytes, or at least this many when the read stopped at the cap. */
  readonly bytes: number;
  /** The cap in bytes. */
  readonly limit: number;

  constructor(file: string, bytes: number, limit: number, options?: { cause?: unknown; atLeast?: boolean }) {
    super(
      "INPUT_TOO_LARGE",
      `${file} is ${options?.atLeast ? "more than " : ""}${bytes} bytes, above the ${limit}-byte limit on persona and mapping inputs; nothing was parsed. Make it smaller, or raise the limit (maxInputBytes, or PERSONAS_MAX_INPUT_BYTES for the personas command).`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.file = file;
    this.bytes = bytes;
    this.limit = limit;
  }
}
