/**
 * The plan: the cloud-neutral intermediate representation every cloud, the simulator and `explain` read.
 *
 * Public: planning a persona or a fleet, the plan's types, the alarm specification each cloud
 * renders, the documented defaults and alarm names. Everything else in `src/plan` is internal
 * (imported by module path).
 * @packageDocumentation
 */
export { type AzureAlertSpec, azureAlertOf, type CloudWatchAlarmSpec, cloudWatchAlarmOf } from "./alarms.js";
export { GUARD_DEFAULTS, LIST_SAFETY_DEFAULTS } from "./defaults.js";
export { PlanError } from "./errors.js";
export { alarmName, type NameScope } from "./names.js";
export {
  type AlarmAction,
  type AlarmPlan,
  type FeedPlan,
  type FirewallTargets,
  type FleetFeedPlan,
  type FleetPlan,
  type ListSafetySettings,
  type MonitoringPlan,
  type PersonaPlan,
  type PlanInput,
  planFleet,
  planPersona,
  type ResponsePlan,
  type TelemetryPlan,
} from "./plan.js";
export { type Capability, RESPONDER_CAPABILITIES, type ResponderKind } from "./responders.js";
export { PERSONA_TAGS } from "./tags.js";
