/**
 * What the Azure traffic and isolate responders may touch, as the fleet declares it: the load
 * balancer and Application Gateway backend pools its VMs' network interfaces are in, the Front Door
 * (Standard/Premium) origins `Redirect traffic to <name>` may weigh, and the quarantine network
 * security group `Isolate instance` puts on a VM's network interface (an existing one, or one the
 * fleet creates from the management path it declares). The responders' custom role gets the network
 * actions only when these are declared, and is assigned at exactly these resources (render.ts); the
 * responders read the same declaration from their app settings (`PERSONAS_TRAFFIC_CONFIG`,
 * `PERSONAS_ISOLATION_CONFIG`).
 *
 * Azure documents used: "Azure permissions for Networking" (resource provider operations, for every
 * role action below); "Network security groups: Security rules" (custom priorities 100–4096; the
 * default rules AllowVnetInBound, AllowAzureLoadBalancerInBound and AllowInternetOutBound, which a
 * quarantine group must deny explicitly); "AFD Origins - Update" (`weight` 1–1000).
 */
import * as network from "@pulumi/azure-native/network/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { FleetPlan } from "../plan/plan.js";
import type { AzureIsolationConfig, AzureTrafficConfig } from "../runtime/azure/contract.js";
import { AzureInvalidArgumentsError, AzureMissingTargetError, type ComponentErrorContext } from "./errors.js";

/** A Front Door origin whose weight a redirect sets. */
export interface AzureRedirectTargetSettings {
  /**
   * The origin's resource id:
   * `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Cdn/profiles/<profile>/originGroups/<group>/origins/<origin>`.
   */
  originId: pulumi.Input<string>;
  /** The weight a redirect sets, 1–1000 ("AFD Origins - Update", `weight`); a restore puts back the weight it had. */
  weight: number;
}

/** A load balancer or Application Gateway and the backend pools of it the fleet's NICs are in. */
export interface AzureBackendPoolSettings {
  /** The load balancer's (`Microsoft.Network/loadBalancers`) or Application Gateway's resource id. */
  id: pulumi.Input<string>;
  /** The backend pools (by name) the responder may take a NIC out of and put it back in. */
  backendPoolNames: string[];
}

/**
 * Where `Drain traffic`, `Redirect traffic to <target>` and `Restore traffic` act on Azure.
 * @example
 * traffic: { loadBalancers: [{ id: lb.id, backendPoolNames: ["web"] }], targets: { standby: { originId: standbyOrigin.id, weight: 1000 } } }
 */
export interface AzureTrafficSettings {
  /** Load balancers whose backend pools hold the fleet's NICs. @default [] */
  loadBalancers?: AzureBackendPoolSettings[];
  /** Application Gateways whose backend pools hold the fleet's NICs. @default [] */
  applicationGateways?: AzureBackendPoolSettings[];
  /**
   * Named redirect targets (Front Door origins), by the name personas use (`Redirect traffic to standby`).
   * @default {} (personas can drain, not redirect to a target)
   */
  targets?: Record<string, AzureRedirectTargetSettings>;
}

/** One allow rule of the quarantine NSG: the only traffic an isolated VM keeps. */
export interface AzureManagementPath {
  /** `ingress` (to the VM) or `egress` (from it). @default "ingress" */
  direction?: "ingress" | "egress";
  /** @default "tcp" */
  protocol?: "tcp" | "udp";
  /** The port, e.g. 22 for SSH. */
  port: number;
  /** Where from (ingress) or to (egress): CIDR blocks or service tags, never every address for ingress. */
  addressPrefixes: string[];
  /** Why the path exists, e.g. "SSH from the bastion subnet". */
  description: string;
}

/**
 * Where `Isolate instance` puts a VM: an existing quarantine NSG, or one the fleet creates in its
 * resource group allowing only `management` and denying everything else both ways. Only one of
 * [networkSecurityGroupId] and [management] can be specified.
 * @example
 * isolation: { management: [{ port: 22, addressPrefixes: ["10.0.9.0/24"], description: "SSH from the bastion subnet" }], notify: "security" }
 */
