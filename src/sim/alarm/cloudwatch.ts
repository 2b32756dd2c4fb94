/**
 * CloudWatch metric alarm semantics, as documented in the Amazon CloudWatch User Guide:
 *
 * - "Alarm evaluation" (formerly "Evaluating an alarm"):
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html
 * - "Configuring how CloudWatch alarms treat missing data", its sections "How alarm state is
 *   evaluated when data is missing" and "Avoiding premature transitions to alarm state":
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 *   (both pages were one page, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html,
 *   anchors `#alarm-evaluation` and `#alarms-and-missing-data`).
 *
 * Two entry points that always agree: {@link evaluateCloudWatchAlarm}, a plain function over an
 * array of datapoints, and {@link CloudWatchAlarmEvaluator}, fed one datapoint per period in
 * constant time and without allocating, for simulations of millions of datapoints.
 * docs/alarm-semantics.md lists the rules and the judgement calls where the guide is silent.
 *
 * @module
 */
import { AlarmSettingsError } from "./errors.js";

/** The static-threshold comparison operators of `PutMetricAlarm`. */
export const CLOUDWATCH_COMPARISON_OPERATORS = [
  "GreaterThanThreshold",
  "GreaterThanOrEqualToThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
] as const;

/** How a datapoint is compared with the threshold to decide whether it breaches. */
export type CloudWatchComparisonOperator = (typeof CLOUDWATCH_COMPARISON_OPERATORS)[number];

/** The four documented treatments of missing data, spelled as `PutMetricAlarm` spells them. */
export const TREAT_MISSING_DATA_VALUES = ["missing", "ignore", "breaching", "notBreaching"] as const;

/** How the alarm treats periods without a datapoint. */
export type TreatMissingData = (typeof TREAT_MISSING_DATA_VALUES)[number];

/** The three states of a metric alarm. */
export type CloudWatchAlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/**
 * Why an evaluation ended in its state:
 * - `threshold-crossed`: at least datapointsToAlarm of the evaluated datapoints breach (ALARM).
 * - `breaching-then-missing`: the documented "premature alarm" rule: every datapoint present
 *   breaches, the oldest is at least datapointsToAlarm periods old, the rest are missing (ALARM).
 * - `within-threshold`: fewer than datapointsToAlarm breach (OK).
 * - `all-missing`: treatment `missing` and every datapoint in the evaluation range is missing
 *   (INSUFFICIENT_DATA).
 * - `missing-data-ignored`: treatment `ignore` and the datapoints present cannot decide; the
 *   current state is kept.
 * - `breaching-too-recent`: treatment `missing`, fewer than N datapoints present, every one of them
 *   breaching but fewer than datapointsToAlarm and the oldest younger than datapointsToAlarm
 *   periods (INSUFFICIENT_DATA, as the guide's 2019 tables give for `- - - - X`).
 */
export type CloudWatchAlarmReason =
  | "threshold-crossed"
  | "breaching-then-missing"
  | "within-threshold"
  | "all-missing"
  | "missing-data-ignored"
  | "breaching-too-recent";

/**
 * The settings of a CloudWatch metric alarm that decide its state, in `PutMetricAlarm` terms.
 *
 * @example
 * // "CPU Load > 80% for 5 minutes" with a 60-second period:
 * const cpu: CloudWatchAlarmSettings = {
 *   comparisonOperator: "GreaterThanThreshold", threshold: 80, evaluationPeriods: 5, datapointsToAlarm: 5,
 * };
 */
export interface CloudWatchAlarmSettings {
  /** How each datapoint is compared with {@link CloudWatchAlarmSettings.threshold}. */
  readonly comparisonOperator: CloudWatchComparisonOperator;
  /** The value datapoints are compared with, in the metric's unit. */
  readonly threshold: number;
  /** N: how many of the most recent periods (datapoints) are evaluated. */
  readonly evaluationPeriods: number;
  /**
   * M: how many of the N evaluated datapoints must breach for ALARM ("M out of N").
   * @default evaluationPeriods
   */
  readonly datapointsToAlarm?: number;
  /**
   * How periods without a datapoint are treated.
   * @default "missing"
   */
  readonly treatMissingData?: TreatMissingData;
  /**
   * How many recent periods CloudWatch retrieves when evaluating: the evaluation range. The guide
   * says it is larger than evaluationPeriods and depends on the period and resolution, without a
   * formula; its only example has evaluationPeriods 3 and a range of 5.
   * @default evaluationPeriods + 2
   */
  readonly evaluationRange?: number;
}

