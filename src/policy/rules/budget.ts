/** Cost guard: the stack's persona alarms and responder functions stay within configured budgets. */
import type { StackValidationPolicy } from "@pulumi/policy";
import { configOf, integerProperty, schema } from "../config.js";
import { indexStack } from "../stack.js";

/** Configuration of {@link stackBudget}. */
export interface BudgetConfig {
  /** The most persona alarms the stack may hold. */
  maxAlarms: number;
  /** The most responder functions the stack may hold. */
  maxResponders: number;
}

/** Defaults of {@link BudgetConfig}. */
export const BUDGET_DEFAULTS: BudgetConfig = { maxAlarms: 5000, maxResponders: 40 };

/** Checks whether the stack's persona alarms and responders stay within their budgets. */
export const stackBudget: StackValidationPolicy = {
  name: "persona-stack-budget",
  description:
    "Checks whether the number of persona alarms and responder functions in the stack stays within budget.",
  enforcementLevel: "mandatory",
  configSchema: schema({
    maxAlarms: integerProperty(0, BUDGET_DEFAULTS.maxAlarms, "The most persona alarms the stack may hold."),
    maxResponders: integerProperty(
      0,
      BUDGET_DEFAULTS.maxResponders,
      "The most responder functions the stack may hold.",
    ),
  }),
  validateStack: (args, reportViolation) => {
    const { maxAlarms, maxResponders } = configOf(args, BUDGET_DEFAULTS);
    const index = indexStack(args.resources);
    const alarms = index.personaAlarms.length;
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
