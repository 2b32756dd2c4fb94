/**
 * Alarm semantics of the clouds, as pure, dependency-free evaluators the simulator and
 * `personas explain` share. See docs/alarm-semantics.md for the rules and their sources.
 *
 * @module
 */
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
