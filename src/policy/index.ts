/**
 * The persona-guard rules: policy checks on previews of stacks built with the AWS components. Each
 * rule is an exported `@pulumi/policy` rule object; `policy-packs/persona-guard` only registers
 * {@link personaGuardPolicies}. docs/policy.md lists every rule with its configuration.
 * The stack index the rules share is internal (imported by module path).
 *
 * @example
 * ```ts
 * import { PolicyPack } from "@pulumi/policy";
 * import { personaGuardPolicies } from "pulumi-personas/policy";
 *
 * new PolicyPack("persona-guard", { policies: personaGuardPolicies });
 * ```
 * @packageDocumentation
 */

export { personaGuardPolicies, personaGuardResourcePolicies, personaGuardStackPolicies } from "./pack.js";
export { alarmActionsTargetResponders, alarmsCoverTriggers } from "./rules/alarms.js";
export {
  azureAlertHasActionGroup,
  azureFunctionAppHttpsOnly,
  azureLogAlertPerVm,
  azureNsgNoAnySource,
  azureRoleAssignmentWithinGroup,
} from "./rules/azure.js";
export { BUDGET_DEFAULTS, type BudgetConfig, stackBudget } from "./rules/budget.js";
export {
  FEED_PACE_DEFAULTS,
  type FeedPaceConfig,
  feedsHttpsAndPaced,
  feedTargetsExist,
} from "./rules/feeds.js";
export { IAM_DEFAULTS, type IamConfig, responderIamLeastPrivilege } from "./rules/iam.js";
export { mutationsNeedMembership, tagReachableActions } from "./rules/membership.js";
export {
  lambdaRuntimeSupported,
  logGroupRetention,
  RETENTION_DEFAULTS,
  type RetentionConfig,
  RUNTIME_DEFAULTS,
  type RuntimeConfig,
  stateTablePointInTimeRecovery,
} from "./rules/platform.js";
export { SCALE_DEFAULTS, type ScaleConfig, scaleActionsBounded } from "./rules/scale.js";
export { instancePersonaTags, TAGS_DEFAULTS, type TagsConfig } from "./rules/tags.js";
export { trafficTargetsExist } from "./rules/traffic.js";
