#!/usr/bin/env node
// Builds one Azure Functions package directory per identity boundary (src/runtime/azure/contract.ts,
// FUNCTION_APP_BOUNDARIES) whose entry exists: src/runtime/azure/apps/<boundary>.ts is bundled with
// esbuild the way the AWS responders are (scripts/build-runtime.mjs: CommonJS, Node 20 target,
// minified, slim zod, side-effect-free PDL) into dist/runtime/azure/<boundary>/index.js, beside a
// host.json and a package.json whose `main` is index.js. The Azure components upload each directory
// as its function app's zip package; a boundary a fleet needs whose package is missing stops the
// program with FunctionPackageMissingError, so a missing entry is reported there, by name.
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { pureSources, slimZod } from "./build-runtime.mjs";

const BOUNDARIES = ["responders", "firewall", "orchestrator"];
const ENTRIES = "src/runtime/azure/apps";
const OUT = "dist/runtime/azure";

/** host.json of every app: the v4 extension bundle (queues, timers), poison after 5 dequeues. */
const HOST = {
  version: "2.0",
  extensionBundle: { id: "Microsoft.Azure.Functions.ExtensionBundle", version: "[4.*, 5.0.0)" },
  extensions: { queues: { maxDequeueCount: 5 } },
};

/** Builds the packages whose entries exist; returns [{ boundary, directory, bytes }] and the missing boundaries. */
export async function buildAzureFunctions({ outdir = OUT, entries = ENTRIES } = {}) {
  const built = [];
  const missing = [];
  for (const boundary of BOUNDARIES) {
    const entry = join(entries, `${boundary}.ts`);
    if (!existsSync(entry)) {
      missing.push(boundary);
      continue;
    }
    const directory = join(outdir, boundary);
    mkdirSync(directory, { recursive: true });
    const outfile = join(directory, "index.js");
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      minify: true,
      legalComments: "none",
      // The Functions host provides it to the worker process ("Azure Functions Node.js developer guide").
      external: ["@azure/functions-core"],
      mainFields: ["module", "main"],
      plugins: [pureSources, slimZod],
      outfile,
      logLevel: "warning",
    });
    writeFileSync(join(directory, "host.json"), `${JSON.stringify(HOST, null, 2)}\n`);
    writeFileSync(
      join(directory, "package.json"),
      `${JSON.stringify({ name: `personas-${boundary}`, private: true, main: "index.js" }, null, 2)}\n`,
    );
    built.push({ boundary, directory, bytes: statSync(outfile).size });
  }
  return { built, missing };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { built, missing } = await buildAzureFunctions();
  for (const b of built) console.log(`${b.directory}/index.js  ${(b.bytes / 1024).toFixed(1)} KiB`);
  for (const m of missing)
    console.log(
      `${ENTRIES}/${m}.ts does not exist: no ${m} package (a fleet that needs it stops with FunctionPackageMissingError)`,
    );
}
