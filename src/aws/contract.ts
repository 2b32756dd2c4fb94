/**
 * The contract between the components and the responder handlers (src/runtime/aws): where each
 * responder's prebuilt code is, and the environment variables every function is deployed with.
 * docs/aws.md describes the same contract for the handlers' side.
 */
import { join } from "node:path";
import type { ResponderKind } from "../plan/responders.js";

/** The package root: `src/aws` and `dist/aws` are both two levels below it. */
const PACKAGE_ROOT = join(__dirname, "..", "..");

/** Where `npm run build` puts the bundled responders: `dist/runtime/aws/<kind>.js`. */
export const DEFAULT_RESPONDER_CODE_DIRECTORY = join(PACKAGE_ROOT, "dist", "runtime", "aws");

/**
 * The bundled handler of a responder kind (esbuild output exporting `handler`).
 *
 * @example
 * ```ts
 * responderCodePath("scale"); // "<package>/dist/runtime/aws/scale.js"
 * ```
 */
export function responderCodePath(kind: ResponderKind, directory = DEFAULT_RESPONDER_CODE_DIRECTORY): string {
  return join(directory, `${kind}.js`);
}

/** The tag key every fleet instance carries; IAM conditions and the responders use it. */
export const FLEET_TAG_KEY = "persona:fleet";

/**
 * The CloudWatch namespace of the responders' own metrics (decisions, skips, failures).
 * @internal
 */
export const RESPONDER_METRICS_NAMESPACE = "Personas/Responders";

/**
 * Environment variable names, set on every responder function.
 * @internal
 */
export const RESPONDER_ENV = {
  /** The fleet store bucket: manifest entries and the membership record (`FLEET_STORE_KEYS`). */
  fleetBucket: "FLEET_BUCKET",
  /** DynamoDB table for locks, cooldowns, idempotency and audit (`pk`/`sk` strings, `expiresAt` TTL). */
  stateTable: "STATE_TABLE",
  /** The fleet name (the value of the fleet tag). */
  fleetName: "FLEET_NAME",
  /** The deploying stack's name: with the fleet, the scope of every name (src/plan/names.ts). */
  stackName: "STACK_NAME",
  /** `persona:fleet`. */
  fleetTagKey: "FLEET_TAG_KEY",
  /** `Personas/Responders`. */
  metricsNamespace: "METRICS_NAMESPACE",
  /** The function's own kind, e.g. `scale`. */
  responderKind: "RESPONDER_KIND",
} as const;

/**
 * Environment variables only some kinds receive (JSON values are documented in docs/aws.md).
 * @internal
 */
export const KIND_ENV = {
  /** notify: JSON `{ [channel]: topicArn }`. */
  snsTopics: "SNS_TOPICS",
  /** feature: the SSM document that runs a feature's activate/deactivate script. */
  featureDocument: "FEATURE_DOCUMENT",
  /** feature: the SSM parameter path under which feature state is kept, `/personas/<fleet>/<stack>/features`. */
  featureParameterPrefix: "FEATURE_PARAMETER_PREFIX",
  /** run-command: the SSM document used for commands (`AWS-RunShellScript`). */
  runCommandDocument: "RUN_COMMAND_DOCUMENT",
  /** value-feed: JSON `{ [kind]: functionName }` of the fleet's responders it dispatches to. */
  responderFunctions: "RESPONDER_FUNCTIONS",
  /** scale: the ARN of the fleet's resize state machine, whose executions do the stop / modify / start. */
  resizeStateMachineArn: "RESIZE_STATE_MACHINE_ARN",
  /** scale: the resize workflow's TimeoutSeconds, how long the lock on an instance lasts at most. */
  resizeTimeoutSeconds: "RESIZE_TIMEOUT_SECONDS",
  /** traffic: JSON `{ targetGroupArns: [...], targets: { [name]: { hostedZoneId, recordName, recordType, setIdentifier, weight } } }`. */
  trafficConfig: "TRAFFIC_CONFIG",
  /** isolate: JSON `{ quarantineGroupId, notifyTopicArn? }`. */
  isolationConfig: "ISOLATION_CONFIG",
} as const;

/**
 * The event an EventBridge Scheduler schedule sends to a feed responder.
 * @internal
 */
export interface FeedScheduleEvent {
  source: "personas.feed";
  fleet: string;
  feedId: string;
}