export interface AzureIsolationSettings {
  /** An existing quarantine network security group. */
  networkSecurityGroupId?: pulumi.Input<string>;
  /** The management path of the NSG the fleet creates. */
  management?: AzureManagementPath[];
  /** A channel of `notifications` told of every isolation and release. @default none (the audit record only) */
  notify?: string;
}

/** Priorities the created quarantine NSG uses: management rules from 100, deny-all at the last custom priority. */
export const QUARANTINE_PRIORITIES = { firstAllow: 100, denyAll: 4096 } as const;

/** Address prefixes that mean "every address" in an NSG rule (CIDR or service tag). */
const EVERY_ADDRESS = /^(?:\*|0\.0\.0\.0\/0|::\/0|internet|any)$/i;

/** The redirect targets the fleet's personas name, sorted. */
function redirectTargetsNamed(plan: FleetPlan): string[] {
  const names = new Set<string>();
  for (const persona of plan.personas)
    for (const action of [
      ...persona.responses.flatMap((r) => r.actions),
      ...persona.alarms.flatMap((a) => a.onAlarm.actions),
    ])
      if (action.kind === "drain-traffic" && action.target !== undefined) names.add(action.target);
  return [...names].sort();
}

/**
 * Checks the traffic and isolation declarations against what the personas do, before anything is
 * registered: the same guard rails as the AWS components (src/aws/traffic.ts).
 * @internal
 */
