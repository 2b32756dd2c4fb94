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

describe("buildManifest's fleet-wide marks", () => {
  const persona = parsePersona(
    `Name: Edge
Version: "1.0.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
TelemetryTriggers:
    - Name: busy
      Condition: CPU Load > 80% for 5 minutes
      Action: Scale up to 16 cores
    - Name: flood
      Condition: Network In > 3 Gbps for 5 minutes
      Action: "Notify ops: inbound flood"
`,
    { file: "Edge.yaml" },
  );
  const edgeDigest = contentDigest(persona);
  const planned = (alarms: "fleet-wide" | "per-instance") =>
    planFleet(
      "edge",
      [{ key: "edge-1", resolved: { persona, ref: { name: "Edge", version: "1.0.0", digest: edgeDigest } } }],
      {},
      { alarms },
    );
  const marked = (manifest: FleetManifest) =>
    Object.entries(manifest.personas[edgeDigest]!.alarms)
      .filter(([, alarm]) => alarm.fleetWide === true)
      .map(([id]) => id);

  it("marks the alarms the plan makes fleet-wide on the manifest's cloud: Azure keeps the VM network metric per VM", () => {
    const plan = planned("fleet-wide");
    const byCloud = (cloud: "aws" | "azure") =>
      plan.alarmTopology.filter((t) => t[cloud].kind === "fleet-wide").map((t) => t.alarmId);

    expect(marked(buildManifest(plan))).toEqual(byCloud("aws"));
    expect(marked(buildManifest(plan, "azure"))).toEqual(byCloud("azure"));
    expect(byCloud("aws")).toHaveLength(2);
    expect(byCloud("azure")).toEqual([byCloud("aws").find((id) => id.startsWith("busy"))]);
  });

  it("marks nothing when the fleet keeps one alarm per instance", () => {
    expect(marked(buildManifest(planned("per-instance"), "azure"))).toEqual([]);
    expect(marked(buildManifest(planned("per-instance")))).toEqual([]);
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
