#!/usr/bin/env node
// Runs the `personas` CLI from source: esbuild bundles src/cli/main.ts in well under a second, so
// `npm start` and `npm run personas -- ...` need no full TypeScript build first.
import { spawnSync } from "node:child_process";
import { build } from "esbuild";

const outfile = ".cache/personas-cli.cjs";
await build({
  entryPoints: ["src/cli/main.ts"],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  outfile,
  packages: "external",
  sourcemap: "inline",
  logLevel: "warning",
});
const result = spawnSync(process.execPath, ["--enable-source-maps", outfile, ...process.argv.slice(2)], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