export function checkAzureTrafficOptions(
  context: ComponentErrorContext,
  plan: FleetPlan,
  traffic: AzureTrafficSettings | undefined,
  isolation: AzureIsolationSettings | undefined,
  notifications: Record<string, unknown> | undefined,
): void {
  if (plan.responders.includes("traffic")) {
    const balancers = [
      ...(traffic?.loadBalancers ?? []).map((b, i) => ({ b, where: `traffic.loadBalancers[${i}]` })),
      ...(traffic?.applicationGateways ?? []).map((b, i) => ({
        b,
        where: `traffic.applicationGateways[${i}]`,
      })),
    ];
    if (traffic === undefined || balancers.every(({ b }) => b.backendPoolNames.length === 0))
      throw new AzureMissingTargetError(
        context,
        "its personas drain traffic but `traffic` declares no backend pools",
        'pass traffic: { loadBalancers: [{ id: lb.id, backendPoolNames: ["web"] }] } or applicationGateways (the pools the fleet\'s network interfaces are in)',
      );
    for (const { b, where } of balancers)
      for (const pool of b.backendPoolNames)
        if (!/^[A-Za-z0-9][-\w.]{0,79}$/.test(pool))
          throw new AzureInvalidArgumentsError(
            context,
            `[${where}.backendPoolNames] has '${pool}', which is not a backend pool name (1–80 letters, digits, '-', '_', '.')`,
            "give the pool's name as the load balancer or gateway lists it",
          );
    const plain = [
      ...balancers.map(({ b }) => b.id),
      ...Object.values(traffic.targets ?? {}).map((t) => t.originId),
    ]
      .filter((id): id is string => typeof id === "string")
      .map((id) => id.toLowerCase());
    const twice = plain.find((id, i) => plain.indexOf(id) !== i);
    if (twice !== undefined)
      throw new AzureInvalidArgumentsError(
        context,
        `'${twice}' is declared twice in traffic (each resource gets one role assignment)`,
        "list each load balancer, gateway and origin once, with all its pools",
      );
    const declared = traffic.targets ?? {};
    const unknown = redirectTargetsNamed(plan).filter((t) => declared[t] === undefined);
    if (unknown.length > 0)
      throw new AzureMissingTargetError(
        context,
        `its personas redirect traffic to ${unknown.map((t) => `'${t}'`).join(", ")} but traffic.targets declares ${
          Object.keys(declared).length === 0 ? "no targets" : Object.keys(declared).sort().join(", ")
        }`,
        `declare ${unknown.map((t) => `traffic.targets["${t}"]`).join(", ")} (a Front Door origin each), or correct the persona`,
      );
    for (const [name, target] of Object.entries(declared))
      if (!Number.isInteger(target.weight) || target.weight < 1 || target.weight > 1000)
        throw new AzureInvalidArgumentsError(
          context,
          `[traffic.targets.${name}.weight] is ${target.weight}; a Front Door origin's weight is a whole number from 1 to 1000`,
          "give the weight the origin takes while traffic is redirected to it",
        );
  }
  if (!plan.responders.includes("isolate")) return;
  if (
    isolation === undefined ||
    (isolation.networkSecurityGroupId === undefined && isolation.management === undefined)
  )
    throw new AzureMissingTargetError(
      context,
      "its personas isolate instances but `isolation` names no quarantine network security group",
      "pass isolation: { networkSecurityGroupId: quarantine.id }, or isolation: { management: [...] } to have the fleet create one",
    );
  if (isolation.networkSecurityGroupId !== undefined && isolation.management !== undefined)
    throw new AzureInvalidArgumentsError(
      context,
      "Only one of [isolation.networkSecurityGroupId] and [isolation.management] can be specified",
      "keep networkSecurityGroupId to use your own quarantine NSG, or management to have the fleet create one",
    );
  if (isolation.notify !== undefined && notifications?.[isolation.notify] === undefined)
    throw new AzureMissingTargetError(
      context,
      `isolation.notify names channel '${isolation.notify}', and notifications has no URL for it`,
      `pass notifications: { "${isolation.notify}": "https://..." }`,
    );
  const paths = isolation.management ?? [];
  if (paths.length > QUARANTINE_PRIORITIES.denyAll - QUARANTINE_PRIORITIES.firstAllow)
    throw new AzureInvalidArgumentsError(
      context,
      `[isolation.management] has ${paths.length} paths; an NSG's custom priorities (100–4096) leave room for ${QUARANTINE_PRIORITIES.denyAll - QUARANTINE_PRIORITIES.firstAllow}`,
      "merge paths that share a port",
    );
  for (const [i, path] of paths.entries()) {
    const where = `[isolation.management[${i}]]`;
    if (!Number.isInteger(path.port) || path.port < 0 || path.port > 65535)
      throw new AzureInvalidArgumentsError(
        context,
        `${where} port ${path.port} is not a port (0–65535)`,
        "give one port",
      );
    if (path.addressPrefixes.length === 0)
      throw new AzureInvalidArgumentsError(
        context,
        `${where} names no address prefixes`,
        "name the management network's CIDR blocks",
      );
    const open = path.addressPrefixes.filter((p) => EVERY_ADDRESS.test(p.trim()));
    if ((path.direction ?? "ingress") === "ingress" && open.length > 0)
      throw new AzureInvalidArgumentsError(
        context,
        `${where} lets ${open.join(", ")} in: a quarantine group open to every address isolates nothing`,
        "name the management network's CIDR blocks (a bastion subnet, a VPN range)",
      );
  }
}

/**
 * The quarantine NSG's id: the given one, or an NSG the fleet creates in its resource group with an
 * allow rule per management path and deny-all rules in both directions at priority 4096 (below
 * Azure's default rules, which would otherwise let the virtual network in and the internet out).
 * @internal
 */
