/**
 * CloudWatch alarm semantics, written from the Amazon CloudWatch User Guide:
 * - "Alarm evaluation": https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html
 * - "Configuring how CloudWatch alarms treat missing data" (sections "How alarm state is evaluated
 *   when data is missing" and "Avoiding premature transitions to alarm state"):
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 *
 * The guide's tables write the evaluation range oldest first, `0` not breaching, `X` breaching,
 * `-` missing; `row()` reads that notation.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AlarmSettingsError,
  CloudWatchAlarmEvaluator,
  type CloudWatchAlarmSettings,
  type CloudWatchAlarmState,
  evaluateCloudWatchAlarm,
  type TreatMissingData,
} from "../../../src/sim/alarm/index.js";
import { propertyRuns } from "../../support/property-runs.js";

/** Threshold 50, GreaterThanThreshold: `X` is 90, `0` is 10, `-` is missing. */
function row(notation: string): Array<number | null> {
  return notation.split(" ").map((cell) => (cell === "-" ? null : cell === "X" ? 90 : 10));
}

function guideAlarm(datapointsToAlarm: number, treatMissingData: TreatMissingData): CloudWatchAlarmSettings {
  // The guide's tables: Evaluation Periods 3, an evaluation range of 5.
  return {
    comparisonOperator: "GreaterThanThreshold",
    threshold: 50,
    evaluationPeriods: 3,
    datapointsToAlarm,
    treatMissingData,
    evaluationRange: 5,
  };
}

const RETAIN = "retain current state";
type Expected = CloudWatchAlarmState | typeof RETAIN;
const TREATMENTS: readonly TreatMissingData[] = ["missing", "ignore", "breaching", "notBreaching"];

function expectRow(m: number, data: string, filled: number, expected: readonly Expected[]): void {
  TREATMENTS.forEach((treatment, column) => {
    const want = expected[column]!;
    // "Retain current state" is proven by starting from each of the three states.
    const starts: CloudWatchAlarmState[] = want === RETAIN ? ["OK", "ALARM", "INSUFFICIENT_DATA"] : ["OK"];
    for (const start of starts) {
      const result = evaluateCloudWatchAlarm(guideAlarm(m, treatment), row(data), start);
      expect({ treatment, start, state: result.state, filled: result.datapointsFilled }).toEqual({
        treatment,
        start,
        state: want === RETAIN ? start : want,
        filled,
      });
    }
  });
}

