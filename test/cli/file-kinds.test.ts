import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { run } from "../../src/cli/main.js";
import { mappingJsonSchema } from "../../src/resolve/mapping-schema.js";

/** A scratch project: persona, mapping, test and project files side by side, as users keep them. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "personas-kinds-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const PERSONA = 'Name: Web\nVersion: "1.0.0"\nBaseConfiguration:\n  CPU: 2 cores\n';
const MAPPING = "rules:\n  - id: web\n    match: { role: web }\n    persona: Web@^1\n";
const TEST =
  'persona: Web.yaml\ntests:\n  - name: quiet\n    series: { cpu-utilization: "10x9" }\n    expect: { actions: [] }\n';
const MIXED = {
  "Web.yaml": PERSONA,
  "mapping.yaml": MAPPING,
  "Web.test.yaml": TEST,
  "package.json": '{ "name": "web", "version": "1.0.0", "description": "x" }\n',
  "tsconfig.json": '{ "compilerOptions": {} }\n',
  "Pulumi.yaml": "name: web\nruntime: nodejs\n",
  "instances.yaml": "- id: web-1\n  tags: { role: web }\n",
};

describe("personas validate <folder>", () => {
  it("reads only the persona files of a folder and lists the files of other kinds it left out", () => {
    const dir = project(MIXED);
    const result = run(["validate", dir]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      `✔ ${join(dir, "Web.yaml")}: Web@1.0.0 — 0 packages, 0 triggers, 0 sources, 0 responses\n\n` +
        `skipped 6 files of other kinds (${["instances.yaml", "mapping.yaml", "package.json", "Pulumi.yaml", "tsconfig.json"].map((f) => join(dir, f)).join(", ")}, ...)\n`,
    );
  });

  it("still reports a broken persona file in a folder (YAML that does not parse counts as a persona)", () => {
    const dir = project({ "Broken.yaml": "Name: [unclosed\n" });
    expect(run(["validate", dir]).exitCode).toBe(1);
  });

  it("reads a file named on the command line as a persona, whatever it holds", () => {
    const dir = project(MIXED);
    const result = run(["validate", join(dir, "mapping.yaml")]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`${join(dir, "mapping.yaml")}:1:1: error: unknown key 'rules'`);
  });
});

describe("personas validate --mapping", () => {
  it("checks the mapping files of a folder and nothing else", () => {
    const dir = project(MIXED);
    const result = run(["validate", "--mapping", dir]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\n")[0]).toBe(`✔ ${join(dir, "mapping.yaml")}: mapping — 1 rule`);
  });

  it("checks personas and mappings in one run", () => {
    const result = run(["validate", "personas", "--mapping", "personas/mapping.yaml", "--format", "json"]);
    const report = JSON.parse(result.stdout) as { valid: boolean; files: { file: string; kind: string }[] };
    expect(result.exitCode).toBe(0);
    expect(report.files.filter((f) => f.kind === "mapping").map((f) => f.file)).toEqual([
      "personas/mapping.yaml",
    ]);
    expect(report.files.filter((f) => f.kind === "persona")).toHaveLength(7);
  });

  it("exits 1 with located errors for an invalid mapping", () => {
    const dir = project({
      "mapping.yaml": "rules:\n  - id: web\n    match: { role: web }\n    persona: Web@^1\n    priorty: 2\n",
    });
    const result = run(["validate", "--mapping", join(dir, "mapping.yaml")]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`✘ ${join(dir, "mapping.yaml")}: 1 error`);
  });

  it("warns about each rule that can match nothing, and still exits 0", () => {
    const dir = project({
      "mapping.yaml": [
        "rules:",
        "  - { id: web, match: { role: web }, persona: Web@^1 }",
        "  - { id: web-eu, match: { role: web, region: eu }, persona: Web@^1 }",
        "  - { id: api, match: { rloe: api }, persona: Web@^1 }",
        "  - { id: workers, match: { Role: worker }, persona: Web@^1 }",
        '  - { id: sneaky, match: { "persona:name": Web }, persona: Web@^1 }',
        `  - { id: long, match: { team: "${"x".repeat(257)}" }, persona: Web@^1 }`,
        "  - { id: env, match: { env: prod }, persona: Web@^1 }",
        "",
      ].join("\n"),
    });
    const file = join(dir, "mapping.yaml");
    const result = run(["validate", "--mapping", file, "--format", "json"]);
    const report = JSON.parse(result.stdout) as {
      files: { diagnostics: { code: string; message: string; line: number }[] }[];
    };
    expect(result.exitCode).toBe(0);
    expect(report.files[0]!.diagnostics.map((d) => [d.line, d.code, d.message])).toEqual([
      [
        4,
        "misspelt-tag-key",
        "rule 'api' matches tag key 'rloe', which no other rule uses; did you mean 'role' (used by rules web, web-eu)? Tag keys are case-sensitive, and unless an instance has a 'rloe' tag the rule matches nothing",
      ],
      [
        5,
        "misspelt-tag-key",
        "rule 'workers' matches tag key 'Role', which no other rule uses; did you mean 'role' (used by rules web, web-eu)? Tag keys are case-sensitive, and unless an instance has a 'Role' tag the rule matches nothing",
      ],
      [
        6,
        "unmatchable-rule",
        "rule 'sneaky' can match nothing: tag key 'persona:name' starts with the override prefix 'persona:', and such tags never take part in matching",
      ],
      [
        7,
        "unmatchable-rule",
        "rule 'long' can match nothing: the value of tag 'team' needs 257 characters; no cloud allows more than 256",
      ],
    ]);
    expect(run(["validate", "--mapping", file]).stdout).toContain(`✔ ${file}: mapping — 7 rules, 4 warnings`);
  });

  it("finds nothing to warn about in the shipped mappings", () => {
    const result = run([
      "validate",
      "--mapping",
      "personas/mapping.yaml",
      "--mapping",
      "examples/mappings/web-fleet.yaml",
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain("warning");
  });
});

describe("personas schema --mapping", () => {
  const validate = new Ajv2020({ strict: false }).compile(mappingJsonSchema());

  it("prints the schema that ships in schemas/mapping.schema.json", () => {
    const shipped = JSON.parse(readFileSync("schemas/mapping.schema.json", "utf8"));
    expect(JSON.parse(run(["schema", "--mapping"]).stdout)).toEqual(shipped);
    expect(shipped).toEqual(mappingJsonSchema());
  });

  it.each([
    "personas/mapping.yaml",
    "examples/mappings/web-fleet.yaml",
    "examples/aws-web-hightraffic/mapping.yaml",
  ])("accepts %s", (file) => {
    expect(validate(parseYaml(readFileSync(file, "utf8")))).toBe(true);
  });

  it("rejects a misspelt rule key, as editors should show", () => {
    expect(validate({ rules: [{ id: "web", match: { role: "web" }, persona: "Web", priorty: 1 }] })).toBe(
      false,
    );
  });
});

describe("personas test <folder>", () => {
  it("runs only the *.test.yaml files of a folder", () => {
    const dir = project(MIXED);
    const result = run(["test", dir]);
    expect(result.stdout).toBe(`✔ ${join(dir, "Web.test.yaml")} › quiet\n\n1 passed, 0 failed, in 1 file\n`);
    expect(result.exitCode).toBe(0);
  });
});

describe("A persona without Version", () => {
  const UNVERSIONED_CHILD = "Name: Edge\nExtends: WebBase@1.0.0\nBaseConfiguration:\n  CPU: 4 cores\n";

  it("is valid for personas validate, with a warning at its Name", () => {
    const dir = project({ "Edge.yaml": UNVERSIONED_CHILD });
    const result = run(["validate", join(dir, "Edge.yaml")]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      `${join(dir, "Edge.yaml")}:1:1: warning: persona 'Edge' has no Version: plan, simulate and test treat it as 0.0.0, and a persona repository refuses it`,
    );
  });

  it("is simulated as version 0.0.0 with its Extends parents merged in", () => {
    const dir = project({ "Edge.yaml": UNVERSIONED_CHILD });
    const result = run(["simulate", join(dir, "Edge.yaml"), "--duration", "10m", "--format", "json"]);
    const timeline = JSON.parse(result.stdout) as {
      persona: { name: string; version: string; digest: string };
      rows: { triggers: Record<string, unknown> }[];
    };
    expect(result.exitCode).toBe(0);
    expect(timeline.persona).toEqual({
      name: "Edge",
      version: "0.0.0",
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    // WebBase@1.0.0's trigger, inherited: before, a file without Version lost its parents.
    expect(Object.keys(timeline.rows[0]!.triggers)).toEqual(["disk-nearly-full"]);
  });

  it("is refused by a persona repository", () => {
    const dir = project({ "Edge/1.0.0.yaml": UNVERSIONED_CHILD });
    const result = run(["simulate", "Edge@1.0.0", "--personas", dir]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("persona 'Edge' has no Version; every persona in a repository needs one");
  });
});
