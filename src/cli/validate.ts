/** `personas validate <files or folders...>`: check persona files; exit 0 valid, 1 invalid. */
import { type Diagnostic, formatDiagnostic, SourceMap } from "../pdl/diagnostics.js";
import { InputTooLargeError } from "../pdl/errors.js";
import type { Persona } from "../pdl/model.js";
import { inputTooLargeDiagnostic, validatePersonaText } from "../pdl/parse.js";
import { cliInputLimits, expandPaths, readInputFile } from "./files.js";
import type { CommandResult } from "./main.js";

export interface ValidateOptions {
  paths: string[];
  format: "text" | "json";
  /** Also print each valid persona's normalised model. */
  print: boolean;
}

interface FileReport {
  file: string;
  valid: boolean;
  persona?: Persona;
  diagnostics: Diagnostic[];
}

export function validateCommand(options: ValidateOptions): CommandResult {
  const reports: FileReport[] = [];
  const lines: string[] = [];
  for (const file of expandPaths(options.paths)) {
    let text: string;
    try {
      text = readInputFile(file, "persona file");
    } catch (error) {
      if (!(error instanceof InputTooLargeError)) throw error;
      // One oversized file is one invalid file: the others are still checked.
      const diagnostic = inputTooLargeDiagnostic(error);
      reports.push({ file, valid: false, diagnostics: [diagnostic] });
      lines.push(formatDiagnostic(diagnostic), `✘ ${file}: 1 error`);
      continue;
    }
    const outcome = validatePersonaText(text, { file, ...cliInputLimits() });
    const report: FileReport = { file, valid: outcome.valid, diagnostics: outcome.diagnostics };
    if (outcome.persona) report.persona = outcome.persona;
    reports.push(report);
    const source = new SourceMap(text);
    for (const diagnostic of outcome.diagnostics) lines.push(formatDiagnostic(diagnostic, source));
    if (outcome.persona) {
      const p = outcome.persona;
      lines.push(`✔ ${file}: ${p.name}${p.version ? `@${p.version}` : ""} — ${summary(p)}`);
      if (options.print) lines.push(JSON.stringify(p, null, 2));
    } else {
      const errors = outcome.diagnostics.filter((d) => d.severity === "error").length;
      lines.push(`✘ ${file}: ${errors} error${errors === 1 ? "" : "s"}`);
    }
  }
  const valid = reports.every((r) => r.valid);
  const output =
    options.format === "json"
      ? JSON.stringify({ valid, files: reports }, null, 2)
      : [...lines, reports.length === 0 ? "no persona files found" : ""].join("\n");
  return { exitCode: reports.length === 0 ? 2 : valid ? 0 : 1, stdout: `${output.trimEnd()}\n` };
}

function summary(persona: Persona): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  return [
    count(persona.software.length, "package"),
    count(persona.triggers.length, "trigger"),
    count(persona.sources.length, "source"),
    count(persona.responses.length, "response"),
  ].join(", ");
}
