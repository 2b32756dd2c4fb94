/**
 * `pulumi-personas/azure`: the persona plan deployed with `@pulumi/azure-native` (docs/azure.md).
 * The contract with the Functions runtime is `src/runtime/azure/contract.ts`.
 *
 * Public, as for `pulumi-personas/aws`: the three components, their arguments and the types those
 * reach, `resolveWithAzure`, the errors they throw, the cloud-contract check the docs name, and the
 * names the runtime owns. Naming rules, limits, role tables and renderers stay internal (imported by
 * module path in this repository's tests), so they can change without a breaking release.
 * @packageDocumentation
 */
export {
  type AzureAttachedVm,
  AzurePersonaAttachment,
  type AzurePersonaAttachmentArgs,
} from "./attachment.js";
export { type AzureContractViolation, assertAzureCloudContract } from "./cloud-contract.js";
export type { AzureOperatingSystem } from "./custom-data.js";
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
  type AzureAlarmTopology,
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
  RUNTIME_OWNED,
  resolveWithAzure,
} from "./fleet.js";
export {
  type AzureFirewallSettings,
  type AzureFleetOptions,
  type AzureFleetResources,
  type FunctionSettings,
  setFunctionPackageCheck,
} from "./render.js";
export type {
  AzureBackendPoolSettings,
  AzureIsolationSettings,
  AzureManagementPath,
  AzureRedirectTargetSettings,
  AzureTrafficSettings,
} from "./traffic.js";
