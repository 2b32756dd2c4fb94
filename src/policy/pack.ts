/**
 * The persona-guard pack's rule lists: what `policy-packs/persona-guard` registers, in the order
 * docs/policy.md lists them.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { alarmActionsTargetResponders, alarmsCoverTriggers } from "./rules/alarms.js";
import {
  azureAlertHasActionGroup,
  azureFunctionAppHttpsOnly,
  azureLogAlertPerVm,
  azureNsgNoAnySource,
  azureRoleAssignmentWithinGroup,
} from "./rules/azure.js";
import { stackBudget } from "./rules/budget.js";
import { feedsHttpsAndPaced, feedTargetsExist } from "./rules/feeds.js";
import { responderIamLeastPrivilege } from "./rules/iam.js";
import { mutationsNeedMembership } from "./rules/membership.js";
import {
  lambdaRuntimeSupported,
  logGroupRetention,
  stateTablePointInTimeRecovery,
} from "./rules/platform.js";
import { scaleActionsBounded } from "./rules/scale.js";
import { instancePersonaTags } from "./rules/tags.js";
import { trafficTargetsExist } from "./rules/traffic.js";

/** Every resource rule of the pack, in the order docs/policy.md lists them. */
export const personaGuardResourcePolicies: readonly ResourceValidationPolicy[] = [
  responderIamLeastPrivilege,
  feedsHttpsAndPaced,
  scaleActionsBounded,
  lambdaRuntimeSupported,
  logGroupRetention,
  stateTablePointInTimeRecovery,
  instancePersonaTags,
  azureAlertHasActionGroup,
  azureLogAlertPerVm,
  azureRoleAssignmentWithinGroup,
  azureNsgNoAnySource,
  azureFunctionAppHttpsOnly,
];

/** Every stack rule of the pack. */
export const personaGuardStackPolicies: readonly StackValidationPolicy[] = [
  alarmsCoverTriggers,
  alarmActionsTargetResponders,
  feedTargetsExist,
  trafficTargetsExist,
  mutationsNeedMembership,
  stackBudget,
];

/** Every rule of the pack: what `policy-packs/persona-guard` registers. */
export const personaGuardPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...personaGuardResourcePolicies,
  ...personaGuardStackPolicies,
];
