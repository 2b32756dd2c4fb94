#!/usr/bin/env node
// `npm run mutation [-- MODULE...]`: runs Stryker on each named module of stryker.modules.json (all of
// them, in file order, when none is named), one after the other, then writes each module's section of
// docs/testing.md from its report (scripts/mutation-report.mjs). Stops at the first failed run.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const modules = JSON.parse(readFileSync(new URL("../stryker.modules.json", import.meta.url), "utf8"));
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in modules));
if (unknown.length > 0) {
  console.error(
    `Unknown mutation module ${unknown.join(", ")}; the modules are: ${Object.keys(modules).join(", ")}.`,
  );
  process.exit(2);
}

for (const name of requested.length > 0 ? requested : Object.keys(modules)) {
  console.log(`\n== mutation: ${name} (${modules[name].what})`);
  const env = { ...process.env, PERSONAS_MUTATION_MODULE: name };
  const started = Date.now();
  const stryker = spawnSync("npx", ["stryker", "run", "stryker.config.mjs"], { env, stdio: "inherit" });
  if (stryker.status !== 0) {
    console.error(`Stryker failed on module ${name} (exit ${stryker.status ?? stryker.signal}).`);
    process.exit(stryker.status ?? 1);
  }
  const seconds = String(Math.round((Date.now() - started) / 1000));
  const report = spawnSync("node", ["scripts/mutation-report.mjs", name, "--seconds", seconds], {
    stdio: "inherit",
  });
  if (report.status !== 0) process.exit(report.status ?? 1);
}
