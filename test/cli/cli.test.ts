import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { run } from "../../src/cli/main.js";
import { personaJsonSchema } from "../../src/pdl/json-schema.js";

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "personas-cli-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("personas validate", () => {
  it("exits 0 and summarises a valid persona", () => {
    const result = run(["validate", "examples/HighTraffic.yaml"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      "✔ examples/HighTraffic.yaml: HighTraffic — 3 packages, 2 triggers, 1 source, 3 responses",
    );
  });

  it("exits 1 and prints located errors for an invalid persona", () => {
    const dir = scratch({ "Bad.yaml": "BaseConfiguration:\n  CPU: 0 cores\n" });
    const result = run(["validate", dir]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      `${join(dir, "Bad.yaml")}:2:8: error: CPU '0 cores' must be a whole number of cores from 1 to 448`,
    );
    expect(result.stdout).toContain("    2 |   CPU: 0 cores\n      |        ^^^^^^^");
    expect(result.stdout).toContain(`✘ ${join(dir, "Bad.yaml")}: 1 error`);
  });

  it("reports machine-readable results with --format json", () => {
    const dir = scratch({
      "A.yaml": "BaseConfiguration:\n  CPU: 2 cores\n",
      "B.yml": "Bounds: { MaxActionsPerHour: 0 }\n",
    });
    const result = run(["validate", "--format", "json", dir]);
    const report = JSON.parse(result.stdout) as {
      valid: boolean;
      files: { file: string; valid: boolean; diagnostics: { code: string }[] }[];
    };
    expect(result.exitCode).toBe(1);
    expect(report.valid).toBe(false);
    expect(report.files.map((f) => [f.file, f.valid])).toEqual([
      [join(dir, "A.yaml"), true],
      [join(dir, "B.yml"), false],
    ]);
    expect(report.files[1]!.diagnostics.map((d) => d.code)).toEqual(["invalid-rate"]);
  });

  it("exits 2 on usage errors", () => {
    expect(run(["validate"]).exitCode).toBe(2);
    expect(run(["validate", "--format", "xml", "examples"]).stderr).toContain(
      "--format must be 'text' or 'json', not 'xml'",
    );
    expect(run(["validate", "no/such/file.yaml"]).stderr).toContain(
      "no file or folder at 'no/such/file.yaml'; check the path",
    );
    expect(run(["frobnicate"]).stderr).toContain("unknown command 'frobnicate'");
    expect(run(["validate", "--bogus", "x"]).exitCode).toBe(2);
  });
});

describe("personas schema", () => {
  const schema = personaJsonSchema();
  const validate = new Ajv2020({ strict: false }).compile(schema);

  it("prints the schema that ships in schemas/persona.schema.json", () => {
    const shipped = JSON.parse(readFileSync("schemas/persona.schema.json", "utf8"));
    expect(JSON.parse(run(["schema"]).stdout)).toEqual(shipped);
    expect(shipped).toEqual(schema);
  });

  it.each(["examples/HighTraffic.yaml", "examples/structured/HighTraffic.yaml"])("accepts %s", (file) => {
    expect(validate(parseYaml(readFileSync(file, "utf8")))).toBe(true);
  });

  it("rejects misspelt keys and wrong shapes, as editors should show", () => {
    expect(validate({ BaseConfiguration: { CPUs: 8 } })).toBe(false);
    expect(validate({ telemetryTriggers: [{ action: "Notify ops" }] })).toBe(false);
    expect(
      validate({ telemetryTriggers: [{ Condition: "CPU > 80%", action: { kind: "scale", cpu: 16 } }] }),
    ).toBe(true);
  });
});
