/**
 * The contributor rules of fleet-wide (Metrics Insights multi-time-series) alarms, table-driven from
 * the documented behaviour: "For Metrics Insights alarms that monitor multiple time series, each time
 * series (contributor) can only be in ALARM or OK state, never in INSUFFICIENT_DATA state. This is
 * because a time series only exists when data is present." and Lambda actions run at the contributor
 * level (Amazon CloudWatch User Guide, "Acting on alarm changes",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Acting_Alarm_Changes.html).
 * Each row is set beside the same instance's own (per-instance) alarm, whose states follow the
 * single-metric rules ("Configuring how CloudWatch alarms treat missing data").
 */
import { describe, expect, it } from "vitest";
import type { CloudWatchAlarmState } from "../../src/sim/alarm/index.js";
import { contributorState, fleetWideAlarmKey, simulate, stateName } from "../../src/sim/engine.js";
import { minutes, planOf } from "./fixtures.js";

const watch = (missingData: string) =>
  planOf(`Name: Watch
TelemetryTriggers:
    - Condition: CPU Load > 80% for 3 minutes
      Action: "Notify ops: hot"
      Cooldown: 0 minutes
      MissingData: ${missingData}
`);

describe("contributorState", () => {
  it.each<[CloudWatchAlarmState, boolean, "OK" | "ALARM"]>([
    ["ALARM", true, "ALARM"],
    ["OK", true, "OK"],
    // Too few datapoints to decide: the series exists, and it is not in ALARM.
    ["INSUFFICIENT_DATA", true, "OK"],
    // No datapoint in the evaluation range: the series does not exist, so it is in no state but OK.
    ["ALARM", false, "OK"],
    ["OK", false, "OK"],
    ["INSUFFICIENT_DATA", false, "OK"],
  ])("reads an evaluation of %s with the series present=%s as %s", (evaluated, present, expected) => {
    expect(contributorState(evaluated, present)).toBe(expected);
  });
});

describe("simulate with a fleet-wide alarm (one contributor per instance)", () => {
  const _ = null;
  it.each<{
    rule: string;
    missingData: string;
    cpu: (number | null)[];
    contributor: string;
    contributorRuns: number[];
    absent: number[];
    perInstance: string;
    perInstanceRuns: number[];
  }>([
    {
      rule: "enters ALARM after the window breaches and runs the response on that instance (contributor-level Lambda action)",
      missingData: "missing",
      cpu: [90, 90, 90, 50],
      contributor: "OK OK ALARM OK",
      contributorRuns: [2],
      absent: [],
      perInstance: "INSUFFICIENT_DATA INSUFFICIENT_DATA ALARM OK",
      perInstanceRuns: [2],
    },
    {
      rule: "is OK, never INSUFFICIENT_DATA, while too few datapoints decide",
      missingData: "missing",
      cpu: [_, _, 90, _, _],
      contributor: "OK OK OK OK ALARM",
      contributorRuns: [4],
      absent: [0, 1],
      perInstance: "INSUFFICIENT_DATA INSUFFICIENT_DATA INSUFFICIENT_DATA INSUFFICIENT_DATA ALARM",
      perInstanceRuns: [4],
    },
    {
      rule: "does not breach without data even when missing data is treated as breaching: the series does not exist",
      missingData: "breaching",
      cpu: [_, _, _, _, _],
      contributor: "OK OK OK OK OK",
      contributorRuns: [],
      absent: [0, 1, 2, 3, 4],
      perInstance: "ALARM ALARM ALARM ALARM ALARM",
      perInstanceRuns: [0],
    },
    {
      rule: "leaves ALARM once its series has had no datapoint for the whole window (missing)",
      missingData: "missing",
      cpu: [90, 90, 90, _, _, _, _],
      contributor: "OK OK ALARM ALARM ALARM OK OK",
      contributorRuns: [2],
      absent: [5, 6],
      perInstance: "INSUFFICIENT_DATA INSUFFICIENT_DATA ALARM ALARM ALARM ALARM ALARM",
      perInstanceRuns: [2],
    },
    {
      rule: "leaves ALARM once its series is absent even where a single-metric alarm ignores missing data",
      missingData: "ignore",
      cpu: [90, 90, 90, _, _, _, _],
      contributor: "OK OK ALARM ALARM ALARM OK OK",
      contributorRuns: [2],
      absent: [5, 6],
      perInstance: "INSUFFICIENT_DATA INSUFFICIENT_DATA ALARM ALARM ALARM ALARM ALARM",
      perInstanceRuns: [2],
    },
    {
      rule: "enters ALARM again when its series comes back breaching: a new change, a new contributor event",
      missingData: "missing",
      cpu: [90, 90, 90, _, _, _, 90, 90, 90],
      contributor: "OK OK ALARM ALARM ALARM OK ALARM OK ALARM",
      contributorRuns: [2, 6, 8],
      absent: [5],
      perInstance:
        "INSUFFICIENT_DATA INSUFFICIENT_DATA ALARM ALARM ALARM ALARM ALARM INSUFFICIENT_DATA ALARM",
      perInstanceRuns: [2, 8],
    },
  ])("$rule", (row) => {
    // Prepare
    const plan = watch(row.missingData);
    const telemetry = minutes({ "cpu-utilization": row.cpu });
    const fleetWideAlarms = new Set([fleetWideAlarmKey(plan.persona.digest, plan.alarms[0]!.id)]);

    // Act
    const contributor = simulate(plan, telemetry, { fleetWideAlarms });
    const own = simulate(plan, telemetry);

    // Assess
    const states = (r: typeof own) => [...r.triggers[0]!.states].map((c) => stateName(c)).join(" ");
    const runs = (r: typeof own) => r.actions.filter((a) => a.outcome === "dispatched").map((a) => a.at / 60);
    expect(contributor.triggers[0]!.topology).toBe("fleet-wide");
    expect(states(contributor)).toBe(row.contributor);
    expect(runs(contributor)).toEqual(row.contributorRuns);
    expect(contributor.triggers[0]!.absent).toEqual(row.absent);
    expect(own.triggers[0]!.topology).toBe("per-instance");
    expect(states(own)).toBe(row.perInstance);
    expect(runs(own)).toEqual(row.perInstanceRuns);
  });

  it("keeps alarms outside fleetWideAlarms per instance (another persona's digest, the same alarm id)", () => {
    const plan = watch("missing");
    const telemetry = minutes({ "cpu-utilization": [_, _, _] });

    const result = simulate(plan, telemetry, {
      fleetWideAlarms: new Set([fleetWideAlarmKey("sha256:another", plan.alarms[0]!.id)]),
    });

    expect(result.triggers[0]!.topology).toBe("per-instance");
    expect([...result.triggers[0]!.states].map((c) => stateName(c))).toEqual([
      "INSUFFICIENT_DATA",
      "INSUFFICIENT_DATA",
      "INSUFFICIENT_DATA",
    ]);
  });
});
