/**
 * Azure Monitor metric alert semantics (static threshold), as documented by Microsoft:
 *
 * - "Understand how metric alerts work in Azure Monitor" (alerts-metric-overview): the rule runs
 *   every evaluation frequency, aggregates the metric over the last window size (aggregation
 *   granularity), compares the aggregate with the threshold, and a fired alert "sends out a
 *   resolved/deactivated message when the alert condition is not met for three consecutive periods":
 *   https://learn.microsoft.com/en-us/azure/azure-monitor/alerts/alerts-metric-overview
 * - "What are Azure Monitor alerts?", section "Alerts and state": stateful alerts fire once and
 *   resolve when "the alert condition isn't met for three consecutive checks"; stateless alerts
 *   fire each time the condition is met and never resolve:
 *   https://learn.microsoft.com/en-us/azure/azure-monitor/alerts/alerts-overview#alerts-and-state
 * - "Create a metric alert with dynamic thresholds" and the `DynamicThresholdFailingPeriods` model:
 *   the lookback is `numberOfEvaluationPeriods` aggregated points of window size each, and the
 *   alert needs `minFailingPeriodsToAlert` violations among them:
 *   https://learn.microsoft.com/en-us/azure/azure-monitor/alerts/alerts-dynamic-thresholds
 *
 * Input is one metric sample per minute. {@link evaluateAzureMetricAlert} evaluates once over an
 * array; {@link AzureMetricAlertEvaluator} is fed a sample per minute and evaluates every
 * evaluation frequency, agreeing with the function. docs/alarm-semantics.md lists the judgement
 * calls (missing samples, Count and Total of an empty window, failing periods on a static
 * threshold).
 *
 * @module
 */
import { AlarmSettingsError } from "./errors.js";

/** The comparison operators of a static metric criterion. */
export const AZURE_METRIC_OPERATORS = [
  "GreaterThan",
  "GreaterThanOrEqual",
  "LessThan",
  "LessThanOrEqual",
] as const;

/** How the aggregated value of a period is compared with the threshold. */
export type AzureMetricOperator = (typeof AZURE_METRIC_OPERATORS)[number];

/** The time aggregations a metric criterion applies over each window. */
export const AZURE_TIME_AGGREGATIONS = ["Average", "Minimum", "Maximum", "Total", "Count"] as const;

/** How the samples of one window are reduced to one value. */
export type AzureTimeAggregation = (typeof AZURE_TIME_AGGREGATIONS)[number];

/** The window sizes (aggregation granularities) Azure accepts, in minutes: PT1M … P1D. */
export const AZURE_WINDOW_SIZES_MINUTES = [1, 5, 15, 30, 60, 360, 720, 1440] as const;

/** The evaluation frequencies Azure accepts, in minutes: PT1M, PT5M, PT15M, PT30M, PT1H. */
export const AZURE_EVALUATION_FREQUENCIES_MINUTES = [1, 5, 15, 30, 60] as const;

/** How many consecutive evaluations without the condition resolve a fired stateful alert. */
export const AZURE_RESOLVE_AFTER_UNMET_EVALUATIONS = 3;

/** The monitor condition of an alert: `Fired` while active, `Resolved` otherwise. */
export type AzureMonitorCondition = "Fired" | "Resolved";

/** The minimum number of violations among the most recent aggregated periods needed to fire. */
export interface AzureFailingPeriods {
  /** How many aggregated periods (of window size each) are looked back at. */
  readonly numberOfEvaluationPeriods: number;
  /** How many of those periods must violate the threshold; at most numberOfEvaluationPeriods. */
  readonly minFailingPeriodsToAlert: number;
}

/**
 * The settings of an Azure Monitor metric alert rule with one static-threshold criterion.
 *
 * @example
 * // "CPU Load > 80% for 5 minutes", as the Azure components deploy it (a static threshold has no
 * // failing periods): the 5-minute window's Minimum above 80, checked every minute.
 * const cpu: AzureMetricAlertSettings = {
 *   operator: "GreaterThan", threshold: 80, timeAggregation: "Minimum", windowSizeMinutes: 5,
 *   evaluationFrequencyMinutes: 1,
 * };
 */
