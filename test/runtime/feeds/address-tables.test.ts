/**
 * The SSRF guard's special-purpose range tables are parsed when src/runtime/feeds/address-class.ts
 * loads, and a bad entry throws there. A test file that imports the module statically then fails
 * to load, which reports no failed test at all (and mutation testing counts such a broken table as
 * a surviving mutant, docs/testing.md `ssrf`). This file imports it inside a test, so a table that
 * does not parse is one failed test with the parser's message.
 */
import { describe, expect, it } from "vitest";

describe("the SSRF guard's range tables", () => {
  it("load: every built-in range parses, and each range's network address is classified as not public", async () => {
    const { classifyAddress } = await import("../../../src/runtime/feeds/address-class.js");
    const networkAddresses = ["0.0.0.0", "10.0.0.0", "100.64.0.0", "127.0.0.0", "169.254.0.0", "172.16.0.0"];
    expect(networkAddresses.map(classifyAddress)).toEqual([
      "unspecified",
      "private",
      "private",
      "loopback",
      "link-local",
      "private",
    ]);
  });
});
