import { existsSync } from "node:fs";
import type * as cloudwatch from "@pulumi/aws/cloudwatch";
import type * as dynamodb from "@pulumi/aws/dynamodb";
import type * as ec2 from "@pulumi/aws/ec2";
import type * as iam from "@pulumi/aws/iam";
import type * as lambda from "@pulumi/aws/lambda";
import type * as s3 from "@pulumi/aws/s3";
import type * as scheduler from "@pulumi/aws/scheduler";
import type * as wafv2 from "@pulumi/aws/wafv2";
import * as pulumi from "@pulumi/pulumi";
import type { FleetPlan } from "../plan/plan.js";
import type { ResponderKind } from "../plan/responders.js";
import { withoutPromiseStacks } from "../registration.js";
import { DEFAULT_RESPONDER_CODE_DIRECTORY, FLEET_TAG_KEY } from "./contract.js";
import { InvalidArgumentsError, ResponderCodeMissingError } from "./errors.js";
import {
  type Baseline,
  type FleetMember,
  type MemberComponentArgs,
  planMembers,
  renderMembers,
} from "./members.js";
import {
  type FleetOrchestratorSettings,
  type OrchestratorResources,
  type OrchestratorSettings,
  renderOrchestrator,
} from "./orchestrator.js";
import { responderCodeCheckEnabled } from "./render.js";

/** Arguments of {@link PersonaFleet}. */
export interface PersonaFleetArgs extends MemberComponentArgs {
  /** The fleet's instances; each gets its persona from `persona`, the resolver or `defaultPersona`. */
  instances: readonly FleetMember[];
  /**
   * How persona alarms are deployed (src/plan/topology.ts). `fleet-wide`: one CloudWatch Metrics
   * Insights alarm per persona × alarm wherever the metric and window allow, so the fleet's alarms do
   * not grow with its instances; the rest (sub-minute periods, windows over 3 hours, past the quota
   * of 200 such alarms) stay one per instance, and `personas plan` says which and why.
   * `per-instance`: one alarm per instance × alarm, as before fleet-wide alarms were the default.
   * PersonaInstance and PersonaAttachment are always per instance.
   * @default "fleet-wide"
   * @example "per-instance"
   */
  alarmTopology?: "fleet-wide" | "per-instance";
  /**
   * The run-time orchestrator (docs/orchestrator.md): deployed whenever `bucket`, the repository the
   * fleet's personas are published to, is given; `enabled: false` turns it off. The install script
   * uses the fleet's `os` and `agent` unless set here.
   * @default no orchestrator
   * @example { bucket: "acme-personas", tagKeys: ["role", "tier"] }
   */
  orchestrator?: FleetOrchestratorSettings;
}

/**
 * A fleet of EC2 instances driven by personas: one instance per member with the planned type, the
 * persona's software in its user data; one CloudWatch Metrics Insights alarm per persona × trigger
 * where the metric and window allow (else one alarm per instance × trigger); and, once per fleet, one
 * Lambda responder per action kind, their permissions, logs and failure queue, the state table, the
 * manifest, the feed schedules, WAF IP sets and the instance profile. Given `orchestrator.bucket`,
 * also the run-time orchestrator, which applies the persona the tags resolve to between deployments.
 *
 * Pulumi owns the baseline; responders own the instance type and the `persona:active` tag, which
 * `pulumi up` ignores (see `baseline` for what was deployed).
 *
 * @example
 * ```ts
 * const web = new PersonaFleet("web", {
 *   ami: "ami-0abcdef1234567890",
 *   os: "amazon-linux",
 *   architecture: "arm64",
 *   defaultPersona: { persona: highTraffic, ref: { name: "HighTraffic", version: "1.0.0", digest } },
 *   instances: [{ name: "web-1" }, { name: "web-2" }],
 *   firewall: { webAclArn: acl.arn },
 * });
 * ```
 */
