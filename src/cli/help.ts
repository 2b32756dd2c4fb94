/**
 * The `personas` command's help: one entry per command, so `personas --help` lists them all and
 * `personas <command> --help` prints just that command's usage and options.
 */
/** One command's help: its synopsis, what it does, and its options (flag, meaning). */
export interface CommandHelp {
  readonly name: string;
  readonly synopsis: string;
  readonly summary: string;
  readonly options: readonly (readonly [flag: string, meaning: string])[];
  /** Rules the options do not say (which files a folder contributes, defaults), one line each. */
  readonly notes?: readonly string[];
}

const FORMAT_TEXT_JSON = ["--format text|json", "output format (default text)"] as const;

/** Every command, in the order `personas --help` lists them. */
export const COMMANDS: readonly CommandHelp[] = [
  {
    name: "demo",
    synopsis: "personas demo [options]",
    summary: "the whole idea offline: validate the seed, resolve, plan, simulate a day",
    options: [
      ["--out <dir>", "where the report goes (default out/)"],
      [
        "--seed <file>",
        "the persona file to show (default the seed's HighTraffic, shipped with the package)",
      ],
    ],
  },
  {
    name: "validate",
    synopsis: "personas validate [<persona files or folders...>] [--mapping <file or folder>] [options]",
    summary: "check persona files and mapping files (exit 0 valid, warnings allowed; 1 invalid; 2 usage)",
    options: [
      ["--mapping <path>", "also check a mapping file, or the mapping files of a folder; repeatable"],
      FORMAT_TEXT_JSON,
      ["--print", "also print each persona's normalised model"],
    ],
    notes: [
      "A file you name is read as a persona (or, after --mapping, as a mapping). In a folder, a persona",
      "file is a .yaml/.yml/.json file whose top level has a persona section (Name, BaseConfiguration, ...);",
      "a mapping file is one whose top level has `rules`. *.test.yaml, package.json, tsconfig*.json and",
      "Pulumi*.yaml are never read; the files left out are listed at the end.",
      "A persona without Version is valid with a warning: plan, simulate and test treat it as 0.0.0, and",
      "a persona repository refuses it. A mapping rule that can match nothing is a warning (docs/mapping.md).",
    ],
  },
  {
    name: "schema",
    synopsis: "personas schema [--mapping]",
    summary: "print the JSON Schema of persona files (or of mapping files)",
    options: [["--mapping", "the mapping files' schema (schemas/mapping.schema.json)"]],
  },
  {
    name: "plan",
    synopsis: "personas plan <program.ts or persona file> [options]",
    summary: "the resources `pulumi up` would create, offline (Pulumi's mock engine)",
    options: [
      ["--tag k=v", "a tag of every instance, repeatable (persona files)"],
      ["--instances <n>", "instances in the fleet (default 1; persona files)"],
      ["--fleet <name>", "fleet name (default fleet; persona files)"],
      ["--web-acl-arn <arn>", "web ACL for list feeds (default a placeholder; persona files)"],
      [
        "--cloud aws|azure",
        "the cloud the persona file is planned on, and whose rules are checked (default aws)",
      ],
      [
        "--alarm-topology fleet-wide|per-instance",
        "one rule per persona × alarm wherever the cloud allows (per instance elsewhere, with the reason), or one alarm per instance × alarm (default fleet-wide; persona files)",
      ],
      [
        "--log-file name=/path",
        "a log file the agent reads for error rate and request count, repeatable; errors are 5xx lines of the combined log format (persona files)",
      ],
      ["--format text|json|mermaid", "output format (default text)"],
    ],
  },
  {
    name: "simulate",
    synopsis: "personas simulate <persona file or Name@range> [options]",
    summary: "replay telemetry through the persona's plan and print the timeline",
    options: [
      ["--scenario <name>", "steady|spike|ramp|flapping|outage|feed-outage|day (default day)"],
      ["--params k=v,...", "scenario parameters (at=10m,level=95,metric=cpu, ...)"],
      ["--telemetry <file>", "replay a time series (.csv or .json) instead of a scenario"],
      ["--seed <n>", "seed of the scenario (default 1)"],
      ["--duration <d>", "how long to simulate (e.g. 6h; default the scenario's or file's)"],
      ["--initial-size <size>", "instance size at the start (default the persona's baseline)"],
      ["--effect <f:m=xN,...>", "what a feature does while on, e.g. cdn-caching:latency=x0.3 (repeatable)"],
      ["--personas <dir>", "persona directory for Name@range references (default personas/)"],
      ["--out <dir>", "also write index.html, one SVG per trigger, timeline.txt/json"],
      ["--fleet <n>", "simulate n instances (1 to 100), each with its own seeded telemetry"],
      [
        "--alarm-topology fleet-wide|per-instance",
        "with --fleet: each instance a contributor of fleet-wide alarms, or its own alarms (default fleet-wide)",
      ],
      FORMAT_TEXT_JSON,
    ],
    notes: [
      "With --fleet, instance-N has the noise of seed + N − 1, and the scenario's event reaches a seeded",
      "share of the instances, each next one later: --params share=0.5,stagger=5m (the defaults).",
    ],
  },
  {
    name: "test",
    synopsis: "personas test <files or folders...> [options]",
    summary: "run persona test files (exit 0 pass, 1 fail, 2 usage)",
    options: [
      FORMAT_TEXT_JSON,
      ["--personas <dir>", "persona directory for Name@range references (default personas/)"],
    ],
    notes: [
      "A file you name is read as a test file; in a folder only *.test.yaml and *.test.yml files are.",
      "A persona file without Version is tested as version 0.0.0.",
    ],
  },
  {
    name: "explain",
    synopsis: "personas explain (--tags k=v,... | --instance-file <file>) [options]",
    summary: "which persona an instance gets, and where each field comes from",
    options: [
      ["--tags k=v,...", "the instance's tags"],
      ["--instance-file <file>", "explain many instances (YAML/JSON list of { id, tags })"],
      ["--id <name>", 'the instance\'s name with --tags (default "instance")'],
      ["--mapping <file>", "mapping file (default the embedded personas/mapping.yaml)"],
      ["--personas <dir>", "persona directory (default the embedded personas/)"],
      ["--cloud aws|azure", "also choose a size"],
      FORMAT_TEXT_JSON,
    ],
  },
  {
    name: "publish",
    synopsis: "personas publish <dir> --bucket <bucket> [options]",
    summary: "publish a persona directory to an S3 repository",
    options: [
      ["--bucket <bucket>", "the repository's bucket (required)"],
      ["--prefix <prefix>", "key prefix (default personas/)"],
      ["--region <region>", "the bucket's region (default from the AWS environment)"],
      ["--endpoint <url>", "an S3-compatible endpoint"],
    ],
  },
];

