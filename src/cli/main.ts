#!/usr/bin/env node
/**
 * The `personas` command. Each subcommand is a function returning its output and exit code, so
 * tests call them in-process; this file only parses arguments and prints.
 *
 * Exit codes: 0 success, 1 the input is invalid (or a check failed), 2 usage error.
 */
import { parseArgs } from "node:util";
import { PersonasError } from "../errors.js";
import { packageVersion } from "../package-root.js";
import { personaJsonSchema } from "../pdl/json-schema.js";
import { nearest } from "../pdl/suggest.js";
import { mappingJsonSchema } from "../resolve/mapping-schema.js";
import { demoCommand } from "./demo.js";
import { UsageError } from "./errors.js";
import { explainCommand } from "./explain.js";
import { COMMANDS, commandHelp, commandPrefix, findCommand, globalHelp, usageLine } from "./help.js";
import { packagedFile } from "./package.js";
import { planCommandSync } from "./plan.js";
import { publishCommand } from "./publish.js";
import { type SimulateFlags, simulateCommand } from "./simulate.js";
import { testCommand } from "./test.js";
import { validateCommand } from "./validate.js";

/** What a command prints and how the process ends. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr?: string;
}

/** Runs the CLI with `argv` (without node and script) and returns what to print. */
export function run(argv: readonly string[]): CommandResult {
  const [command, ...rest] = argv;
  try {
    const early = helpOrVersion(command, rest);
    if (early) return early;
    switch (command) {
      case "validate": {
        const { values, positionals } = parse(rest, {
          mapping: { type: "string", multiple: true },
          format: { type: "string", default: "text" },
          print: { type: "boolean", default: false },
        });
        const mappings = (values.mapping ?? []) as string[];
        if (positionals.length === 0 && mappings.length === 0)
          throw new UsageError("needs at least one file or folder");
        return validateCommand({
          paths: positionals,
          mappings,
          format: outputFormat(values.format),
          print: values.print === true,
        });
      }
      case "explain": {
        const { values, positionals } = parse(rest, {
          tags: { type: "string" },
          "instance-file": { type: "string" },
          id: { type: "string" },
          mapping: { type: "string" },
          personas: { type: "string" },
          cloud: { type: "string" },
          format: { type: "string", default: "text" },
        });
        if (positionals.length > 0)
          throw new UsageError(`takes no arguments, got '${positionals.join(" ")}'`);
        if (values.cloud !== undefined && values.cloud !== "aws" && values.cloud !== "azure")
          throw new UsageError(`--cloud must be 'aws' or 'azure', not '${values.cloud}'`);
        return explainCommand({
          format: outputFormat(values.format),
          ...(values.tags === undefined ? {} : { tags: String(values.tags) }),
          ...(values["instance-file"] === undefined ? {} : { instanceFile: String(values["instance-file"]) }),
          ...(values.id === undefined ? {} : { id: String(values.id) }),
          ...(values.mapping === undefined ? {} : { mapping: String(values.mapping) }),
          ...(values.personas === undefined ? {} : { personas: String(values.personas) }),
          ...(values.cloud === undefined ? {} : { cloud: values.cloud }),
        });
      }
      case "publish":
        throw new UsageError("publish talks to S3 and runs through runAsync");
      case "simulate": {
        const { values, positionals } = parse(rest, {
          scenario: { type: "string" },
          params: { type: "string" },
          telemetry: { type: "string" },
          seed: { type: "string", default: "1" },
          duration: { type: "string" },
          "initial-size": { type: "string" },
          out: { type: "string" },
          format: { type: "string", default: "text" },
          personas: { type: "string" },
          effect: { type: "string", multiple: true },
          fleet: { type: "string" },
          "alarm-topology": { type: "string" },
        });
        if (positionals.length !== 1) throw new UsageError("needs exactly one persona file or reference");
        return simulateCommand({
          ...(values as SimulateFlags),
          persona: positionals[0]!,
          format: outputFormat(values.format),
        });
      }
      case "test": {
        const { values, positionals } = parse(rest, {
          format: { type: "string", default: "text" },
          personas: { type: "string" },
        });
        if (positionals.length === 0) throw new UsageError("needs at least one test file or folder");
        return testCommand({
          paths: positionals,
          format: outputFormat(values.format),
          personas: values.personas as string | undefined,
        });
      }
      case "demo": {
        const { values } = parse(rest, {
          out: { type: "string", default: "out" },
          seed: { type: "string" },
        });
        const seedFile =
          values.seed === undefined ? packagedFile("examples", "HighTraffic.yaml") : String(values.seed);
        return demoCommand({ outDir: String(values.out), seedFile });
      }
      case "plan":
        return planCommandSync(rest);
      case "schema": {
        const { values, positionals } = parse(rest, { mapping: { type: "boolean", default: false } });
        if (positionals.length > 0)
          throw new UsageError(`takes no arguments, got '${positionals.join(" ")}'`);
        const schema = values.mapping === true ? mappingJsonSchema() : personaJsonSchema();
        return { exitCode: 0, stdout: `${JSON.stringify(schema, null, 2)}\n` };
      }
      default:
        throw new UsageError(unknownCommandMessage(String(command)));
    }
  } catch (error) {
    return failure(error, command);
  }
}

