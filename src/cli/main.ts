#!/usr/bin/env node
/**
 * The `personas` command. Each subcommand is a function returning its output and exit code, so
 * tests call them in-process; this file only parses arguments and prints.
 *
 * Exit codes: 0 success, 1 the input is invalid (or a check failed), 2 usage error.
 */
import { parseArgs } from "node:util";
import { PersonasError } from "../errors.js";
import { personaJsonSchema } from "../pdl/json-schema.js";
import { UsageError } from "./errors.js";
import { validateCommand } from "./validate.js";

/** What a command prints and how the process ends. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr?: string;
}

const USAGE = `Usage: personas <command> [options]

Commands:
  validate <files or folders...>   check persona files (exit 0 valid, 1 invalid, 2 usage)
      --format text|json             output format (default text)
      --print                        also print each persona's normalised model
  schema                           print the JSON Schema of persona files

Options:
  -h, --help                       show this help
`;

/** Runs the CLI with `argv` (without node and script) and returns what to print. */
export function run(argv: readonly string[]): CommandResult {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case "validate": {
        const { values, positionals } = parse(rest, { format: { type: "string", default: "text" }, print: { type: "boolean", default: false } });
        if (positionals.length === 0) throw new UsageError("validate needs at least one file or folder");
        return validateCommand({ paths: positionals, format: outputFormat(values.format), print: values.print === true });
      }
      case "schema":
        parse(rest, {});
        return { exitCode: 0, stdout: `${JSON.stringify(personaJsonSchema(), null, 2)}\n` };
      case undefined:
      case "-h":
      case "--help":
      case "help":
        return { exitCode: command === undefined ? 2 : 0, stdout: USAGE };
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) return { exitCode: 2, stdout: "", stderr: `personas: ${error.message}\n\n${USAGE}` };
    if (error instanceof PersonasError) return { exitCode: 1, stdout: "", stderr: `personas: ${error.message}\n` };
    throw error;
  }
}

type OptionSpec = Record<string, { type: "string" | "boolean"; default?: string | boolean; short?: string }>;

function parse(args: readonly string[], options: OptionSpec) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function outputFormat(value: unknown): "text" | "json" {
  if (value === "text" || value === "json") return value;
  throw new UsageError(`--format must be 'text' or 'json', not '${String(value)}'`);
}

if (require.main === module) {
  // `personas schema | head` closes the pipe early; that is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  const result = run(process.argv.slice(2));
  process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