describe("evaluateCloudWatchAlarm", () => {
  describe("the guide's first table: Datapoints to Alarm 3 of Evaluation Periods 3, evaluation range 5", () => {
    it.each([
      // data points, # to fill, MISSING, IGNORE, BREACHING, NOT BREACHING
      ["0 - X - X", 0, ["OK", "OK", "OK", "OK"]],
      ["0 - - - -", 2, ["OK", "OK", "OK", "OK"]],
      ["- - - - -", 3, ["INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"]],
      ["0 X X - X", 0, ["ALARM", "ALARM", "ALARM", "ALARM"]],
      ["- - X - -", 2, ["ALARM", RETAIN, "ALARM", "OK"]],
      // The 2019 edition of the same table (awsdocs/amazon-cloudwatch-user-guide,
      // doc_source/AlarmThatSendsEmail.md at 05fd32f) has two more rows; the current guide dropped them.
      ["- - - - X", 2, ["INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"]],
      ["X - - - -", 2, ["ALARM", RETAIN, "ALARM", "OK"]],
    ] as const)(
      "row %s (%i to fill) gives %j for missing, ignore, breaching, notBreaching",
      (data, filled, states) => {
        expectRow(3, data, filled, states);
      },
    );
  });

  describe("the guide's second table: 2 out of 3 (M out of N), evaluation range 5", () => {
    it.each([
      ["0 - X - X", 0, ["ALARM", "ALARM", "ALARM", "ALARM"]],
      ["0 0 X 0 X", 0, ["ALARM", "ALARM", "ALARM", "ALARM"]],
      ["0 - X - -", 1, ["OK", "OK", "ALARM", "OK"]],
      ["- - - - 0", 2, ["OK", "OK", "ALARM", "OK"]],
      ["- - - X -", 2, ["ALARM", RETAIN, "ALARM", "OK"]],
      // From the 2019 edition of the table (see the first table).
      ["- - - - X", 2, ["INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"]],
    ] as const)(
      "row %s (%i missing) gives %j for missing, ignore, breaching, notBreaching",
      (data, filled, states) => {
        expectRow(2, data, filled, states);
      },
    );
  });

  it("evaluates the most recent real datapoints from farther back in the range when recent ones are missing (first table, row 4)", () => {
    // Prepare: the newest three periods hold only two datapoints; the third comes from farther back.
    const settings = guideAlarm(3, "notBreaching");

    // Act
    const result = evaluateCloudWatchAlarm(settings, row("0 X X - X"), "OK");

    // Assess: the treatment is not needed because 3 real datapoints are in the range.
    expect(result).toEqual({
      state: "ALARM",
      previousState: "OK",
      changed: true,
      reason: "threshold-crossed",
      message:
        "Threshold crossed: 3 of the last 3 datapoints were greater than the threshold (50); 3 needed for ALARM.",
      datapointsPresent: 4,
      datapointsFilled: 0,
      datapointsBreaching: 3,
    });
  });

  it("ignores the extra datapoints from farther back when none of the most recent ones are missing (second table, row 2)", () => {
    const result = evaluateCloudWatchAlarm(guideAlarm(2, "missing"), row("X X 0 0 X"), "ALARM");

    expect(result.state).toBe("OK");
    expect(result.datapointsBreaching).toBe(1);
    expect(result.message).toBe(
      "Within threshold: 1 of the last 3 datapoints was greater than the threshold (50); 2 needed for ALARM.",
    );
  });

  it("goes to ALARM under breaching once the last non-breaching datapoint leaves the range (first table, row 2 explained)", () => {
    // "The next time this alarm is evaluated, if the data is still missing it will go to ALARM,
    // as that non-breaching data point will no longer be in the evaluation range."
    const settings = guideAlarm(3, "breaching");
    const history = row("0 - - - -");

    const now = evaluateCloudWatchAlarm(settings, history, "OK");
    const next = evaluateCloudWatchAlarm(settings, [...history, null], now.state);

    expect(now.state).toBe("OK");
    expect(now.message).toBe(
      "Within threshold: 2 of the last 3 datapoints were greater than the threshold (50), 2 of them missing and treated as breaching; 3 needed for ALARM.",
    );
    expect(next).toMatchObject({
      state: "ALARM",
      changed: true,
      reason: "threshold-crossed",
      datapointsBreaching: 3,
    });
  });

  describe("avoiding premature transitions to alarm state (Datapoints to Alarm 3, evaluation range 5)", () => {
    it.each([
      ["- - - - X", "INSUFFICIENT_DATA"],
      ["- - - X -", "INSUFFICIENT_DATA"],
      ["- - - X 0", "OK"],
      ["- - X - 0", "OK"],
    ] as const)("does not go to ALARM on %s with missing data treated as missing (%s)", (data, state) => {
      expect(evaluateCloudWatchAlarm(guideAlarm(3, "missing"), row(data), "OK").state).toBe(state);
    });

    it("goes to ALARM on - - X - - because the oldest breaching datapoint is as old as Datapoints to Alarm", () => {
      const result = evaluateCloudWatchAlarm(guideAlarm(3, "missing"), row("- - X - -"), "OK");

      expect(result).toEqual({
        state: "ALARM",
        previousState: "OK",
        changed: true,
        reason: "breaching-then-missing",
        message:
          "Breaching then missing: every datapoint present (1) was greater than the threshold (50) and the oldest is 3 periods old, at least datapointsToAlarm (3), so CloudWatch goes to ALARM without waiting for more data.",
        datapointsPresent: 1,
        datapointsFilled: 2,
        datapointsBreaching: 1,
      });
    });

    it("applies the same rule to M out of N alarms (2 of 3: - - - X -)", () => {
      expect(evaluateCloudWatchAlarm(guideAlarm(2, "missing"), row("- - - X -"), "OK").reason).toBe(
        "breaching-then-missing",
      );
    });

    it("keeps the current state under ignore where missing would alarm prematurely", () => {
      const result = evaluateCloudWatchAlarm(guideAlarm(3, "ignore"), row("- - X - -"), "OK");

      expect(result).toMatchObject({ state: "OK", changed: false, reason: "missing-data-ignored" });
      expect(result.message).toBe(
        "Missing data ignored: 1 of 5 datapoints in the evaluation range present and 1 breaching, too few to decide (3 needed for ALARM); the state stays OK.",
      );
    });
  });

  describe("treatment of missing data when every datapoint in the range is missing", () => {
    const empty = [null, null, null, null, null];

    it("missing: goes to INSUFFICIENT_DATA", () => {
      const result = evaluateCloudWatchAlarm(guideAlarm(3, "missing"), empty, "ALARM");
      expect(result).toMatchObject({ state: "INSUFFICIENT_DATA", changed: true, reason: "all-missing" });
      expect(result.message).toBe("Insufficient data: all 5 datapoints in the evaluation range are missing.");
    });

    it("ignore: keeps ALARM, OK and INSUFFICIENT_DATA as they were", () => {
      for (const state of ["ALARM", "OK", "INSUFFICIENT_DATA"] as const) {
        expect(evaluateCloudWatchAlarm(guideAlarm(3, "ignore"), empty, state)).toMatchObject({
          state,
          changed: false,
        });
      }
    });

    it("breaching: goes to ALARM", () => {
      expect(evaluateCloudWatchAlarm(guideAlarm(3, "breaching"), empty, "OK").state).toBe("ALARM");
    });

    it("notBreaching: goes to OK", () => {
      expect(evaluateCloudWatchAlarm(guideAlarm(3, "notBreaching"), empty, "ALARM").state).toBe("OK");
    });

    it("missing is the default treatment", () => {
      const { treatMissingData: _, ...settings } = guideAlarm(3, "missing");
      expect(evaluateCloudWatchAlarm(settings, empty, "OK").state).toBe("INSUFFICIENT_DATA");
    });

    it("a new alarm starts in INSUFFICIENT_DATA when no current state is given", () => {
      expect(evaluateCloudWatchAlarm(guideAlarm(3, "ignore"), []).state).toBe("INSUFFICIENT_DATA");
    });
  });

  describe("the seed's trigger: CPU Load > 80% for 5 minutes (period 60 s, 5 of 5, GreaterThanThreshold 80)", () => {
    const cpu: CloudWatchAlarmSettings = {
      comparisonOperator: "GreaterThanThreshold",
      threshold: 80,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
    };

    it("goes to ALARM after exactly 5 breaching minutes", () => {
      const result = evaluateCloudWatchAlarm(cpu, [40, 45, 85, 90, 95, 97, 99], "OK");

      expect(result).toMatchObject({ state: "ALARM", changed: true, datapointsBreaching: 5 });
      expect(result.message).toBe(
        "Threshold crossed: 5 of the last 5 datapoints were greater than the threshold (80); 5 needed for ALARM.",
      );
    });

    it("stays OK after 4 breaching minutes", () => {
      const result = evaluateCloudWatchAlarm(cpu, [40, 45, 50, 85, 90, 95, 97], "OK");

      expect(result).toMatchObject({ state: "OK", changed: false, datapointsBreaching: 4 });
    });

    it("stays INSUFFICIENT_DATA after 4 breaching minutes on a fresh metric (too few, too recent: the 2019 guide's - - - - X)", () => {
      const result = evaluateCloudWatchAlarm(cpu, [85, 90, 95, 97], "INSUFFICIENT_DATA");

      expect(result).toMatchObject({
        state: "INSUFFICIENT_DATA",
        changed: false,
        reason: "breaching-too-recent",
      });
      expect(result.message).toBe(
        "Insufficient data: every datapoint present (4) was greater than the threshold (80), but fewer than datapointsToAlarm (5) and the oldest is only 4 periods old, so CloudWatch waits for more data.",
      );
    });

    it("goes to OK on a fresh metric once a present datapoint does not breach", () => {
      const result = evaluateCloudWatchAlarm(cpu, [85, 90, 40, 97], "INSUFFICIENT_DATA");

      expect(result).toMatchObject({ state: "OK", changed: true, reason: "within-threshold" });
    });

    it("does not count exactly 80% as breaching", () => {
      expect(evaluateCloudWatchAlarm(cpu, [80, 81, 81, 81, 81], "OK").state).toBe("OK");
    });
  });

  describe("M out of N", () => {
    it("goes to ALARM on 4 of the last 5 datapoints without needing them consecutive", () => {
      const fourOfFive = {
        comparisonOperator: "GreaterThanThreshold",
        threshold: 50,
        evaluationPeriods: 5,
      } as const;
      const data = row("X 0 X X X");

      expect(evaluateCloudWatchAlarm({ ...fourOfFive, datapointsToAlarm: 4 }, data, "OK").state).toBe(
        "ALARM",
      );
      expect(evaluateCloudWatchAlarm({ ...fourOfFive, datapointsToAlarm: 5 }, data, "OK").state).toBe("OK");
    });
  });

  describe("comparison operators", () => {
    it.each([
      ["GreaterThanThreshold", [false, false, true]],
      ["GreaterThanOrEqualToThreshold", [false, true, true]],
      ["LessThanThreshold", [true, false, false]],
      ["LessThanOrEqualToThreshold", [true, true, false]],
    ] as const)("%s breaches at 79, 80, 81 against 80 as %j", (comparisonOperator, expected) => {
      const states = [79, 80, 81].map(
        (value) =>
          evaluateCloudWatchAlarm({ comparisonOperator, threshold: 80, evaluationPeriods: 1 }, [value]).state,
      );
      expect(states).toEqual(expected.map((breach) => (breach ? "ALARM" : "OK")));
    });
  });

  describe("the evaluation range", () => {
    it("defaults to evaluationPeriods + 2, the guide's 5 for 3", () => {
      const settings = {
        comparisonOperator: "GreaterThanThreshold",
        threshold: 50,
        evaluationPeriods: 3,
      } as const;

      // A non-breaching datapoint 6 periods back is outside the default range of 5.
      expect(
        evaluateCloudWatchAlarm({ ...settings, treatMissingData: "breaching" }, row("0 - - - - -")).state,
      ).toBe("ALARM");
      // Widening the range to 6 brings it back into the evaluation.
      expect(
        evaluateCloudWatchAlarm(
          { ...settings, treatMissingData: "breaching", evaluationRange: 6 },
          row("0 - - - - -"),
        ).state,
      ).toBe("OK");
    });

    it("treats periods before the first datapoint given as missing", () => {
      expect(evaluateCloudWatchAlarm(guideAlarm(3, "breaching"), row("0")).datapointsFilled).toBe(2);
    });

    it("treats NaN as a missing datapoint", () => {
      expect(
        evaluateCloudWatchAlarm(guideAlarm(3, "missing"), [Number.NaN, Number.NaN, Number.NaN]).state,
      ).toBe("INSUFFICIENT_DATA");
    });
  });

  describe("settings", () => {
    it("rejects datapointsToAlarm above evaluationPeriods with what to change", () => {
      const act = () =>
        evaluateCloudWatchAlarm(
          {
            comparisonOperator: "GreaterThanThreshold",
            threshold: 80,
            evaluationPeriods: 5,
            datapointsToAlarm: 6,
          },
          [],
        );

      expect(act).toThrow(AlarmSettingsError);
      expect(act).toThrow(
        "Invalid CloudWatch alarm settings:\n- datapointsToAlarm must be a whole number from 1 to evaluationPeriods (5); received 6. Lower datapointsToAlarm or raise evaluationPeriods.",
      );
    });

    it("reports every problem at once", () => {
      const settings = {
        comparisonOperator: "GreaterThan",
        threshold: Number.POSITIVE_INFINITY,
        evaluationPeriods: 3,
        treatMissingData: "skip",
        evaluationRange: 2,
      } as unknown as CloudWatchAlarmSettings;

      let error: unknown;
      try {
        evaluateCloudWatchAlarm(settings, []);
      } catch (caught) {
        error = caught;
      }

      expect(error).toBeInstanceOf(AlarmSettingsError);
      expect((error as AlarmSettingsError).code).toBe("ALARM_SETTINGS_INVALID");
      expect((error as AlarmSettingsError).problems).toEqual([
        'comparisonOperator must be one of GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold, LessThanOrEqualToThreshold; received "GreaterThan".',
        "threshold must be a finite number; received Infinity.",
        'treatMissingData must be one of missing, ignore, breaching, notBreaching; received "skip".',
        "evaluationRange must be a whole number no smaller than evaluationPeriods (3); received 2.",
      ]);
    });

    /** The problems an evaluation with these settings is rejected with, and which cloud rejected it. */
    function rejection(settings: CloudWatchAlarmSettings): { cloud: string; problems: readonly string[] } {
      try {
        evaluateCloudWatchAlarm(settings, []);
      } catch (error) {
        if (!(error instanceof AlarmSettingsError)) throw error;
        return { cloud: error.cloud, problems: error.problems };
      }
      throw new Error("the settings were accepted");
    }
    const base = { comparisonOperator: "GreaterThanThreshold", threshold: 80 } as const;

    it("rejects a fractional evaluationPeriods (PutMetricAlarm's EvaluationPeriods is an integer of at least 1)", () => {
      expect(
        rejection({ ...base, evaluationPeriods: 1.5, datapointsToAlarm: 1, evaluationRange: 3 }),
      ).toEqual({
        cloud: "aws",
        problems: ["evaluationPeriods must be a whole number of at least 1; received 1.5."],
      });
    });

    it("rejects evaluationPeriods 0 and an evaluation range of 0", () => {
      expect(rejection({ ...base, evaluationPeriods: 0, datapointsToAlarm: 1, evaluationRange: 0 })).toEqual({
        cloud: "aws",
        problems: [
          "evaluationPeriods must be a whole number of at least 1; received 0.",
          "evaluationRange must be a whole number no smaller than evaluationPeriods (0); received 0.",
        ],
      });
    });

    it("rejects datapointsToAlarm 0 (PutMetricAlarm's DatapointsToAlarm is at least 1)", () => {
      expect(rejection({ ...base, evaluationPeriods: 3, datapointsToAlarm: 0 })).toEqual({
        cloud: "aws",
        problems: [
          "datapointsToAlarm must be a whole number from 1 to evaluationPeriods (3); received 0. Lower datapointsToAlarm or raise evaluationPeriods.",
        ],
      });
    });

    it("rejects a threshold given as text, which Number.isFinite does not coerce", () => {
      const settings = {
        ...base,
        threshold: "80",
        evaluationPeriods: 1,
      } as unknown as CloudWatchAlarmSettings;
      expect(rejection(settings).problems).toEqual(["threshold must be a finite number; received 80."]);
    });
  });

  describe("the explanation", () => {
    it("names each comparison operator in words", () => {
      const messages = (
        [
          "GreaterThanThreshold",
          "GreaterThanOrEqualToThreshold",
          "LessThanThreshold",
          "LessThanOrEqualToThreshold",
        ] as const
      ).map(
        (comparisonOperator) =>
          evaluateCloudWatchAlarm({ comparisonOperator, threshold: 50, evaluationPeriods: 1 }, [50]).message,
      );

      expect(messages).toEqual([
        "Within threshold: 0 of the last 1 datapoint were greater than the threshold (50); 1 needed for ALARM.",
        "Threshold crossed: 1 of the last 1 datapoint was greater than or equal to the threshold (50); 1 needed for ALARM.",
        "Within threshold: 0 of the last 1 datapoint were less than the threshold (50); 1 needed for ALARM.",
        "Threshold crossed: 1 of the last 1 datapoint was less than or equal to the threshold (50); 1 needed for ALARM.",
      ]);
    });

    it("counts the last N datapoints when exactly N are present in a longer range", () => {
      // - X 0 X -: three of the five slots present, as many as Evaluation Periods.
      expect(evaluateCloudWatchAlarm(guideAlarm(3, "missing"), row("- X 0 X -")).message).toBe(
        "Within threshold: 2 of the last 3 datapoints were greater than the threshold (50); 3 needed for ALARM.",
      );
    });

    it("says how many missing datapoints were filled, and as what, under breaching and notBreaching", () => {
      expect(evaluateCloudWatchAlarm(guideAlarm(3, "breaching"), row("- - - - X")).message).toBe(
        "Threshold crossed: 3 of the last 3 datapoints were greater than the threshold (50), 2 of them missing and treated as breaching; 3 needed for ALARM.",
      );
      expect(evaluateCloudWatchAlarm(guideAlarm(2, "notBreaching"), row("- - - 0 X")).message).toBe(
        "Within threshold: 1 of the last 3 datapoints was greater than the threshold (50), 1 of them missing and treated as not breaching; 2 needed for ALARM.",
      );
    });

    it("counts only the datapoints present under missing when fewer than N are present", () => {
      expect(evaluateCloudWatchAlarm(guideAlarm(2, "missing"), row("- - - 0 X")).message).toBe(
        "Within threshold: 1 of the 2 datapoints present was greater than the threshold (50), 1 missing; 2 needed for ALARM.",
      );
    });
  });
});

