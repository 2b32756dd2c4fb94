/**
 * Errors of the Azure runtime. Each says which VM, alert or setting it concerns and what to do next;
 * wrapped Azure errors are kept as `cause`.
 */
import { PersonasError } from "../../errors.js";

/** The base of every error the Azure runtime throws. */
export class AzureRuntimeError extends PersonasError {}

/** Thrown at the first invocation when an app setting is missing or malformed. */
export class AzureConfigError extends AzureRuntimeError {
  /** The app setting at fault. */
  readonly setting: string;
  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super("AZURE_CONFIG", message, options);
    this.setting = setting;
  }
}

/** Thrown when ARM answers with an error (after throttling retries); `status` and `armCode` are ARM's. */
export class ArmRequestError extends AzureRuntimeError {
  readonly status: number;
  /** ARM's `error.code`, e.g. `OperationNotAllowed`, `Conflict`, `TooManyRequests`. */
  readonly armCode: string;
  constructor(status: number, armCode: string, message: string, options?: { cause?: unknown }) {
    super("AZURE_ARM_REQUEST", message, options);
    this.status = status;
    this.armCode = armCode;
  }
}

/** Thrown when a long-running ARM operation ends `Failed` or `Canceled`, or outlives its poll budget. */
export class ArmOperationError extends AzureRuntimeError {
  readonly armCode: string;
  constructor(armCode: string, message: string) {
    super("AZURE_ARM_OPERATION", message);
    this.armCode = armCode;
  }
}

/** Thrown when an alert call is not a valid common-alert-schema payload; the intake answers 400. */
export class AlertRejectedError extends AzureRuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("AZURE_ALERT_REJECTED", message, options);
  }
}

/**
 * Thrown when an alert's VM is not a member, or the alert is not the one the stack made for it
 * (name, fleet, digest); nothing is done and the call is not retried.
 */
export class ProvenanceRefusedError extends AzureRuntimeError {
  readonly reason: "not-member" | "alert-name" | "alert-properties" | "digest" | "alert-rule";
  readonly vmId: string;
  constructor(reason: ProvenanceRefusedError["reason"], vmId: string, message: string) {
    super("AZURE_PROVENANCE_REFUSED", message);
    this.reason = reason;
    this.vmId = vmId;
  }
}

/** Thrown when the manifest or membership record cannot be read or does not know a persona or alert. */
export class ManifestError extends AzureRuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("AZURE_MANIFEST", message, options);
  }
}

/** Thrown when the state table refuses a write for a reason other than a lost race, or races too often. */
export class StateStoreError extends AzureRuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("AZURE_STATE", message, options);
  }
}

/**
 * Thrown when an action failed. `recovered` says whether the VM was put back as it was (running
 * with its original size, for a resize); when false, the message says what to do by hand.
 */
export class ActionFailedError extends AzureRuntimeError {
  readonly recovered: boolean;
  constructor(message: string, recovered: boolean, options?: { cause?: unknown }) {
    super("AZURE_ACTION_FAILED", message, options);
    this.recovered = recovered;
  }
}
