// Mutation testing of the safety-critical modules (issue 19), one module at a time:
// `npm run mutation` (every module in stryker.modules.json, in turn) or `npm run mutation -- decide`.
// scripts/mutation.mjs sets PERSONAS_MUTATION_MODULE; this file reads that module's source files
// from stryker.modules.json, and vitest.mutation.config.mts reads its test files, so each run
// loads only the tests written for the module (minutes, not the whole suite per mutant).
// One test process at a time (`concurrency: 1`): the machines are shared.
import { readFileSync } from "node:fs";

const modules = JSON.parse(readFileSync(new URL("./stryker.modules.json", import.meta.url), "utf8"));
const name = process.env.PERSONAS_MUTATION_MODULE;
const module = modules[name];
if (module === undefined) {
  throw new Error(
    `PERSONAS_MUTATION_MODULE=${name} is not a module of stryker.modules.json; run \`npm run mutation -- MODULE\` with one of: ${Object.keys(modules).join(", ")}.`,
  );
}

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.mts", related: false },
  coverageAnalysis: "perTest",
  concurrency: 1,
  mutate: module.mutate,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: ".cache/stryker-tmp",
  incremental: true,
  incrementalFile: `.cache/stryker/${name}.json`,
  // A mutant that loops forever (a loop bound or step mutated) is stopped after twice the time its
  // tests took in the instrumented dry run plus 5 s; it counts as detected. With 60 s extra, the
  // infinite loops of the CIDR code cost most of its run (25 of 271 mutants took 30 of 31 minutes).
  timeoutFactor: 2,
  timeoutMS: 5_000,
  ignorePatterns: ["reports", ".cache", "dist", "out", "coverage"],
};
