/**
 * What PersonaFleet and PersonaInstance share: resolve each member's persona, plan the fleet,
 * check the arguments, then render fleet-level resources once and each member's instance and alarms.
 */

import type * as cloudwatch from "@pulumi/aws/cloudwatch";
import type * as ec2 from "@pulumi/aws/ec2";
import type * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PROBE_TARGETS, NETWORK_ACL_MAX_ENTRIES } from "../plan/defaults.js";
import { PlanError } from "../plan/errors.js";
import { fleetNameProblem } from "../plan/names.js";
import { type FleetPlan, type PersonaPlan, type PlanInput, planFleet, planPersona } from "../plan/plan.js";
import { agentMetricsOf, architectureOfSize } from "../plan/render.js";
import {
  type AgentOptions,
  type OperatingSystem,
  renderUserData,
  unavailableSoftware,
} from "../plan/user-data.js";
import { type AgentBundle, readAgentBundle, renderAgentArtifact } from "./agent-artifact.js";
import { type ComponentErrorContext, InvalidArgumentsError, MissingTargetError } from "./errors.js";
import {
  checkFleetOptions,
  type FleetOptions,
  type FleetResources,
  type PersonaShared,
  renderAlarms,
  renderFleet,
  renderFleetAlarms,
  renderInstance,
  renderInstanceProfile,
  sharedOf,
} from "./render.js";
import { type PersonaResolver, type PersonaSpec, personaFor } from "./resolution.js";
import { renderMembership } from "./store.js";

/** EC2 settings the components pass through to every instance. */
export type InstanceSettings = Omit<
  ec2.InstanceArgs,
  "ami" | "instanceType" | "userData" | "tags" | "iamInstanceProfile"
>;

/** One AMI per processor architecture; a fleet may mix Graviton (arm64) and x86_64 sizes. */
export interface AmiByArchitecture {
  /** The image for arm64 (Graviton) sizes. */
  arm64?: pulumi.Input<string>;
  /** The image for x86_64 sizes. */
  x86_64?: pulumi.Input<string>;
}

/** True when `ami` gives one image per architecture. */
function isAmiByArchitecture(ami: MemberComponentArgs["ami"]): ami is AmiByArchitecture {
  return typeof ami === "object" && ami !== null && !pulumi.Output.isInstance(ami) && !("then" in ami);
}

/**
 * The AMI for a size, from one image or one per architecture.
 * @throws {InvalidArgumentsError} when the size's architecture has no image, or differs from the
 * fleet's declared `architecture`.
 * @internal
 */
export function amiFor(
  context: ComponentErrorContext,
  ami: MemberComponentArgs["ami"],
  declared: MemberComponentArgs["architecture"],
  persona: string,
  size: string,
): pulumi.Input<string> {
  const architecture = architectureOfSize(size);
  if (isAmiByArchitecture(ami)) {
    const given = Object.keys(ami).filter((k) => ami[k as keyof AmiByArchitecture] !== undefined);
    if (architecture === undefined) {
      if (given.length === 1) return ami[given[0] as keyof AmiByArchitecture]!;
      throw new InvalidArgumentsError(
        context,
        `persona ${persona} is sized ${size}, which the size catalog does not list, so its architecture (and AMI) is unknown`,
        "give one AMI, or a size from the catalog",
      );
    }
    const image = ami[architecture];
    if (image === undefined)
      throw new InvalidArgumentsError(
        context,
        `persona ${persona} is sized ${size} (${architecture}), and \`ami\` has no ${architecture} image (it has ${given.join(", ") || "none"})`,
        `add ami.${architecture}, or give the persona a ${given.join(" or ")} size (BaseConfiguration Family or Architecture)`,
      );
    return image;
  }
  if (declared !== undefined && architecture !== undefined && architecture !== declared)
    throw new InvalidArgumentsError(
      context,
      `persona ${persona} is sized ${size} (${architecture}), and the fleet's AMI is ${declared} (\`architecture\`): the instance could not boot it`,
      `give one AMI per architecture (ami: { ${declared}: ..., ${architecture}: ... }), or a ${declared} size for the persona`,
    );
  return ami;
}