export class PersonaFleet extends pulumi.ComponentResource {
  /** The fleet name (`persona:fleet` tag value). */
  readonly fleetName: string;
  /** The plan this fleet renders. */
  readonly plan: FleetPlan;
  /** Instances by member name. */
  readonly instances: Record<string, ec2.Instance>;
  /** Per-instance alarms by member name, in plan order (those the plan does not make fleet-wide). */
  readonly alarms: Record<string, cloudwatch.MetricAlarm[]>;
  /** Fleet-wide Metrics Insights alarms: one per persona × alarm the plan makes fleet-wide. */
  readonly fleetAlarms: cloudwatch.MetricAlarm[];
  /** What `pulumi up` deployed, by member name. */
  readonly baseline: Record<string, Baseline>;
  /** One function per responder kind the fleet's personas need. */
  readonly responders: Partial<Record<ResponderKind, lambda.Function>>;
  /** Responder state: locks, cooldowns, idempotency, audit. */
  readonly stateTable: dynamodb.Table;
  /** The fleet store: the manifest the responders read and the membership record (src/aws/store.ts). */
  readonly fleetBucket: s3.Bucket;
  /** The instance profile every instance uses. */
  readonly instanceProfile: iam.InstanceProfile;
  /** One schedule per feed. */
  readonly schedules: scheduler.Schedule[];
  /** WAF IP sets (IPv4 and IPv6 per list feed) when a web ACL is given. */
  readonly ipSets: wafv2.IpSet[];
  /** The run-time orchestrator, when the fleet deploys one (see `orchestrator`). */
  readonly orchestrator: OrchestratorResources | undefined;

  constructor(name: string, args: PersonaFleetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("personas:aws:PersonaFleet", name, {}, opts);
    const context = { component: "PersonaFleet", name };
    const fleetName = args.fleetName ?? name;
    const orchestrator = orchestratorSettings(context, args);
    const planned = planMembers(context, fleetName, args.instances, {
      ...args,
      alarmTopology: args.alarmTopology ?? "fleet-wide",
    });
    // The fleet's per-member resources are what grows with it: register them without stack capture.
    const rendered = withoutPromiseStacks(() =>
      renderMembers(this, name, context, args.instances, args, planned),
    );
    this.fleetName = fleetName;
    this.plan = rendered.plan;
    this.instances = rendered.instances;
    this.alarms = rendered.alarms;
    this.fleetAlarms = rendered.fleetAlarms;
    this.baseline = rendered.baseline;
    this.responders = rendered.fleet.responders;
    this.stateTable = rendered.fleet.stateTable;
    this.fleetBucket = rendered.fleet.store.bucket;
    this.instanceProfile = rendered.instanceProfile;
    this.schedules = rendered.fleet.schedules;
    this.ipSets = rendered.fleet.ipSets;
    this.orchestrator =
      orchestrator &&
      renderOrchestrator(
        this,
        name,
        rendered.fleet,
        { operatingSystem: args.os ?? "amazon-linux", agent: rendered.agent, ...orchestrator },
        // The fleet tag, as on every fleet-level resource: the policy pack finds the fleet's resources by it.
        { ...args.tags, [FLEET_TAG_KEY]: fleetName },
      );
    this.registerOutputs({
      fleetName,
      stateTableName: this.stateTable.name,
      fleetBucketName: this.fleetBucket.id,
      responderArns: rendered.fleet.responderArns,
      ...(this.orchestrator ? { orchestratorArn: this.orchestrator.function.arn } : {}),
    });
  }
}

/** The orchestrator's settings when the fleet deploys one; asking for it without a bucket is an error. */
function orchestratorSettings(
  context: { component: string; name: string },
  args: PersonaFleetArgs,
): OrchestratorSettings | undefined {
  const settings = args.orchestrator;
  if (settings === undefined || settings.enabled === false) return undefined;
  const { bucket, ...rest } = settings;
  if (bucket === undefined)
    throw new InvalidArgumentsError(
      context,
      "the orchestrator resolves personas from the repository bucket, and orchestrator.bucket is not given",
      'pass orchestrator.bucket (the bucket `personas publish` writes to, e.g. "acme-personas"), or orchestrator.enabled: false',
    );
  // Bundled beside the responders; a missing bundle stops the preview as theirs does (see setResponderCodeCheck).
  const codeDirectory =
    settings.codeDirectory ?? args.responders?.codeDirectory ?? DEFAULT_RESPONDER_CODE_DIRECTORY;
  const code = `${codeDirectory}/orchestrator.js`;
  if (responderCodeCheckEnabled() && !existsSync(code)) throw new ResponderCodeMissingError(context, code);
  return { ...rest, bucket, codeDirectory };
}
