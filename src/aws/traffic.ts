/**
 * What the traffic and isolate responders may touch, as the fleet declares it: the load-balancer
 * target groups its instances are registered in, the Route 53 weighted records `Redirect traffic to
 * <name>` may weigh, and the quarantine security group `Isolate instance` swaps in (an existing one,
 * or one the fleet creates from the management path it declares). The IAM statements are scoped to
 * exactly these (src/aws/iam.ts); the responders read the same declaration from their environment.
 */
import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";
import type { Action } from "../pdl/actions/index.js";
import type { FleetPlan } from "../plan/plan.js";
import { type ComponentErrorContext, InvalidArgumentsError, MissingTargetError } from "./errors.js";

/** A Route 53 weighted record that takes traffic when an instance is redirected to it. */
export interface RedirectTargetSettings {
  /** The hosted zone holding the record, e.g. `Z0123456789ABCDEFGHIJ`. */
  hostedZoneId: pulumi.Input<string>;
  /** The record's name, e.g. `www.example.com`. */
  recordName: string;
  /** The record's type. */
  recordType: "A" | "AAAA" | "CNAME";
  /** The weighted record's set identifier (one of the records sharing the name and type). */
  setIdentifier: string;
  /** The weight a redirect sets, 0–255 (Route 53 API Reference, ResourceRecordSet `Weight`); a restore puts back the weight it had. */
  weight: number;
}

/**
 * Where `Drain traffic`, `Redirect traffic to <target>` and `Restore traffic` act.
 * @example
 * traffic: { targetGroupArns: [web.arn], targets: { standby: { hostedZoneId: zone.zoneId, recordName: "www.example.com", recordType: "A", setIdentifier: "standby", weight: 100 } } }
 */
export interface TrafficSettings {
  /** The ALB/NLB target groups the fleet's instances are registered in; the responder deregisters from and registers in these only. */
  targetGroupArns: pulumi.Input<string>[];
  /**
   * Named redirect targets, by the name personas use (`Redirect traffic to standby`).
   * @default {} (personas can drain, not redirect to a target)
   */
  targets?: Record<string, RedirectTargetSettings>;
}

/** One rule of the quarantine group: the only traffic an isolated instance keeps. */
export interface ManagementPath {
  /** `ingress` (to the instance) or `egress` (from it). @default "ingress" */
  direction?: "ingress" | "egress";
  /** @default "tcp" */
  protocol?: "tcp" | "udp";
  /** The port, e.g. 22 for SSH or 443 for the Systems Manager endpoints. */
  port: number;
  /** Where from (ingress) or to (egress); never `0.0.0.0/0` or `::/0` for ingress. */
  cidrBlocks: string[];
  /** Why the path exists, e.g. "SSH from the bastion subnet". */
  description: string;
}

/**
 * Where `Isolate instance` puts an instance: an existing quarantine group, or one the fleet creates
 * in `vpcId` allowing only `management` (and nothing else, egress included). Only one of
 * [securityGroupId] and [vpcId] can be specified.
 * @example
 * isolation: { vpcId: vpc.id, management: [{ port: 22, cidrBlocks: ["10.0.0.0/24"], description: "SSH from the bastion subnet" }] }
 */
export interface IsolationSettings {
  /** An existing quarantine security group. */
  securityGroupId?: pulumi.Input<string>;
  /** The VPC of the fleet's instances, in which the fleet creates its quarantine group. */
  vpcId?: pulumi.Input<string>;
  /** The management path the created quarantine group allows. @default [] (nothing at all) */
  management?: ManagementPath[];
  /** An SNS topic told of every isolation and release. @default none (the audit record only) */
  notifyTopicArn?: pulumi.Input<string>;
}

/** Every action the fleet's personas may run, on alarm or on clear. */
function fleetActions(plan: FleetPlan): Action[] {
  return plan.personas.flatMap((persona) => [
    ...persona.responses.flatMap((r) => r.actions),
    ...persona.alarms.flatMap((a) => a.onAlarm.actions),
  ]);
}

/** The redirect targets the fleet's personas name, sorted. */
export function redirectTargetsNamed(plan: FleetPlan): string[] {
  const names = new Set<string>();
  for (const action of fleetActions(plan))
    if (action.kind === "drain-traffic" && action.target !== undefined) names.add(action.target);
  return [...names].sort();
}

/**
 * Checks the traffic and isolation declarations against what the personas do, before anything is
 * registered.
 * @internal
 */
