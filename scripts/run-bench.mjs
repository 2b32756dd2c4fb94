#!/usr/bin/env node
// Runs every benchmark in bench/ (or those named on the command line), each in its own process
// so peak-memory figures are not polluted by the others. Each benchmark updates its own section
// of BENCHMARKS.md.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { build } from "esbuild";

const selected = process.argv.slice(2);
const files = readdirSync("bench")
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => selected.length === 0 || selected.some((s) => f.includes(s)))
  .sort();
for (const file of files) {
  const outfile = `.cache/bench/${file.replace(/\.ts$/, ".cjs")}`;
  await build({
    entryPoints: [`bench/${file}`],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    packages: "external",
    logLevel: "warning",
  });
  console.log(`\n== ${file}`);
  const result = spawnSync(process.execPath, ["--expose-gc", outfile], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