export interface AzureMetricAlertSettings {
  /** How each period's aggregated value is compared with {@link AzureMetricAlertSettings.threshold}. */
  readonly operator: AzureMetricOperator;
  /** The value aggregated periods are compared with, in the metric's unit. */
  readonly threshold: number;
  /** How the samples of each window are aggregated. */
  readonly timeAggregation: AzureTimeAggregation;
  /** `windowSize`, the aggregation granularity (period), in minutes; one of {@link AZURE_WINDOW_SIZES_MINUTES}. */
  readonly windowSizeMinutes: number;
  /**
   * `evaluationFrequency`, how often the rule is checked, in minutes; one of
   * {@link AZURE_EVALUATION_FREQUENCIES_MINUTES} and no longer than the window.
   * @default 1
   */
  readonly evaluationFrequencyMinutes?: number;
  /**
   * `failingPeriods`: M violating periods out of the last N. Azure accepts it only on dynamic-threshold
   * criteria (which need days of history), never on the static thresholds the components deploy
   * (docs/azure.md, "Alert semantics"); here it models a dynamic-threshold rule's M of N.
   * @default { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
   */
  readonly failingPeriods?: AzureFailingPeriods;
  /**
   * `autoMitigate`: stateful (fires once, resolves after three unmet evaluations) when true,
   * stateless (notifies on every evaluation that meets the condition, never resolves) when false.
   * @default true
   */
  readonly autoMitigate?: boolean;
}

/** {@link AzureMetricAlertSettings} with every default filled in. */
export type ResolvedAzureMetricAlertSettings = Required<AzureMetricAlertSettings>;

/** What a rule remembers between evaluations. */
export interface AzureMetricAlertStatus {
  /** `Fired` while an alert is active; `Resolved` before the first alert and after resolution. */
  readonly monitorCondition: AzureMonitorCondition;
  /** Consecutive evaluations without the condition while fired (resets at 3, on resolution). */
  readonly unmetEvaluations: number;
}

/** A rule that has never fired. */
export const AZURE_INITIAL_STATUS: AzureMetricAlertStatus = Object.freeze({
  monitorCondition: "Resolved",
  unmetEvaluations: 0,
});

/**
 * Why an evaluation ended as it did:
 * - `condition-met`: at least minFailingPeriodsToAlert periods violate the threshold.
 * - `condition-not-met`: fewer violate; some period had a value.
 * - `no-data`: no period in the lookback had a value, so the condition could not be evaluated and
 *   the status is kept.
 */
export type AzureMetricAlertReason = "condition-met" | "condition-not-met" | "no-data";

/** What one evaluation decided, and the aggregated values that explain it. */
export interface AzureMetricAlertEvaluation {
  /** The status after this evaluation. */
  readonly status: AzureMetricAlertStatus;
  /** The status before this evaluation. */
  readonly previousStatus: AzureMetricAlertStatus;
  /** Whether the condition was met; `null` when there was no data to evaluate. */
  readonly conditionMet: boolean | null;
  /** The notification this evaluation sends to the action groups, if any. */
  readonly notification: "fired" | "resolved" | null;
  /** Which rule decided the evaluation. */
  readonly reason: AzureMetricAlertReason;
  /** A one-sentence explanation for people, e.g. for `personas explain`. */
  readonly message: string;
  /** The aggregated value of each period, oldest first; `null` for a period without a value. */
  readonly periodValues: readonly (number | null)[];
  /** How many periods violate the threshold. */
  readonly failingPeriods: number;
}

const OPERATOR_WORDS: Record<AzureMetricOperator, string> = {
  GreaterThan: "greater than",
  GreaterThanOrEqual: "greater than or equal to",
  LessThan: "less than",
  LessThanOrEqual: "less than or equal to",
};

