#!/usr/bin/env node
// Bundles each Azure Function App entry (src/runtime/azure/apps/<boundary>.ts) into
// dist/runtime/azure/<boundary>/index.js, beside its host.json and a package.json whose `main` is
// index.js: the directory the components zip and upload (docs/azure.md, "Function apps").
// One self-contained CommonJS file per app, minified, for Node 20+; `@azure/functions-core` is the
// Functions worker's own module and stays external. zod is slimmed and the PDL and feed sources are
// marked side-effect free exactly as for the AWS responders (scripts/build-runtime.mjs).
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { pureSources, slimZod } from "./build-runtime.mjs";

const APPS = "src/runtime/azure/apps";
const OUT = "dist/runtime/azure";
/** The bundle budget of issue 15: 300 kB per app. */
export const AZURE_BUNDLE_BUDGET_BYTES = 300 * 1024;

/** host.json: extension bundle for the queue, timer and Event Grid triggers; 5 attempts before poison. */
const HOST_JSON = {
  version: "2.0",
  extensionBundle: { id: "Microsoft.Azure.Functions.ExtensionBundle", version: "[4.*, 5.0.0)" },
  extensions: { queues: { maxDequeueCount: 5, batchSize: 8 } },
};

/** Builds every app; returns [{ app, file, bytes, inputs }]. */
export async function buildAzureRuntime({ outdir = OUT, minify = true } = {}) {
  const apps = readdirSync(APPS)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.replace(/\.ts$/, ""))
    .sort();
  const results = [];
  for (const app of apps) {
    const dir = join(outdir, app);
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, "index.js");
    const built = await build({
      entryPoints: [join(APPS, `${app}.ts`)],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      minify,
      legalComments: "none",
      external: ["@azure/functions-core"],
      mainFields: ["module", "main"],
      plugins: [pureSources, slimZod],
      outfile,
      logLevel: "warning",
      metafile: true,
    });
    writeFileSync(join(dir, "host.json"), `${JSON.stringify(HOST_JSON, null, 2)}\n`);
    writeFileSync(
      join(dir, "package.json"),
      `${JSON.stringify({ name: `personas-${app}`, main: "index.js" }, null, 2)}\n`,
    );
    const inputs = Object.values(built.metafile.outputs).find((o) => o.entryPoint)?.inputs ?? {};
    results.push({ app, file: outfile, bytes: statSync(outfile).size, inputs });
  }
  return results;
}

/** Bytes per npm package (or `src`) in a bundle, largest first. */
export function bytesByPackage(inputs) {
  const by = {};
  for (const [path, info] of Object.entries(inputs)) {
    const name = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(path)?.[1]?.replace("\\", "/") ?? "src";
    by[name] = (by[name] ?? 0) + info.bytesInOutput;
  }
  return Object.entries(by).sort((a, b) => b[1] - a[1]);
}

// CLI: `node scripts/build-azure-runtime.mjs [--outdir DIR] [--json]`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--outdir");
  const results = await buildAzureRuntime(at >= 0 ? { outdir: args[at + 1] } : {});
  if (args.includes("--json"))
    console.log(JSON.stringify(results.map(({ app, file, bytes }) => ({ app, file, bytes }))));
  else
    for (const r of results) {
      const top = bytesByPackage(r.inputs)
        .slice(0, 4)
        .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(1)}`)
        .join(", ");
      console.log(`${r.file}  ${(r.bytes / 1024).toFixed(1)} KiB (${top})`);
    }
}
