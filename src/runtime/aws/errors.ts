/**
 * Errors of the AWS responder runtime. Each says which function, instance or feed it concerns and
 * what to do next; wrapped AWS errors are kept as `cause`.
 */
import { PersonasError } from "../../errors.js";

/** The base of every error the AWS responders throw. */
export class ResponderError extends PersonasError {}

/** Thrown at the first invocation when an environment variable the responder needs is missing or malformed. */
export class ResponderConfigError extends ResponderError {
  /** The environment variable at fault. */
  readonly variable: string;
  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super("RESPONDER_CONFIG", message, options);
    this.variable = variable;
  }
}

/** Thrown when an invocation's event is not one the responder understands; nothing was done. */
export class EventRejectedError extends ResponderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("RESPONDER_EVENT_REJECTED", message, options);
  }
}

/** Thrown when the fleet manifest cannot be read, is invalid, or does not know an alarm's persona. */
export class ManifestError extends ResponderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("RESPONDER_MANIFEST", message, options);
  }
}

/** Thrown when the state table refuses a write for a reason other than a lost race, or races too often. */
export class StateStoreError extends ResponderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("RESPONDER_STATE", message, options);
  }
}

/**
 * Thrown when an action failed. `recovered` says whether the instance was put back as it was
 * (running with its original type, for a resize); when false, the message says what to do by hand.
 */
export class ActionFailedError extends ResponderError {
  /** Whether the instance was left as it was before the action. */
  readonly recovered: boolean;
  constructor(message: string, recovered: boolean, options?: { cause?: unknown }) {
    super("RESPONDER_ACTION_FAILED", message, options);
    this.recovered = recovered;
  }
}

/** Thrown when an instance is outside the responder's fleet or in a state the action cannot start from. */
export class InstanceRefusedError extends ResponderError {
  /** The instance concerned. */
  readonly instanceId: string;
  constructor(instanceId: string, message: string) {
    super("RESPONDER_INSTANCE_REFUSED", message);
    this.instanceId = instanceId;
  }
}

/**
 * Thrown before any side effect when an event's instance is not a member of the fleet, or an
 * alarm's name, owner tag or digest is not the one the stack or the orchestrator gave it. The
 * responder logs it as rejected and succeeds, so a forged event is never retried.
 */
export class ProvenanceRefusedError extends ResponderError {
  /** `not-member`, `alarm-name`, `alarm-owner` or `digest`. */
  readonly reason: "not-member" | "alarm-name" | "alarm-owner" | "digest";
  /** The instance the event named. */
  readonly instanceId: string;
  constructor(reason: ProvenanceRefusedError["reason"], instanceId: string, message: string) {
    super("RESPONDER_PROVENANCE_REFUSED", message);
    this.reason = reason;
    this.instanceId = instanceId;
  }
}

/**
 * Thrown when an instance cannot be stopped safely for a resize (an Auto Scaling group member, a
 * one-time Spot instance, instance-store volumes); `reason` is the metric's Reason dimension.
 */
export class ResizeRefusedError extends ResponderError {
  /** The instance concerned. */
  readonly instanceId: string;
  /** `auto-scaling-group`, `spot` or `instance-store`. */
  readonly reason: string;
  constructor(instanceId: string, reason: string, message: string) {
    super("RESPONDER_RESIZE_REFUSED", message);
    this.instanceId = instanceId;
    this.reason = reason;
  }
}

/** Thrown when a firewall update would break a documented limit (WAF: 10,000 addresses per IP set). */
export class FirewallLimitError extends ResponderError {
  constructor(message: string) {
    super("RESPONDER_FIREWALL_LIMIT", message);
  }
}

/**
 * Thrown when the network ACL rule numbers a feed reserves hold rules the responder did not create
 * (the default ACL's allow-all rule 100, an operator's own rule): nothing is written, since
 * replacing or deleting them could cut the subnet off.
 */
export class NetworkAclRangeConflictError extends ResponderError {
  /** The network ACL. */
  readonly networkAclId: string;
  /** The foreign rule numbers found in the feed's range. */
  readonly ruleNumbers: readonly number[];

  constructor(message: string, networkAclId: string, ruleNumbers: readonly number[]) {
    super("RESPONDER_NACL_RANGE_CONFLICT", message);
    this.networkAclId = networkAclId;
    this.ruleNumbers = ruleNumbers;
  }
}