/**
 * Fills in the defaults and checks the settings, reporting every problem at once.
 *
 * @throws {AlarmSettingsError} when a setting is outside what Azure Monitor accepts.
 * @example
 * resolveAzureMetricAlertSettings({ operator: "GreaterThan", threshold: 80, timeAggregation: "Average", windowSizeMinutes: 5 });
 * // { ..., evaluationFrequencyMinutes: 1, failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }, autoMitigate: true }
 */
export function resolveAzureMetricAlertSettings(
  settings: AzureMetricAlertSettings,
): ResolvedAzureMetricAlertSettings {
  const problems: string[] = [];
  if (!AZURE_METRIC_OPERATORS.includes(settings.operator)) {
    problems.push(
      `operator must be one of ${AZURE_METRIC_OPERATORS.join(", ")}; received ${JSON.stringify(settings.operator)}.`,
    );
  }
  if (typeof settings.threshold !== "number" || !Number.isFinite(settings.threshold)) {
    problems.push(`threshold must be a finite number; received ${String(settings.threshold)}.`);
  }
  if (!AZURE_TIME_AGGREGATIONS.includes(settings.timeAggregation)) {
    problems.push(
      `timeAggregation must be one of ${AZURE_TIME_AGGREGATIONS.join(", ")}; received ${JSON.stringify(settings.timeAggregation)}.`,
    );
  }
  const window = settings.windowSizeMinutes;
  const windowValid = (AZURE_WINDOW_SIZES_MINUTES as readonly number[]).includes(window);
  if (!windowValid) {
    problems.push(
      `windowSizeMinutes must be one of ${AZURE_WINDOW_SIZES_MINUTES.join(", ")} (PT1M to P1D); received ${String(window)}.`,
    );
  }
  const frequency = settings.evaluationFrequencyMinutes ?? 1;
  if (!(AZURE_EVALUATION_FREQUENCIES_MINUTES as readonly number[]).includes(frequency)) {
    problems.push(
      `evaluationFrequencyMinutes must be one of ${AZURE_EVALUATION_FREQUENCIES_MINUTES.join(", ")} (PT1M to PT1H); received ${String(frequency)}.`,
    );
  } else if (windowValid && frequency > window) {
    problems.push(
      `evaluationFrequencyMinutes (${frequency}) must not exceed windowSizeMinutes (${window}); check less often than the lookback period and samples go unexamined.`,
    );
  }
  const failing = settings.failingPeriods ?? { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 };
  const n = failing.numberOfEvaluationPeriods;
  const nValid = Number.isInteger(n) && n >= 1;
  if (!nValid) {
    problems.push(
      `failingPeriods.numberOfEvaluationPeriods must be a whole number of at least 1; received ${String(n)}.`,
    );
  }
  const m = failing.minFailingPeriodsToAlert;
  if (!Number.isInteger(m) || m < 1 || (nValid && m > n)) {
    problems.push(
      `failingPeriods.minFailingPeriodsToAlert must be a whole number from 1 to numberOfEvaluationPeriods (${String(n)}); received ${String(m)}.`,
    );
  }
  const autoMitigate = settings.autoMitigate ?? true;
  if (typeof autoMitigate !== "boolean") {
    problems.push(`autoMitigate must be true or false; received ${JSON.stringify(autoMitigate)}.`);
  }
  if (problems.length > 0) throw new AlarmSettingsError("azure", "Azure metric alert", problems);
  return {
    operator: settings.operator,
    threshold: settings.threshold,
    timeAggregation: settings.timeAggregation,
    windowSizeMinutes: window,
    evaluationFrequencyMinutes: frequency,
    failingPeriods: { numberOfEvaluationPeriods: n, minFailingPeriodsToAlert: m },
    autoMitigate,
  };
}

function violates(value: number, operator: AzureMetricOperator, threshold: number): boolean {
  switch (operator) {
    case "GreaterThan":
      return value > threshold;
    case "GreaterThanOrEqual":
      return value >= threshold;
    case "LessThan":
      return value < threshold;
    case "LessThanOrEqual":
      return value <= threshold;
  }
}

