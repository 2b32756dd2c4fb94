// Mutation testing of the safety-critical modules (issue 19): `npm run mutation` (all of them) or
// `npm run mutation -- --mutate src/runtime/decide.ts` (one). Not part of `npm test`: it runs the
// related tests once per mutant. One test process at a time (`concurrency: 1`): the machines are shared.
// The report (score per module, every surviving mutant and why it is acceptable) is written to
// docs/testing.md by `node scripts/mutation-report.mjs` from reports/mutation/mutation.json.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.mts", related: true },
  coverageAnalysis: "perTest",
  concurrency: 1,
  mutate: [
    // CloudWatch and Azure Monitor alarm evaluators
    "src/sim/alarm/cloudwatch.ts",
    "src/sim/alarm/azure.ts",
    // the decision function: duplicate delivery, locks, cooldowns, circuit breaker
    "src/runtime/decide.ts",
    // the feed list policy and the last-good rule (owner this session: firewall)
    "src/runtime/feeds/policy.ts",
    // CIDR aggregation
    "src/runtime/feeds/cidr-set.ts",
    // the SSRF guard: address classes and the fetcher's URL and address vetting
    "src/runtime/feeds/address-class.ts",
    "src/runtime/feeds/address.ts",
    // mapping precedence, conflicts and overrides
    "src/resolve/resolve.ts",
    "src/resolve/overrides.ts",
  ],
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".cache/stryker-tmp",
  incremental: true,
  incrementalFile: ".cache/stryker-incremental.json",
  timeoutMS: 60_000,
  ignorePatterns: ["reports", ".cache", "dist", "out", "coverage"],
};
