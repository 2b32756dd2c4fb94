#!/usr/bin/env node
// Bundles each AWS responder handler (src/runtime/aws/handlers/<kind>.ts) into
// dist/runtime/aws/<kind>.js: one self-contained CommonJS file per function, minified, for Node 20,
// with the AWS SDK v3 left to the Lambda runtime (it ships with nodejs20.x).
//
// zod is bundled, minus the parts a responder never calls: its 40-odd translated error locales
// (English stays), JSON Schema conversion both ways, and the optional JIT compiler. Each is
// replaced by a stub that throws if it is ever reached, so a mistake fails loudly.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const HANDLERS = "src/runtime/aws/handlers";
const OUT = "dist/runtime/aws";

const NOT_BUNDLED = (name) => `() => { throw new Error("zod ${name} is not bundled in the responders"); }`;
const STUBS = [
  [/\/zod\/v4\/locales\/index\.js$/, "export {};"],
  [
    /\/zod\/v4\/core\/compile\.js$/,
    `export const INVALID = Symbol.for("zod.compile.invalid");
     export class ZodCompileAsyncError extends Error {}
     export class ZodCompileUnsupportedError extends Error {}
     export const compile = ${NOT_BUNDLED("compile")};
     export const withParser = ${NOT_BUNDLED("withParser")};`,
  ],
  [
    /\/zod\/v4\/core\/to-json-schema\.js$/,
    `export const createToJSONSchemaMethod = () => ${NOT_BUNDLED("toJSONSchema")};
     export const createStandardJSONSchemaMethod = () => ${NOT_BUNDLED("toJSONSchema")};`,
  ],
  [
    /\/zod\/v4\/core\/json-schema-processors\.js$/,
    `export const toJSONSchema = ${NOT_BUNDLED("toJSONSchema")};
     export const aggregateChecks = ${NOT_BUNDLED("toJSONSchema")};`,
  ],
  [
    /\/zod\/v4\/core\/json-schema-generator\.js$/,
    `export class JSONSchemaGenerator { constructor() { (${NOT_BUNDLED("JSONSchemaGenerator")})(); } }`,
  ],
  [
    /\/zod\/v4\/classic\/from-json-schema\.js$/,
    "export function fromJSONSchema() { throw new Error('zod fromJSONSchema is not bundled in the responders'); }",
  ],
];

/** esbuild plugin replacing unused zod modules with stubs. */
export const slimZod = {
  name: "slim-zod",
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/].*\.js$/ }, (args) => {
      const path = args.path.replaceAll("\\", "/");
      const stub = STUBS.find(([pattern]) => pattern.test(path));
      return stub ? { contents: stub[1], loader: "js" } : undefined;
    });
  },
};

/**
 * esbuild plugin declaring the PDL's modules free of import-time side effects (they define schemas
 * and pure functions), so a module a responder reaches only for something it never calls (the
 * manifest's builder uses `revertAction`; responders only read the manifest) is left out, and
 * classic zod with it.
 */
export const pureSources = {
  name: "pure-sources",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData?.pureSources) return undefined;
      const resolved = await b.resolve(args.path, {
        importer: args.importer,
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: { pureSources: true },
      });
      if (resolved.errors.length > 0 || !/[\\/]src[\\/](pdl|runtime[\\/]feeds)[\\/]/.test(resolved.path))
        return undefined;
      return { ...resolved, sideEffects: false };
    });
  },
};

/**
 * Builds every handler; returns [{ kind, file, bytes, zodBytes, classicZod, inputs }] (classicZod:
 * classic zod is in the bundle, not only zod/mini; inputs: esbuild's per-file bytes).
 */
export async function buildRuntime({ outdir = OUT, minify = true } = {}) {
  const kinds = readdirSync(HANDLERS)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.replace(/\.ts$/, ""))
    .sort();
  const results = [];
  for (const kind of kinds) {
    const outfile = join(outdir, `${kind}.js`);
    const built = await build({
      entryPoints: [join(HANDLERS, `${kind}.ts`)],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      minify,
      legalComments: "none",
      external: ["@aws-sdk/*"],
      mainFields: ["module", "main"],
      plugins: [pureSources, slimZod],
      outfile,
      logLevel: "warning",
      metafile: true,
    });
    const inputs = Object.values(built.metafile.outputs)[0]?.inputs ?? {};
    let zod = 0;
    let classicZod = false;
    for (const [path, info] of Object.entries(inputs)) {
      if (/node_modules[\\/]zod[\\/]/.test(path)) zod += info.bytesInOutput;
      if (/node_modules[\\/]zod[\\/]v4[\\/]classic[\\/]/.test(path) && info.bytesInOutput > 0)
        classicZod = true;
    }
    results.push({ kind, file: outfile, bytes: statSync(outfile).size, zodBytes: zod, classicZod, inputs });
  }
  return results;
}

// CLI: `node scripts/build-runtime.mjs [--outdir DIR] [--json]`; --json prints [{ kind, file, bytes, zodBytes, classicZod }].
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--outdir");
  const results = await buildRuntime(at >= 0 ? { outdir: args[at + 1] } : {});
  if (args.includes("--json")) {
    console.log(
      JSON.stringify(
        results.map(({ kind, file, bytes, zodBytes, classicZod }) => ({
          kind,
          file,
          bytes,
          zodBytes,
          classicZod,
        })),
      ),
    );
  } else {
    for (const r of results) {
      console.log(
        `${r.file}  ${(r.bytes / 1024).toFixed(1)} KiB (zod ${(r.zodBytes / 1024).toFixed(1)} KiB${r.classicZod ? ", classic" : ""})`,
      );
    }
  }
}