/**
 * Reduces one window of per-minute samples (oldest first; `null` or NaN missing) to its value:
 * Average, Minimum and Maximum of the samples present, or `null` when there are none; Total and
 * Count are 0 for a window without samples.
 *
 * @example
 * aggregateWindow([10, null, 20], "Average"); // 15
 * aggregateWindow([null, null], "Count"); // 0
 */
export function aggregateWindow(
  samples: ReadonlyArray<number | null>,
  aggregation: AzureTimeAggregation,
): number | null {
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const sample of samples) {
    if (sample === null || Number.isNaN(sample)) continue;
    count++;
    sum += sample;
    if (sample < min) min = sample;
    if (sample > max) max = sample;
  }
  switch (aggregation) {
    case "Count":
      return count;
    case "Total":
      return sum;
    case "Average":
      return count === 0 ? null : sum / count;
    case "Minimum":
      return count === 0 ? null : min;
    case "Maximum":
      return count === 0 ? null : max;
  }
}

/**
 * Evaluates an Azure Monitor metric alert rule once, at the end of the last sample's minute:
 *
 * 1. The lookback is numberOfEvaluationPeriods × windowSize minutes, split into periods of
 *    windowSize minutes; each period's samples are aggregated with the time aggregation.
 * 2. The condition is met when at least minFailingPeriodsToAlert periods violate the threshold
 *    (with the default failing periods: the one window's aggregate violates it).
 * 3. Stateful (autoMitigate): a met condition fires the alert once; while fired, the alert is
 *    resolved when the condition is not met for three consecutive evaluations. Stateless: every
 *    evaluation that meets the condition notifies, and the alert never resolves.
 * 4. When no period has a value (Average, Minimum or Maximum of windows without samples), the
 *    condition cannot be evaluated and the status is kept.
 *
 * Sources: "Understand how metric alerts work in Azure Monitor", "Alerts and state",
 * https://learn.microsoft.com/en-us/azure/azure-monitor/alerts/alerts-overview#alerts-and-state
 *
 * @param settings the rule's settings; defaults as in {@link AzureMetricAlertSettings}.
 * @param samples one value per minute, oldest first, the last being the minute that just ended;
 *   `null` (or NaN) for a minute without a sample. Minutes before the first sample have none.
 * @param previous the status before this evaluation.
 * @default previous AZURE_INITIAL_STATUS
 * @throws {AlarmSettingsError} when the settings are invalid.
 * @example
 * // "CPU Load > 80% for 5 minutes": average over a 5-minute window, checked every minute.
 * const cpu = { operator: "GreaterThan", threshold: 80, timeAggregation: "Average", windowSizeMinutes: 5 } as const;
 * evaluateAzureMetricAlert(cpu, [85, 90, 95, 97, 99]).notification; // "fired"
 */
export function evaluateAzureMetricAlert(
  settings: AzureMetricAlertSettings,
  samples: ReadonlyArray<number | null>,
  previous: AzureMetricAlertStatus = AZURE_INITIAL_STATUS,
): AzureMetricAlertEvaluation {
  const s = resolveAzureMetricAlertSettings(settings);
  const window = s.windowSizeMinutes;
  const periods = s.failingPeriods.numberOfEvaluationPeriods;
  const periodValues: Array<number | null> = [];
  for (let period = 0; period < periods; period++) {
    // Period 0 is the oldest; the last period ends with the last sample.
    const end = samples.length - (periods - 1 - period) * window;
    const windowSamples: Array<number | null> = [];
    for (let minute = end - window; minute < end; minute++)
      windowSamples.push(minute < 0 ? null : (samples[minute] ?? null));
    periodValues.push(aggregateWindow(windowSamples, s.timeAggregation));
  }
  const failing = periodValues.filter(
    (value) => value !== null && violates(value, s.operator, s.threshold),
  ).length;
  const anyValue = periodValues.some((value) => value !== null);
  const conditionMet = anyValue ? failing >= s.failingPeriods.minFailingPeriodsToAlert : null;
  return settle(s, previous, conditionMet, periodValues, failing);
}

