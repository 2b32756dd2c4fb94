import { describe, expect, it } from "vitest";
import { CidrSet, decideLastGood, FeedTimeoutError } from "../../../src/runtime/feeds/index.js";

const list = (n: number) => CidrSet.fromStrings(Array.from({ length: n }, (_, i) => `192.0.2.${i}/32`));
const parsed = (set: CidrSet, rejected = 0) => ({
  kind: "parsed" as const,
  list: set,
  accepted: set.size,
  rejected,
});

describe("decideLastGood", () => {
  it("keeps the last good list when the fetch failed, naming the error", () => {
    const decision = decideLastGood(list(10), {
      kind: "failed",
      error: new FeedTimeoutError("https://f.example/x", 500),
    });
    expect(decision).toEqual({
      action: "keep",
      reason: "fetch-failed",
      message:
        "The feed could not be read (Feed https://f.example/x did not answer within 500 ms; the last good list is kept. " +
        "Check that the feed is up, or raise timeoutMs.); keeping the last good list of 10 entries.",
      previousEntries: 10,
    });
  });

  it("keeps nothing in place of a first list that failed or came back empty", () => {
    expect(decideLastGood(undefined, { kind: "failed", error: "boom" }).message).toBe(
      "The feed could not be read (boom); there is no previous list to keep.",
    );
    expect(decideLastGood(undefined, parsed(CidrSet.empty()))).toMatchObject({
      action: "keep",
      reason: "empty",
    });
  });

  it("keeps the list when most lines were rejected", () => {
    expect(decideLastGood(list(10), parsed(list(4), 5)).message).toBe(
      "5 of 9 feed lines were rejected (more than 50%); the feed looks broken or is not in the configured format; " +
        "keeping the last good list of 10 entries.",
    );
  });

  it("replaces a list that shrank by exactly the allowed share, and keeps one that shrank more", () => {
    expect(decideLastGood(list(10), parsed(list(5))).reason).toBe("updated");
    expect(decideLastGood(list(10), parsed(list(4))).reason).toBe("shrunk-too-much");
    expect(decideLastGood(list(10), parsed(list(4)), { maxShrinkShare: 0.6 }).reason).toBe("updated");
  });

  it("replaces with a growing list and keeps an identical one", () => {
    expect(decideLastGood(list(10), parsed(list(20)))).toEqual({
      action: "replace",
      reason: "updated",
      message: "Replacing the list of 10 entries with 20 entries.",
      previousEntries: 10,
      newEntries: 20,
    });
    expect(decideLastGood(list(10), parsed(list(10))).reason).toBe("identical");
  });

  it("refuses shares outside 0..1", () => {
    expect(() => decideLastGood(undefined, { kind: "not-modified" }, { maxShrinkShare: 50 })).toThrow(
      "maxShrinkShare must be between 0 and 1, got 50",
    );
  });
});
