/**
 * Test fixtures are what production writes (issue 19): a digest, an alarm name or an alarm's
 * `[personas:v1 ...]` description tag in a test is built by the functions production uses
 * (`contentDigest`, `alarmName`, `alarmDescription`, the planner), never typed by hand. Hand-made
 * values hid bugs: bare-hex digests where production writes `sha256:<hex>`, an alarm named
 * `web-WebBase-cpu-high` where production writes `personas-<fleet>-<instance>-<alarm>`.
 *
 * The check reads every test source. A line that must hold a hand-made value (an expected output
 * pinned on purpose, or malformed input a test feeds production) says so with a comment containing
 * `fixture-guard:` and the reason, on that line or the one before.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { alarmName } from "../src/plan/names.js";
import { contentDigest } from "../src/repository/digest.js";

const THIS_FILE = "test/fixtures.test.ts";

function testSources(dir = "test"): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testSources(path);
    return /\.m?ts$/.test(entry.name) && relative(".", path) !== THIS_FILE ? [path] : [];
  });
}

/** `file:line: text` for every line matching `pattern` that carries no `fixture-guard:` reason. */
function handMade(pattern: RegExp): string[] {
  return testSources().flatMap((file) => {
    const lines = readFileSync(file, "utf8").split("\n");
    return lines.flatMap((line, i) => {
      if (!pattern.test(line)) return [];
      if (line.includes("fixture-guard:") || (lines[i - 1] ?? "").includes("fixture-guard:")) return [];
      return [`${file}:${i + 1}: ${line.trim()}`];
    });
  });
}

describe("Test fixtures", () => {
  it("follow the formats production writes (the patterns below are checked against production's own output)", () => {
    const digest = contentDigest({ any: "value" });
    const name = alarmName({ fleet: "web", stack: "prod" }, "web-1", "cpu-utilization-above");

    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(name).toBe("personas-web_prod_web-1-cpu-utilization-above");
  });

  it("write no digest by hand: a literal 64-hex value or a repeated character stands in for contentDigest", () => {
    // "sha256:<64 hex>" or bare 64 hex in quotes, "ab".repeat(32), "d".repeat(64), digest: "<literal>"
    const literal =
      /["'`](?:sha256:)?[0-9a-f]{64}["'`]|["'`][0-9a-f]["'`]\.repeat\(64\)|["'`][0-9a-f]{2}["'`]\.repeat\(32\)|digest:\s*["'`]/;

    expect(handMade(literal)).toEqual([]);
  });

  it("write no alarm name by hand: an alarm ARN or AlarmName in a test is built with alarmName", () => {
    // A concrete name after `:alarm:` (a wildcard pattern ending in * is a policy resource, not a name),
    // or a quoted AlarmName / alarmName value.
    const literal = /:alarm:[A-Za-z0-9_.-]*[A-Za-z0-9_.]["'`]|(?:AlarmName|alarmName):\s*["'`][^"'`]/;

    expect(handMade(literal)).toEqual([]);
  });

  it("write no alarm description tag by hand: [personas:v1 ...] with a literal digest comes from alarmDescription", () => {
    const literal = /\[personas:v1 digest=[0-9a-f]/;

    expect(handMade(literal)).toEqual([]);
  });
});