function settle(
  s: ResolvedAzureMetricAlertSettings,
  previous: AzureMetricAlertStatus,
  conditionMet: boolean | null,
  periodValues: readonly (number | null)[],
  failingPeriods: number,
): AzureMetricAlertEvaluation {
  let status = previous;
  let notification: "fired" | "resolved" | null = null;
  if (conditionMet === true) {
    if (!s.autoMitigate || previous.monitorCondition === "Resolved") notification = "fired";
    status = { monitorCondition: "Fired", unmetEvaluations: 0 };
  } else if (conditionMet === false && s.autoMitigate && previous.monitorCondition === "Fired") {
    const unmet = previous.unmetEvaluations + 1;
    if (unmet >= AZURE_RESOLVE_AFTER_UNMET_EVALUATIONS) {
      notification = "resolved";
      status = { monitorCondition: "Resolved", unmetEvaluations: 0 };
    } else {
      status = { monitorCondition: "Fired", unmetEvaluations: unmet };
    }
  } else {
    status = { monitorCondition: previous.monitorCondition, unmetEvaluations: previous.unmetEvaluations };
  }
  const reason: AzureMetricAlertReason =
    conditionMet === null ? "no-data" : conditionMet ? "condition-met" : "condition-not-met";
  return {
    status,
    previousStatus: {
      monitorCondition: previous.monitorCondition,
      unmetEvaluations: previous.unmetEvaluations,
    },
    conditionMet,
    notification,
    reason,
    message: describe(s, reason, status, notification, periodValues, failingPeriods),
    periodValues,
    failingPeriods,
  };
}

function describe(
  s: ResolvedAzureMetricAlertSettings,
  reason: AzureMetricAlertReason,
  status: AzureMetricAlertStatus,
  notification: "fired" | "resolved" | null,
  periodValues: readonly (number | null)[],
  failingPeriods: number,
): string {
  const n = s.failingPeriods.numberOfEvaluationPeriods;
  const m = s.failingPeriods.minFailingPeriodsToAlert;
  const window = `${s.windowSizeMinutes}-minute`;
  if (reason === "no-data") {
    return `No data: ${s.timeAggregation} has no value in any ${window} period of the last ${n * s.windowSizeMinutes} minutes; the alert stays ${status.monitorCondition.toLowerCase()}.`;
  }
  const values = periodValues.map((value) => (value === null ? "no data" : String(value))).join(", ");
  const counted = `${s.timeAggregation} ${OPERATOR_WORDS[s.operator]} ${s.threshold} in ${failingPeriods} of ${n} ${window} ${n === 1 ? "period" : "periods"} (${values}); ${m} needed`;
  let outcome: string;
  if (notification === "fired")
    outcome = s.autoMitigate ? "the alert fires" : "the stateless alert notifies again";
  else if (notification === "resolved") {
    outcome = `unmet for ${AZURE_RESOLVE_AFTER_UNMET_EVALUATIONS} consecutive evaluations, the alert is resolved`;
  } else if (status.monitorCondition === "Fired" && reason === "condition-met")
    outcome = "the alert stays fired";
  else if (status.monitorCondition === "Fired" && s.autoMitigate) {
    outcome = `unmet for ${status.unmetEvaluations} of ${AZURE_RESOLVE_AFTER_UNMET_EVALUATIONS} consecutive evaluations, the alert stays fired`;
  } else if (status.monitorCondition === "Fired") outcome = "the stateless alert stays fired";
  else outcome = "no alert";
  return `${reason === "condition-met" ? "Condition met" : "Condition not met"}: ${counted}; ${outcome}.`;
}

const AGGREGATION_AVERAGE = 0;
const AGGREGATION_MINIMUM = 1;
const AGGREGATION_MAXIMUM = 2;
const AGGREGATION_TOTAL = 3;

