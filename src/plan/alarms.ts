/**
 * Alarm specifications: each trigger's condition rendered once for every consumer. The AWS and
 * Azure components copy these numbers; the simulator evaluates them; `explain` prints them.
 */

import { negate } from "../pdl/conditions.js";
import { metricById } from "../pdl/metrics/index.js";
import type { CloudMetric, MetricDefinition } from "../pdl/metrics/metric.js";
import type { Condition, MissingData, Operator } from "../pdl/model.js";

/** CloudWatch `MetricAlarm` settings (without names, dimensions' values and actions). */
export interface CloudWatchAlarmSpec {
  namespace: string;
  metricName: string;
  statistic: CloudMetric["statistic"];
  /** Dimension names; the component fills in values (InstanceId). */
  dimensions: readonly string[];
  comparisonOperator:
    | "GreaterThanThreshold"
    | "GreaterThanOrEqualToThreshold"
    | "LessThanThreshold"
    | "LessThanOrEqualToThreshold";
  /** In the CloudWatch metric's own unit (bytes per period for NetworkIn, ...). */
  threshold: number;
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: MissingData;
}

/** Azure Monitor metric-alert settings for one static-threshold criterion. */
export interface AzureAlertSpec {
  metricNamespace: string;
  metricName: string;
  operator: "GreaterThan" | "GreaterThanOrEqual" | "LessThan" | "LessThanOrEqual";
  threshold: number;
  timeAggregation: "Average" | "Minimum" | "Maximum" | "Total" | "Count";
  /** ISO 8601, one of Azure's allowed window sizes. */
  windowSize: string;
  evaluationFrequency: string;
  /** Set when Azure cannot express the condition exactly; says how it differs. */
  approximation?: string;
}

const CLOUDWATCH_OPERATORS: Record<Operator, CloudWatchAlarmSpec["comparisonOperator"]> = {
  ">": "GreaterThanThreshold",
  ">=": "GreaterThanOrEqualToThreshold",
  "<": "LessThanThreshold",
  "<=": "LessThanOrEqualToThreshold",
};

const AZURE_OPERATORS: Record<Operator, AzureAlertSpec["operator"]> = {
  ">": "GreaterThan",
  ">=": "GreaterThanOrEqual",
  "<": "LessThan",
  "<=": "LessThanOrEqual",
};

const REVERSED: Record<Operator, Operator> = { ">": "<", ">=": "<=", "<": ">", "<=": ">=" };

/** Azure's accepted metric-alert window sizes, in minutes. */
const AZURE_WINDOWS = [1, 5, 15, 30, 60, 360, 720, 1440];

/** Threshold and operator in the cloud metric's unit and sense. */
function convert(condition: Condition, cloud: CloudMetric): { threshold: number; operator: Operator } {
  switch (cloud.conversion) {
    case "identity":
      return { threshold: condition.threshold, operator: condition.operator };
    case "gbps-to-bytes-per-period":
      // The clouds sum bytes over the period: X Gbps sustained = X × 1e9 / 8 bytes per second.
      return {
        threshold: (condition.threshold * 1e9 * condition.window.periodSeconds) / 8,
        operator: condition.operator,
      };
    case "percent-complement":
      // "used > 80 %" is "available < 20 %".
      return { threshold: 100 - condition.threshold, operator: REVERSED[condition.operator] };
  }
}

/** Dimensions each metric source publishes with (the CloudWatch agent aggregates to InstanceId). */
function dimensionsOf(_metric: MetricDefinition): readonly string[] {
  return ["InstanceId"];
}

/**
 * The alarm that watches a clear condition: its complement, so that the alarm is OK exactly when the
 * clear holds and in ALARM only while it does not. "At least M of N datapoints satisfy the clear"
 * fails exactly when at least N − M + 1 of them satisfy the opposite comparison, so the watcher is
 * the negated operator with DatapointsToAlarm N − M + 1 of the same N (for "after 30 minutes" of
 * `> 80`: `> 80` in 1 of 30). Missing data is `ignore`: a gap in the metric (an instance stopped for
 * a resize, an agent restarting) keeps the watcher's state, so a clear is never run, or lost, on an
 * absence of data. CloudWatch: "ignore — The current alarm state is maintained" (Amazon CloudWatch
 * User Guide, "Configuring how CloudWatch alarms treat missing data",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html);
 * DatapointsToAlarm and EvaluationPeriods have a minimum of 1 (PutMetricAlarm, botocore monitoring
 * 2010-08-01), which N − M + 1 always meets since M ≤ N.
 *
 * @example
 * ```ts
 * clearWatcherOf(cpuAtMost80For30Minutes); // { operator: ">", threshold: 80, window: { periodSeconds: 60, evaluationPeriods: 30, datapointsToAlarm: 1 }, missingData: "ignore", ... }
 * ```
 */