export function renderQuarantineNsg(
  parent: pulumi.Resource,
  name: string,
  fleet: string,
  isolation: AzureIsolationSettings,
  group: { resourceGroupName: pulumi.Input<string>; location: pulumi.Input<string> },
  tags: Record<string, string>,
  dependsOn: pulumi.Resource[],
): { id: pulumi.Input<string>; created?: network.NetworkSecurityGroup } {
  if (isolation.networkSecurityGroupId !== undefined) return { id: isolation.networkSecurityGroupId };
  const allow = (isolation.management ?? []).map((path, i) => {
    const inbound = (path.direction ?? "ingress") === "ingress";
    const prefixes = path.addressPrefixes.map((p) => p.trim());
    return {
      name: `personas-management-${i}`,
      priority: QUARANTINE_PRIORITIES.firstAllow + i,
      direction: inbound ? "Inbound" : "Outbound",
      access: "Allow",
      protocol: path.protocol === "udp" ? "Udp" : "Tcp",
      sourcePortRange: "*",
      destinationPortRange: String(path.port),
      ...(inbound
        ? { sourceAddressPrefixes: prefixes, destinationAddressPrefix: "*" }
        : { sourceAddressPrefix: "*", destinationAddressPrefixes: prefixes }),
      description: path.description.slice(0, 140),
    };
  });
  const deny = (direction: "Inbound" | "Outbound") => ({
    name: `personas-quarantine-deny-${direction.toLowerCase()}`,
    priority: QUARANTINE_PRIORITIES.denyAll,
    direction,
    access: "Deny",
    protocol: "*",
    sourcePortRange: "*",
    destinationPortRange: "*",
    sourceAddressPrefix: "*",
    destinationAddressPrefix: "*",
    description: "pulumi-personas quarantine: everything but the management path",
  });
  const nsg = new network.NetworkSecurityGroup(
    `${name}-quarantine`,
    {
      ...group,
      networkSecurityGroupName: "personas-quarantine",
      securityRules: [...allow, deny("Inbound"), deny("Outbound")],
      tags: { ...tags, "persona:purpose": `quarantine of fleet ${fleet}` },
    },
    { parent, dependsOn },
  );
  return { id: nsg.id, created: nsg };
}

/**
 * The resources the responders' role is assigned at for traffic: each declared load balancer,
 * Application Gateway and Front Door origin (one each: the components refuse a plain id declared twice).
 * @internal
 */
export function trafficRoleScopes(traffic: AzureTrafficSettings): pulumi.Input<string>[] {
  return [
    ...(traffic.loadBalancers ?? []).map((b) => b.id),
    ...(traffic.applicationGateways ?? []).map((b) => b.id),
    ...Object.values(traffic.targets ?? {}).map((t) => t.originId),
  ];
}

/** Which kinds of traffic resources are declared (the role gets only the actions these need). @internal */
export function declaredTrafficResources(traffic: AzureTrafficSettings | undefined) {
  return {
    loadBalancers: (traffic?.loadBalancers ?? []).length > 0,
    applicationGateways: (traffic?.applicationGateways ?? []).length > 0,
    frontDoorOrigins: Object.keys(traffic?.targets ?? {}).length > 0,
  };
}

/** The traffic responder's PERSONAS_TRAFFIC_CONFIG. @internal */
export function azureTrafficConfig(traffic: AzureTrafficSettings): pulumi.Output<string> {
  const pools = (balancers: AzureBackendPoolSettings[] | undefined) =>
    pulumi.all(
      (balancers ?? []).map((b) =>
        pulumi
          .output(b.id)
          .apply((id) => b.backendPoolNames.map((pool) => `${id}/backendAddressPools/${pool}`)),
      ),
    );
  const targets = Object.entries(traffic.targets ?? {}).map(([name, t]) =>
    pulumi.output(t.originId).apply((originId) => [name, { originId, weight: t.weight }] as const),
  );
  return pulumi
    .all([pools(traffic.loadBalancers), pools(traffic.applicationGateways), pulumi.all(targets)])
    .apply(([lb, agw, entries]) =>
      JSON.stringify({
        loadBalancerBackendPoolIds: lb.flat(),
        applicationGatewayBackendPoolIds: agw.flat(),
        targets: Object.fromEntries(entries),
      } satisfies AzureTrafficConfig),
    );
}

/** The isolate responder's PERSONAS_ISOLATION_CONFIG. @internal */
export function azureIsolationConfig(
  quarantineNsgId: pulumi.Input<string>,
  notifyWebhook: pulumi.Input<string> | undefined,
): pulumi.Output<string> {
  return pulumi.all([quarantineNsgId, notifyWebhook]).apply(([networkSecurityGroupId, webhook]) =>
    JSON.stringify({
      networkSecurityGroupId,
      ...(webhook !== undefined ? { notifyWebhook: webhook } : {}),
    } satisfies AzureIsolationConfig),
  );
}
