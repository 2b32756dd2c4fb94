import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/pulumi-mocks.mts"],
    globalSetup: ["test/setup/services.ts", "test/setup/agent-bundle.ts"],
    isolate: false,
    // A bound on hung tests and hooks, not a timing: moto-backed tests take tens of seconds on a loaded
    // 2-core machine, and over a minute with four workers (`--maxWorkers=4`: a moto setup hook and the
    // 100-instance policy fleet's recording each passed 60 s there).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
