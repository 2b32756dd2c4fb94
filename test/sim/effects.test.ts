import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { run } from "../../src/cli/main.js";
import { ACTION_KINDS } from "../../src/pdl/actions/index.js";
import { ACTION_EFFECTS, EFFECTS, parseFeatureEffects } from "../../src/sim/effects/index.js";
import { simulate } from "../../src/sim/engine.js";
import { TelemetryFormatError } from "../../src/sim/errors.js";
import { runPersonaTestFile } from "../../src/sim/persona-test.js";
import type { TimelineRow } from "../../src/sim/render.js";
import { scenarioTelemetry } from "../../src/sim/scenarios.js";
import { minutes, repeat, seedPlan } from "./fixtures.js";

const CPU = "cpu-utilization-above";
const LATENCY = "network-latency-above";

/** `personas simulate` of the seed, as a user runs it, read back from its JSON timeline. */
function simulateSeed(...flags: string[]): { rows: TimelineRow[] } {
  const result = run(["simulate", "examples/HighTraffic.yaml", "--format", "json", ...flags]);
  expect(result.stderr ?? "").toBe("");
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout) as { rows: TimelineRow[] };
}

function row(rows: readonly TimelineRow[], time: string): TimelineRow {
  const found = rows.find((r) => r.time === time);
  if (!found) throw new Error(`no row at ${time}`);
  return found;
}

describe("response effects on the simulated telemetry (personas simulate)", () => {
  // The seed's deployment size (what PersonaFleet plans for 8 vCPU / 32 GiB / 10 Gbps).
  const { rows } = simulateSeed("--initial-size", "m7g.2xlarge", "--effect", "cdn-caching:latency=x0.3");

  it("after the seed's scale-up to 16 cores the CPU the alarm sees falls below the 80 % threshold", () => {
    const spike = row(rows, "10:04");
    expect(spike.triggers[CPU]!.state).toBe("ALARM");
    expect(spike.triggers[CPU]!.value).toBeGreaterThan(80);
    expect(spike.actions.map((a) => a.effects[0]!.detail)).toEqual([
      "m7g.2xlarge → m7g.4xlarge (16 vCPU, 64 GiB)",
    ]);

    // Still inside the spike (10:00–10:25): the same load on twice the vCPUs is half the share.
    for (const time of ["10:05", "10:10", "10:24"]) {
      const { value, recorded, state } = row(rows, time).triggers[CPU]!;
      expect(recorded).toBeGreaterThan(80);
      expect(value).toBeCloseTo(recorded! / 2, 9);
      expect(value).toBeLessThan(80);
      expect(state).toBe("OK");
      expect(row(rows, time).size).toBe("m7g.4xlarge");
    }
  });

  it("leaves the metrics no capacity divides alone (latency is not CPU)", () => {
    expect(row(rows, "10:10").triggers[LATENCY]!.recorded).toBeUndefined();
  });

  it("applies a feature's declared effect while it is on: CDN caching takes latency below 100 ms", () => {
    const incident = row(rows, "15:00");
    expect(incident.triggers[LATENCY]!.value).toBeGreaterThan(100);
    expect(incident.actions.map((a) => a.actions)).toEqual([["Activate cdn-caching"]]);
    for (const time of ["15:01", "15:10", "15:19"]) {
      const { value, recorded, state } = row(rows, time).triggers[LATENCY]!;
      expect(recorded).toBeGreaterThan(100);
      expect(value).toBeCloseTo(recorded! * 0.3, 9);
      expect(state).toBe("OK");
    }
  });

  it("without a declared effect a feature changes no metric", () => {
    const { rows: undeclared } = simulateSeed("--initial-size", "m7g.2xlarge");
    const { value, recorded } = row(undeclared, "15:10").triggers[LATENCY]!;
    expect(recorded).toBeUndefined();
    expect(value).toBeGreaterThan(100);
  });

  it("takes effects from a telemetry file and reports each bad entry at its JSON path", () => {
    const dir = mkdtempSync(join(tmpdir(), "personas-effects-"));
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({
        metrics: { cpu: [50, 50] },
        effects: { "cdn-caching": { latncy: "x0.3", cpu: "0.5", latency: "x0" } },
      }),
    );

    const result = run(["simulate", "examples/HighTraffic.yaml", "--telemetry", file]);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `personas simulate: ${file}: $.effects: 3 problems in the declared effects:\n` +
        `  - ${file}: $.effects.cdn-caching.latncy: unknown metric 'latncy'; use a catalog id or alias such as cpu-utilization, latency, error-rate (see docs/pdl.md)\n` +
        `  - ${file}: $.effects.cdn-caching.cpu: '0.5' is not a factor; write x and a number above 0, e.g. x0.3 for 30 % of the recorded value\n` +
        `  - ${file}: $.effects.cdn-caching.latency: 'x0' is not a factor; write x and a number above 0, e.g. x0.3 for 30 % of the recorded value\n`,
    );
  });

  it("refuses an effect for a feature the persona does not have, naming the nearest", () => {
    const result = run(["simulate", "examples/HighTraffic.yaml", "--effect", "cdn-cache:latency=x0.3"]);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      "personas simulate: --effect.cdn-cache: HighTraffic has no feature 'cdn-cache' (did you mean 'cdn-caching'?); its features are cdn-caching\n",
    );
  });
});