/** {@link CloudWatchAlarmSettings} with every default filled in. */
export type ResolvedCloudWatchAlarmSettings = Required<CloudWatchAlarmSettings>;

/** What one evaluation decided, and the counts that explain it. */
export interface CloudWatchAlarmEvaluation {
  /** The state after this evaluation. */
  readonly state: CloudWatchAlarmState;
  /** The state before this evaluation. */
  readonly previousState: CloudWatchAlarmState;
  /** Whether the state changed: CloudWatch runs alarm actions only on changes. */
  readonly changed: boolean;
  /** Which rule decided the state. */
  readonly reason: CloudWatchAlarmReason;
  /** A one-sentence explanation for people, e.g. for `personas explain`. */
  readonly message: string;
  /** Datapoints present (not missing) in the evaluation range. */
  readonly datapointsPresent: number;
  /** How many of the N evaluated datapoints the missing-data treatment had to fill: max(0, N - present). */
  readonly datapointsFilled: number;
  /** Breaching datapoints among those evaluated, counting filled ones under `breaching`. */
  readonly datapointsBreaching: number;
}

const OPERATOR_WORDS: Record<CloudWatchComparisonOperator, string> = {
  GreaterThanThreshold: "greater than",
  GreaterThanOrEqualToThreshold: "greater than or equal to",
  LessThanThreshold: "less than",
  LessThanOrEqualToThreshold: "less than or equal to",
};

/**
 * Fills in the defaults and checks the settings, reporting every problem at once.
 *
 * @throws {AlarmSettingsError} when a setting is outside what `PutMetricAlarm` accepts.
 * @example
 * resolveCloudWatchAlarmSettings({ comparisonOperator: "GreaterThanThreshold", threshold: 80, evaluationPeriods: 5 });
 * // { ..., datapointsToAlarm: 5, treatMissingData: "missing", evaluationRange: 7 }
 */
export function resolveCloudWatchAlarmSettings(
  settings: CloudWatchAlarmSettings,
): ResolvedCloudWatchAlarmSettings {
  const problems: string[] = [];
  const n = settings.evaluationPeriods;
  const nValid = Number.isInteger(n) && n >= 1;
  if (!CLOUDWATCH_COMPARISON_OPERATORS.includes(settings.comparisonOperator)) {
    problems.push(
      `comparisonOperator must be one of ${CLOUDWATCH_COMPARISON_OPERATORS.join(", ")}; received ${JSON.stringify(settings.comparisonOperator)}.`,
    );
  }
  if (typeof settings.threshold !== "number" || !Number.isFinite(settings.threshold)) {
    problems.push(`threshold must be a finite number; received ${String(settings.threshold)}.`);
  }
  if (!nValid) {
    problems.push(`evaluationPeriods must be a whole number of at least 1; received ${String(n)}.`);
  }
  const m = settings.datapointsToAlarm ?? n;
  if (!Number.isInteger(m) || m < 1 || (nValid && m > n)) {
    problems.push(
      `datapointsToAlarm must be a whole number from 1 to evaluationPeriods (${String(n)}); received ${String(m)}. Lower datapointsToAlarm or raise evaluationPeriods.`,
    );
  }
  const treatMissingData = settings.treatMissingData ?? "missing";
  if (!TREAT_MISSING_DATA_VALUES.includes(treatMissingData)) {
    problems.push(
      `treatMissingData must be one of ${TREAT_MISSING_DATA_VALUES.join(", ")}; received ${JSON.stringify(treatMissingData)}.`,
    );
  }
  const range = settings.evaluationRange ?? n + 2;
  if (!Number.isInteger(range) || (nValid && range < n) || range < 1) {
    problems.push(
      `evaluationRange must be a whole number no smaller than evaluationPeriods (${String(n)}); received ${String(range)}.`,
    );
  }
  if (problems.length > 0) throw new AlarmSettingsError("aws", "CloudWatch alarm", problems);
  return {
    comparisonOperator: settings.comparisonOperator,
    threshold: settings.threshold,
    evaluationPeriods: n,
    datapointsToAlarm: m,
    treatMissingData,
    evaluationRange: range,
  };
}

