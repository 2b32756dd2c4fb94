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
