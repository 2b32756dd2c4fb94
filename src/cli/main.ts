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
import { demoCommand } from "./demo.js";
import { UsageError } from "./errors.js";
import { explainCommand } from "./explain.js";
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

const USAGE = `Usage: personas <command> [options]

Commands:
  demo                             the whole idea offline: validate the seed, resolve, plan, simulate a day
      --out <dir>                    where the report goes (default out/)
  validate <files or folders...>   check persona files (exit 0 valid, 1 invalid, 2 usage)
      --format text|json             output format (default text)
      --print                        also print each persona's normalised model
  schema                           print the JSON Schema of persona files
  plan <program.ts or persona file>
                                   the resources \`pulumi up\` would create, offline (Pulumi's mock engine)
      --tag k=v                      a tag of every instance, repeatable (persona files)
      --instances <n>                instances in the fleet (default 1; persona files)
      --fleet <name>                 fleet name (default fleet; persona files)
      --web-acl-arn <arn>            web ACL for list feeds (default a placeholder; persona files)
      --format text|json|mermaid     output format (default text)
  simulate <persona file or Name@range>
                                   replay telemetry through the persona's plan and print the timeline
      --scenario steady|spike|ramp|flapping|outage|feed-outage|day   built-in scenario (default day)
      --params k=v,...               scenario parameters (at=10m,level=95,metric=cpu, ...)
      --telemetry <file.csv|.json>   replay a time series instead of a scenario
      --seed <n>                     seed of the scenario (default 1)
      --duration <d>                 how long to simulate (e.g. 6h; default the scenario's or file's)
      --initial-size <size>          instance size at the start (default the persona's baseline)
      --out <dir>                    also write index.html, one SVG per trigger, timeline.txt/json
      --format text|json             output format (default text)
  test <files or folders...>       run persona test files (exit 0 pass, 1 fail, 2 usage)
      --format text|json             output format (default text)
      --personas <dir>               persona directory for Name@range references (default personas/)
  explain --tags k=v,...           which persona an instance gets, and where each field comes from
      --instance-file <file>         explain many instances (YAML/JSON list of { id, tags })
      --id <name>                    the instance's name with --tags (default "instance")
      --mapping <file>               mapping file (default the embedded personas/mapping.yaml)
      --personas <dir>               persona directory (default the embedded personas/)
      --cloud aws|azure              also choose a size
      --format text|json             output format (default text)
  publish <dir> --bucket <bucket>  publish a persona directory to an S3 repository
      --prefix <prefix>              key prefix (default personas/)
      --region <region>, --endpoint <url>

Options:
  -h, --help                       show this help
`;

/** Runs the CLI with `argv` (without node and script) and returns what to print. */
export function run(argv: readonly string[]): CommandResult {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case "validate": {
        const { values, positionals } = parse(rest, {
          format: { type: "string", default: "text" },
          print: { type: "boolean", default: false },
        });
        if (positionals.length === 0) throw new UsageError("validate needs at least one file or folder");
        return validateCommand({
          paths: positionals,
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
          throw new UsageError(`explain takes no arguments, got '${positionals.join(" ")}'`);
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
        });
        if (positionals.length !== 1)
          throw new UsageError("simulate needs exactly one persona file or reference");
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
        if (positionals.length === 0) throw new UsageError("test needs at least one test file or folder");
        return testCommand({
          paths: positionals,
          format: outputFormat(values.format),
          personas: values.personas as string | undefined,
        });
      }
      case "demo": {
        const { values } = parse(rest, {
          out: { type: "string", default: "out" },
          seed: { type: "string", default: "examples/HighTraffic.yaml" },
        });
        return demoCommand({ outDir: String(values.out), seedFile: String(values.seed) });
      }
      case "plan":
        return planCommandSync(rest);
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
    return failure(error);
  }
}

/** Runs the CLI like {@link run}, awaiting the commands that talk to the network (`publish`). */
export async function runAsync(argv: readonly string[]): Promise<CommandResult> {
  const [command, ...rest] = argv;
  if (command !== "publish") return run(argv);
  try {
    const { values, positionals } = parse(rest, {
      bucket: { type: "string" },
      prefix: { type: "string" },
      region: { type: "string" },
      endpoint: { type: "string" },
    });
    if (positionals.length !== 1 || values.bucket === undefined)
      throw new UsageError("publish needs one persona directory and --bucket <bucket>");
    return await publishCommand({
      dir: positionals[0]!,
      bucket: String(values.bucket),
      ...(values.prefix === undefined ? {} : { prefix: String(values.prefix) }),
      ...(values.region === undefined ? {} : { region: String(values.region) }),
      ...(values.endpoint === undefined ? {} : { endpoint: String(values.endpoint) }),
    });
  } catch (error) {
    return failure(error);
  }
}

function failure(error: unknown): CommandResult {
  if (error instanceof UsageError)
    return { exitCode: 2, stdout: "", stderr: `personas: ${error.message}\n\n${USAGE}` };
  if (error instanceof PersonasError)
    return { exitCode: 1, stdout: "", stderr: `personas: ${error.message}\n` };
  throw error;
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
  void runAsync(process.argv.slice(2)).then((result) => {
    process.stdout.write(result.stdout);
    if (result.stderr) process.stderr.write(result.stderr);
    process.exitCode = result.exitCode;
  });
}
