/**
 * Azure Monitor metric alert semantics, written from Microsoft's documentation:
 * - "Understand how metric alerts work in Azure Monitor" (alerts-metric-overview): the static
 *   Percentage CPU example (Average over the last 5 minutes, every 1 minute, greater than 70), the
 *   dynamic example (4 look-back periods, 4 violations) and "View and resolution of fired alerts".
 * - "What are Azure Monitor alerts?", "Alerts and state": stateful alerts resolve when "the alert
 *   condition isn't met for three consecutive checks"; stateless alerts fire each time.
 *   https://learn.microsoft.com/en-us/azure/azure-monitor/alerts/alerts-overview#alerts-and-state
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AlarmSettingsError,
  AZURE_INITIAL_STATUS,
  AzureMetricAlertEvaluator,
  type AzureMetricAlertSettings,
  type AzureMetricAlertStatus,
  aggregateWindow,
  evaluateAzureMetricAlert,
} from "../../../src/sim/alarm/index.js";
import { propertyRuns } from "../../support/property-runs.js";

/** The documented static example: myVM, Percentage CPU, Average, over the last 5 mins, every 1 min, > 70. */
const percentageCpu: AzureMetricAlertSettings = {
  operator: "GreaterThan",
  threshold: 70,
  timeAggregation: "Average",
  windowSizeMinutes: 5,
  evaluationFrequencyMinutes: 1,
};

const FIRED: AzureMetricAlertStatus = { monitorCondition: "Fired", unmetEvaluations: 0 };

/** Feeds the samples one per minute and records what each minute's evaluation did. */
function run(rule: AzureMetricAlertEvaluator, samples: ReadonlyArray<number | null>) {
  return samples.map((sample) => {
    const monitorCondition = rule.step(sample);
    return { monitorCondition, notification: rule.notification };
  });
}

