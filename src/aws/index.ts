/**
 * AWS components: `PersonaFleet`, `PersonaInstance` and `PersonaAttachment` render a persona plan as
 * EC2 instances, CloudWatch alarms, Lambda responders, schedules, WAF IP sets and SSM features.
 *
 * Public: the three components, their arguments and the types those reach, `resolveWith`, the
 * errors they throw and the contract constants the docs name. Everything else in `src/aws` is
 * internal (imported by module path).
 * @packageDocumentation
 */

export {
  type AgentOptions,
  type AgentSource,
  OPERATING_SYSTEMS,
  type OperatingSystem,
} from "../plan/user-data.js";
export { type AttachedInstance, PersonaAttachment, type PersonaAttachmentArgs } from "./attachment.js";
export { DEFAULT_RESPONDER_CODE_DIRECTORY, FLEET_TAG_KEY } from "./contract.js";
export {
  AwsComponentError,
  type ComponentErrorContext,
  InvalidArgumentsError,
  MissingTargetError,
  NoPersonaError,
  PersonaConflictError,
  ResponderCodeMissingError,
} from "./errors.js";
export { PersonaFleet, type PersonaFleetArgs } from "./fleet.js";
export { PersonaInstance, type PersonaInstanceArgs } from "./instance.js";
export type {
  AgentArgs,
  Baseline,
  FleetMember,
  InstanceSettings,
  MemberComponentArgs,
} from "./members.js";
export type { FleetOrchestratorSettings, OrchestratorSettings } from "./orchestrator.js";
export {
  type FirewallSettings,
  type FleetOptions,
  RESPONDER_OWNED,
  type ResponderSettings,
  setResponderCodeCheck,
} from "./render.js";
export {
  type InstanceResolutionContext,
  type InstanceTags,
  type PersonaResolver,
  type PersonaSpec,
  resolveWith,
} from "./resolution.js";
export type {
  IsolationSettings,
  ManagementPath,
  RedirectTargetSettings,
  TrafficSettings,
} from "./traffic.js";
