/**
 * `pulumi-personas/azure`: the persona plan deployed with `@pulumi/azure-native` (docs/azure.md).
 * The contract with the Functions runtime is `src/runtime/azure/contract.ts`.
 */
export {
  type AzureAttachedVm,
  AzurePersonaAttachment,
  type AzurePersonaAttachmentArgs,
} from "./attachment.js";
export {
  ACTION_GROUP_SHORT_NAME_MAX,
  AZURE_NAMING_RULES,
  AZURE_TAG_LIMITS,
  type AzureContractResource,
  type AzureContractViolation,
  type AzureNamingRule,
  assertAzureCloudContract,
  azureContractViolations,
} from "./cloud-contract.js";
export { type AzureOperatingSystem, renderCustomData } from "./custom-data.js";
export {
  AzureCloudContractError,
  AzureComponentError,
  AzureInvalidArgumentsError,
  AzureMissingTargetError,
  AzureNoPersonaError,
  AzurePersonaConflictError,
  FunctionPackageMissingError,
} from "./errors.js";
export {
  type AzureBaseline,
  type AzureFleetMember,
  type AzureImage,
  type AzureMemberComponentArgs,
  AzurePersonaFleet,
  type AzurePersonaFleetArgs,
  AzurePersonaInstance,
  type AzurePersonaInstanceArgs,
  type AzurePersonaSpec,
  type AzureResolutionContext,
  planAzureMembers,
  RUNTIME_OWNED,
  resolveWithAzure,
  webhookPropertiesOf,
} from "./fleet.js";
export { functionAppName, resourceGroupName, storageAccountName } from "./names.js";
export {
  type AzureFirewallSettings,
  type AzureFleetOptions,
  type AzureFleetResources,
  BUILT_IN_ROLES,
  type FunctionSettings,
  NSG_LIMITS,
  roleActionsOf,
  setFunctionPackageCheck,
  WAF_LIMITS,
} from "./render.js";
