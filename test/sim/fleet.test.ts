import { describe, expect, it } from "vitest";
import { SimulationError } from "../../src/sim/errors.js";
import {
  fleetAlarmsOf,
  fleetTelemetry,
  MAX_SIMULATED_FLEET,
  simulateFleetTimelines,
} from "../../src/sim/fleet.js";
import { scenarioTelemetry } from "../../src/sim/scenarios.js";
import { planOf, seedPlan } from "./fixtures.js";

describe("fleetTelemetry", () => {
  it("gives instance-N the noise of seed + N − 1, so instance-1 of a fleet the event reaches first is the single-instance run", () => {
    // Prepare / Act: share 1 reaches everyone; stagger 0 keeps the event at the scenario's time.
    const members = fleetTelemetry(seedPlan, { kind: "spike" }, 3, { seed: 5, share: 1, staggerSeconds: 0 });

    // Assess
    expect(members.map((m) => [m.name, m.seed, m.eventAt])).toEqual([
      ["instance-1", 5, 1800],
      ["instance-2", 6, 1800],
      ["instance-3", 7, 1800],
    ]);
    const single = scenarioTelemetry(seedPlan, { kind: "spike" }, { seed: 5 });
    expect(members[0]!.telemetry.metrics).toEqual(single.metrics);
    expect(members[1]!.telemetry.metrics["cpu-utilization"]!.values).not.toEqual(
      single.metrics["cpu-utilization"]!.values,
    );
  });

  it("reaches ceil(share × N) instances in a seeded order, each next one stagger later, and leaves the others quiet", () => {
    const members = fleetTelemetry(seedPlan, { kind: "spike", at: 600 }, 5, {
      seed: 1,
      share: 0.5,
      staggerSeconds: 120,
    });
    const again = fleetTelemetry(seedPlan, { kind: "spike", at: 600 }, 5, {
      seed: 1,
      share: 0.5,
      staggerSeconds: 120,
    });

    const reached = members.filter((m) => m.eventAt !== undefined).map((m) => m.eventAt);
    expect(reached.sort((a, b) => a! - b!)).toEqual([600, 720, 840]);
    expect(again.map((m) => m.eventAt)).toEqual(members.map((m) => m.eventAt));
    // A quiet instance never reaches the CPU threshold; a reached one does, from its start.
    for (const member of members) {
      const cpu = member.telemetry.metrics["cpu-utilization"]!;
      const peak = Math.max(...Array.from(cpu.values));
      if (member.eventAt === undefined) expect(peak).toBeLessThan(80);
      else expect(cpu.values[member.eventAt / 60]).toBeGreaterThan(80);
    }
  });

  it("gives every instance the fleet's list-feed answers (one schedule per fleet)", () => {
    const members = fleetTelemetry(seedPlan, { kind: "day" }, 3, { seed: 2, durationSeconds: 3600 });

    expect(members[0]!.telemetry.feeds).toBeDefined();
    expect(members[1]!.telemetry.feeds).toBe(members[0]!.telemetry.feeds);
    expect(members[2]!.telemetry.feeds).toBe(members[0]!.telemetry.feeds);
  });

  it.each([
    [0, {}, "a simulated fleet has 1 to 100 instances; received 0"],
    [MAX_SIMULATED_FLEET + 1, {}, "a simulated fleet has 1 to 100 instances; received 101"],
    [3, { share: 1.5 }, "the share of instances an event reaches is above 0 and at most 1; received 1.5"],
    [3, { staggerSeconds: -60 }, "the stagger between instances is at least 0 seconds; received -60"],
  ])("refuses %s instances with %j", (instances, variation, message) => {
    expect(() => fleetTelemetry(seedPlan, { kind: "spike" }, instances, variation)).toThrow(
      new SimulationError(message),
    );
  });
});

describe("fleetAlarmsOf", () => {
  it("makes fleet-wide what the plan's topology allows and keeps 10-second alarms per instance", () => {
    const plan = planOf(`Name: Edge
TelemetryTriggers:
    - Condition: CPU Load > 80% for 3 minutes
      Action: "Notify ops: hot"
    - Condition: Network Latency > 200ms for 30 seconds
      Action: "Notify ops: slow"
`);

    const { alarms, fleetWideAlarms } = fleetAlarmsOf(plan, 3, "fleet-wide");

    expect(alarms.map((a) => [a.alarmId, a.topology.kind])).toEqual([
      ["cpu-utilization-above", "fleet-wide"],
      ["network-latency-above", "per-instance"],
    ]);
    expect([...fleetWideAlarms]).toEqual([`${plan.persona.digest}/cpu-utilization-above`]);
    expect(fleetAlarmsOf(plan, 3, "per-instance").fleetWideAlarms.size).toBe(0);
  });
});

describe("simulateFleetTimelines", () => {
  it("runs each member with its own guard rails: one instance's cooldown does not hold back another's response", () => {
    const members = fleetTelemetry(seedPlan, { kind: "spike", at: 600 }, 2, {
      share: 1,
      staggerSeconds: 60,
      durationSeconds: 3600,
    });

    const fleet = simulateFleetTimelines(seedPlan, members, {
      alarmTopology: "fleet-wide",
      initialSize: "m7i.2xlarge",
    });

    expect(
      fleet.members.map((m) =>
        m.result.actions.map((a) => [a.source.kind === "alarm" ? a.source.alarmId : "", a.outcome]),
      ),
    ).toEqual([[["cpu-utilization-above", "dispatched"]], [["cpu-utilization-above", "dispatched"]]]);
    expect(fleet.members.map((m) => m.result.triggers[0]!.topology)).toEqual(["fleet-wide", "fleet-wide"]);
  });

  it("refuses an empty fleet", () => {
    expect(() => simulateFleetTimelines(seedPlan, [])).toThrow(
      new SimulationError("a simulated fleet has 1 to 100 instances; received 0"),
    );
  });
});
