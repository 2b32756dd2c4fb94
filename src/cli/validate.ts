/**
 * `personas validate <files or folders...> [--mapping <file or folder>]`: check persona files and
 * mapping files; exit 0 valid (warnings allowed), 1 invalid, 2 usage (nothing to check).
 */
import { type Diagnostic, formatDiagnostic, SourceMap } from "../pdl/diagnostics.js";
import { InputTooLargeError } from "../pdl/errors.js";
import type { Persona } from "../pdl/model.js";
import { inputTooLargeDiagnostic, validatePersonaText } from "../pdl/parse.js";
import { MappingValidationError } from "../resolve/errors.js";
import { parseMapping } from "../resolve/mapping.js";
import { unmatchableRules } from "../resolve/mapping-lint.js";
import { cliInputLimits, expandPaths, type FileKind, readInputFile, skippedNote } from "./files.js";
import type { CommandResult } from "./main.js";
import { missingVersionWarning } from "./persona-file.js";

export interface ValidateOptions {
  /** Persona files and folders. */
  paths: string[];
  /** Mapping files and folders (`--mapping`). @default [] */
  mappings?: string[] | undefined;
  format: "text" | "json";
  /** Also print each valid persona's normalised model. */
  print: boolean;
}

interface FileReport {
  file: string;
  kind: "persona" | "mapping";
  valid: boolean;
  persona?: Persona;
  /** For mappings: how many rules the file has. */
  rules?: number;
  diagnostics: Diagnostic[];
}

export function validateCommand(options: ValidateOptions): CommandResult {
  const reports: FileReport[] = [];
  const lines: string[] = [];
  const skipped: string[] = [];
  const each = (paths: readonly string[], kind: FileKind, check: (file: string, text: string) => void) => {
    if (paths.length === 0) return;
    const found = expandPaths(paths, kind);
    skipped.push(...found.skipped);
    for (const file of found.files) {
      let text: string;
      try {
        text = readInputFile(file, `${kind} file`);
      } catch (error) {
        if (!(error instanceof InputTooLargeError)) throw error;
        // One oversized file is one invalid file: the others are still checked.
        const diagnostic = inputTooLargeDiagnostic(error);
        reports.push({
          file,
          kind: kind === "mapping" ? "mapping" : "persona",
          valid: false,
          diagnostics: [diagnostic],
        });
        lines.push(formatDiagnostic(diagnostic), `✘ ${file}: 1 error`);
        continue;
      }
      check(file, text);
    }
  };
  each(options.paths, "persona", (file, text) => {
    const outcome = validatePersonaText(text, { file, ...cliInputLimits() });
    const diagnostics = [...outcome.diagnostics];
    if (outcome.persona?.version === undefined && outcome.persona)
      diagnostics.push(missingVersionWarning(outcome.persona, file, text));
    const report: FileReport = { file, kind: "persona", valid: outcome.valid, diagnostics };
    if (outcome.persona) report.persona = outcome.persona;
    reports.push(report);
    const source = new SourceMap(text);
    for (const diagnostic of diagnostics) lines.push(formatDiagnostic(diagnostic, source));
    if (outcome.persona) {
      const p = outcome.persona;
      lines.push(`✔ ${file}: ${p.name}${p.version ? `@${p.version}` : ""} — ${summary(p)}`);
      if (options.print) lines.push(JSON.stringify(p, null, 2));
    } else lines.push(`✘ ${file}: ${errorCount(diagnostics)}`);
  });
  each(options.mappings ?? [], "mapping", (file, text) => {
    const source = new SourceMap(text);
    try {
      const mapping = parseMapping(text, { file, ...cliInputLimits() });
      const diagnostics = unmatchableRules(mapping);
      reports.push({ file, kind: "mapping", valid: true, rules: mapping.rules.length, diagnostics });
      for (const diagnostic of diagnostics) lines.push(formatDiagnostic(diagnostic, source));
      const warnings = diagnostics.length === 0 ? "" : `, ${count(diagnostics.length, "warning")}`;
      lines.push(`✔ ${file}: mapping — ${count(mapping.rules.length, "rule")}${warnings}`);
    } catch (error) {
      if (!(error instanceof MappingValidationError)) throw error;
      const diagnostics = [...error.diagnostics];
      reports.push({ file, kind: "mapping", valid: false, diagnostics });
      for (const diagnostic of diagnostics) lines.push(formatDiagnostic(diagnostic, source));
      lines.push(`✘ ${file}: ${errorCount(diagnostics)}`);
    }
  });
  const valid = reports.every((r) => r.valid);
  const read = new Set(reports.map((r) => r.file));
  const leftOut = [...new Set(skipped)].filter((file) => !read.has(file));
  const note = skippedNote(leftOut);
  const output =
    options.format === "json"
      ? JSON.stringify({ valid, files: reports, skipped: leftOut }, null, 2)
      : [...lines, reports.length === 0 ? "no persona or mapping files found" : "", note].join("\n");
  return { exitCode: reports.length === 0 ? 2 : valid ? 0 : 1, stdout: `${output.trim()}\n` };
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

function errorCount(diagnostics: readonly Diagnostic[]): string {
  return count(diagnostics.filter((d) => d.severity === "error").length, "error");
}

function summary(persona: Persona): string {
  return [
    count(persona.software.length, "package"),
    count(persona.triggers.length, "trigger"),
    count(persona.sources.length, "source"),
    count(persona.responses.length, "response"),
  ].join(", ");
}