/** The personas agent, for personas that need metrics no AWS agent provides. */
export interface AgentArgs {
  /**
   * The bundled agent file (`bundleAgent` output) the stack uploads to its own bucket; instances
   * fetch it from there and check its SHA-256 before running it.
   * @default this package's `dist/agent/personas-agent.cjs`
   */
  bundle?: string;
  /** What latency probes measure. @default DEFAULT_PROBE_TARGETS (http://127.0.0.1/) */
  probeTargets?: AgentOptions["probeTargets"];
  /** Log files for error-rate and request-count metrics; required when a persona needs them. */
  logFiles?: AgentOptions["logFiles"];
  /** The node binary on the instance. @default "/usr/bin/node" */
  nodePath?: string;
}

/** Arguments every instance-creating component shares. */
export interface MemberComponentArgs extends FleetOptions {
  /**
   * The fleet name: the `persona:fleet` tag value and the middle of every physical name.
   * @default the component's name
   */
  fleetName?: string;
  /**
   * The AMI instances boot: one image, or one per architecture. A persona whose size needs an
   * architecture the AMIs do not cover is a plan-time error (an x86_64 type cannot boot an arm64
   * image). With one image, give `architecture` so the check can be made.
   * @example { arm64: "ami-0aaa...", x86_64: "ami-0bbb..." }
   */
  ami: pulumi.Input<string> | AmiByArchitecture;
  /** The AMI's operating system, which chooses apt or dnf. @default "amazon-linux" */
  os?: OperatingSystem;
  /** Constrains size selection when a persona names no architecture (match it to the AMI). @default any */
  architecture?: "x86_64" | "arm64";
  /** EC2 settings for every instance (subnet, security groups, key pair, volumes, ...). @default {} */
  instanceSettings?: InstanceSettings;
  /** Resolves instance tags to a persona (see `resolveWith`). */
  resolve?: PersonaResolver;
  /** The persona of instances that name none and that the resolver does not match. */
  defaultPersona?: PersonaSpec;
  /** The personas agent settings. @default defaults of each field */
  agent?: AgentArgs;
}

/** One member of a fleet. */
export interface FleetMember {
  /** Key unique in the fleet; names the instance's resources (`<component>-<key>`). */
  name: string;
  /** The instance's tags: resolution reads them and the instance carries them. @default {} */
  tags?: Record<string, string>;
  /** The persona, when not resolved from the tags. */
  persona?: PersonaSpec;
  /** EC2 settings for this instance only, over `instanceSettings`. */
  settings?: InstanceSettings;
}

/** Everything the components render. */
export interface RenderedMembers {
  plan: FleetPlan;
  fleet: FleetResources;
  instanceProfile: iam.InstanceProfile;
  instances: Record<string, ec2.Instance>;
  alarms: Record<string, cloudwatch.MetricAlarm[]>;
  /** The fleet-wide (Metrics Insights) alarms, one per persona × alarm the plan makes fleet-wide. */
  fleetAlarms: cloudwatch.MetricAlarm[];
  baseline: Record<string, Baseline>;
  /** The personas agent options the user data was rendered with (the orchestrator's install script uses the same). */
  agent: pulumi.Output<AgentOptions>;
  /** The bundled agent shipped with the stack, when a persona needs it. */
  agentBundle?: AgentBundle;
}

