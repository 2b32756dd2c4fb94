import type * as cloudwatch from "@pulumi/aws/cloudwatch";
import type * as ec2 from "@pulumi/aws/ec2";
import type * as lambda from "@pulumi/aws/lambda";
import * as pulumi from "@pulumi/pulumi";
import type { PersonaPlan } from "../plan/plan.js";
import type { ResponderKind } from "../plan/responders.js";
import { withoutPromiseStacks } from "../registration.js";
import {
  type Baseline,
  type InstanceSettings,
  type MemberComponentArgs,
  planMembers,
  renderMembers,
} from "./members.js";
import type { PersonaSpec } from "./resolution.js";

/** Arguments of {@link PersonaInstance}. */
export interface PersonaInstanceArgs extends MemberComponentArgs {
  /** The instance's tags: resolution reads them and the instance carries them. @default {} */
  tags?: Record<string, string>;
  /** The persona, when not resolved from the tags. */
  persona?: PersonaSpec;
  /** EC2 settings for the instance. @default {} */
  settings?: InstanceSettings;
}

/** The key of the single instance inside a PersonaInstance: names its resources (`<name>-vm`). */
const MEMBER = "vm";

/**
 * One EC2 instance driven by a persona, with its own responders: a fleet of one. For more than a few
 * instances use {@link PersonaFleet}, which shares responders, the state table and the instance
 * profile across every instance.
 *
 * @example
 * ```ts
 * const bastion = new PersonaInstance("bastion", {
 *   ami: "ami-0abcdef1234567890",
 *   persona: { persona: lockedDown, ref: { name: "LockedDown", version: "1.0.0", digest } },
 * });
 * ```
 */
export class PersonaInstance extends pulumi.ComponentResource {
  /** The instance. */
  readonly instance: ec2.Instance;
  /** One alarm per planned alarm. */
  readonly alarms: cloudwatch.MetricAlarm[];
  /** The persona plan it renders. */
  readonly plan: PersonaPlan;
  /** What `pulumi up` deployed (responders may change the type later). */
  readonly baseline: Baseline;
  /** One function per responder kind the persona needs. */
  readonly responders: Partial<Record<ResponderKind, lambda.Function>>;

  constructor(name: string, args: PersonaInstanceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("personas:aws:PersonaInstance", name, {}, opts);
    const context = { component: "PersonaInstance", name };
    const member = {
      name: MEMBER,
      ...(args.tags ? { tags: args.tags } : {}),
      ...(args.persona ? { persona: args.persona } : {}),
      ...(args.settings ? { settings: args.settings } : {}),
    };
    // A fleet of one: a fleet-wide rule would only add a query over the account's other instances.
    const planned = planMembers(
      context,
      args.fleetName ?? name,
      [member],
      { ...args, alarmTopology: "per-instance" },
      () => name,
    );
    const rendered = withoutPromiseStacks(() =>
      renderMembers(this, name, context, [member], args, planned, () => name),
    );
    this.instance = rendered.instances[MEMBER]!;
    this.alarms = rendered.alarms[MEMBER]!;
    this.plan = rendered.plan.instances[0]!.plan;
    this.baseline = rendered.baseline[MEMBER]!;
    this.responders = rendered.fleet.responders;
    this.registerOutputs({ instanceId: this.instance.id, instanceType: this.baseline.instanceType });
  }
}
