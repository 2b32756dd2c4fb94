#!/usr/bin/env node
// Makes the shipped declarations (dist/**/*.d.ts) the library's own: every type written in terms of
// zod (`z.infer<typeof Persona>`, `z.input<...>`) is replaced by the plain structural type it stands
// for, and the zod schema values (internal) are dropped from the declarations. Without this, a Pulumi
// project compiled with the stock template's tsconfig ("moduleResolution": "node", no esModuleInterop)
// type-checks zod's own declarations and fails with 60-odd errors it cannot fix.
//
// Nested types that are themselves exported aliases (Trigger inside Persona) are printed by name
// (`import("./model.js").Trigger`), so the declarations stay readable. The script ends by compiling
// every declaration under the stock settings and fails the build on any error or leftover zod import.
//
// Only the public API is published: tsconfig.build.json strips declarations marked `@internal`, and
// this script deletes every declaration no entry point reaches (the CLI, the runtime bundles, the
// agent's internals), so a user's editor offers the curated entry points and what they refer to.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const DIST = "dist";

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith(".d.ts") ? [path] : [];
  });
}

const files = walk(DIST);
const mentionsZod = (text) => /\bz\.|from "zod/.test(text);
// A JSON module's type (`keyof typeof data.constraints`) needs resolveJsonModule, which the stock
// tsconfig lacks: such types are expanded too.
const JSON_IMPORT = /^import (\w+) from "[^"]+\.json";$/gm;
const jsonNames = (text) => [...text.matchAll(JSON_IMPORT)].map((m) => m[1]);
const zodFiles = files.filter((f) => {
  const text = readFileSync(f, "utf8");
  return mentionsZod(text) || jsonNames(text).length > 0;
});
const program = ts.createProgram(files, {
  strict: true,
  exactOptionalPropertyTypes: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"],
});
const checker = program.getTypeChecker();

/** Type objects of exported aliases, so nested occurrences print by name. */
const named = new Map();
for (const file of zodFiles) {
  const source = program.getSourceFile(file);
  for (const statement of source.statements)
    if (ts.isTypeAliasDeclaration(statement) && !statement.typeParameters)
      named.set(checker.getTypeAtLocation(statement.name), { file, name: statement.name.text });
}

const PRIMITIVE =
  ts.TypeFlags.String |
  ts.TypeFlags.Number |
  ts.TypeFlags.Boolean |
  ts.TypeFlags.BigInt |
  ts.TypeFlags.Undefined |
  ts.TypeFlags.Null |
  ts.TypeFlags.Void |
  ts.TypeFlags.Unknown |
  ts.TypeFlags.Any |
  ts.TypeFlags.Never |
  ts.TypeFlags.BooleanLiteral |
  ts.TypeFlags.ESSymbol;

function reference(entry, fromFile) {
  if (entry.file === fromFile) return entry.name;
  let path = relative(dirname(fromFile), entry.file).replace(/\.d\.ts$/, ".js");
  if (!path.startsWith(".")) path = `./${path}`;
  return `import("${path}").${entry.name}`;
}

