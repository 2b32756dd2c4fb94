import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/pulumi-mocks.mts"],
    globalSetup: ["test/setup/services.ts", "test/setup/agent-bundle.ts"],
    isolate: false,
    // A bound on hung tests, not a timing: moto-backed tests take tens of seconds on a loaded 2-core machine.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