describe("declared effects in a persona test file", () => {
  const testFile = (effects: unknown, caseEffects?: unknown) => ({
    persona: "../HighTraffic.yaml",
    effects,
    tests: [
      {
        name: "CDN caching brings latency back under the threshold",
        series: { "cpu-utilization": "40x9", "network-latency": "150x9" },
        ...(caseEffects !== undefined ? { effects: caseEffects } : {}),
        expect: {
          alarms: [
            { at: "0m", alarm: LATENCY, state: "ALARM" },
            { at: "1m", alarm: LATENCY, state: "OK" },
          ],
          actions: [{ at: "0m", source: LATENCY, outcome: "ran" }],
        },
      },
    ],
  });

  it("applies the file's effects to every case", () => {
    const report = runPersonaTestFile(
      testFile({ "cdn-caching": { latency: "x0.3" } }),
      "seed.test.yaml",
      () => seedPlan,
    );

    expect(report.results).toEqual([
      { name: "CDN caching brings latency back under the threshold", passed: true, failures: [] },
    ]);
  });

  it("lets a case replace the file's effect for a feature", () => {
    const report = runPersonaTestFile(
      testFile({ "cdn-caching": { latency: "x0.3" } }, { "cdn-caching": { latency: "x0.9" } }),
      "seed.test.yaml",
      () => seedPlan,
    );

    expect(report.results[0]!.failures).toEqual([
      "alarm network-latency-above at 00:01: expected OK, got ALARM (datapoint 135)",
    ]);
  });

  it("locates a bad entry by its path in the file", () => {
    const data = parseYaml(
      "persona: ../HighTraffic.yaml\ntests:\n  - name: x\n    series: { cpu: '40x2' }\n    effects: { cdn-caching: { latency: 0.3 } }\n    expect: {}\n",
    );

    expect(() => runPersonaTestFile(data, "seed.test.yaml", () => seedPlan)).toThrow(
      "seed.test.yaml: tests[0].effects.cdn-caching.latency: number 0.3 is not a factor; write x and a number above 0, e.g. x0.3 for 30 % of the recorded value",
    );
  });
});

describe("the effects extension point", () => {
  it("has exactly one effect module per action kind", () => {
    const kinds = EFFECTS.flatMap((effect) => effect.kinds);

    expect([...kinds].sort()).toEqual(ACTION_KINDS.map((k) => k.kind).sort());
    for (const { kind } of ACTION_KINDS) expect(ACTION_EFFECTS[kind].kinds).toContain(kind);
  });

  it("is deterministic: the same plan, telemetry and effects give the same run", () => {
    const effects = parseFeatureEffects({ "cdn-caching": { latency: "x0.3" } }, "effects");
    const telemetry = () =>
      scenarioTelemetry(seedPlan, { kind: "day" }, { seed: 3, effects, durationSeconds: 16 * 3600 });
    const once = simulate(seedPlan, telemetry(), { initialSize: "m7i.2xlarge" });
    const again = simulate(seedPlan, telemetry(), { initialSize: "m7i.2xlarge" });

    expect(again).toEqual(once);
  });

  it("divides CPU by the vCPU ratio from the period after the scale-up", () => {
    const result = simulate(
      seedPlan,
      minutes({ "cpu-utilization": [...repeat(90, 5), ...repeat(60, 5)], "network-latency": repeat(20, 10) }),
      { initialSize: "m7i.xlarge" },
    );
    const cpu = result.triggers.find((t) => t.alarmId === CPU)!;
    // 4 → 16 vCPU at 00:04: a quarter of the share from 00:05.
    expect([...cpu.datapoints.slice(4, 7)]).toEqual([90, 15, 15]);
    expect([...cpu.recorded.slice(4, 7)]).toEqual([90, 60, 60]);
  });

  it("refuses a metric given twice for one feature under two names", () => {
    expect(() => parseFeatureEffects({ x: { memory: "x2", ram: "x3" } }, "effects")).toThrow(
      new TelemetryFormatError(
        "effects.x.ram",
        "memory-utilization is already given for x under another name",
      ),
    );
  });
});
