import { describe, expect, it } from "vitest";
import { planPersona } from "../../src/plan/plan.js";
import { defaultRepository } from "../../src/repository/repository.js";
import { simulate, simulateFleet, stateName } from "../../src/sim/engine.js";
import { SimulationError } from "../../src/sim/errors.js";
import { timelineJson } from "../../src/sim/render.js";
import { scenarioTelemetry } from "../../src/sim/scenarios.js";
import { regularSeries } from "../../src/sim/telemetry.js";
import { minutes, planOf, repeat, seedPlan } from "./fixtures.js";

const CPU = "cpu-utilization-above";

function statesOf(result: ReturnType<typeof simulate>, alarmId: string): string[] {
  const trigger = result.triggers.find((t) => t.alarmId === alarmId)!;
  return [...trigger.states].map((code) => stateName(code) ?? "NOT_IN_FORCE");
}

describe("simulate (the seed persona's CPU trigger)", () => {
  it("fires after exactly 5 breaching minutes and scales up to 16 cores", () => {
    // Prepare: 10 quiet minutes, 5 at 90 %, 5 quiet.
    const telemetry = minutes({
      "cpu-utilization": [...repeat(50, 10), ...repeat(90, 5), ...repeat(50, 5)],
      "network-latency": repeat(20, 20),
    });

    // Act
    const result = simulate(seedPlan, telemetry, { initialSize: "m7i.2xlarge" });

    // Assess
    const states = statesOf(result, CPU);
    expect(states.slice(10, 16)).toEqual(["OK", "OK", "OK", "OK", "ALARM", "OK"]);
    expect(result.actions).toEqual([
      {
        at: 14 * 60,
        source: { kind: "alarm", alarmId: CPU, persona: "HighTraffic" },
        intent: "activate",
        responseId: CPU,
        actions: ["Scale up to 16 cores"],
        outcome: "dispatched",
        effects: [{ status: "changed", detail: "m7i.2xlarge → m7i.4xlarge (16 vCPU, 64 GiB)" }],
      },
    ]);
    expect(result.changes).toEqual([{ at: 840, kind: "size", from: "m7i.2xlarge", to: "m7i.4xlarge" }]);
  });

  it("does not fire after 4 breaching minutes", () => {
    const telemetry = minutes({
      "cpu-utilization": [...repeat(50, 10), ...repeat(90, 4), ...repeat(50, 6)],
      "network-latency": repeat(20, 20),
    });

    const result = simulate(seedPlan, telemetry, { initialSize: "m7i.2xlarge" });

    expect(statesOf(result, CPU).every((s) => s === "OK")).toBe(true);
    expect(result.actions).toEqual([]);
    expect(result.summary.finalSize).toBe("m7i.2xlarge");
  });

  it("treats 'Scale up to 16 cores' as a floor on an instance that already has more", () => {
    const telemetry = minutes({ "cpu-utilization": repeat(95, 5), "network-latency": repeat(20, 5) });

    const result = simulate(seedPlan, telemetry, { initialSize: "m7i.8xlarge" });

    expect(result.actions[0]!.effects).toEqual([
      { status: "unchanged", detail: "m7i.8xlarge already has at least 16 vCPU" },
    ]);
  });
});

describe("simulate (guard rails through decide())", () => {
  const flappy = planOf(`Name: Flappy
BaseConfiguration:
    CPU: 2 cores
TelemetryTriggers:
    - Condition: Network Latency > 100ms
      Action: Activate CDN caching
      Cooldown: 10 minutes
`);

  it("acts once on flapping input within the cooldown and says why it skipped the rest", () => {
    // Prepare: the built-in flapping scenario, one minute above and one below, for 10 minutes.
    const telemetry = scenarioTelemetry(
      flappy,
      { kind: "flapping", at: 0, durationSeconds: 600 },
      { seed: 3, noise: 0, durationSeconds: 900 },
    );

    const result = simulate(flappy, telemetry);

    expect(result.summary.alarms).toEqual({ "network-latency-above": 5 });
    expect(result.actions.map((a) => [a.at, a.outcome, a.reason ?? null])).toEqual([
      [0, "dispatched", null],
      [120, "skipped", "cooldown"],
      [240, "skipped", "cooldown"],
      [360, "skipped", "cooldown"],
      [480, "skipped", "cooldown"],
    ]);
    expect(result.actions[1]!.detail).toBe(
      "response network-latency-above ran 120 s ago; cooldown 600 s has 480 s left",
    );
    expect(result.summary.finalFeatures).toEqual({ "cdn-caching": true });
  });

  it("opens the circuit breaker after maxActionsPerHour runs", () => {
    const busy = planOf(`Name: Busy
TelemetryTriggers:
    - Condition: Network Latency > 100ms
      Action: "Notify ops: slow"
      Cooldown: 0 minutes
Bounds:
    MaxActionsPerHour: 2
`);
    const telemetry = minutes({ "network-latency": [150, 50, 150, 50, 150, 50] });

    const result = simulate(busy, telemetry);

    expect(result.actions.map((a) => a.reason ?? a.outcome)).toEqual([
      "dispatched",
      "dispatched",
      "circuit-open",
    ]);
    expect(result.actions[2]!.detail).toBe(
      "2 actions on this instance in the last hour reached the limit of 2",
    );
  });
});

