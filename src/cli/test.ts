/**
 * `personas test <files or folders...>`: run persona test files (promtool-style YAML, see
 * docs/simulation.md). Exit 0 when every case passes, 1 when any fails (with a diff), 2 on usage.
 */
import { parse as parseYaml } from "yaml";
import { PersonaTestFileError } from "../sim/errors.js";
import { type PersonaTestReport, runPersonaTestFile } from "../sim/persona-test.js";
import { expandPaths, readInputFile } from "./files.js";
import type { CommandResult } from "./main.js";
import { directoryOf, loadPersonaPlan } from "./simulate.js";

/** Options of `personas test`. */
export interface TestCommandOptions {
  paths: string[];
  format: "text" | "json";
  /** A persona directory for repository references. @default the embedded personas/ */
  personas?: string | undefined;
}

/** Runs `personas test`. */
export function testCommand(options: TestCommandOptions): CommandResult {
  const reports: PersonaTestReport[] = [];
  const lines: string[] = [];
  const { files } = expandPaths(options.paths, "test");
  for (const file of files) {
    let data: unknown;
    try {
      data = parseYaml(readInputFile(file, "persona test file"));
    } catch (error) {
      throw new PersonaTestFileError(file, `not valid YAML (${(error as Error).message})`, { cause: error });
    }
    const report = runPersonaTestFile(data, file, (persona) =>
      loadPersonaPlan(persona, directoryOf(file), options.personas),
    );
    reports.push(report);
    for (const result of report.results) {
      lines.push(`${result.passed ? "✔" : "✘"} ${file} › ${result.name}`);
      for (const failure of result.failures) lines.push(`    ${failure.replace(/\n/g, "\n    ")}`);
    }
  }
  const all = reports.flatMap((r) => r.results);
  const failed = all.filter((r) => !r.passed).length;
  if (options.format === "json") {
    return {
      exitCode: files.length === 0 ? 2 : failed > 0 ? 1 : 0,
      stdout: `${JSON.stringify({ passed: failed === 0, files: reports }, null, 2)}\n`,
    };
  }
  if (files.length === 0) return { exitCode: 2, stdout: "no test files found\n" };
  lines.push(
    "",
    `${all.length - failed} passed, ${failed} failed, in ${files.length} file${files.length === 1 ? "" : "s"}`,
  );
  return { exitCode: failed > 0 ? 1 : 0, stdout: `${lines.join("\n")}\n` };
}