function propertyName(name) {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/** The plain TypeScript text of `type`, as seen from `fromFile`; `root` is the alias being expanded. */
function print(type, fromFile, root, depth = 0) {
  if (depth > 40) throw new Error(`type too deep to expand in ${fromFile}`);
  const entry = named.get(type);
  if (entry && type !== root) return reference(entry, fromFile);
  const next = (t) => print(t, fromFile, root, depth + 1);
  if (type.flags & ts.TypeFlags.Union) {
    const parts = type.types.map(next);
    const hasFalse = parts.includes("false");
    const hasTrue = parts.includes("true");
    const merged =
      hasFalse && hasTrue ? ["boolean", ...parts.filter((p) => p !== "false" && p !== "true")] : parts;
    return merged.join(" | ");
  }
  if (type.flags & ts.TypeFlags.Intersection) return type.types.map((t) => `(${next(t)})`).join(" & ");
  if (type.isStringLiteral()) return JSON.stringify(type.value);
  if (type.isNumberLiteral()) return String(type.value);
  if (type.flags & PRIMITIVE) return checker.typeToString(type);
  if (checker.isArrayType(type)) {
    const element = next(checker.getTypeArguments(type)[0]);
    const array = /^[\w$."()/-]+$/.test(element) ? `${element}[]` : `(${element})[]`;
    return type.target?.readonly || type.symbol?.name === "ReadonlyArray" ? `readonly ${array}` : array;
  }
  if (checker.isTupleType(type)) return `[${checker.getTypeArguments(type).map(next).join(", ")}]`;
  if (type.flags & ts.TypeFlags.Object) {
    // A zod schema (every one carries `_zod`) is an internal value: users see it as opaque.
    if (checker.getPropertyOfType(type, "_zod")) return "unknown";
    if (checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0)
      throw new Error(`cannot expand a function type in ${fromFile}: ${checker.typeToString(type)}`);
    const members = [
      ...checker
        .getIndexInfosOfType(type)
        .map((info) => `[key: ${checker.typeToString(info.keyType)}]: ${next(info.type)}`),
      ...checker.getPropertiesOfType(type).map((property) => {
        const optional = property.flags & ts.SymbolFlags.Optional ? "?" : "";
        const declaration = property.declarations?.[0];
        const readonly =
          declaration && ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Readonly
            ? "readonly "
            : "";
        return `${readonly}${propertyName(property.name)}${optional}: ${next(checker.getTypeOfSymbol(property))}`;
      }),
    ];
    return members.length === 0 ? "{}" : `{ ${members.join("; ")} }`;
  }
  throw new Error(`cannot expand ${checker.typeToString(type)} in ${fromFile}`);
}

const ZOD_SCHEMA_VALUE = /^\s*(export\s+)?declare\s+const\s+\w+\s*:\s*(z\.|import\("zod)/;

for (const file of zodFiles) {
  const source = program.getSourceFile(file);
  const text = source.getFullText();
  const json = jsonNames(text);
  const foreign = (nodeText) =>
    mentionsZod(nodeText) || json.some((name) => new RegExp(`\\b${name}\\b`).test(nodeText));
  const edits = [];
  const visit = (node, alias) => {
    if (ts.isTypeNode(node) && foreign(node.getText(source))) {
      const type = checker.getTypeFromTypeNode(node);
      edits.push({ start: node.getStart(source), end: node.getEnd(), text: print(type, file, alias) });
      return;
    }
    ts.forEachChild(node, (child) => visit(child, alias));
  };
  for (const statement of source.statements) {
    const statementText = statement.getText(source);
    if (ts.isImportDeclaration(statement) && /from "(zod|[^"]+\.json")/.test(statementText)) {
      edits.push({ start: statement.getFullStart(), end: statement.getEnd(), text: "" });
      continue;
    }
    if (ts.isVariableStatement(statement) && ZOD_SCHEMA_VALUE.test(statementText)) {
      // A schema value is internal: it stays importable but opaque; its type, under the same name, is expanded.
      const names = statement.declarationList.declarations.map((d) => d.name.getText(source));
      const exported = /^\s*export\b/.test(statementText) ? "export " : "";
      edits.push({
        start: statement.getStart(source),
        end: statement.getEnd(),
        text: names.map((name) => `${exported}declare const ${name}: unknown;`).join("\n"),
      });
      continue;
    }
    const alias = ts.isTypeAliasDeclaration(statement)
      ? checker.getTypeAtLocation(statement.name)
      : undefined;
    visit(statement, alias);
  }
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  writeFileSync(file, out);
}

// Check: no zod left, and every declaration compiles under the stock Pulumi template's settings.
const leftovers = files.filter((f) => {
  const text = readFileSync(f, "utf8");
  return mentionsZod(text) || jsonNames(text).length > 0;
});
if (leftovers.length > 0) {
  console.error(`declarations still mention zod or a JSON module: ${leftovers.join(", ")}`);
  process.exit(1);
}
// The entry points users import (package.json exports); internal declarations are reached through them or not at all.
const manifest = JSON.parse(readFileSync("package.json", "utf8"));
const entries = Object.values(manifest.exports)
  .filter((target) => typeof target === "object")
  .map((target) => target.types);
const stock = ts.createProgram(entries, {
  strict: true,
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  ignoreDeprecations: "6.0",
  noEmit: true,
  types: ["node"],
});
const diagnostics = ts
  .getPreEmitDiagnostics(stock)
  .filter((d) => !d.file || d.file.fileName.includes(`/${DIST}/`));
if (diagnostics.length > 0) {
  console.error(ts.formatDiagnostics(diagnostics.slice(0, 20), ts.createCompilerHost({})));
  console.error(`${diagnostics.length} errors in the declarations under the stock tsconfig`);
  process.exit(1);
}
// Declarations no entry point reaches are internal: the build publishes none of them.
const reached = new Set(
  stock
    .getSourceFiles()
    .map((source) => resolve(source.fileName))
    .filter((name) => name.includes(`/${DIST}/`)),
);
const unreached = files.filter((file) => !reached.has(resolve(file)));
for (const file of unreached) {
  rmSync(file);
  rmSync(`${file}.map`, { force: true });
}
console.log(
  `declarations: ${zodFiles.length} files rewritten without zod or JSON types; the ${entries.length} entry points compile under the stock tsconfig; ${unreached.length} declarations no entry point reaches removed, ${reached.size} kept`,
);