describe("simulate (feeds)", () => {
  const ticks = [
    { at: 0, body: "185.220.100.1\n185.220.101.7\n185.220.102.9\n" },
    { at: 300, error: "connection timed out after 10 s" },
    { at: 600, body: "" },
    { at: 900, body: "185.220.100.1\n" },
    { at: 1200, body: "185.220.100.1\n185.220.101.7\n185.220.102.9\n185.220.102.77\n" },
  ];

  it("keeps the last good list through a feed outage, an empty answer and a sharp shrink", () => {
    const telemetry = minutes(
      { "cpu-utilization": repeat(40, 25), "network-latency": repeat(20, 25) },
      { feeds: { "threatintel-example-com": ticks } },
    );

    const result = simulate(seedPlan, telemetry);

    expect(result.feedTicks.map((t) => [t.at, t.decision, t.value])).toEqual([
      [0, "first-list", 3],
      [300, "fetch-failed", 3],
      [600, "empty", 3],
      [900, "shrunk-too-much", 3],
      [1200, "updated", 4],
    ]);
    expect(result.feedTicks[1]!.message).toBe(
      "The feed could not be read (connection timed out after 10 s); keeping the last good list of 3 entries.",
    );
  });

  it("the feed-outage scenario fails every fetch in its window and keeps the list from before it", () => {
    const telemetry = scenarioTelemetry(
      seedPlan,
      { kind: "feed-outage", at: 1800, durationSeconds: 1800 },
      { seed: 9 },
    );

    const result = simulate(seedPlan, telemetry, { seed: 9 });

    const before = result.feedTicks.find((t) => t.at === 1500)!;
    const during = result.feedTicks.filter((t) => t.at >= 1800 && t.at < 3600);
    expect(during.map((t) => t.decision)).toEqual(repeat("fetch-failed", 6));
    expect(during.every((t) => t.value === before.value && t.value > 0)).toBe(true);
    expect(result.feedTicks.find((t) => t.at === 3600)!.decision).toBe("updated");
  });

  it("replays value-feed readings: shifts persona while the threat level holds and back an hour after", () => {
    const chain = defaultRepository().resolve("HighTraffic@1.3.0");
    const plan = planPersona({
      persona: chain.persona,
      ref: { name: "HighTraffic", version: "1.3.0", digest: chain.digest },
    });
    const quiet = {
      "cpu-utilization": repeat(50, 120),
      "network-latency": repeat(20, 120),
      "disk-utilization": repeat(40, 120),
      "error-rate": repeat(0.5, 120),
    };
    const level = [...repeat(1, 10), ...repeat(5, 20), ...repeat(1, 90)];
    const telemetry = minutes(quiet, { values: { "threat-level": regularSeries(level, 60) } });

    const result = simulate(plan, telemetry);

    expect(result.changes.filter((c) => c.kind === "persona")).toEqual([
      { at: 600, kind: "persona", from: "HighTraffic", to: "LockedDown@^1" },
      { at: 5100, kind: "persona", from: "LockedDown@^1", to: "HighTraffic" },
    ]);
  });

  it("re-plans the target of a shift through the resolvePersona hook", () => {
    const repository = defaultRepository();
    const planFor = (reference: string) => {
      const chain = repository.resolve(reference);
      return planPersona({
        persona: chain.persona,
        ref: { name: chain.entry.name, version: chain.entry.version, digest: chain.digest },
      });
    };
    const plan = planFor("HighTraffic@1.3.0");
    const quiet = {
      "cpu-utilization": repeat(50, 60),
      "network-latency": repeat(20, 60),
      "disk-utilization": repeat(40, 60),
      "error-rate": repeat(0.5, 60),
    };
    const level = [...repeat(1, 10), ...repeat(5, 50)];
    const telemetry = minutes(quiet, { values: { "threat-level": regularSeries(level, 60) } });
    const asked: string[] = [];

    const result = simulate(plan, telemetry, {
      resolvePersona: (reference, context) => {
        asked.push(`${reference} from ${context.from.persona.name} at ${context.atSeconds}`);
        return planFor(reference);
      },
    });

    expect(asked).toEqual(["LockedDown@^1 from HighTraffic at 600"]);
    const lockedDown = result.triggers.filter((t) => t.persona === "LockedDown");
    expect(lockedDown.map((t) => t.alarmId)).toEqual(["disk-nearly-full", "error-burst"]);
    expect(stateName(lockedDown[1]!.states[10]!)).toBeUndefined();
    expect(stateName(lockedDown[1]!.states[11]!)).toBe("OK");
    const cpu = result.triggers.find((t) => t.persona === "HighTraffic" && t.alarmId === CPU)!;
    expect(stateName(cpu.states[11]!)).toBeUndefined();
    expect(result.summary.finalPersona).toBe("LockedDown@^1");
  });
});

describe("simulate (determinism, fleets, errors)", () => {
  it("gives the same timeline for the same seed and a different one for another seed", () => {
    const run = (seed: number) =>
      JSON.stringify(
        timelineJson(simulate(seedPlan, scenarioTelemetry(seedPlan, { kind: "day" }, { seed }), { seed })),
      );

    expect(run(5)).toBe(run(5));
    expect(run(5)).not.toBe(run(6));
  });

  it("counts every alarm evaluation over a fleet in summary mode", () => {
    const fleet = simulateFleet(
      seedPlan,
      4,
      (i) => scenarioTelemetry(seedPlan, { kind: "spike", at: 600 * (i + 1) }, { seed: i }),
      {
        initialSize: "m7i.2xlarge",
      },
    );

    expect(fleet.datapoints).toBe(4 * 2 * 120);
    expect(fleet.alarms).toEqual({ [CPU]: 4 });
    expect(fleet.finalSizes).toEqual({ "m7i.4xlarge": 4 });
  });

  it("rejects a non-positive duration and an unknown initial size", () => {
    expect(() => simulate(seedPlan, minutes({ "cpu-utilization": [] }))).toThrow(
      new SimulationError("the simulation needs a positive duration in seconds; received 0"),
    );
    expect(() =>
      simulate(seedPlan, minutes({ "cpu-utilization": [1] }), { initialSize: "m7i.huge" }),
    ).toThrow(SimulationError);
  });
});