/**
 * Whether one datapoint breaches the threshold under the operator.
 *
 * @example
 * isBreaching(80, "GreaterThanThreshold", 80); // false
 * isBreaching(80, "GreaterThanOrEqualToThreshold", 80); // true
 */
export function isBreaching(
  value: number,
  operator: CloudWatchComparisonOperator,
  threshold: number,
): boolean {
  switch (operator) {
    case "GreaterThanThreshold":
      return value > threshold;
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
  }
}

/** Missing: `null`, `undefined` or NaN (a NaN cannot be compared with a threshold). */
function isMissing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || Number.isNaN(value);
}

/**
 * Evaluates a CloudWatch metric alarm once, following the User Guide's rules:
 *
 * 1. Only the last `evaluationRange` periods count; periods before the first datapoint given are
 *    missing.
 * 2. With at least N datapoints present, the N most recent present datapoints are evaluated and
 *    the missing-data treatment is not used: ALARM when at least M breach, otherwise OK.
 * 3. With fewer than N present, every present datapoint is evaluated and N - present missing
 *    ones are filled by the treatment: `breaching` counts them as breaching, `notBreaching` as not
 *    breaching. `missing` goes to INSUFFICIENT_DATA when all are missing, and `ignore` keeps the
 *    current state where the datapoints present cannot decide.
 * 4. "Avoiding premature transitions to alarm state": under `missing` (and as "retain" under
 *    `ignore`), when every datapoint present breaches and the oldest is at least M periods old,
 *    the alarm goes to ALARM even with fewer than M breaching datapoints. When every datapoint
 *    present breaches but the oldest is younger than M periods, `missing` goes to
 *    INSUFFICIENT_DATA: the 2019 guide's tables give "Insufficient data" for `- - - - X` (M = 3
 *    and M = 2); the current guide is silent on that row.
 *
 * Sources: "Alarm evaluation" and "Configuring how CloudWatch alarms treat missing data",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 *
 * @param settings the alarm's settings; defaults as in {@link CloudWatchAlarmSettings}.
 * @param datapoints one value per period, oldest first, the newest last; `null` (or NaN) for a
 *   period without data.
 * @param currentState the state before this evaluation; a new alarm is INSUFFICIENT_DATA.
 * @throws {AlarmSettingsError} when the settings are invalid.
 * @example
 * // "CPU Load > 80% for 5 minutes": period 60 s, 5 of 5.
 * const cpu = { comparisonOperator: "GreaterThanThreshold", threshold: 80, evaluationPeriods: 5 } as const;
 * evaluateCloudWatchAlarm(cpu, [91, 92, 93, 94, 95], "OK").state; // "ALARM"
 * evaluateCloudWatchAlarm(cpu, [91, 92, 93, 94], "OK").state; // "OK"
 */