function optionLines(options: CommandHelp["options"]): string[] {
  const width = Math.max(0, ...options.map(([flag]) => flag.length)) + 2;
  return options.map(([flag, meaning]) => `  ${flag.padEnd(width)}${meaning}`);
}

/** `personas --help`: every command with its summary, and the global options. */
export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    "Usage: personas <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Options:",
    ...optionLines([
      ["-h, --help", "show this help; `personas <command> --help` shows a command's options"],
      ["-V, --version", "print the version"],
    ]),
    "",
  ].join("\n");
}

/** `personas <command> --help`: the command's synopsis, summary and options. */
export function commandHelp(command: CommandHelp): string {
  const lines = [
    `Usage: ${command.synopsis}`,
    "",
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
  ];
  if (command.notes) lines.push("", ...command.notes);
  lines.push("", "Options:", ...optionLines([...command.options, ["-h, --help", "show this help"]]), "");
  return lines.join("\n");
}

/** `personas <command>` for a known command, else `personas`: how messages name where they come from. */
export function commandPrefix(command: string | undefined): string {
  return findCommand(command) ? `personas ${command}` : "personas";
}

/** A usage error as one line: where it happened, what is wrong, and where the options are. */
export function usageLine(command: string | undefined, message: string): string {
  const where = commandPrefix(command);
  // node:util's parseArgs messages run on with a hint about `--`; their first sentence says it all.
  const first = message.split("\n")[0]!.split(". To specify")[0]!.trim();
  return `${where}: ${first} (see '${where} --help')\n`;
}

/** The command named `name`, or undefined. */
export function findCommand(name: string | undefined): CommandHelp | undefined {
  return COMMANDS.find((c) => c.name === name);
}
