import type * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import type * as lambda from "@pulumi/aws/lambda";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PROBE_TARGETS } from "../plan/defaults.js";
import { type FleetPlan, type PlanInput, planPersona } from "../plan/plan.js";
import type { ResponderKind } from "../plan/responders.js";
import { type AgentOptions, type OperatingSystem, renderUserData } from "../plan/user-data.js";
import { readAgentBundle, renderAgentArtifact } from "./agent-artifact.js";
import { FLEET_TAG_KEY } from "./contract.js";
import { InvalidArgumentsError } from "./errors.js";
import { type AgentArgs, type FleetMember, planMembers, warnUnavailableSoftware } from "./members.js";
import { type FleetOptions, type PersonaShared, renderAlarms, renderFleet, sharedOf } from "./render.js";
import type { PersonaResolver, PersonaSpec } from "./resolution.js";
import { renderMembership } from "./store.js";

/** An instance this stack does not create, given by id. */
export interface AttachedInstance {
  /** Key unique in the attachment; names the instance's alarms. */
  name: string;
  /** The EC2 instance id. */
  instanceId: pulumi.Input<string>;
  /** The instance's tags, for resolution. @default {} */
  tags?: Record<string, string>;
  /** The persona, when not resolved from the tags. */
  persona?: PersonaSpec;
}

/** Arguments of {@link PersonaAttachment}. Only one of `instances` and `instanceTags` can be specified. */
export interface PersonaAttachmentArgs extends FleetOptions {
  /** The fleet name (`persona:fleet` tag value, middle of physical names). @default the component's name */
  fleetName?: string;
  /** Existing instances by id. */
  instances?: readonly AttachedInstance[];
  /**
   * A tag query run at preview time (`ec2.getInstances`): every instance carrying all these tags.
   * Every instance found gets the persona these tags resolve to.
   */
  instanceTags?: Record<string, string>;
  /** Instance states the query matches. @default ["pending", "running", "stopping", "stopped"] */
  instanceStates?: string[];
  /** Resolves tags to a persona. */
  resolve?: PersonaResolver;
  /** The persona of instances that name none and that the resolver does not match. */
  defaultPersona?: PersonaSpec;
  /**
   * Tag each instance with `persona:fleet` (an `ec2.Tag` per instance), which the responders' IAM
   * conditions require. Turn off only when the instances already carry the tag.
   * @default true
   */
  tagInstances?: boolean;
  /** Operating system for the `userData` output. @default "amazon-linux" */
  os?: OperatingSystem;
  /** Personas agent settings for the `userData` output. @default defaults of each field */
  agent?: AgentArgs;
}

/**
 * Deploys personas onto instances this stack does not create: their alarms, the fleet's responders,
 * schedules and features, without taking the instances over. Instances are given by id or found by
 * a tag query at preview time. Software and agents are not installed on them; `userData` holds, per
 * persona, the script that would (run it with SSM or your own image pipeline).
 *
 * @example
 * ```ts
 * const legacy = new PersonaAttachment("legacy-web", {
 *   instanceTags: { role: "web", env: "prod" },
 *   defaultPersona: { persona: highTraffic, ref: { name: "HighTraffic", version: "1.0.0", digest } },
 *   firewall: { webAclArn: acl.arn },
 * });
 * ```
 */
export class PersonaAttachment extends pulumi.ComponentResource {
  /** The fleet name. */
  readonly fleetName: string;
  /** The plan of the fleet (for a tag query: of the persona the query's tags resolve to). */
  readonly plan: FleetPlan;
  /** One function per responder kind. */
  readonly responders: Partial<Record<ResponderKind, lambda.Function>>;
  /** Alarms by instance key (instance id for a tag query), known once the query has run. */
  readonly alarms: pulumi.Output<Record<string, cloudwatch.MetricAlarm[]>>;
  /**
   * User data per persona name, for installing software and agents yourself. When a persona needs
   * the personas agent, the script fetches it from this attachment's bucket (`agentObjectArn`):
   * grant your instances' role `s3:GetObject` on that object.
   */
  readonly userData: pulumi.Output<Record<string, string>>;
  /** The ARN of the uploaded agent object, when a persona needs the personas agent. */
  readonly agentObjectArn?: pulumi.Output<string>;