export function evaluateCloudWatchAlarm(
  settings: CloudWatchAlarmSettings,
  datapoints: ReadonlyArray<number | null>,
  currentState: CloudWatchAlarmState = "INSUFFICIENT_DATA",
): CloudWatchAlarmEvaluation {
  const s = resolveCloudWatchAlarmSettings(settings);
  const n = s.evaluationPeriods;
  const range = s.evaluationRange;
  // Newest first, exactly `range` long: slot 0 is the current period.
  const slots: Array<"missing" | "breaching" | "ok"> = [];
  for (let age = 0; age < range; age++) {
    const value = datapoints[datapoints.length - 1 - age];
    if (isMissing(value)) slots.push("missing");
    else slots.push(isBreaching(value, s.comparisonOperator, s.threshold) ? "breaching" : "ok");
  }
  const present = slots.filter((slot) => slot !== "missing");
  const breachingPresent = present.filter((slot) => slot === "breaching").length;
  const filled = Math.max(0, n - present.length);
  if (present.length >= n) {
    const breaching = present.slice(0, n).filter((slot) => slot === "breaching").length;
    return decide(
      s,
      currentState,
      breaching >= s.datapointsToAlarm ? "threshold-crossed" : "within-threshold",
      {
        present: present.length,
        breaching,
        oldestAge: 0,
      },
    );
  }
  // Age (1 = the current period) of the oldest datapoint present; slots are newest first.
  const oldestAge =
    present.length === 0
      ? 0
      : slots.length -
        slots
          .slice()
          .reverse()
          .findIndex((slot) => slot !== "missing");
  const counts = { present: present.length, breaching: breachingPresent, oldestAge };
  switch (s.treatMissingData) {
    case "breaching": {
      const breaching = breachingPresent + filled;
      return decide(
        s,
        currentState,
        breaching >= s.datapointsToAlarm ? "threshold-crossed" : "within-threshold",
        {
          ...counts,
          breaching,
        },
      );
    }
    case "notBreaching":
      return decide(
        s,
        currentState,
        breachingPresent >= s.datapointsToAlarm ? "threshold-crossed" : "within-threshold",
        counts,
      );
    case "missing": {
      if (present.length === 0) return decide(s, currentState, "all-missing", counts);
      if (breachingPresent >= s.datapointsToAlarm)
        return decide(s, currentState, "threshold-crossed", counts);
      const allBreach = breachingPresent === present.length;
      if (allBreach) {
        const reason = oldestAge >= s.datapointsToAlarm ? "breaching-then-missing" : "breaching-too-recent";
        return decide(s, currentState, reason, counts);
      }
      return decide(s, currentState, "within-threshold", counts);
    }
    case "ignore": {
      if (breachingPresent >= s.datapointsToAlarm)
        return decide(s, currentState, "threshold-crossed", counts);
      if (breachingPresent === present.length) return decide(s, currentState, "missing-data-ignored", counts);
      return decide(s, currentState, "within-threshold", counts);
    }
  }
}

interface Counts {
  present: number;
  breaching: number;
  /** Age (1 = the current period) of the oldest datapoint present; only read when present < N. */
  oldestAge: number;
}

function decide(
  s: ResolvedCloudWatchAlarmSettings,
  previousState: CloudWatchAlarmState,
  reason: CloudWatchAlarmReason,
  counts: Counts,
): CloudWatchAlarmEvaluation {
  const state = stateFor(reason, previousState);
  return {
    state,
    previousState,
    changed: state !== previousState,
    reason,
    message: describe(s, reason, state, counts),
    datapointsPresent: counts.present,
    datapointsFilled: Math.max(0, s.evaluationPeriods - counts.present),
    datapointsBreaching: counts.breaching,
  };
}

