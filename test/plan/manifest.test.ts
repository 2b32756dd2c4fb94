import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePersona } from "../../src/pdl/parse.js";
import { buildManifest, FleetManifest } from "../../src/plan/manifest.js";
import { planFleet } from "../../src/plan/plan.js";
import { contentDigest } from "../../src/repository/digest.js";

const seed = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), { file: "HighTraffic.yaml" });
const digest = contentDigest(seed);
const fleet = planFleet(
  "web",
  [{ key: "web-0", resolved: { persona: seed, ref: { name: "HighTraffic", version: "1.0.0", digest } } }],
  {
    webAcl: true,
  },
);

function issuesOf(value: unknown): string[] {
  const result = FleetManifest.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("buildManifest", () => {
  const manifest = buildManifest(fleet);

  it("writes a manifest its own schema accepts unchanged", () => {
    // Prepare: the manifest as the component writes it to SSM
    const json: unknown = JSON.parse(JSON.stringify(manifest));

    // Act
    const parsed = FleetManifest.safeParse(json);

    // Assess
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(manifest);
  });

  it("carries each response's clear actions, the PDL's reverts, so responders need no PDL", () => {
    const guards = { cooldownSeconds: 300, maxActionsPerHour: 6 };
    expect(manifest.personas[digest]!.responses).toEqual({
      "cpu-utilization-above": {
        actions: [{ kind: "scale", cpu: 16 }],
        clearActions: [{ kind: "scale", baseline: true }],
        responders: ["scale"],
        ...guards,
      },
      "network-latency-above": {
        actions: [{ kind: "activate-feature", feature: "cdn-caching" }],
        clearActions: [{ kind: "deactivate-feature", feature: "cdn-caching" }],
        responders: ["feature"],
        ...guards,
      },
      // a firewall action has no revert: the feed's list is the state
      "threatintel-example-com": {
        actions: [{ kind: "firewall", mode: "block" }],
        clearActions: [],
        responders: ["firewall"],
        ...guards,
      },
    });
  });
});

describe("FleetManifest", () => {
  // A fresh copy per test, as read from SSM.
  const fresh = () => JSON.parse(JSON.stringify(buildManifest(fleet))) as FleetManifest;

  it("rejects an action of a kind the responders do not know", () => {
    // Prepare
    const manifest = fresh();
    const response = manifest.personas[digest]!.responses["cpu-utilization-above"]!;
    (response.actions as unknown[])[0] = { kind: "reboot" };

    // Act, Assess
    expect(issuesOf(manifest)).toEqual([
      `personas.${digest}.responses.cpu-utilization-above.actions.0.kind: Invalid option: expected one of "scale"|"activate-feature"|"deactivate-feature"|"firewall"|"shift-persona"|"notify"|"run-command"|"invoke-function"|"drain-traffic"|"restore-traffic"|"isolate-instance"|"release-isolation"`,
    ]);
  });

  it("rejects a manifest of another version", () => {
    expect(issuesOf({ ...fresh(), version: 2 })).toEqual(["version: Invalid input: expected 1"]);
  });

  it("rejects a response without clear actions (a manifest from before they were written)", () => {
    const manifest = fresh();
    const { clearActions: _dropped, ...older } =
      manifest.personas[digest]!.responses["cpu-utilization-above"]!;
    const personas = { [digest]: { ...manifest.personas[digest]!, responses: { r: older } } };
    expect(issuesOf({ ...manifest, personas })).toEqual([
      `personas.${digest}.responses.r.clearActions: Invalid input: expected array, received undefined`,
    ]);
  });
});