  constructor(name: string, args: PersonaAttachmentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("personas:aws:PersonaAttachment", name, {}, opts);
    const context = { component: "PersonaAttachment", name };
    const fleetName = args.fleetName ?? name;
    if ((args.instances === undefined) === (args.instanceTags === undefined))
      throw new InvalidArgumentsError(
        context,
        "Exactly one of [instances] and [instanceTags] must be specified",
        "give instances by id (`instances`) or a tag query (`instanceTags`)",
      );
    const sources = {
      ...(args.resolve ? { resolve: args.resolve } : {}),
      ...(args.defaultPersona ? { defaultPersona: args.defaultPersona } : {}),
      ...(args.firewall ? { firewall: args.firewall } : {}),
      ...(args.notifications ? { notifications: args.notifications } : {}),
      ...(args.traffic ? { traffic: args.traffic } : {}),
      ...(args.isolation ? { isolation: args.isolation } : {}),
      ...(args.agent ? { agent: args.agent } : {}),
      // Attached instances keep their own alarms (sharedOf renders each alarm per instance); planned
      // fleet-wide, the manifest would tell the orchestrator a fleet rule covers them.
      alarmTopology: "per-instance" as const,
    };
    // A tag query plans with one representative member: every instance found shares its tags.
    const members: FleetMember[] = args.instances
      ? args.instances.map((i) => ({
          name: i.name,
          ...(i.tags ? { tags: i.tags } : {}),
          ...(i.persona ? { persona: i.persona } : {}),
        }))
      : [{ name: "tag-query", tags: args.instanceTags! }];
    const label = args.instances
      ? (key: string) => key
      : () => `tag query ${JSON.stringify(args.instanceTags)}`;
    const planned = planMembers(context, fleetName, members, sources, label);
    const fleet = renderFleet(this, name, context, planned.plan, args);
    const tagInstances = args.tagInstances ?? true;
    const shared = new Map<object, PersonaShared>();
    const sharedFor = (input: PlanInput): PersonaShared => {
      const plan = planPersona(input);
      let entry = shared.get(plan);
      if (!entry) {
        entry = sharedOf(plan, fleet, args.tags ?? {});
        shared.set(plan, entry);
      }
      return entry;
    };
    const memberRows: pulumi.Output<[string, string, string]>[] = [];
    const attach = (key: string, instanceId: pulumi.Input<string>, input: PlanInput) => {
      memberRows.push(pulumi.all([instanceId, key, planPersona(input).persona.digest]));
      if (tagInstances)
        new ec2.Tag(
          `${name}-${key}-fleet-tag`,
          { resourceId: instanceId, key: FLEET_TAG_KEY, value: fleetName },
          { parent: this },
        );
      return renderAlarms(this, name, fleet.scope, key, instanceId, sharedFor(input), args.tags);
    };
    if (args.instances) {
      const alarms: Record<string, cloudwatch.MetricAlarm[]> = {};
      args.instances.forEach((instance, i) => {
        alarms[instance.name] = attach(instance.name, instance.instanceId, planned.resolved[i]!.resolved);
      });
      this.alarms = pulumi.output(alarms);
      // The instances given by id are the members (docs/security.md): the membership record lists them.
      renderMembership(this, name, fleetName, fleet.store, membersOf(memberRows), args.tags ?? {});
    } else {
      const input = planned.resolved[0]!.resolved;
      const found = ec2.getInstancesOutput(
        {
          instanceTags: args.instanceTags!,
          instanceStateNames: args.instanceStates ?? ["pending", "running", "stopping", "stopped"],
        },
        { parent: this },
      );
      // The query's result decides how many alarms exist; it is known at preview time.
      this.alarms = found.ids.apply((ids) =>
        Object.fromEntries([...ids].sort().map((id) => [id, attach(id, id, input)])),
      );
      // The query's result at deployment is the membership: an instance tagged later is not a member
      // until the next `pulumi up` runs the query again.
      const digest = planPersona(input).persona.digest;
      renderMembership(
        this,
        name,
        fleetName,
        fleet.store,
        found.ids.apply((ids) => Object.fromEntries(ids.map((id) => [id, { key: id, digest }]))),
        args.tags ?? {},
      );
    }
    this.fleetName = fleetName;
    this.plan = planned.plan;
    this.responders = fleet.responders;
    const os = args.os ?? "amazon-linux";
    warnUnavailableSoftware(this, planned.plan.personas, os);
    const agent: AgentOptions = {
      probeTargets: args.agent?.probeTargets ?? DEFAULT_PROBE_TARGETS.map((t) => ({ ...t })),
      ...(args.agent?.logFiles ? { logFiles: args.agent.logFiles } : {}),
      ...(args.agent?.nodePath ? { nodePath: args.agent.nodePath } : {}),
    };
    const needsAgent = planned.plan.personas.some((p) => p.telemetry.personasAgent.length > 0);
    let options: pulumi.Output<AgentOptions> = pulumi.output(agent);
    if (needsAgent) {
      const bundle = readAgentBundle(context, args.agent?.bundle);
      const artifact = renderAgentArtifact(this, name, fleetName, undefined, bundle, args.tags ?? {});
      options = artifact.source.apply((source) => ({ ...agent, source }));
      this.agentObjectArn = artifact.object.arn;
    }
    this.userData = options.apply((resolved) =>
      Object.fromEntries(
        planned.plan.personas.map((p) => [p.persona.name, renderUserData(p, { os, agent: resolved })]),
      ),
    );
    this.registerOutputs({
      fleetName,
      alarmNames: this.alarms.apply((byKey) => Object.keys(byKey)),
      responderArns: fleet.responderArns,
    });
  }
}

/** The membership record's rows (instance id, member key, digest) as a map by instance id. */
function membersOf(rows: pulumi.Output<[string, string, string]>[]) {
  return pulumi
    .all(rows)
    .apply((all) => Object.fromEntries(all.map(([id, key, digest]) => [id, { key, digest }])));
}
