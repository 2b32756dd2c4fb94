import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/help.js";
import { run, runAsync } from "../../src/cli/main.js";

const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

describe("personas --help and --version", () => {
  it("lists every command with its summary and exits 0", () => {
    const result = run(["--help"]);
    expect(result.exitCode).toBe(0);
    for (const command of COMMANDS)
      expect(result.stdout).toMatch(
        new RegExp(`^  ${command.name} +${command.summary.replace(/[`()|]/g, "\\$&")}$`, "m"),
      );
    expect(result.stdout).toContain("-V, --version");
  });

  it("prints the global help on stderr and exits 2 without a command", () => {
    const result = run([]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("Usage: personas <command> [options]");
  });

  it.each(COMMANDS.map((c) => c.name))(
    "prints only %s's usage for `personas %s --help`, `-h` and `help %s`",
    async (name) => {
      const help = run([name, "--help"]);
      expect(help.exitCode).toBe(0);
      expect(help.stdout.startsWith(`Usage: personas ${name}`)).toBe(true);
      expect(help.stdout).toContain("  -h, --help");
      expect(help.stdout).not.toContain("Commands:");
      expect(run([name, "-h"]).stdout).toBe(help.stdout);
      expect(run(["help", name]).stdout).toBe(help.stdout);
      expect((await runAsync([name, "--help"])).stdout).toBe(help.stdout);
    },
  );

  it("shows every option the plan command accepts", () => {
    expect(run(["plan", "--help"]).stdout).toBe(
      [
        "Usage: personas plan <program.ts or persona file> [options]",
        "",
        "The resources `pulumi up` would create, offline (Pulumi's mock engine).",
        "",
        "Options:",
        "  --tag k=v                                 a tag of every instance, repeatable (persona files)",
        "  --instances <n>                           instances in the fleet (default 1; persona files)",
        "  --fleet <name>                            fleet name (default fleet; persona files)",
        "  --web-acl-arn <arn>                       web ACL for list feeds (default a placeholder; persona files)",
        "  --cloud aws|azure                         the cloud the persona file is planned on, and whose rules are checked (default aws)",
        "  --alarm-topology fleet-wide|per-instance  one rule per persona × alarm wherever the cloud allows (per instance elsewhere, with the reason), or one alarm per instance × alarm (default fleet-wide; persona files)",
        "  --log-file name=/path                     a log file the agent reads for error rate and request count, repeatable; errors are 5xx lines of the combined log format (persona files)",
        "  --format text|json|mermaid                output format (default text)",
        "  -h, --help                                show this help",
        "",
      ].join("\n"),
    );
  });

  it.each([["--version"], ["-V"], ["version"]])("prints the package version for %s", (flag) => {
    expect(run([flag])).toEqual({ exitCode: 0, stdout: `${version}\n` });
  });
});

describe("personas usage errors", () => {
  // Each is one line: where, what is wrong, where to read the options; exit code 2.
  it.each([
    [["frobnicate"], "personas: unknown command 'frobnicate' (see 'personas --help')"],
    [["valdate"], "personas: unknown command 'valdate' (did you mean 'validate'?) (see 'personas --help')"],
    [["help", "nope"], "personas: unknown command 'nope' (see 'personas --help')"],
    [["validate"], "personas validate: needs at least one file or folder (see 'personas validate --help')"],
    [
      ["validate", "--bogus", "x"],
      "personas validate: Unknown option '--bogus' (see 'personas validate --help')",
    ],
    [
      ["validate", "--format", "xml", "examples"],
      "personas validate: --format must be 'text' or 'json', not 'xml' (see 'personas validate --help')",
    ],
    [
      ["validate", "no/such/file.yaml"],
      "personas validate: no file or folder at 'no/such/file.yaml'; check the path (see 'personas validate --help')",
    ],
    [["schema", "x"], "personas schema: takes no arguments, got 'x' (see 'personas schema --help')"],
    [
      ["explain"],
      "personas explain: needs exactly one of --tags key=value,... and --instance-file <file> (see 'personas explain --help')",
    ],
    [
      ["explain", "--tags", "role=web", "--cloud", "gcp"],
      "personas explain: --cloud must be 'aws' or 'azure', not 'gcp' (see 'personas explain --help')",
    ],
    [
      ["explain", "--tags", "role=web", "--mapping", "no/such/mapping.yaml"],
      "personas explain: no mapping file at 'no/such/mapping.yaml'; check the path (see 'personas explain --help')",
    ],
    [
      ["explain", "--tags", "role=web", "--mapping", "examples"],
      "personas explain: 'examples' is a folder; name a mapping file in it (see 'personas explain --help')",
    ],
    [
      ["simulate"],
      "personas simulate: needs exactly one persona file or reference (see 'personas simulate --help')",
    ],
    [
      ["simulate", "no/such/persona.yaml"],
      "personas simulate: no persona file at 'no/such/persona.yaml'; check the path (see 'personas simulate --help')",
    ],
    [["test"], "personas test: needs at least one test file or folder (see 'personas test --help')"],
    [
      ["test", "no/such/dir"],
      "personas test: no file or folder at 'no/such/dir'; check the path (see 'personas test --help')",
    ],
    [["plan"], "personas plan: needs one Pulumi program or persona file (see 'personas plan --help')"],
    [
      ["plan", "examples/HighTraffic.yaml", "--instances", "0"],
      "personas plan: --instances must be a whole number from 1 to 10000, not '0' (see 'personas plan --help')",
    ],
    [
      ["demo", "--seed", "no/such/seed.yaml"],
      "personas demo: no persona file at 'no/such/seed.yaml'; check the path (see 'personas demo --help')",
    ],
  ])("%j → one line", async (argv, line) => {
    const result = await runAsync(argv);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`${line}\n`);
  });

  it("reports a missing program for plan in one line from the planning process", async () => {
    const result = await runAsync(["plan", "no/such/program.ts"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      "personas plan: no Pulumi program or persona file at 'no/such/program.ts'; check the path (see 'personas plan --help')\n",
    );
  });

  it("publish needs a directory and a bucket", async () => {
    const result = await runAsync(["publish", "personas"]);
    expect(result).toEqual({
      exitCode: 2,
      stdout: "",
      stderr:
        "personas publish: needs one persona directory and --bucket <bucket> (see 'personas publish --help')\n",
    });
  });
});

describe("package.json", () => {
  const manifest = JSON.parse(readFileSync("package.json", "utf8")) as {
    exports: Record<string, { types: string } | string>;
    typesVersions: { "*": Record<string, string[]> };
  };

  it("maps every subpath's types for moduleResolution node too (typesVersions mirrors exports)", () => {
    const fromExports = Object.entries(manifest.exports)
      .filter(([subpath, target]) => subpath.startsWith("./") && typeof target === "object")
      .map(([subpath, target]) => [
        subpath.slice(2),
        [(target as { types: string }).types.replace(/^\.\//, "")],
      ]);
    expect(Object.entries(manifest.typesVersions["*"])).toEqual(fromExports);
  });
});
