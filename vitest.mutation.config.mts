// The test selection for mutation testing (stryker.config.mjs): every unit test, without the
// integration tests that start emulators, bundle with esbuild or run Pulumi programs. Those take
// seconds each and Stryker runs the covering tests once per mutant; the safety rules they also
// exercise are pinned by unit tests, which is what the mutation score measures.
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.mjs";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        "**/node_modules/**",
        "test/**/moto*.test.ts",
        "test/**/bundle.test.ts",
        "test/runtime/aws/firewall.test.ts",
        "test/repository/s3.test.ts",
        "test/aws/**",
        "test/policy/**",
      ],
    },
  }),
);
