import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/pulumi-mocks.mts"],
    globalSetup: ["test/setup/services.ts"],
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
