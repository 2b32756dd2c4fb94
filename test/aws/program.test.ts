import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProgramLoadError, programEntry } from "../../src/aws/program.js";
import { run } from "../../src/cli/main.js";

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "personas-program-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("programEntry", () => {
  it("follows Pulumi.yaml's main to a folder, then that folder's package.json main", () => {
    const dir = project({
      "Pulumi.yaml": "name: web\nruntime: nodejs\nmain: infra/\n",
      "infra/package.json": '{ "main": "program.ts" }',
      "infra/program.ts": "",
      "index.ts": "",
    });
    expect(programEntry(dir)).toBe(join(dir, "infra", "program.ts"));
  });

  it("takes Pulumi.yaml's main when it names a file", () => {
    const dir = project({
      "Pulumi.yaml": "name: web\nruntime: nodejs\nmain: src/stack.ts\n",
      "src/stack.ts": "",
    });
    expect(programEntry(dir)).toBe(join(dir, "src", "stack.ts"));
  });

  it("falls back to package.json's main, then index.ts, as the Pulumi Node.js host does", () => {
    expect(
      programEntry(
        project({
          "Pulumi.yaml": "name: a\nruntime: nodejs\n",
          "package.json": '{"main":"app.ts"}',
          "app.ts": "",
        }),
      ),
    ).toMatch(/app\.ts$/);
    expect(programEntry(project({ "Pulumi.yaml": "name: a\nruntime: nodejs\n", "index.ts": "" }))).toMatch(
      /index\.ts$/,
    );
  });

  it("says what it looked for when a folder has no program", () => {
    const dir = project({ "README.md": "" });
    expect(() => programEntry(dir)).toThrow(ProgramLoadError);
    expect(() => programEntry(dir)).toThrow(
      `'${dir}' has no program: expected Pulumi.yaml's main, package.json's main, index.ts or index.js`,
    );
  });

  it("names Pulumi.yaml when its main points nowhere", () => {
    const dir = project({ "Pulumi.yaml": "name: a\nruntime: nodejs\nmain: gone/\n" });
    expect(() => programEntry(dir)).toThrow(
      `${join(dir, "Pulumi.yaml")}: main 'gone/' does not exist; fix the path in Pulumi.yaml`,
    );
  });
});

describe("personas plan <project directory>", () => {
  it("plans the example project from its directory and writes nothing into it", () => {
    // The cloud-contract verdict on what it plans (the exit code) is test/aws/cloud-contract's subject;
    // here: the directory is read as a project, its program runs, and nothing is written into it.
    const result = run(["plan", "examples/aws-web-hightraffic"]);
    expect(result.stderr ?? "").not.toContain("personas plan:");
    expect(result.stdout).toContain("personas:aws:PersonaFleet web\n");
    expect(result.stdout).toContain("  3 × aws:ec2/instance:Instance\n");
    // The durable resize (issue 12 item 10): the example plans its fleet's state machine.
    expect(result.stdout).toContain(
      "  aws:sfn/stateMachine:StateMachine web-resize  name=personas-web_plan_resize\n",
    );
    expect(result.stdout).toContain(
      "\nResize workflow: aws:sfn/stateMachine:StateMachine web-resize (STANDARD, ",
    );
    expect(existsSync("examples/aws-web-hightraffic/.cache")).toBe(false);
  });
});