export function checkTrafficOptions(
  context: ComponentErrorContext,
  plan: FleetPlan,
  traffic: TrafficSettings | undefined,
  isolation: IsolationSettings | undefined,
): void {
  if (plan.responders.includes("traffic")) {
    if (traffic === undefined || traffic.targetGroupArns.length === 0)
      throw new MissingTargetError(
        context,
        "its personas drain traffic but `traffic` declares no target groups",
        "pass traffic: { targetGroupArns: [targetGroup.arn] } (the groups the fleet's instances are registered in)",
      );
    const declared = traffic.targets ?? {};
    const unknown = redirectTargetsNamed(plan).filter((t) => declared[t] === undefined);
    if (unknown.length > 0)
      throw new MissingTargetError(
        context,
        `its personas redirect traffic to ${unknown.map((t) => `'${t}'`).join(", ")} but traffic.targets declares ${
          Object.keys(declared).length === 0 ? "no targets" : Object.keys(declared).sort().join(", ")
        }`,
        `declare ${unknown.map((t) => `traffic.targets["${t}"]`).join(", ")} (a Route 53 weighted record each), or correct the persona`,
      );
    for (const [name, target] of Object.entries(declared)) {
      if (!Number.isInteger(target.weight) || target.weight < 0 || target.weight > 255)
        throw new InvalidArgumentsError(
          context,
          `[traffic.targets.${name}.weight] is ${target.weight}; a Route 53 record weight is a whole number from 0 to 255`,
          "give the weight the record takes while traffic is redirected to it",
        );
    }
  }
  if (!plan.responders.includes("isolate")) return;
  if (isolation === undefined || (isolation.securityGroupId === undefined && isolation.vpcId === undefined))
    throw new MissingTargetError(
      context,
      "its personas isolate instances but `isolation` names no quarantine group",
      "pass isolation: { securityGroupId: quarantine.id }, or isolation: { vpcId, management: [...] } to have the fleet create one",
    );
  if (isolation.securityGroupId !== undefined && isolation.vpcId !== undefined)
    throw new InvalidArgumentsError(
      context,
      "Only one of [isolation.securityGroupId] and [isolation.vpcId] can be specified",
      "keep securityGroupId to use your own quarantine group, or vpcId with management to have the fleet create one",
    );
  if (isolation.securityGroupId !== undefined && isolation.management !== undefined)
    throw new InvalidArgumentsError(
      context,
      "[isolation.management] applies only to the group the fleet creates (with vpcId)",
      "put the management rules in your own group, or pass vpcId instead of securityGroupId",
    );
  for (const [i, path] of (isolation.management ?? []).entries()) {
    const where = `[isolation.management[${i}]]`;
    if (!Number.isInteger(path.port) || path.port < 0 || path.port > 65535)
      throw new InvalidArgumentsError(
        context,
        `${where} port ${path.port} is not a port (0–65535)`,
        "give one port",
      );
    const open = path.cidrBlocks.filter((c) => /\/0$/.test(c.trim()));
    if ((path.direction ?? "ingress") === "ingress" && open.length > 0)
      throw new InvalidArgumentsError(
        context,
        `${where} lets ${open.join(", ")} in: a quarantine group open to every address isolates nothing`,
        "name the management network's CIDR blocks (a bastion subnet, a VPN range)",
      );
  }
}

/**
 * The quarantine group's id: the given one, or a group the fleet creates with only the management
 * path (its inline `egress` replaces the allow-all egress rule EC2 adds to a new group).
 */
export function renderQuarantineGroup(
  parent: pulumi.ComponentResource,
  name: string,
  fleet: string,
  isolation: IsolationSettings,
  tags: Record<string, string>,
): pulumi.Input<string> {
  if (isolation.securityGroupId !== undefined) return isolation.securityGroupId;
  const rules = (direction: "ingress" | "egress") =>
    (isolation.management ?? [])
      .filter((p) => (p.direction ?? "ingress") === direction)
      .map((p) => {
        const v6 = p.cidrBlocks.filter((c) => c.includes(":"));
        const v4 = p.cidrBlocks.filter((c) => !c.includes(":"));
        return {
          protocol: p.protocol ?? "tcp",
          fromPort: p.port,
          toPort: p.port,
          description: p.description,
          ...(v4.length > 0 ? { cidrBlocks: v4 } : {}),
          ...(v6.length > 0 ? { ipv6CidrBlocks: v6 } : {}),
        };
      });
  const group = new ec2.SecurityGroup(
    `${name}-quarantine`,
    {
      vpcId: isolation.vpcId!,
      description: `pulumi-personas ${fleet}: quarantine, management path only`,
      ingress: rules("ingress"),
      egress: rules("egress"),
      tags: { ...tags, Name: `${name}-quarantine` },
    },
    { parent },
  );
  return group.id;
}

/** The traffic responder's TRAFFIC_CONFIG (targets as the responder reads them). */
export function trafficConfig(traffic: TrafficSettings): pulumi.Output<string> {
  const targets = Object.entries(traffic.targets ?? {}).map(([name, t]) =>
    pulumi.output(t.hostedZoneId).apply((hostedZoneId) => [
      name,
      {
        hostedZoneId,
        recordName: t.recordName,
        recordType: t.recordType,
        setIdentifier: t.setIdentifier,
        weight: t.weight,
      },
    ]),
  );
  return pulumi
    .all([pulumi.all(traffic.targetGroupArns), pulumi.all(targets)])
    .apply(([targetGroupArns, entries]) =>
      JSON.stringify({ targetGroupArns, targets: Object.fromEntries(entries as [string, unknown][]) }),
    );
}

/** The isolate responder's ISOLATION_CONFIG. */
export function isolationConfig(
  quarantineGroupId: pulumi.Input<string>,
  isolation: IsolationSettings,
): pulumi.Output<string> {
  return pulumi
    .all([quarantineGroupId, isolation.notifyTopicArn])
    .apply(([id, topic]) =>
      JSON.stringify({ quarantineGroupId: id, ...(topic !== undefined ? { notifyTopicArn: topic } : {}) }),
    );
}