function stateFor(reason: CloudWatchAlarmReason, previousState: CloudWatchAlarmState): CloudWatchAlarmState {
  switch (reason) {
    case "threshold-crossed":
    case "breaching-then-missing":
      return "ALARM";
    case "within-threshold":
      return "OK";
    case "all-missing":
    case "breaching-too-recent":
      return "INSUFFICIENT_DATA";
    case "missing-data-ignored":
      return previousState;
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function describe(
  s: ResolvedCloudWatchAlarmSettings,
  reason: CloudWatchAlarmReason,
  state: CloudWatchAlarmState,
  counts: Counts,
): string {
  const n = s.evaluationPeriods;
  const m = s.datapointsToAlarm;
  const op = `${OPERATOR_WORDS[s.comparisonOperator]} the threshold (${s.threshold})`;
  const verb = counts.breaching === 1 ? "was" : "were";
  const needed = `${m} needed for ALARM`;
  switch (reason) {
    case "all-missing":
      return `Insufficient data: all ${plural(s.evaluationRange, "datapoint")} in the evaluation range are missing.`;
    case "missing-data-ignored":
      return `Missing data ignored: ${counts.present} of ${plural(s.evaluationRange, "datapoint")} in the evaluation range present and ${counts.breaching} breaching, too few to decide (${needed}); the state stays ${state}.`;
    case "breaching-too-recent":
      return `Insufficient data: every datapoint present (${counts.present}) was ${op}, but fewer than datapointsToAlarm (${m}) and the oldest is only ${plural(counts.oldestAge, "period")} old, so CloudWatch waits for more data.`;
    case "breaching-then-missing":
      return `Breaching then missing: every datapoint present (${counts.present}) was ${op} and the oldest is ${plural(counts.oldestAge, "period")} old, at least datapointsToAlarm (${m}), so CloudWatch goes to ALARM without waiting for more data.`;
    case "threshold-crossed":
    case "within-threshold": {
      const label = reason === "threshold-crossed" ? "Threshold crossed" : "Within threshold";
      if (counts.present >= n) {
        return `${label}: ${counts.breaching} of the last ${plural(n, "datapoint")} ${verb} ${op}; ${needed}.`;
      }
      const filled = n - counts.present;
      if (s.treatMissingData === "breaching" || s.treatMissingData === "notBreaching") {
        const as = s.treatMissingData === "breaching" ? "breaching" : "not breaching";
        return `${label}: ${counts.breaching} of the last ${plural(n, "datapoint")} ${verb} ${op}, ${filled} of them missing and treated as ${as}; ${needed}.`;
      }
      return `${label}: ${counts.breaching} of the ${plural(counts.present, "datapoint")} present ${verb} ${op}, ${filled} missing; ${needed}.`;
    }
  }
}

const MISSING = 0;
const NOT_BREACHING = 1;
const BREACHING = 2;

const STATES: readonly CloudWatchAlarmState[] = ["OK", "ALARM", "INSUFFICIENT_DATA"];
const OK = 0;
const ALARM = 1;
const INSUFFICIENT_DATA = 2;

const REASONS: readonly CloudWatchAlarmReason[] = [
  "threshold-crossed",
  "breaching-then-missing",
  "within-threshold",
  "all-missing",
  "missing-data-ignored",
  "breaching-too-recent",
];
const THRESHOLD_CROSSED = 0;
const BREACHING_THEN_MISSING = 1;
const WITHIN_THRESHOLD = 2;
const ALL_MISSING = 3;
const MISSING_DATA_IGNORED = 4;
const BREACHING_TOO_RECENT = 5;

/**
 * A CloudWatch metric alarm fed one datapoint per period: the same decisions as
 * {@link evaluateCloudWatchAlarm} over the full history, in constant time per period and without
 * allocating (two typed-array ring buffers and running counts), for simulations of many alarms
 * over long series. {@link CloudWatchAlarmEvaluator.explain} builds the detailed evaluation on
 * demand.
 *
 * @example
 * const alarm = new CloudWatchAlarmEvaluator({
 *   comparisonOperator: "GreaterThanThreshold", threshold: 80, evaluationPeriods: 5, datapointsToAlarm: 5,
 * });
 * for (const cpu of [85, 90, 95, 97, 99]) alarm.step(cpu);
 * alarm.state; // "ALARM"
 * alarm.changed; // true: this period's evaluation moved the alarm into ALARM
 */
export class CloudWatchAlarmEvaluator {
  /** The settings with every default filled in. */
  readonly settings: ResolvedCloudWatchAlarmSettings;

  private readonly n: number;
  private readonly m: number;
  private readonly range: number;
  private readonly operator: number;
  private readonly threshold: number;
  private readonly treatment: number;
  /** Class of each period in the evaluation range; slot `rangePos` is the oldest. */
  private readonly rangeSlots: Uint8Array;
  /** Class of each of the last N datapoints present, oldest at `presentPos` once full. */
  private readonly presentSlots: Uint8Array;
  /** Period index of each of the last N datapoints present. */
  private readonly presentPeriods: Float64Array;
  private rangePos = 0;
  private presentPos = 0;
  private presentTotal = 0;
  private presentInRange = 0;
  private breachingInRange = 0;
  private breachingInLastN = 0;
  private period = 0;
  private stateCode: number;
  private previousCode: number;
  private reasonCode = MISSING_DATA_IGNORED;
  private breachingEvaluated = 0;
  private oldestAge = 0;

  /**
   * @param settings the alarm's settings; defaults as in {@link CloudWatchAlarmSettings}.
   * @param initialState the state before the first datapoint.
   * @default initialState "INSUFFICIENT_DATA", the state of a newly created alarm
   * @throws {AlarmSettingsError} when the settings are invalid.
   */
  constructor(settings: CloudWatchAlarmSettings, initialState: CloudWatchAlarmState = "INSUFFICIENT_DATA") {
    this.settings = resolveCloudWatchAlarmSettings(settings);
    this.n = this.settings.evaluationPeriods;
    this.m = this.settings.datapointsToAlarm;
    this.range = this.settings.evaluationRange;
    this.operator = CLOUDWATCH_COMPARISON_OPERATORS.indexOf(this.settings.comparisonOperator);
    this.threshold = this.settings.threshold;
    this.treatment = TREAT_MISSING_DATA_VALUES.indexOf(this.settings.treatMissingData);
    this.rangeSlots = new Uint8Array(this.range);
    this.presentSlots = new Uint8Array(this.n);
    this.presentPeriods = new Float64Array(this.n);
    this.stateCode = STATES.indexOf(initialState);
    this.previousCode = this.stateCode;
    if (this.stateCode < 0) {
      throw new AlarmSettingsError("aws", "CloudWatch alarm", [
        `initialState must be one of ${STATES.join(", ")}; received ${JSON.stringify(initialState)}.`,
      ]);
    }
  }

  /** The current state. */
  get state(): CloudWatchAlarmState {
    return STATES[this.stateCode]!;
  }

  /** Whether the most recent {@link CloudWatchAlarmEvaluator.step} changed the state. */
  get changed(): boolean {
    return this.stateCode !== this.previousCode;
  }

  /** The rule that decided the most recent evaluation. */
  get reason(): CloudWatchAlarmReason {
    return REASONS[this.reasonCode]!;
  }

  /** How many datapoints (periods) have been fed. */
  get periods(): number {
    return this.period;
  }

  /**
   * Adds the datapoint of the next period and evaluates the alarm.
   *
   * @param value the period's value; `null` or NaN when the period has no data.
   * @returns the state after the evaluation.
   */
  step(value: number | null): CloudWatchAlarmState {
    let kind = MISSING;
    if (value !== null && !Number.isNaN(value)) {
      const t = this.threshold;
      const op = this.operator;
      const breach = op === 0 ? value > t : op === 1 ? value >= t : op === 2 ? value < t : value <= t;
      kind = breach ? BREACHING : NOT_BREACHING;
    }

    const leaving = this.rangeSlots[this.rangePos]!;
    if (leaving !== MISSING) {
      this.presentInRange--;
      if (leaving === BREACHING) this.breachingInRange--;
    }
    this.rangeSlots[this.rangePos] = kind;
    this.rangePos = this.rangePos + 1 === this.range ? 0 : this.rangePos + 1;

    if (kind !== MISSING) {
      this.presentInRange++;
      if (kind === BREACHING) this.breachingInRange++;
      const pos = this.presentPos;
      if (this.presentTotal >= this.n && this.presentSlots[pos] === BREACHING) this.breachingInLastN--;
      this.presentSlots[pos] = kind;
      this.presentPeriods[pos] = this.period;
      if (kind === BREACHING) this.breachingInLastN++;
      this.presentPos = pos + 1 === this.n ? 0 : pos + 1;
      this.presentTotal++;
    }

    this.previousCode = this.stateCode;
    this.evaluate();
    this.period++;
    return STATES[this.stateCode]!;
  }

  private evaluate(): void {
    const present = this.presentInRange;
    const m = this.m;
    let reason: number;
    if (present >= this.n) {
      this.breachingEvaluated = this.breachingInLastN;
      reason = this.breachingInLastN >= m ? THRESHOLD_CROSSED : WITHIN_THRESHOLD;
    } else {
      const breaching = this.breachingInRange;
      this.breachingEvaluated = breaching;
      this.oldestAge = present > 0 ? this.oldestPresentAge(present) : 0;
      // Treatments in TREAT_MISSING_DATA_VALUES order: missing, ignore, breaching, notBreaching.
      switch (this.treatment) {
        case 2:
          this.breachingEvaluated = breaching + this.n - present;
          reason = this.breachingEvaluated >= m ? THRESHOLD_CROSSED : WITHIN_THRESHOLD;
          break;
        case 3:
          reason = breaching >= m ? THRESHOLD_CROSSED : WITHIN_THRESHOLD;
          break;
        case 0:
          if (present === 0) reason = ALL_MISSING;
          else if (breaching >= m) reason = THRESHOLD_CROSSED;
          else if (breaching === present)
            reason = this.oldestAge >= m ? BREACHING_THEN_MISSING : BREACHING_TOO_RECENT;
          else reason = WITHIN_THRESHOLD;
          break;
        default:
          if (breaching >= m) reason = THRESHOLD_CROSSED;
          else if (breaching === present) reason = MISSING_DATA_IGNORED;
          else reason = WITHIN_THRESHOLD;
      }
    }
    this.reasonCode = reason;
    if (reason === THRESHOLD_CROSSED || reason === BREACHING_THEN_MISSING) this.stateCode = ALARM;
    else if (reason === WITHIN_THRESHOLD) this.stateCode = OK;
    else if (reason === ALL_MISSING || reason === BREACHING_TOO_RECENT) this.stateCode = INSUFFICIENT_DATA;
  }

  /** Age (1 = the current period) of the oldest datapoint in range, when fewer than N are present. */
  private oldestPresentAge(present: number): number {
    // The last N present datapoints sit in a ring whose next write slot is `presentPos`; the
    // oldest of the `present` ones still in range is `present` slots back from there.
    let index = this.presentPos - present;
    if (index < 0) index += this.n;
    return this.period - this.presentPeriods[index]! + 1;
  }

  /**
   * The detailed result of the most recent evaluation (the same object
   * {@link evaluateCloudWatchAlarm} returns for the same history), or `undefined` before the first
   * datapoint.
   */
  explain(): CloudWatchAlarmEvaluation | undefined {
    if (this.period === 0) return undefined;
    const reason = REASONS[this.reasonCode]!;
    const previousState = STATES[this.previousCode]!;
    const counts = {
      present: this.presentInRange,
      breaching: this.breachingEvaluated,
      oldestAge: this.presentInRange < this.n ? this.oldestAge : 0,
    };
    return decide(this.settings, previousState, reason, counts);
  }

  /**
   * Forgets every datapoint, as if the alarm had just been created (or its metric replaced).
   *
   * @param state the state to start from.
   * @default state "INSUFFICIENT_DATA"
   */
  reset(state: CloudWatchAlarmState = "INSUFFICIENT_DATA"): void {
    this.rangeSlots.fill(MISSING);
    this.presentSlots.fill(MISSING);
    this.presentPeriods.fill(0);
    this.rangePos = 0;
    this.presentPos = 0;
    this.presentTotal = 0;
    this.presentInRange = 0;
    this.breachingInRange = 0;
    this.breachingInLastN = 0;
    this.period = 0;
    this.stateCode = STATES.indexOf(state);
    this.previousCode = this.stateCode;
    this.reasonCode = MISSING_DATA_IGNORED;
    this.breachingEvaluated = 0;
    this.oldestAge = 0;
  }
}
