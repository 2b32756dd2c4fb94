import { PersonasError } from "../../errors.js";

/**
 * Thrown by the alarm evaluators (`evaluateCloudWatchAlarm`, `CloudWatchAlarmEvaluator`,
 * `evaluateAzureMetricAlert`, `AzureMetricAlertEvaluator`) when the settings they are given could
 * not be accepted by the cloud either: every problem is listed at once, one per line, each naming
 * the setting, the value received and what to change.
 */
export class AlarmSettingsError extends PersonasError {
  /** Which evaluator rejected the settings. */
  readonly cloud: "aws" | "azure";
  /** One sentence per problem, in the order the settings are documented. */
  readonly problems: readonly string[];

  constructor(cloud: "aws" | "azure", subject: string, problems: readonly string[]) {
    super(
      "ALARM_SETTINGS_INVALID",
      `Invalid ${subject} settings:\n${problems.map((p) => `- ${p}`).join("\n")}`,
    );
    this.cloud = cloud;
    this.problems = problems;
  }
}
