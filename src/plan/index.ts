/**
 * The plan: the cloud-neutral intermediate representation every cloud, the simulator and `explain` read.
 * @packageDocumentation
 */
export { type AzureAlertSpec, azureAlertOf, type CloudWatchAlarmSpec, cloudWatchAlarmOf } from "./alarms.js";
export {
  DEFAULT_PROBE_TARGETS,
  GUARD_DEFAULTS,
  LIST_SAFETY_DEFAULTS,
  NETWORK_ACL_MAX_ENTRIES,
} from "./defaults.js";
export { PlanError } from "./errors.js";
export {
  alarmDescription,
  buildManifest,
  FleetManifest,
  MANIFEST_VERSION,
  parseAlarmDescription,
} from "./manifest.js";
export {
  ALARM_NAME_LIMIT,
  alarmName,
  alarmNamePattern,
  FLEET_NAME_MAX_LENGTH,
  FLEET_NAME_PATTERN,
  FUNCTION_NAME_LIMIT,
  fleetNameProblem,
  fleetResourceName,
  type NameScope,
  namePrefix,
  parameterPath,
  responderName,
  stackPart,
} from "./names.js";
export { type OsFamily, type PlannedPackage, packageArguments, planPackages } from "./packages.js";
export * from "./plan.js";
export {
  type Capability,
  RESPONDER_CAPABILITIES,
  RESPONDER_ORDER,
  type ResponderKind,
  responderOf,
} from "./responders.js";
export { PERSONA_TAGS } from "./tags.js";