/**
 * An Azure Monitor metric alert rule fed one sample per minute, evaluating every evaluation
 * frequency (at the end of minutes frequency, 2 × frequency, …): the same decisions as
 * {@link evaluateAzureMetricAlert} over the history, with the samples of the lookback in a
 * typed-array ring buffer and no allocation per sample.
 *
 * @example
 * // "CPU Load > 80% for 5 minutes": five 1-minute periods, all five above 80.
 * const rule = new AzureMetricAlertEvaluator({
 *   operator: "GreaterThan", threshold: 80, timeAggregation: "Average", windowSizeMinutes: 1,
 *   failingPeriods: { numberOfEvaluationPeriods: 5, minFailingPeriodsToAlert: 5 },
 * });
 * for (const cpu of [85, 90, 95, 97]) rule.step(cpu);
 * rule.monitorCondition; // "Resolved": four breaching minutes are not enough
 * rule.step(99); // "Fired"
 * rule.notification; // "fired": this minute's evaluation sent the activated notification
 */
export class AzureMetricAlertEvaluator {
  /** The settings with every default filled in. */
  readonly settings: ResolvedAzureMetricAlertSettings;

  private readonly window: number;
  private readonly periodCount: number;
  private readonly lookback: number;
  private readonly frequency: number;
  private readonly operator: number;
  private readonly aggregation: number;
  private readonly threshold: number;
  private readonly minFailing: number;
  private readonly autoMitigate: boolean;
  /** The samples of the lookback, NaN for missing; slot `pos` is the oldest. */
  private readonly samples: Float64Array;
  /** The aggregated value of each period of the last evaluation, NaN for none. */
  private readonly values: Float64Array;
  private pos = 0;
  private minute = 0;
  private fired: boolean;
  private unmet: number;
  private previousFired: boolean;
  private previousUnmet: number;
  private lastEvaluated = false;
  private lastNotification: "fired" | "resolved" | null = null;
  private lastConditionMet: boolean | null = null;
  private lastFailing = 0;
  private evaluations = 0;

  /**
   * @param settings the rule's settings; defaults as in {@link AzureMetricAlertSettings}.
   * @param status the status before the first sample.
   * @default status AZURE_INITIAL_STATUS
   * @throws {AlarmSettingsError} when the settings are invalid.
   */
  constructor(settings: AzureMetricAlertSettings, status: AzureMetricAlertStatus = AZURE_INITIAL_STATUS) {
    this.settings = resolveAzureMetricAlertSettings(settings);
    this.window = this.settings.windowSizeMinutes;
    this.periodCount = this.settings.failingPeriods.numberOfEvaluationPeriods;
    this.lookback = this.window * this.periodCount;
    this.frequency = this.settings.evaluationFrequencyMinutes;
    this.operator = AZURE_METRIC_OPERATORS.indexOf(this.settings.operator);
    this.aggregation = AZURE_TIME_AGGREGATIONS.indexOf(this.settings.timeAggregation);
    this.threshold = this.settings.threshold;
    this.minFailing = this.settings.failingPeriods.minFailingPeriodsToAlert;
    this.autoMitigate = this.settings.autoMitigate;
    this.samples = new Float64Array(this.lookback).fill(Number.NaN);
    this.values = new Float64Array(this.periodCount).fill(Number.NaN);
    this.fired = status.monitorCondition === "Fired";
    this.unmet = status.unmetEvaluations;
    this.previousFired = this.fired;
    this.previousUnmet = this.unmet;
  }

  /** The current monitor condition. */
  get monitorCondition(): AzureMonitorCondition {
    return this.fired ? "Fired" : "Resolved";
  }

  /** The current status (allocates a small object). */
  get status(): AzureMetricAlertStatus {
    return { monitorCondition: this.monitorCondition, unmetEvaluations: this.unmet };
  }

  /** Whether the most recent {@link AzureMetricAlertEvaluator.step} ran an evaluation. */
  get evaluated(): boolean {
    return this.lastEvaluated;
  }

  /** The notification the most recent {@link AzureMetricAlertEvaluator.step} sent, if any. */
  get notification(): "fired" | "resolved" | null {
    return this.lastEvaluated ? this.lastNotification : null;
  }

  /** How many samples (minutes) have been fed. */
  get minutes(): number {
    return this.minute;
  }

