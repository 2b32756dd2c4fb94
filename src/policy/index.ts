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
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { alarmActionsTargetResponders, alarmsCoverTriggers } from "./rules/alarms.js";
import { BUDGET_DEFAULTS, type BudgetConfig, stackBudget } from "./rules/budget.js";
import {
  FEED_PACE_DEFAULTS,
  type FeedPaceConfig,
  feedsHttpsAndPaced,
  feedTargetsExist,
} from "./rules/feeds.js";
import { IAM_DEFAULTS, type IamConfig, responderIamLeastPrivilege } from "./rules/iam.js";
import { mutationsNeedMembership, tagReachableActions } from "./rules/membership.js";
import {
  lambdaRuntimeSupported,
  logGroupRetention,
  RETENTION_DEFAULTS,
  type RetentionConfig,
  RUNTIME_DEFAULTS,
  type RuntimeConfig,
  stateTablePointInTimeRecovery,
} from "./rules/platform.js";
import { SCALE_DEFAULTS, type ScaleConfig, scaleActionsBounded } from "./rules/scale.js";
import { instancePersonaTags, TAGS_DEFAULTS, type TagsConfig } from "./rules/tags.js";

export {
  alarmActionsTargetResponders,
  alarmsCoverTriggers,
  BUDGET_DEFAULTS,
  type BudgetConfig,
  FEED_PACE_DEFAULTS,
  type FeedPaceConfig,
  feedsHttpsAndPaced,
  feedTargetsExist,
  IAM_DEFAULTS,
  type IamConfig,
  instancePersonaTags,
  lambdaRuntimeSupported,
  logGroupRetention,
  mutationsNeedMembership,
  RETENTION_DEFAULTS,
  type RetentionConfig,
  RUNTIME_DEFAULTS,
  type RuntimeConfig,
  responderIamLeastPrivilege,
  SCALE_DEFAULTS,
  type ScaleConfig,
  scaleActionsBounded,
  stackBudget,
  stateTablePointInTimeRecovery,
  TAGS_DEFAULTS,
  type TagsConfig,
  tagReachableActions,
};

/** Every resource rule of the pack, in the order docs/policy.md lists them. */
export const personaGuardResourcePolicies: readonly ResourceValidationPolicy[] = [
  responderIamLeastPrivilege,
  feedsHttpsAndPaced,
  scaleActionsBounded,
  lambdaRuntimeSupported,
  logGroupRetention,
  stateTablePointInTimeRecovery,
  instancePersonaTags,
];

/** Every stack rule of the pack. */
export const personaGuardStackPolicies: readonly StackValidationPolicy[] = [
  alarmsCoverTriggers,
  alarmActionsTargetResponders,
  feedTargetsExist,
  mutationsNeedMembership,
  stackBudget,
];

/** Every rule of the pack: what `policy-packs/persona-guard` registers. */
export const personaGuardPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...personaGuardResourcePolicies,
  ...personaGuardStackPolicies,
];