export function clearWatcherOf(clear: Condition): Condition {
  const { evaluationPeriods, datapointsToAlarm } = clear.window;
  return {
    ...clear,
    operator: negate(clear.operator),
    window: { ...clear.window, datapointsToAlarm: evaluationPeriods - datapointsToAlarm + 1 },
    missingData: "ignore",
  };
}

/** Renders a condition as a CloudWatch metric alarm. */
export function cloudWatchAlarmOf(condition: Condition): CloudWatchAlarmSpec {
  const metric = metricById(condition.metric);
  const { threshold, operator } = convert(condition, metric.aws);
  return {
    namespace: metric.aws.namespace,
    metricName: metric.aws.metricName,
    statistic: metric.aws.statistic,
    dimensions: dimensionsOf(metric),
    comparisonOperator: CLOUDWATCH_OPERATORS[operator],
    threshold,
    period: condition.window.periodSeconds,
    evaluationPeriods: condition.window.evaluationPeriods,
    datapointsToAlarm: condition.window.datapointsToAlarm,
    treatMissingData: condition.missingData,
  };
}

/**
 * Renders a condition as an Azure metric alert. "Every datapoint of the window breaches" becomes the
 * window's Minimum (for > / >=) or Maximum (for < / <=) compared with the threshold: that holds exactly
 * when every 1-minute value breaches. Azure static alerts have no M-of-N, so M < N is approximated by the
 * window's average (stated in `approximation`).
 */
export function azureAlertOf(condition: Condition): AzureAlertSpec {
  const metric = metricById(condition.metric);
  const { threshold, operator } = convert(condition, metric.azure);
  const { periodSeconds, evaluationPeriods, datapointsToAlarm } = condition.window;
  const minutes = Math.max(1, Math.ceil((periodSeconds * evaluationPeriods) / 60));
  const windowMinutes = AZURE_WINDOWS.find((w) => w >= minutes) ?? 1440;
  const notes: string[] = [];
  if (windowMinutes !== minutes)
    notes.push(`window widened from ${minutes} to ${windowMinutes} minutes (Azure's allowed sizes)`);
  if (periodSeconds < 60)
    notes.push("Azure metrics have 1-minute resolution; the 10-second period is evaluated per minute");
  let timeAggregation: AzureAlertSpec["timeAggregation"];
  if (metric.azure.statistic === "Sum") timeAggregation = "Total";
  else if (evaluationPeriods === 1)
    timeAggregation = metric.azure.statistic === "Maximum" ? "Maximum" : "Average";
  else if (datapointsToAlarm === evaluationPeriods)
    timeAggregation = operator === ">" || operator === ">=" ? "Minimum" : "Maximum";
  // "Any datapoint of the window breaches" (a clear watcher) is the window's Maximum for > / >=.
  else if (datapointsToAlarm === 1)
    timeAggregation = operator === ">" || operator === ">=" ? "Maximum" : "Minimum";
  else {
    timeAggregation = "Average";
    notes.push(`${datapointsToAlarm} of ${evaluationPeriods} is approximated by the window's average`);
  }
  const spec: AzureAlertSpec = {
    metricNamespace: metric.azure.namespace,
    metricName: metric.azure.metricName,
    operator: AZURE_OPERATORS[operator],
    // Total over the window counts every period's bytes, not one period's.
    threshold: metric.azure.statistic === "Sum" ? threshold * evaluationPeriods : threshold,
    timeAggregation,
    windowSize: `PT${windowMinutes >= 60 ? `${windowMinutes / 60}H` : `${windowMinutes}M`}`,
    evaluationFrequency: "PT1M",
  };
  if (notes.length > 0) spec.approximation = notes.join("; ");
  return spec;
}