  /**
   * Adds the sample of the next minute and, when the minute ends an evaluation frequency,
   * evaluates the rule.
   *
   * @param value the minute's sample; `null` or NaN when the minute has no sample.
   * @returns the monitor condition after this minute.
   */
  step(value: number | null): AzureMonitorCondition {
    this.samples[this.pos] = value === null ? Number.NaN : value;
    this.pos = this.pos + 1 === this.lookback ? 0 : this.pos + 1;
    this.minute++;
    this.lastEvaluated = this.minute % this.frequency === 0;
    if (this.lastEvaluated) this.evaluate();
    return this.fired ? "Fired" : "Resolved";
  }

  private evaluate(): void {
    const window = this.window;
    const samples = this.samples;
    const lookback = this.lookback;
    const op = this.operator;
    const t = this.threshold;
    let failing = 0;
    let anyValue = false;
    // `pos` is the oldest sample: period p covers ring slots pos + p*window … pos + (p+1)*window - 1.
    let index = this.pos;
    for (let p = 0; p < this.periodCount; p++) {
      let count = 0;
      let sum = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < window; i++) {
        const sample = samples[index]!;
        index = index + 1 === lookback ? 0 : index + 1;
        if (Number.isNaN(sample)) continue;
        count++;
        sum += sample;
        if (sample < min) min = sample;
        if (sample > max) max = sample;
      }
      let value: number;
      switch (this.aggregation) {
        case AGGREGATION_AVERAGE:
          value = count === 0 ? Number.NaN : sum / count;
          break;
        case AGGREGATION_MINIMUM:
          value = count === 0 ? Number.NaN : min;
          break;
        case AGGREGATION_MAXIMUM:
          value = count === 0 ? Number.NaN : max;
          break;
        case AGGREGATION_TOTAL:
          value = sum;
          break;
        default:
          value = count;
      }
      this.values[p] = value;
      if (!Number.isNaN(value)) {
        anyValue = true;
        if (op === 0 ? value > t : op === 1 ? value >= t : op === 2 ? value < t : value <= t) failing++;
      }
    }
    this.lastFailing = failing;
    this.previousFired = this.fired;
    this.previousUnmet = this.unmet;
    this.lastNotification = null;
    this.evaluations++;
    if (!anyValue) {
      this.lastConditionMet = null;
      return;
    }
    const met = failing >= this.minFailing;
    this.lastConditionMet = met;
    if (met) {
      if (!this.autoMitigate || !this.fired) this.lastNotification = "fired";
      this.fired = true;
      this.unmet = 0;
    } else if (this.autoMitigate && this.fired) {
      this.unmet++;
      if (this.unmet >= AZURE_RESOLVE_AFTER_UNMET_EVALUATIONS) {
        this.lastNotification = "resolved";
        this.fired = false;
        this.unmet = 0;
      }
    }
  }

  /**
   * The detailed result of the most recent evaluation (the same object
   * {@link evaluateAzureMetricAlert} returns for the same history), or `undefined` before the
   * first evaluation.
   */
  explain(): AzureMetricAlertEvaluation | undefined {
    if (this.evaluations === 0) return undefined;
    const periodValues = Array.from(this.values, (value) => (Number.isNaN(value) ? null : value));
    const previous: AzureMetricAlertStatus = {
      monitorCondition: this.previousFired ? "Fired" : "Resolved",
      unmetEvaluations: this.previousUnmet,
    };
    return settle(this.settings, previous, this.lastConditionMet, periodValues, this.lastFailing);
  }

  /**
   * Forgets every sample, as if the rule had just been created.
   *
   * @param status the status to start from.
   * @default status AZURE_INITIAL_STATUS
   */
  reset(status: AzureMetricAlertStatus = AZURE_INITIAL_STATUS): void {
    this.samples.fill(Number.NaN);
    this.values.fill(Number.NaN);
    this.pos = 0;
    this.minute = 0;
    this.fired = status.monitorCondition === "Fired";
    this.unmet = status.unmetEvaluations;
    this.previousFired = this.fired;
    this.previousUnmet = this.unmet;
    this.lastEvaluated = false;
    this.lastNotification = null;
    this.lastConditionMet = null;
    this.lastFailing = 0;
    this.evaluations = 0;
  }
}