describe("CloudWatchAlarmEvaluator", () => {
  const cpu: CloudWatchAlarmSettings = {
    comparisonOperator: "GreaterThanThreshold",
    threshold: 80,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
  };

  it("goes to ALARM at the fifth breaching minute, not the fourth, and reports the transition once", () => {
    // Prepare
    const alarm = new CloudWatchAlarmEvaluator(cpu);
    const minutes = [30, 35, 85, 86, 87, 88, 89, 90, 40];

    // Act
    const trace = minutes.map((value) => ({ state: alarm.step(value), changed: alarm.changed }));

    // Assess
    expect(trace).toEqual([
      { state: "OK", changed: true },
      { state: "OK", changed: false },
      { state: "OK", changed: false },
      { state: "OK", changed: false },
      { state: "OK", changed: false },
      { state: "OK", changed: false },
      { state: "ALARM", changed: true },
      { state: "ALARM", changed: false },
      { state: "OK", changed: true },
    ]);
    expect(alarm.periods).toBe(9);
  });

  it("keeps ALARM through a metric outage under ignore, then follows the data again", () => {
    const alarm = new CloudWatchAlarmEvaluator({ ...cpu, treatMissingData: "ignore" }, "OK");
    for (const value of [90, 90, 90, 90, 90]) alarm.step(value);

    const during = Array.from({ length: 20 }, () => alarm.step(null));
    const after = [10, 10, 10, 10, 10].map((value) => alarm.step(value));

    expect(during.every((state) => state === "ALARM")).toBe(true);
    expect(alarm.reason).toBe("within-threshold");
    expect(after).toEqual(["OK", "OK", "OK", "OK", "OK"]);
  });

  it("explains the most recent evaluation, and nothing before the first datapoint", () => {
    const alarm = new CloudWatchAlarmEvaluator(guideAlarm(3, "missing"), "OK");
    expect(alarm.explain()).toBeUndefined();

    for (const value of row("- - X - -")) alarm.step(value);

    // The step before, - - X -, left the alarm in INSUFFICIENT_DATA (the breach was too recent).
    expect(alarm.explain()).toEqual(
      evaluateCloudWatchAlarm(guideAlarm(3, "missing"), row("- - X - -"), "INSUFFICIENT_DATA"),
    );
  });

  it("goes to ALARM itself, not only in its explanation, on breaching then missing (- - X - -)", () => {
    const alarm = new CloudWatchAlarmEvaluator(guideAlarm(3, "missing"), "OK");

    const states = row("- - X - -").map((value) => alarm.step(value));

    expect(states).toEqual([
      "INSUFFICIENT_DATA",
      "INSUFFICIENT_DATA",
      "INSUFFICIENT_DATA",
      "INSUFFICIENT_DATA",
      "ALARM",
    ]);
    expect(alarm.state).toBe("ALARM");
  });

  it("goes from ALARM to INSUFFICIENT_DATA once every datapoint in the range is missing under missing", () => {
    const alarm = new CloudWatchAlarmEvaluator(guideAlarm(3, "missing"), "OK");
    for (const value of row("X X X")) alarm.step(value);

    const states = row("- - - - -").map((value) => alarm.step(value));

    // The X X X leaves the range after five missing periods; until then it is breaching then missing.
    expect(states).toEqual(["ALARM", "ALARM", "ALARM", "ALARM", "INSUFFICIENT_DATA"]);
    expect(alarm.reason).toBe("all-missing");
  });

  it("starts from INSUFFICIENT_DATA after a reset without a state, as a new alarm", () => {
    const alarm = new CloudWatchAlarmEvaluator(cpu, "OK");
    for (const value of [90, 90, 90, 90, 90]) alarm.step(value);

    alarm.reset();

    expect(alarm.state).toBe("INSUFFICIENT_DATA");
  });

  it("forgets every datapoint on reset", () => {
    const alarm = new CloudWatchAlarmEvaluator(cpu);
    for (const value of [90, 90, 90, 90, 90]) alarm.step(value);

    alarm.reset("OK");

    expect({ state: alarm.state, periods: alarm.periods, changed: alarm.changed }).toEqual({
      state: "OK",
      periods: 0,
      changed: false,
    });
    // One breaching minute of five: too little data for a fresh alarm, not a continuation of the old breach.
    expect(alarm.step(90)).toBe("INSUFFICIENT_DATA");
  });

  it("rejects an unknown initial state", () => {
    expect(() => new CloudWatchAlarmEvaluator(cpu, "PENDING" as CloudWatchAlarmState)).toThrow(
      'Invalid CloudWatch alarm settings:\n- initialState must be one of OK, ALARM, INSUFFICIENT_DATA; received "PENDING".',
    );
    expect(() => new CloudWatchAlarmEvaluator(cpu, "PENDING" as CloudWatchAlarmState)).toThrow(
      expect.objectContaining({ cloud: "aws" }),
    );
  });

  it("agrees with evaluateCloudWatchAlarm over the whole history after every datapoint (property)", () => {
    const settingsArb = fc
      .record({
        comparisonOperator: fc.constantFrom(
          "GreaterThanThreshold",
          "GreaterThanOrEqualToThreshold",
          "LessThanThreshold",
          "LessThanOrEqualToThreshold",
        ),
        threshold: fc.integer({ min: 0, max: 4 }),
        evaluationPeriods: fc.integer({ min: 1, max: 6 }),
        treatMissingData: fc.constantFrom("missing", "ignore", "breaching", "notBreaching"),
        m: fc.integer({ min: 1, max: 6 }),
        extraRange: fc.integer({ min: 0, max: 4 }),
      })
      .map(
        ({ m, extraRange, ...rest }): CloudWatchAlarmSettings => ({
          ...rest,
          datapointsToAlarm: Math.min(m, rest.evaluationPeriods),
          evaluationRange: rest.evaluationPeriods + extraRange,
        }),
      );
    const datapointsArb = fc.array(fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 3 }), {
      maxLength: 40,
    });
    const stateArb = fc.constantFrom<CloudWatchAlarmState>("OK", "ALARM", "INSUFFICIENT_DATA");

    let changed = 0;
    fc.assert(
      fc.property(settingsArb, datapointsArb, stateArb, (settings, datapoints, initial) => {
        const alarm = new CloudWatchAlarmEvaluator(settings, initial);
        let transitions = 0;
        datapoints.forEach((value, index) => {
          const before = alarm.state;
          alarm.step(value);
          expect(alarm.explain()).toEqual(
            evaluateCloudWatchAlarm(settings, datapoints.slice(0, index + 1), before),
          );
          if (alarm.state !== before) transitions++;
        });
        if (transitions > 0) changed++;
      }),
      { numRuns: propertyRuns(400) },
    );
    // Transitions are exercised: the state changes at least once in about 70 % of the histories.
    expect(changed / propertyRuns(400)).toBeGreaterThanOrEqual(0.4);
  });
});
