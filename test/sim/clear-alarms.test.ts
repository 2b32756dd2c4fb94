/**
 * Clear alarms never sit in ALARM while nothing is wrong (issue 12 item 12). A trigger's clear alarm
 * is a watcher on the clear condition's complement whose ALARM → OK runs the clear
 * (docs/alarm-semantics.md, "Clear alarms"). These specifications check the plan's CloudWatch specs
 * with the CloudWatch evaluator, and every embedded persona through a quiet day in the simulator.
 */
import { describe, expect, it } from "vitest";
import { metricById } from "../../src/pdl/metrics/index.js";
import { type PersonaPlan, planPersona } from "../../src/plan/plan.js";
import { actsOnTransition, alarmResponders, okResponders } from "../../src/plan/render.js";
import { defaultRepository } from "../../src/repository/repository.js";
import { CloudWatchAlarmEvaluator } from "../../src/sim/alarm/index.js";
import { simulate } from "../../src/sim/engine.js";
import { minutes, planOf, repeat } from "./fixtures.js";

/** Every version of every embedded persona, planned. */
function embeddedPlans(): PersonaPlan[] {
  const repository = defaultRepository();
  return repository.list().map((entry) => {
    const chain = repository.resolve(`${entry.name}@${entry.version}`);
    return planPersona({
      persona: chain.persona,
      ref: { name: entry.name, version: entry.version, digest: chain.digest },
    });
  });
}

/** A quiet instance: every metric the embedded personas watch, well inside every threshold. */
const HEALTHY: Record<string, number> = {
  "cpu-utilization": 20,
  "memory-utilization": 30,
  "network-latency": 20,
  "disk-utilization": 40,
  "error-rate": 0.1,
};

const plans = embeddedPlans();

describe("A trigger's clear alarm", () => {
  const web = planOf(
    "Name: Web\nTelemetryTriggers:\n  - Condition: CPU Load > 80% for 5 minutes\n    Action: Scale up to 16 cores\n    Clear: after 30 minutes\n",
  );
  const clear = web.alarms.find((a) => a.role === "clear")!;

  it("watches the trigger's own comparison in 1 of 30 minutes, ignoring missing data, and acts on OK", () => {
    expect(clear.aws).toMatchObject({
      comparisonOperator: "GreaterThanThreshold",
      threshold: 80,
      period: 60,
      evaluationPeriods: 30,
      datapointsToAlarm: 1,
      treatMissingData: "ignore",
    });
    expect(clear.actsOn).toBe("OK");
    expect(alarmResponders(clear)).toEqual([]);
    expect(okResponders(clear)).toEqual(["scale"]);
    expect(clear.description).toBe(
      "clears when cpu-utilization <= 80% for 30 minutes (in ALARM while cpu-utilization > 80% for 1 of 30 periods of 1 minute)",
    );
  });

  it("complements an explicit clear condition: 'CPU < 40% for 30 minutes' is watched as >= 40 in 1 of 30", () => {
    const batch = plans.find((p) => p.persona.name === "BatchWorker")!;
    const watcher = batch.alarms.find((a) => a.role === "clear")!;

    expect(watcher.aws).toMatchObject({
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 40,
      evaluationPeriods: 30,
      datapointsToAlarm: 1,
    });
  });

  it("runs the clear only on ALARM → OK; a trigger's OK and a watcher's first OK are not clears", () => {
    expect(actsOnTransition("clear", "ALARM", "OK")).toBe(true);
    expect(actsOnTransition("clear", "INSUFFICIENT_DATA", "OK")).toBe(false);
    expect(actsOnTransition("clear", "OK", "ALARM")).toBe(false);
    expect(actsOnTransition("activate", "ALARM", "OK")).toBe(false);
    expect(actsOnTransition("activate", "OK", "ALARM")).toBe(true);
    expect(actsOnTransition("activate", "INSUFFICIENT_DATA", "ALARM")).toBe(true);
  });
});

describe("Every embedded persona on a healthy instance", () => {
  it("has every alarm of its plan OK after an hour of healthy datapoints (CloudWatch evaluator on the plan's specs)", () => {
    const states = plans.flatMap((plan) =>
      plan.alarms.map((alarm) => {
        const evaluator = new CloudWatchAlarmEvaluator({
          comparisonOperator: alarm.aws.comparisonOperator,
          threshold: alarm.aws.threshold,
          evaluationPeriods: alarm.aws.evaluationPeriods,
          datapointsToAlarm: alarm.aws.datapointsToAlarm,
          treatMissingData: alarm.aws.treatMissingData,
        });
        const healthy = HEALTHY[alarm.condition.metric];
        expect(healthy, `a healthy level for ${alarm.condition.metric}`).toBeDefined();
        // In CloudWatch's sense, as the simulator converts it: "used" published as "available".
        const complement = metricById(alarm.condition.metric).aws.conversion === "percent-complement";
        const value = complement ? 100 - healthy! : healthy!;
        const seen = new Set<string>();
        for (let minute = 0; minute < 60; minute++) seen.add(evaluator.step(value));
        return `${plan.persona.name}@${plan.persona.version} ${alarm.id}: ${[...seen].join(",")} → ${evaluator.state}`;
      }),
    );

    expect(states.length).toBeGreaterThan(plans.length);
    expect(states.filter((s) => s.includes("ALARM"))).toEqual([]);
    expect(states.every((s) => s.endsWith("→ OK"))).toBe(true);
  });

  it("spends a quiet day with no alarm ever in ALARM and no action run (simulator)", () => {
    const day = 24 * 60;
    for (const plan of plans) {
      const metrics = [...new Set(plan.alarms.map((a) => a.condition.metric))];
      const telemetry = minutes(Object.fromEntries(metrics.map((m) => [m, repeat(HEALTHY[m]!, day)])));
      const result = simulate(plan, telemetry);

      const label = `${plan.persona.name}@${plan.persona.version}`;
      expect(result.summary.alarms, label).toEqual({});
      expect(
        result.actions.filter((a) => a.source.kind === "alarm"),
        label,
      ).toEqual([]);
      for (const trigger of result.triggers)
        expect([...trigger.states!].includes(1), `${label} ${trigger.alarmId}`).toBe(false);
    }
  });

  it("still clears after the clear window: a spike scales up, and 30 quiet minutes after it the watcher's OK scales back", () => {
    const plan = plans.find((p) => p.persona.name === "HighTraffic" && p.persona.version === "1.3.0")!;
    const cpu = [...repeat(20, 10), ...repeat(95, 6), ...repeat(20, 60)];
    const telemetry = minutes({
      "cpu-utilization": cpu,
      "network-latency": repeat(20, cpu.length),
      "disk-utilization": repeat(40, cpu.length),
      "error-rate": repeat(0.1, cpu.length),
    });
    const result = simulate(plan, telemetry, { initialSize: "m7i.2xlarge" });

    const alarmActions = result.actions
      .filter((a) => a.source.kind === "alarm")
      .map((a) => [a.at / 60, a.intent, a.outcome]);
    // Breaching minutes 10-15; the trigger fires at the fifth (14) and the scale-up halves the CPU
    // share from minute 15 (src/sim/effects.ts), so the last breach is minute 14 and the watcher's
    // 30 periods hold no breach from minute 44 on.
    expect(alarmActions).toEqual([
      [14, "activate", "dispatched"],
      [44, "clear", "dispatched"],
    ]);
    expect(result.summary.finalSize).toBe("m7i.2xlarge");
  });
});