describe("evaluateAzureMetricAlert", () => {
  describe("the documented static example: Average Percentage CPU over the last 5 minutes greater than 70", () => {
    it("fires an activated notification when the 5-minute average exceeds 70", () => {
      // Act
      const result = evaluateAzureMetricAlert(percentageCpu, [50, 60, 70, 80, 90, 95]);

      // Assess: the last five minutes average 79.
      expect(result).toEqual({
        status: FIRED,
        previousStatus: AZURE_INITIAL_STATUS,
        conditionMet: true,
        notification: "fired",
        reason: "condition-met",
        message:
          "Condition met: Average greater than 70 in 1 of 1 5-minute period (79); 1 needed; the alert fires.",
        periodValues: [79],
        failingPeriods: 1,
      });
    });

    it("does not fire when the average is exactly 70", () => {
      const result = evaluateAzureMetricAlert(percentageCpu, [50, 60, 70, 80, 90]);

      expect(result).toMatchObject({ conditionMet: false, notification: null, status: AZURE_INITIAL_STATUS });
      expect(result.message).toBe(
        "Condition not met: Average greater than 70 in 0 of 1 5-minute period (70); 1 needed; no alert.",
      );
    });

    it("does not fire again while the condition stays met in subsequent checks", () => {
      const result = evaluateAzureMetricAlert(percentageCpu, [90, 90, 90, 90, 90], FIRED);

      expect(result).toMatchObject({ status: FIRED, notification: null, reason: "condition-met" });
      expect(result.message).toBe(
        "Condition met: Average greater than 70 in 1 of 1 5-minute period (90); 1 needed; the alert stays fired.",
      );
    });
  });

  describe("resolution: a fired alert resolves when the condition is not met for three consecutive evaluations", () => {
    it("stays fired after the first and second unmet evaluation and resolves on the third", () => {
      const low = [10, 10, 10, 10, 10];

      const first = evaluateAzureMetricAlert(percentageCpu, low, FIRED);
      const second = evaluateAzureMetricAlert(percentageCpu, low, first.status);
      const third = evaluateAzureMetricAlert(percentageCpu, low, second.status);

      expect([first, second, third].map(({ status, notification }) => ({ ...status, notification }))).toEqual(
        [
          { monitorCondition: "Fired", unmetEvaluations: 1, notification: null },
          { monitorCondition: "Fired", unmetEvaluations: 2, notification: null },
          { monitorCondition: "Resolved", unmetEvaluations: 0, notification: "resolved" },
        ],
      );
      expect(second.message).toBe(
        "Condition not met: Average greater than 70 in 0 of 1 5-minute period (10); 1 needed; unmet for 2 of 3 consecutive evaluations, the alert stays fired.",
      );
      expect(third.message).toBe(
        "Condition not met: Average greater than 70 in 0 of 1 5-minute period (10); 1 needed; unmet for 3 consecutive evaluations, the alert is resolved.",
      );
    });

    it("starts counting again when the condition is met in between (flapping)", () => {
      const result = evaluateAzureMetricAlert(percentageCpu, [90, 90, 90, 90, 90], {
        monitorCondition: "Fired",
        unmetEvaluations: 2,
      });

      expect(result).toMatchObject({ status: FIRED, notification: null });
    });

    it("keeps a never-fired rule resolved without counting unmet evaluations", () => {
      expect(evaluateAzureMetricAlert(percentageCpu, [10, 10, 10, 10, 10]).status).toEqual(
        AZURE_INITIAL_STATUS,
      );
    });
  });

  describe("stateless alerts (autoMitigate false)", () => {
    const stateless = { ...percentageCpu, autoMitigate: false };

    it("notify on every evaluation in which the condition is met, even if fired previously", () => {
      const result = evaluateAzureMetricAlert(stateless, [90, 90, 90, 90, 90], FIRED);

      expect(result).toMatchObject({ notification: "fired", status: FIRED });
      expect(result.message).toBe(
        "Condition met: Average greater than 70 in 1 of 1 5-minute period (90); 1 needed; the stateless alert notifies again.",
      );
    });

    it("are never resolved", () => {
      let status: AzureMetricAlertStatus = FIRED;
      for (let check = 0; check < 5; check++) {
        status = evaluateAzureMetricAlert(stateless, [10, 10, 10, 10, 10], status).status;
      }

      expect(status).toEqual(FIRED);
    });
  });

  describe("failing periods: the documented dynamic example with 4 look-back periods and 4 violations", () => {
    // "looks at metric values in the last 20 minutes grouped into 5 minutes periods and checks if
    // the average of the period values in each of the 4 periods exceeds the expected threshold".
    const fourOfFour: AzureMetricAlertSettings = {
      ...percentageCpu,
      failingPeriods: { numberOfEvaluationPeriods: 4, minFailingPeriodsToAlert: 4 },
    };
    const periods = (...averages: number[]) =>
      averages.flatMap((average) => [average, average, average, average, average]);

    it("fires when all four 5-minute periods of the last 20 minutes violate", () => {
      const result = evaluateAzureMetricAlert(fourOfFour, [0, 0, ...periods(75, 80, 85, 90)]);

      expect(result).toMatchObject({ conditionMet: true, notification: "fired", failingPeriods: 4 });
      expect(result.periodValues).toEqual([75, 80, 85, 90]);
    });

    it("does not fire when only three of the four periods violate", () => {
      const result = evaluateAzureMetricAlert(fourOfFour, periods(60, 80, 85, 90));

      expect(result).toMatchObject({ conditionMet: false, failingPeriods: 3 });
      expect(result.message).toBe(
        "Condition not met: Average greater than 70 in 3 of 4 5-minute periods (60, 80, 85, 90); 4 needed; no alert.",
      );
    });

    it("fires on M of N when minFailingPeriodsToAlert is lower", () => {
      const threeOfFour = {
        ...fourOfFour,
        failingPeriods: { numberOfEvaluationPeriods: 4, minFailingPeriodsToAlert: 3 },
      };

      expect(evaluateAzureMetricAlert(threeOfFour, periods(60, 80, 85, 90)).conditionMet).toBe(true);
    });
  });

  describe("the seed's trigger: CPU Load > 80% for 5 minutes", () => {
    const normal = [40, 40, 40, 40, 40];
    const breachingMinutes = [85, 90, 95, 97, 99];

    it.each([
      [
        "five 1-minute periods, 5 of 5 failing",
        {
          windowSizeMinutes: 1,
          failingPeriods: { numberOfEvaluationPeriods: 5, minFailingPeriodsToAlert: 5 },
        },
      ],
      ["Minimum over a 5-minute window", { timeAggregation: "Minimum", windowSizeMinutes: 5 }],
    ] as const)("fires after exactly 5 breaching minutes and not after 4 (%s)", (_, mapping) => {
      const rule: AzureMetricAlertSettings = { ...percentageCpu, threshold: 80, ...mapping };

      const afterFour = evaluateAzureMetricAlert(rule, [...normal, ...breachingMinutes.slice(0, 4)]);
      const afterFive = evaluateAzureMetricAlert(rule, [...normal, ...breachingMinutes], afterFour.status);

      expect(afterFour).toMatchObject({ conditionMet: false, notification: null });
      expect(afterFive).toMatchObject({ conditionMet: true, notification: "fired" });
    });

    it("fires after 4 breaching minutes when mapped to Average over 5 minutes, which is not 'for 5 minutes'", () => {
      const average = { ...percentageCpu, threshold: 80 };

      // (40 + 85 + 90 + 95 + 97) / 5 = 81.4
      const result = evaluateAzureMetricAlert(average, [...normal, ...breachingMinutes.slice(0, 4)]);

      expect(result).toMatchObject({ conditionMet: true, periodValues: [81.4] });
    });
  });

  describe("aggregation over the window", () => {
    it.each([
      ["Average", 20],
      ["Minimum", 10],
      ["Maximum", 30],
      ["Total", 60],
      ["Count", 3],
    ] as const)("%s of 10, missing, 20, missing, 30 is %d", (aggregation, expected) => {
      expect(aggregateWindow([10, null, 20, Number.NaN, 30], aggregation)).toBe(expected);
    });

    it.each([
      ["Average", null],
      ["Minimum", null],
      ["Maximum", null],
      ["Total", 0],
      ["Count", 0],
    ] as const)("%s of a window without samples is %j", (aggregation, expected) => {
      expect(aggregateWindow([null, null, null], aggregation)).toBe(expected);
    });

    it("fires a Count < 1 rule when the metric stops reporting", () => {
      const heartbeat: AzureMetricAlertSettings = {
        operator: "LessThan",
        threshold: 1,
        timeAggregation: "Count",
        windowSizeMinutes: 5,
      };

      expect(evaluateAzureMetricAlert(heartbeat, [1, 1, 1, null, null, null, null, null]).notification).toBe(
        "fired",
      );
    });
  });

  describe("no data", () => {
    it("keeps the status, without counting an unmet evaluation, when no period has a value", () => {
      const previous = { monitorCondition: "Fired", unmetEvaluations: 1 } as const;

      const result = evaluateAzureMetricAlert(percentageCpu, [90, null, null, null, null, null], previous);

      expect(result).toEqual({
        status: previous,
        previousStatus: previous,
        conditionMet: null,
        notification: null,
        reason: "no-data",
        message:
          "No data: Average has no value in any 5-minute period of the last 5 minutes; the alert stays fired.",
        periodValues: [null],
        failingPeriods: 0,
      });
    });

    it("treats minutes before the first sample as missing", () => {
      expect(evaluateAzureMetricAlert(percentageCpu, [90]).periodValues).toEqual([90]);
    });
  });

  describe("settings", () => {
    it("rejects a window size Azure does not offer, with the accepted values", () => {
      expect(() => evaluateAzureMetricAlert({ ...percentageCpu, windowSizeMinutes: 10 }, [])).toThrow(
        "Invalid Azure metric alert settings:\n- windowSizeMinutes must be one of 1, 5, 15, 30, 60, 360, 720, 1440 (PT1M to P1D); received 10.",
      );
    });

    it("reports every problem at once", () => {
      const settings = {
        operator: "Above",
        threshold: Number.NaN,
        timeAggregation: "Median",
        windowSizeMinutes: 5,
        evaluationFrequencyMinutes: 15,
        failingPeriods: { numberOfEvaluationPeriods: 2, minFailingPeriodsToAlert: 3 },
      } as unknown as AzureMetricAlertSettings;

      let error: unknown;
      try {
        evaluateAzureMetricAlert(settings, []);
      } catch (caught) {
        error = caught;
      }

      expect(error).toBeInstanceOf(AlarmSettingsError);
      expect((error as AlarmSettingsError).cloud).toBe("azure");
      expect((error as AlarmSettingsError).problems).toEqual([
        'operator must be one of GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual; received "Above".',
        "threshold must be a finite number; received NaN.",
        'timeAggregation must be one of Average, Minimum, Maximum, Total, Count; received "Median".',
        "evaluationFrequencyMinutes (15) must not exceed windowSizeMinutes (5); check less often than the lookback period and samples go unexamined.",
        "failingPeriods.minFailingPeriodsToAlert must be a whole number from 1 to numberOfEvaluationPeriods (2); received 3.",
      ]);
    });

    /** The problems an evaluation with these settings is rejected with. */
    function problems(settings: AzureMetricAlertSettings): readonly string[] {
      try {
        evaluateAzureMetricAlert(settings, []);
      } catch (error) {
        if (!(error instanceof AlarmSettingsError)) throw error;
        return error.problems;
      }
      throw new Error("the settings were accepted");
    }

    it("rejects an evaluation frequency Azure does not offer, with the accepted values", () => {
      expect(problems({ ...percentageCpu, evaluationFrequencyMinutes: 2 as 1 })).toEqual([
        "evaluationFrequencyMinutes must be one of 1, 5, 15, 30, 60 (PT1M to PT1H); received 2.",
      ]);
    });

    it("rejects a fractional or zero numberOfEvaluationPeriods", () => {
      const withPeriods = (numberOfEvaluationPeriods: number) =>
        problems({
          ...percentageCpu,
          failingPeriods: { numberOfEvaluationPeriods, minFailingPeriodsToAlert: 1 },
        });

      expect([withPeriods(1.5), withPeriods(0)]).toEqual([
        ["failingPeriods.numberOfEvaluationPeriods must be a whole number of at least 1; received 1.5."],
        ["failingPeriods.numberOfEvaluationPeriods must be a whole number of at least 1; received 0."],
      ]);
    });

    it("rejects minFailingPeriodsToAlert 0", () => {
      expect(
        problems({
          ...percentageCpu,
          failingPeriods: { numberOfEvaluationPeriods: 4, minFailingPeriodsToAlert: 0 },
        }),
      ).toEqual([
        "failingPeriods.minFailingPeriodsToAlert must be a whole number from 1 to numberOfEvaluationPeriods (4); received 0.",
      ]);
    });

    it("rejects an autoMitigate that is not a boolean", () => {
      expect(problems({ ...percentageCpu, autoMitigate: "yes" as unknown as boolean })).toEqual([
        'autoMitigate must be true or false; received "yes".',
      ]);
    });

    it("rejects a threshold given as text, which Number.isFinite does not coerce", () => {
      expect(problems({ ...percentageCpu, threshold: "70" as unknown as number })).toEqual([
        "threshold must be a finite number; received 70.",
      ]);
    });
  });

  describe("the explanation", () => {
    it("names each operator in words and gives the reason", () => {
      const results = (["GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"] as const).map(
        (operator) => {
          const result = evaluateAzureMetricAlert(
            { operator, threshold: 50, timeAggregation: "Maximum", windowSizeMinutes: 1 },
            [50],
          );
          return { reason: result.reason, message: result.message };
        },
      );

      expect(results).toEqual([
        {
          reason: "condition-not-met",
          message:
            "Condition not met: Maximum greater than 50 in 0 of 1 1-minute period (50); 1 needed; no alert.",
        },
        {
          reason: "condition-met",
          message:
            "Condition met: Maximum greater than or equal to 50 in 1 of 1 1-minute period (50); 1 needed; the alert fires.",
        },
        {
          reason: "condition-not-met",
          message:
            "Condition not met: Maximum less than 50 in 0 of 1 1-minute period (50); 1 needed; no alert.",
        },
        {
          reason: "condition-met",
          message:
            "Condition met: Maximum less than or equal to 50 in 1 of 1 1-minute period (50); 1 needed; the alert fires.",
        },
      ]);
    });

    it("lists a period without samples as no data", () => {
      const twoPeriods: AzureMetricAlertSettings = {
        operator: "GreaterThan",
        threshold: 50,
        timeAggregation: "Maximum",
        windowSizeMinutes: 1,
        failingPeriods: { numberOfEvaluationPeriods: 2, minFailingPeriodsToAlert: 1 },
      };

      expect(evaluateAzureMetricAlert(twoPeriods, [null, 90]).message).toBe(
        "Condition met: Maximum greater than 50 in 1 of 2 1-minute periods (no data, 90); 1 needed; the alert fires.",
      );
    });

    it("says a fired stateless alert stays fired when the condition is not met", () => {
      const result = evaluateAzureMetricAlert(
        {
          operator: "GreaterThan",
          threshold: 50,
          timeAggregation: "Maximum",
          windowSizeMinutes: 1,
          autoMitigate: false,
        },
        [10],
        FIRED,
      );

      expect({ status: result.status, message: result.message }).toEqual({
        status: FIRED,
        message:
          "Condition not met: Maximum greater than 50 in 0 of 1 1-minute period (10); 1 needed; the stateless alert stays fired.",
      });
    });
  });
});