/** `--help`, `-h`, `help [command]`, `--version`, `-V`: answered before any command runs. */
function helpOrVersion(command: string | undefined, rest: readonly string[]): CommandResult | undefined {
  if (command === undefined) return { exitCode: 2, stdout: "", stderr: globalHelp() };
  if (command === "--version" || command === "-V" || command === "version")
    return { exitCode: 0, stdout: `${packageVersion()}\n` };
  if (command === "--help" || command === "-h") return { exitCode: 0, stdout: globalHelp() };
  if (command === "help") {
    const topic = rest[0];
    if (topic === undefined) return { exitCode: 0, stdout: globalHelp() };
    const help = findCommand(topic);
    if (!help) throw new UsageError(unknownCommandMessage(topic));
    return { exitCode: 0, stdout: commandHelp(help) };
  }
  const help = findCommand(command);
  if (help && (rest.includes("--help") || rest.includes("-h")))
    return { exitCode: 0, stdout: commandHelp(help) };
  return undefined;
}

function unknownCommandMessage(command: string): string {
  const close = nearest(
    command,
    COMMANDS.map((c) => c.name),
  );
  return `unknown command '${command}'${close ? ` (did you mean '${close}'?)` : ""}`;
}

/** Runs the CLI like {@link run}, awaiting the commands that talk to the network (`publish`). */
export async function runAsync(argv: readonly string[]): Promise<CommandResult> {
  const [command, ...rest] = argv;
  if (command !== "publish" || rest.includes("--help") || rest.includes("-h")) return run(argv);
  try {
    const { values, positionals } = parse(rest, {
      bucket: { type: "string" },
      prefix: { type: "string" },
      region: { type: "string" },
      endpoint: { type: "string" },
    });
    if (positionals.length !== 1 || values.bucket === undefined)
      throw new UsageError("needs one persona directory and --bucket <bucket>");
    return await publishCommand({
      dir: positionals[0]!,
      bucket: String(values.bucket),
      ...(values.prefix === undefined ? {} : { prefix: String(values.prefix) }),
      ...(values.region === undefined ? {} : { region: String(values.region) }),
      ...(values.endpoint === undefined ? {} : { endpoint: String(values.endpoint) }),
    });
  } catch (error) {
    return failure(error, command);
  }
}

/**
 * A failed command as one line: usage errors end with where to read the command's options; other
 * known errors already say what to do next.
 */
function failure(error: unknown, command: string | undefined): CommandResult {
  if (error instanceof UsageError)
    return { exitCode: 2, stdout: "", stderr: usageLine(command, error.message) };
  if (error instanceof PersonasError)
    return { exitCode: 1, stdout: "", stderr: `${commandPrefix(command)}: ${error.message}\n` };
  throw error;
}

type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; default?: string | boolean; short?: string; multiple?: boolean }
>;

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
  void runAsync(process.argv.slice(2)).then((result) => {
    process.stdout.write(result.stdout);
    if (result.stderr) process.stderr.write(result.stderr);
    process.exitCode = result.exitCode;
  });
}
