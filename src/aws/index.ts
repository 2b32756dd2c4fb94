/**
 * AWS components: `PersonaFleet`, `PersonaInstance` and `PersonaAttachment` render a persona plan as
 * EC2 instances, CloudWatch alarms, Lambda responders, schedules, WAF IP sets and SSM features.
 * @packageDocumentation
 */

export {
  type AgentOptions,
  type AgentSource,
  cloudWatchAgentConfig,
  OPERATING_SYSTEMS,
  type OperatingSystem,
  personasAgentConfig,
  renderUserData,
} from "../plan/user-data.js";
export { type AgentBundle, agentObjectKey, readAgentBundle } from "./agent-artifact.js";
export { type AttachedInstance, PersonaAttachment, type PersonaAttachmentArgs } from "./attachment.js";
export {
  DEFAULT_RESPONDER_CODE_DIRECTORY,
  type FeedScheduleEvent,
  FLEET_TAG_KEY,
  KIND_ENV,
  RESPONDER_ENV,
  RESPONDER_METRICS_NAMESPACE,
  responderCodePath,
} from "./contract.js";
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
export {
  isReadOnly,
  type PolicyDocument,
  type PolicyStatement,
  type ResponderPolicyContext,
  responderPolicy,
} from "./iam.js";
export { PersonaInstance, type PersonaInstanceArgs } from "./instance.js";
export type {
  AgentArgs,
  Baseline,
  FleetMember,
  InstanceSettings,
  MemberComponentArgs,
} from "./members.js";
export {
  type FleetOrchestratorSettings,
  type OrchestratorPolicyInput,
  type OrchestratorResources,
  type OrchestratorSettings,
  orchestratorPolicy,
  renderOrchestrator,
  tagChangePattern,
} from "./orchestrator.js";
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