describe("AzureMetricAlertEvaluator", () => {
  it("fires once, stays fired while the condition holds, and resolves on the third unmet check", () => {
    // Prepare
    const rule = new AzureMetricAlertEvaluator(percentageCpu);

    // Act: one sample per minute, checked every minute over the last 5 minutes.
    const trace = run(rule, [50, 50, 50, 50, 50, 90, 90, 90, 90, 90, 10, 10, 10, 10, 10]);

    // Assess: the 5-minute averages are 50 ×5, 58, 66, 74 (met: fires at minute 8), 82, 90, 74 (met),
    // then 58, 42, 26 (unmet three times: resolved at minute 14) and 10.
    expect(trace.map((minute) => minute.notification)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      "fired",
      null,
      null,
      null,
      null,
      null,
      "resolved",
      null,
    ]);
    expect(trace.map((minute) => minute.monitorCondition).slice(6)).toEqual([
      "Resolved",
      "Fired",
      "Fired",
      "Fired",
      "Fired",
      "Fired",
      "Fired",
      "Resolved",
      "Resolved",
    ]);
  });

  it("evaluates only at the end of each evaluation frequency", () => {
    const rule = new AzureMetricAlertEvaluator({ ...percentageCpu, evaluationFrequencyMinutes: 5 });

    const evaluated = [90, 90, 90, 90, 90, 90, 90, 90, 90, 90].map((sample) => {
      rule.step(sample);
      return rule.evaluated;
    });

    expect(evaluated).toEqual([false, false, false, false, true, false, false, false, false, true]);
    expect(rule.minutes).toBe(10);
  });

  it("explains the most recent evaluation, and nothing before the first", () => {
    const rule = new AzureMetricAlertEvaluator({ ...percentageCpu, evaluationFrequencyMinutes: 5 });
    rule.step(90);
    expect(rule.explain()).toBeUndefined();

    for (const sample of [90, 90, 90, 90]) rule.step(sample);

    expect(rule.explain()).toEqual(evaluateAzureMetricAlert(percentageCpu, [90, 90, 90, 90, 90]));
  });

  it("starts from the status it is given, and has not evaluated before the first sample", () => {
    const rule = new AzureMetricAlertEvaluator(percentageCpu, FIRED);

    expect({ monitorCondition: rule.monitorCondition, evaluated: rule.evaluated }).toEqual({
      monitorCondition: "Fired",
      evaluated: false,
    });
  });

  it("restarts from the status given to reset, with no evaluation since", () => {
    const rule = new AzureMetricAlertEvaluator(percentageCpu);
    run(rule, [10, 10, 10, 10, 10]);

    rule.reset({ monitorCondition: "Fired", unmetEvaluations: 1 });

    expect({ status: rule.status, evaluated: rule.evaluated }).toEqual({
      status: { monitorCondition: "Fired", unmetEvaluations: 1 },
      evaluated: false,
    });
  });

  it("forgets every sample on reset", () => {
    const rule = new AzureMetricAlertEvaluator(percentageCpu);
    run(rule, [90, 90, 90, 90, 90]);

    rule.reset();

    expect({ status: rule.status, minutes: rule.minutes, notification: rule.notification }).toEqual({
      status: AZURE_INITIAL_STATUS,
      minutes: 0,
      notification: null,
    });
  });

  it("agrees with evaluateAzureMetricAlert over the whole history at every evaluation (property)", () => {
    const settingsArb = fc
      .record({
        operator: fc.constantFrom("GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"),
        threshold: fc.integer({ min: 0, max: 4 }),
        timeAggregation: fc.constantFrom("Average", "Minimum", "Maximum", "Total", "Count"),
        windowSizeMinutes: fc.constantFrom(1, 5, 15),
        evaluationFrequencyMinutes: fc.constantFrom(1, 5, 15),
        n: fc.integer({ min: 1, max: 4 }),
        m: fc.integer({ min: 1, max: 4 }),
        autoMitigate: fc.boolean(),
      })
      .map(
        ({ n, m, ...rest }): AzureMetricAlertSettings => ({
          ...rest,
          evaluationFrequencyMinutes: Math.min(rest.evaluationFrequencyMinutes, rest.windowSizeMinutes),
          failingPeriods: { numberOfEvaluationPeriods: n, minFailingPeriodsToAlert: Math.min(m, n) },
        }),
      );
    const samplesArb = fc.array(fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 4 }), {
      maxLength: 60,
    });
    const statusArb = fc.constantFrom<AzureMetricAlertStatus>(AZURE_INITIAL_STATUS, FIRED, {
      monitorCondition: "Fired",
      unmetEvaluations: 2,
    });

    let changed = 0;
    fc.assert(
      fc.property(settingsArb, samplesArb, statusArb, (settings, samples, initial) => {
        const rule = new AzureMetricAlertEvaluator(settings, initial);
        const conditions = new Set([rule.status.monitorCondition]);
        samples.forEach((sample, index) => {
          const before = rule.status;
          rule.step(sample);
          if (!rule.evaluated) {
            expect(rule.status).toEqual(before);
            return;
          }
          const expected = evaluateAzureMetricAlert(settings, samples.slice(0, index + 1), before);
          expect(rule.explain()).toEqual(expected);
          expect({ status: rule.status, notification: rule.notification }).toEqual({
            status: expected.status,
            notification: expected.notification,
          });
          conditions.add(rule.status.monitorCondition);
        });
        if (conditions.size > 1) changed++;
      }),
      { numRuns: propertyRuns(300) },
    );
    // Firing and resolving are exercised: the monitor condition changes in about 23 % of the histories.
    expect(changed / propertyRuns(300)).toBeGreaterThanOrEqual(0.12);
  });
});
