/**
 * The architecture is the folders (CONTRIBUTING.md): the cloud-neutral layers import no Pulumi and
 * no cloud component, and each cloud SDK stays in the layer that talks to that cloud. Every import
 * of every source file is read with the TypeScript parser: static imports, `export ... from`,
 * `import type`, `import("x")` and `require("x")`; a violation is reported as file:line.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve("src");

/** One import of a source file: what it names and where. */
interface SourceImport {
  file: string;
  line: number;
  specifier: string;
  /** For relative specifiers: the imported file's path under src/ (`aws/fleet.js`). */
  target?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(file: string, text = readFileSync(file, "utf8")): SourceImport[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: SourceImport[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const specifier = literal.text;
    const entry: SourceImport = {
      file: relative(process.cwd(), file),
      line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
      specifier,
    };
    if (specifier.startsWith(".")) entry.target = relative(SRC, resolve(dirname(file), specifier));
    found.push(entry);
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node, node.moduleReference.expression);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === "require"))
    )
      add(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      add(node, node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const IMPORTS = sourceFiles(SRC).flatMap((file) => importsOf(file));
const under = (file: string, ...folders: string[]) =>
  folders.some((folder) => file === `src/${folder}` || file.startsWith(`src/${folder}/`));
const where = (i: SourceImport) => `${i.file}:${i.line} imports ${i.specifier}`;

/** The cloud-neutral layers: no Pulumi, no cloud component. */
const NEUTRAL = ["pdl", "repository", "resolve", "plan", "runtime"];

/**
 * Where each cloud SDK may be imported, with why. The CLI's `personas publish` writes to S3 itself
 * (the one command that talks to a cloud), so src/cli/publish.ts is the CLI's one exception.
 */
const SDK_HOMES: Record<string, readonly string[]> = {
  "@aws-sdk/": ["aws", "runtime/aws", "agent", "repository/s3.ts", "cli/publish.ts"],
  "@azure/": ["azure", "runtime/azure", "agent"],
};

const pulumiInNeutral = (imports: SourceImport[]) =>
  imports.filter((i) => under(i.file, ...NEUTRAL) && i.specifier.startsWith("@pulumi/")).map(where);
const componentsInNeutral = (imports: SourceImport[]) =>
  imports
    .filter((i) => under(i.file, ...NEUTRAL) && i.target !== undefined && /^(aws|azure)(\/|$)/.test(i.target))
    .map(where);
const sdkOutsideItsHome = (imports: SourceImport[]) =>
  imports
    .filter((i) =>
      Object.entries(SDK_HOMES).some(
        ([prefix, homes]) => i.specifier.startsWith(prefix) && !under(i.file, ...homes),
      ),
    )
    .map(where);

describe("the architecture", () => {
  it("reads the imports of every source file", () => {
    expect(IMPORTS.length).toBeGreaterThan(500);
    expect(IMPORTS.some((i) => i.file === "src/aws/fleet.ts" && i.specifier === "@pulumi/pulumi")).toBe(true);
  });

  it("keeps Pulumi out of pdl, repository, resolve, plan and runtime", () => {
    expect(pulumiInNeutral(IMPORTS)).toEqual([]);
  });

  it("keeps the cloud components (src/aws, src/azure) out of pdl, repository, resolve, plan and runtime", () => {
    expect(componentsInNeutral(IMPORTS)).toEqual([]);
  });

  it("imports each cloud SDK only in the layers that talk to that cloud", () => {
    expect(sdkOutsideItsHome(IMPORTS)).toEqual([]);
  });

  it("reports static, type-only, dynamic and require imports with their file and line", () => {
    const file = join(SRC, "plan", "layering-example.ts");
    const imports = importsOf(
      file,
      [
        'import type { Output } from "@pulumi/pulumi";',
        'export { PersonaFleet } from "../aws/fleet.js";',
        'const sdk = await import("@aws-sdk/client-ec2");',
        'const azure = require("../azure/fleet.js");',
        'type Vm = import("@azure/arm-compute").VirtualMachine;',
      ].join("\n"),
    );
    expect(pulumiInNeutral(imports)).toEqual(["src/plan/layering-example.ts:1 imports @pulumi/pulumi"]);
    expect(componentsInNeutral(imports)).toEqual([
      "src/plan/layering-example.ts:2 imports ../aws/fleet.js",
      "src/plan/layering-example.ts:4 imports ../azure/fleet.js",
    ]);
    expect(sdkOutsideItsHome(imports)).toEqual([
      "src/plan/layering-example.ts:3 imports @aws-sdk/client-ec2",
      "src/plan/layering-example.ts:5 imports @azure/arm-compute",
    ]);
  });
});
