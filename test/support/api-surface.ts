/**
 * The exported surface of the package's entry points (package.json `exports`), read from the
 * sources with the TypeScript checker: for every entry point, each exported name and what it is
 * (class, function, const, interface, type, enum, namespace). A name exported with `export type`
 * is a type only, whatever it is declared as.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import ts from "typescript";

/** One exported name of an entry point. */
export interface ExportedName {
  readonly name: string;
  /** `class`, `function`, `const`, `interface`, `type`, `enum`, `namespace`, joined with `+` when one name has several meanings. */
  readonly kind: string;
  /** Whether the name exists at run time (a value, not only a type). */
  readonly value: boolean;
  /** Where it is declared, relative to the repository (`src/pdl/parse.ts`). */
  readonly declaredIn: string;
  /** Whether its declaration carries the `@internal` TSDoc tag (stripped from the published declarations). */
  readonly internal: boolean;
}

/** An entry point: its subpath (`.`, `./aws`, ...) and the source file its declarations are built from. */
export interface EntryPoint {
  readonly subpath: string;
  readonly source: string;
}

/**
 * The entry points package.json declares, mapped from `dist/<x>.d.ts` back to `src/<x>.ts`, or
 * the built declarations themselves when `built` is set (an installed package).
 */
export function entryPoints(root = process.cwd(), built = false): EntryPoint[] {
  const manifest = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
    exports: Record<string, string | { types: string }>;
  };
  return Object.entries(manifest.exports).flatMap(([subpath, target]) =>
    typeof target === "object"
      ? [
          {
            subpath,
            source: built
              ? target.types
              : target.types.replace(/^\.\/dist\//, "src/").replace(/\.d\.ts$/, ".ts"),
          },
        ]
      : [],
  );
}

function kindsOf(symbol: ts.Symbol): string[] {
  const f = symbol.flags;
  const kinds: string[] = [];
  if (f & ts.SymbolFlags.Class) kinds.push("class");
  if (f & ts.SymbolFlags.Function) kinds.push("function");
  if (f & ts.SymbolFlags.Variable) kinds.push("const");
  if (f & ts.SymbolFlags.Enum) kinds.push("enum");
  if (f & ts.SymbolFlags.Interface && !(f & ts.SymbolFlags.Class)) kinds.push("interface");
  if (f & ts.SymbolFlags.TypeAlias) kinds.push("type");
  if (f & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) kinds.push("namespace");
  return kinds;
}

const VALUE_KINDS = new Set(["class", "function", "const", "enum", "namespace"]);

/** Every entry point's exported names, sorted by name: from the sources, or from the built declarations of the package at `root`. */
export function exportedSurface(root = process.cwd(), built = false): Map<string, ExportedName[]> {
  const entries = entryPoints(root, built);
  const program = ts.createProgram(
    entries.map((e) => resolve(root, e.source)),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ["node"],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    },
  );
  const checker = program.getTypeChecker();
  const surface = new Map<string, ExportedName[]>();
  for (const entry of entries) {
    const file = program.getSourceFile(resolve(root, entry.source));
    const module = file && checker.getSymbolAtLocation(file);
    if (!module)
      throw new Error(`${entry.source} (package.json exports["${entry.subpath}"]) is not a module`);
    const names = checker.getExportsOfModule(module).map((exported): ExportedName => {
      const typeOnly = (exported.declarations ?? []).some(
        (d) =>
          ts.isTypeOnlyImportOrExportDeclaration(d) ||
          (ts.isExportSpecifier(d) && d.parent.parent.isTypeOnly),
      );
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const kinds = kindsOf(target).filter((k) => !typeOnly || !VALUE_KINDS.has(k));
      const declaration = target.declarations?.[0];
      return {
        name: exported.name,
        kind: (kinds.length > 0 ? kinds : ["type"]).join("+"),
        value: kinds.some((k) => VALUE_KINDS.has(k)),
        declaredIn: declaration ? declaration.getSourceFile().fileName.slice(resolve(root).length + 1) : "?",
        internal: (target.declarations ?? []).some((d) =>
          ts.getJSDocTags(d).some((tag) => tag.tagName.text === "internal"),
        ),
      };
    });
    surface.set(
      entry.subpath,
      names.sort((a, b) => a.name.localeCompare(b.name, "en")),
    );
  }
  return surface;
}

/** The surface as text, one entry point per section: what the snapshot pins. */
export function surfaceText(surface: Map<string, ExportedName[]>): string {
  return [...surface]
    .map(
      ([subpath, names]) =>
        `## pulumi-personas${subpath === "." ? "" : subpath.slice(1)} (${names.length})\n` +
        names.map((n) => `${n.kind} ${n.name}`).join("\n"),
    )
    .join("\n\n")
    .concat("\n");
}
