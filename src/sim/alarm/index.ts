/**
 * Alarm semantics of the clouds, as pure, dependency-free evaluators the simulator and
 * `personas explain` share. See docs/alarm-semantics.md for the rules and their sources.
 *
 * @module
 */

export {
  AZURE_EVALUATION_FREQUENCIES_MINUTES,
  AZURE_INITIAL_STATUS,
  AZURE_METRIC_OPERATORS,
  AZURE_RESOLVE_AFTER_UNMET_EVALUATIONS,
  AZURE_TIME_AGGREGATIONS,
  AZURE_WINDOW_SIZES_MINUTES,
  type AzureFailingPeriods,
  type AzureMetricAlertEvaluation,
  AzureMetricAlertEvaluator,
  type AzureMetricAlertReason,
  type AzureMetricAlertSettings,
  type AzureMetricAlertStatus,
  type AzureMetricOperator,
  type AzureMonitorCondition,
  type AzureTimeAggregation,
  aggregateWindow,
  evaluateAzureMetricAlert,
  type ResolvedAzureMetricAlertSettings,
  resolveAzureMetricAlertSettings,
} from "./azure.js";
export {
  CLOUDWATCH_COMPARISON_OPERATORS,
  type CloudWatchAlarmEvaluation,
  CloudWatchAlarmEvaluator,
  type CloudWatchAlarmReason,
  type CloudWatchAlarmSettings,
  type CloudWatchAlarmState,
  type CloudWatchComparisonOperator,
  evaluateCloudWatchAlarm,
  isBreaching,
  type ResolvedCloudWatchAlarmSettings,
  resolveCloudWatchAlarmSettings,
  TREAT_MISSING_DATA_VALUES,
  type TreatMissingData,
} from "./cloudwatch.js";
export { AlarmSettingsError } from "./errors.js";
