/**
 * src/resolve/overrides.ts builds its field table when it loads. A broken entry throws there, and a
 * test file that imports the module statically then fails to load, which reports no failed test (and
 * mutation testing counts such a mutant as surviving, docs/testing.md). This file imports it inside a
 * test, so a table that does not build is one failed test.
 */
import { describe, expect, it } from "vitest";

describe("the override field table", () => {
  it("loads: every field is found by its written name and names its path", async () => {
    const { OVERRIDE_FIELDS, overrideFieldName } = await import("../../src/resolve/overrides.js");
    expect(OVERRIDE_FIELDS.map((f) => [overrideFieldName(f.name.toUpperCase()), f.path])).toEqual([
      ["cpu", "base.cpu"],
      ["memory", "base.memoryGiB"],
      ["networkBandwidth", "base.networkGbps"],
      ["family", "base.family"],
      ["architecture", "base.architecture"],
      ["size", "base.size"],
      ["maxCpu", "bounds.maxCpu"],
      ["maxMemory", "bounds.maxMemoryGiB"],
      ["maxSize", "bounds.maxSize"],
      ["maxActionsPerHour", "bounds.maxActionsPerHour"],
    ]);
  });
});
