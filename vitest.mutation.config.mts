// The test selection for mutation testing (stryker.config.mjs): only the unit tests written for the
// module under test (`tests` of PERSONAS_MUTATION_MODULE in stryker.modules.json). The integration
// tests that start emulators, bundle with esbuild or run Pulumi programs take seconds each and
// Stryker runs the covering tests once per mutant; the score measures the unit tests that pin the
// module's rules.
import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";
import base from "./vitest.config.mjs";

const modules: Record<string, { tests: string[] }> = JSON.parse(
  readFileSync(new URL("./stryker.modules.json", import.meta.url), "utf8"),
);
const selected = modules[process.env.PERSONAS_MUTATION_MODULE ?? ""];
if (selected === undefined) {
  throw new Error("vitest.mutation.config.mts runs under `npm run mutation -- MODULE` (scripts/mutation.mjs).");
}

// Replaces (not merges: mergeConfig would append to) the base configuration's lists. Without the
// Pulumi mocks (setupFiles, which load @pulumi/pulumi before every run, seconds per mutant) and the
// agent bundle: no module under mutation testing is a Pulumi component or needs the agent.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: selected.tests,
    // Each run loads the modules afresh, so a mutant in code that runs at load time (a module's
    // constant tables, such as the special-purpose address ranges) is active in the run that tests it.
    isolate: true,
    setupFiles: [],
    globalSetup: ["test/setup/services.ts"],
  },
});
