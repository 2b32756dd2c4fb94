/**
 * The traffic and isolation action kinds of the catalog: `Drain traffic` / `Redirect traffic away`,
 * `Redirect traffic to <target>`, `Restore traffic`, `Isolate instance`, `Release isolation`, and how
 * `Clear:` reverts them.
 */
import { describe, expect, it } from "vitest";
import { type Action, describeAction, parseActionPhrase, revertAction } from "../../src/pdl/actions/index.js";
import { parsePersona } from "../../src/pdl/parse.js";

describe("the traffic and isolation actions", () => {
  it.each<[string, Action]>([
    ["Drain traffic", { kind: "drain-traffic" }],
    ["drain", { kind: "drain-traffic" }],
    ["Redirect traffic away", { kind: "drain-traffic" }],
    ["Redirect traffic away from this instance", { kind: "drain-traffic" }],
    ["Take the instance out of rotation", { kind: "drain-traffic" }],
    ["Redirect traffic to standby", { kind: "drain-traffic", target: "standby" }],
    ["Shift traffic to target dr-site", { kind: "drain-traffic", target: "dr-site" }],
    ["Restore traffic", { kind: "restore-traffic" }],
    ["Put the instance back into rotation", { kind: "restore-traffic" }],
    ["Isolate instance", { kind: "isolate-instance" }],
    ["Quarantine this instance", { kind: "isolate-instance" }],
    ["Isolate", { kind: "isolate-instance" }],
    ["Release isolation", { kind: "release-isolation" }],
    ["Restore instance from isolation", { kind: "release-isolation" }],
  ])("reads '%s'", (phrase, action) => {
    expect(parseActionPhrase(phrase)).toEqual({ ok: true, value: action });
  });

  it("refuses a redirect target that is not a lower-case name, saying what a name is", () => {
    const parsed = parseActionPhrase("Redirect traffic to Stand_By");

    expect(parsed).toEqual({
      ok: false,
      message:
        "action 'Redirect traffic to Stand_By': target a redirect target is lower-case words joined by '-'",
      hint: "shorten or correct the target",
    });
  });

  it.each<[Action, string, Action | undefined]>([
    [{ kind: "drain-traffic" }, "Drain traffic", { kind: "restore-traffic" }],
    [
      { kind: "drain-traffic", target: "standby" },
      "Redirect traffic to standby",
      { kind: "restore-traffic" },
    ],
    [{ kind: "restore-traffic" }, "Restore traffic", undefined],
    [{ kind: "isolate-instance" }, "Isolate instance", { kind: "release-isolation" }],
    [{ kind: "release-isolation" }, "Release isolation", undefined],
  ])("describes %j as '%s' and reverts it with %j", (action, phrase, revert) => {
    expect(describeAction(action)).toBe(phrase);
    expect(revertAction(action)).toEqual(revert);
  });

  it("reverts a drain on Clear: the trigger's clear runs Restore traffic", () => {
    const persona = parsePersona(
      [
        "Name: Web",
        "TelemetryTriggers:",
        "  - Condition: Error Rate > 20% for 3 minutes",
        "    Action: Redirect traffic to standby",
        "    Clear: after 10 minutes",
      ].join("\n"),
      { file: "Web.yaml" },
    );

    expect(persona.triggers[0]!.clear?.actions).toEqual([{ kind: "restore-traffic" }]);
  });

  it("accepts the structured form", () => {
    const persona = parsePersona(
      [
        "name: Web",
        "telemetryTriggers:",
        "  - condition: Error Rate > 20% for 3 minutes",
        "    action: { kind: isolate-instance }",
      ].join("\n"),
      { file: "Web.yaml" },
    );

    expect(persona.responses[0]!.actions).toEqual([{ kind: "isolate-instance" }]);
  });
});