/** What `pulumi up` deploys for an instance; responders may change type and active persona later. */
export interface Baseline {
  instanceType: string;
  persona: string;
  version: string;
  digest: string;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** What planning reads from a component's arguments. */
export type PlanningArgs = Pick<
  MemberComponentArgs,
  | "resolve"
  | "defaultPersona"
  | "architecture"
  | "firewall"
  | "notifications"
  | "agent"
  | "traffic"
  | "isolation"
> & {
  ami?: MemberComponentArgs["ami"];
  /** Each component decides: PersonaFleet's `alarmTopology`, per instance for PersonaInstance and PersonaAttachment. */
  alarmTopology: "fleet-wide" | "per-instance";
};

/**
 * Resolves and plans members; throws component errors naming the instance and the fix.
 * @internal
 */
export function planMembers(
  context: ComponentErrorContext,
  fleet: string,
  members: readonly FleetMember[],
  args: PlanningArgs,
  label: (key: string) => string = (key) => key,
): { plan: FleetPlan; resolved: { key: string; resolved: PlanInput }[] } {
  const nameProblem = fleetNameProblem(fleet);
  if (nameProblem !== undefined)
    throw new InvalidArgumentsError(
      context,
      nameProblem,
      "pass `fleetName` (the component's name is the fleet name when it is not given)",
    );
  const seen = new Set<string>();
  for (const member of members) {
    if (!KEY.test(member.name))
      throw new InvalidArgumentsError(
        { ...context, instance: label(member.name) },
        "the instance name must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit",
        "rename the instance",
      );
    if (seen.has(member.name))
      throw new InvalidArgumentsError(
        { ...context, instance: label(member.name) },
        "two instances have this name",
        "give every instance of the fleet its own name",
      );
    seen.add(member.name);
  }
  const resolved = members.map((member) => ({
    key: member.name,
    resolved: personaFor(
      { ...context, instance: label(member.name) },
      { name: label(member.name), tags: member.tags ?? {} },
      {
        ...(member.persona ? { persona: member.persona } : {}),
        ...(args.resolve ? { resolve: args.resolve } : {}),
        ...(args.defaultPersona ? { defaultPersona: args.defaultPersona } : {}),
        ...(args.architecture ? { architecture: args.architecture } : {}),
      },
    ),
  }));
  const firewall = args.firewall ?? {};
  const targets = {
    webAcl: firewall.webAclArn !== undefined,
    networkAcl: firewall.networkAclId !== undefined,
    ...(firewall.lists ? { lists: firewall.lists } : {}),
  };
  checkPersonaNeeds(context, resolved, targets, args.agent, label);
  let plan: FleetPlan;
  try {
    plan = planFleet(fleet, resolved, targets, { alarms: args.alarmTopology });
  } catch (error) {
    if (error instanceof PlanError)
      throw new MissingTargetError(context, error.message, "give the component what the message asks for", {
        cause: error,
      });
    throw error;
  }
  checkFleetOptions(context, plan, args);
  // Every persona's size must boot on an AMI given, before anything registers.
  const ami = args.ami;
  if (ami !== undefined) {
    const checked = new Set<PersonaPlan>();
    for (const { key, plan: personaPlan } of plan.instances) {
      if (checked.has(personaPlan)) continue;
      checked.add(personaPlan);
      amiFor(
        { ...context, instance: label(key) },
        ami,
        args.architecture,
        personaPlan.persona.name,
        personaPlan.compute.size!,
      );
    }
  }
  return { plan, resolved };
}

/** Per distinct persona, the first instance using it: where its needs are reported. */
function checkPersonaNeeds(
  context: ComponentErrorContext,
  resolved: readonly { key: string; resolved: PlanInput }[],
  targets: { webAcl: boolean; networkAcl: boolean },
  agent: AgentArgs | undefined,
  label: (key: string) => string,
): void {
  const checked = new Set<PersonaPlan>();
  for (const { key, resolved: input } of resolved) {
    const plan = planPersona(input);
    if (checked.has(plan)) continue;
    checked.add(plan);
    const where = { ...context, instance: label(key) };
    const listFeed = plan.feeds.find((f) => f.kind === "list");
    if (listFeed && !targets.webAcl && !targets.networkAcl)
      throw new MissingTargetError(
        where,
        `its persona ${plan.persona.name} feed '${listFeed.sourceId}' (${listFeed.url}) updates a firewall list, and the component has no place to enforce it`,
        `pass firewall.webAclArn (a WAF web ACL; lists up to 10,000 CIDRs per IP version) or firewall.networkAclId (a network ACL; lists up to ${NETWORK_ACL_MAX_ENTRIES} entries)`,
      );
    const logMetrics = agentMetricsOf(plan.telemetry).filter((m) => m.signal.startsWith("log."));
    if (logMetrics.length > 0 && (agent?.logFiles ?? []).length === 0)
      throw new MissingTargetError(
        where,
        `its persona ${plan.persona.name} alarms on ${logMetrics.map((m) => m.name).join(", ")}, which the personas agent computes from log files, and no log file is given`,
        'pass agent.logFiles, e.g. [{ name: "nginx", path: "/var/log/nginx/access.log", errorPattern: "\\" 5\\\\d\\\\d " }]',
      );
  }
}

/**
 * Renders the fleet-level resources and every member.
 * @internal
 */
export function renderMembers(
  parent: pulumi.ComponentResource,
  name: string,
  context: ComponentErrorContext,
  membersIn: readonly FleetMember[],
  args: MemberComponentArgs,
  planned: { plan: FleetPlan; resolved: { key: string; resolved: PlanInput }[] },
  nameTag: (key: string) => string = (key) => key,
): RenderedMembers {
  const { plan } = planned;
  const fleetTags = args.tags ?? {};
  const fleet = renderFleet(parent, name, context, plan, args);
  const instanceProfile = renderInstanceProfile(parent, name, fleet.scope, fleetTags);
  const agent: AgentOptions = {
    probeTargets: args.agent?.probeTargets ?? DEFAULT_PROBE_TARGETS.map((t) => ({ ...t })),
  };
  if (args.agent?.logFiles) agent.logFiles = args.agent.logFiles;
  if (args.agent?.nodePath) agent.nodePath = args.agent.nodePath;
  // The agent travels with the stack only when some persona needs it.
  const needsAgent = plan.personas.some((p) => p.telemetry.personasAgent.length > 0);
  const agentBundle = needsAgent ? readAgentBundle(context, args.agent?.bundle) : undefined;
  const agentOptions: pulumi.Output<AgentOptions> = agentBundle
    ? renderAgentArtifact(
        parent,
        name,
        plan.fleet,
        instanceProfile.role.apply((r) => r ?? ""),
        agentBundle,
        fleetTags,
      ).source.apply((source) => ({ ...agent, source }))
    : pulumi.output(agent);
  const os = args.os ?? "amazon-linux";
  warnUnavailableSoftware(parent, plan.personas, os);
  const shared = new Map<
    PersonaPlan,
    { ami: pulumi.Input<string>; shared: PersonaShared; userData: pulumi.Input<string> }
  >();
  const alarmTags = args.tags;
  const instances: Record<string, ec2.Instance> = {};
  const alarms: Record<string, cloudwatch.MetricAlarm[]> = {};
  const baseline: Record<string, Baseline> = {};
  const settings = args.instanceSettings ?? {};
  const members: Record<string, { instanceId: pulumi.Output<string>; digest: string }> = {};
  membersIn.forEach((member, index) => {
    const personaPlan = plan.instances[index]!.plan;
    let entry = shared.get(personaPlan);
    if (!entry) {
      entry = {
        ami: amiFor(
          { ...context, instance: member.name },
          args.ami,
          args.architecture,
          personaPlan.persona.name,
          personaPlan.compute.size!,
        ),
        shared: sharedOf(personaPlan, fleet, fleetTags, plan),
        // Without the personas agent the script is known now; with it, once the agent object exists.
        userData:
          personaPlan.telemetry.personasAgent.length > 0
            ? agentOptions.apply((options) => renderUserData(personaPlan, { os, agent: options }))
            : renderUserData(personaPlan, { os, agent }),
      };
      shared.set(personaPlan, entry);
    }
    const key = member.name;
    const instance = renderInstance(
      parent,
      name,
      key,
      { ami: entry.ami, ...settings, ...member.settings },
      entry.shared,
      entry.userData,
      instanceProfile,
      member.tags,
      nameTag(key),
    );
    instances[key] = instance;
    alarms[key] = renderAlarms(parent, name, fleet.scope, key, instance.id, entry.shared, alarmTags);
    baseline[key] = {
      instanceType: personaPlan.compute.size!,
      persona: personaPlan.persona.name,
      version: personaPlan.persona.version,
      digest: personaPlan.persona.digest,
    };
    members[key] = { instanceId: instance.id, digest: personaPlan.persona.digest };
  });
  // The membership record: these instances, and no other, are the fleet's (docs/security.md).
  renderMembership(
    parent,
    name,
    plan.fleet,
    fleet.store,
    // One output over the instance ids, not one per member: 1,000 members would make 1,000 more.
    pulumi.all(Object.values(members).map((m) => m.instanceId)).apply((ids) => {
      const entries = Object.entries(members);
      return Object.fromEntries(
        ids.map((id, i) => [id, { key: entries[i]![0], digest: entries[i]![1].digest }]),
      );
    }),
    fleetTags,
  );
  return {
    plan,
    fleet,
    instanceProfile,
    instances,
    alarms,
    fleetAlarms: renderFleetAlarms(parent, name, plan, fleet, alarmTags),
    baseline,
    agent: agentOptions,
    ...(agentBundle ? { agentBundle } : {}),
  };
}

/**
 * Warns at preview about packages the fleet's operating system does not have (reported as failed at boot).
 * @internal
 */
export function warnUnavailableSoftware(
  parent: pulumi.Resource,
  plans: readonly PersonaPlan[],
  os: OperatingSystem,
): void {
  for (const plan of plans)
    for (const message of unavailableSoftware(plan, os)) pulumi.log.warn(message, parent);
}
