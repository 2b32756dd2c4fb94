/** Cost guard: the stack's persona alarms and responder functions stay within configured budgets. */
import type { StackValidationPolicy } from "@pulumi/policy";
import { METRICS_INSIGHTS_LIMITS } from "../../plan/topology.js";
import { configOf, integerProperty, schema } from "../config.js";
import { indexStack } from "../stack.js";

/** Configuration of {@link stackBudget}. */
export interface BudgetConfig {
  /** The most persona alarms the stack may hold. */
  maxAlarms: number;
  /** The most responder functions the stack may hold. */
  maxResponders: number;
  /**
   * The most fleet-wide (Metrics Insights) persona alarms the stack may hold: CloudWatch's default quota
   * is 200 such alarms per account and Region (Amazon CloudWatch User Guide, alarm "Limits",
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html); past it
   * `PutMetricAlarm` is refused. Raise it only with the account's quota.
   */
  maxFleetWideAlarms: number;
}

/** Defaults of {@link BudgetConfig}. */
export const BUDGET_DEFAULTS: BudgetConfig = {
  maxAlarms: 5000,
  maxResponders: 40,
  maxFleetWideAlarms: METRICS_INSIGHTS_LIMITS.alarmsPerRegion,
};

/** Checks whether the stack's persona alarms and responders stay within their budgets. */
export const stackBudget: StackValidationPolicy = {
  name: "persona-stack-budget",
  description:
    "Checks whether the number of persona alarms and responder functions in the stack stays within budget, and its fleet-wide alarms within CloudWatch's quota.",
  enforcementLevel: "mandatory",
  configSchema: schema({
    maxAlarms: integerProperty(0, BUDGET_DEFAULTS.maxAlarms, "The most persona alarms the stack may hold."),
    maxResponders: integerProperty(
      0,
      BUDGET_DEFAULTS.maxResponders,
      "The most responder functions the stack may hold.",
    ),
    maxFleetWideAlarms: integerProperty(
      0,
      BUDGET_DEFAULTS.maxFleetWideAlarms,
      "The most fleet-wide (Metrics Insights) persona alarms the stack may hold; CloudWatch's default quota is 200 per account and Region.",
    ),
  }),
  validateStack: (args, reportViolation) => {
    const { maxAlarms, maxResponders, maxFleetWideAlarms } = configOf(args, BUDGET_DEFAULTS);
    const index = indexStack(args.resources);
    const alarms = index.personaAlarms.length;
    const fleetWide = index.personaAlarms.filter((a) => a.fleetWide).length;
    if (fleetWide > maxFleetWideAlarms)
      reportViolation(
        `The stack must hold at most ${maxFleetWideAlarms} fleet-wide (Metrics Insights) alarms, not ${fleetWide}: that is CloudWatch's default quota per account and Region (Amazon CloudWatch User Guide, alarm Limits); split the fleets across Regions or accounts, set alarmTopology to "per-instance" on some, or raise the quota and this rule's maxFleetWideAlarms.`,
      );
    const responders = index.responderFunctions.length;
    if (alarms > maxAlarms)
      reportViolation(
        `The stack must hold at most ${maxAlarms} persona alarms, not ${alarms}: split the fleet across stacks, drop triggers, or raise maxAlarms.`,
      );
    if (responders > maxResponders)
      reportViolation(
        `The stack must hold at most ${maxResponders} responder functions, not ${responders}: merge fleets, or raise maxResponders.`,
      );
  },
};
