/**
 * The network calls the traffic and isolate responders make, through {@link ArmClient}. Paths and
 * bodies follow the Network and CDN REST APIs (Microsoft Learn):
 *
 * - "Network Interfaces - Get" / "Network Interfaces - Create Or Update" (PUT, the whole NIC: backend
 *   pool membership is `ipConfigurations[].properties.loadBalancerBackendAddressPools` and
 *   `applicationGatewayBackendAddressPools`, the NSG is `properties.networkSecurityGroup`; what a PUT
 *   leaves out is removed, so every write sends back what it read, changed in one place only).
 *   "Network Interfaces - Update Tags" is the only PATCH, and it changes tags only.
 * - "Load Balancer Load Balancing Rules - Health" (POST `.../loadBalancingRules/<rule>/health`, a
 *   long-running operation whose result, `LoadBalancerHealthPerRule`, lists each backend address with
 *   its NIC ip configuration and `state` Up/Down): the per-backend health of a load balancer.
 * - "Application Gateways - Backend Health" (POST `.../backendhealth`, long-running): each pool's
 *   servers with their ip configuration and `health` (`Unknown | Up | Down | Partial | Draining`).
 * - "AFD Origins - Get" / "AFD Origins - Update" (PATCH `properties.weight`, 1–1000).
 */
import type { ArmClient } from "./arm.js";
import { ActionFailedError } from "./errors.js";
import { NETWORK_API_VERSION } from "./nsg.js";
import type { VmView } from "./vm.js";

/** API version of Microsoft.Cdn (Front Door Standard/Premium origins). */
export const CDN_API_VERSION = "2024-02-01";

/** A reference to another resource, as ARM writes it. */
export interface SubResource {
  id: string;
}

/** One ip configuration of a NIC, as ARM returns it (only what the responders read and write). */
export interface NicIpConfiguration {
  id: string;
  name: string;
  properties: {
    privateIPAddress?: string;
    loadBalancerBackendAddressPools?: SubResource[];
    applicationGatewayBackendAddressPools?: SubResource[];
    [key: string]: unknown;
  };
}

/** A network interface, as ARM returns it. */
export interface NetworkInterface {
  id: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  properties: {
    ipConfigurations: NicIpConfiguration[];
    networkSecurityGroup?: SubResource | null;
    [key: string]: unknown;
  };
}

/** ARM ids compare case-insensitively. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Properties ARM computes; a PUT does not send them back. */
const READ_ONLY = ["provisioningState", "resourceGuid", "macAddress", "virtualMachine", "hostedWorkloads"];

/** Reads a NIC. */
export async function getNic(arm: ArmClient, nicId: string): Promise<NetworkInterface> {
  return (await arm.request<NetworkInterface>("GET", nicId, NETWORK_API_VERSION)).body;
}

/** Writes a NIC whole (Create Or Update) and waits: the NIC as read, with `change` applied. */
export async function putNic(
  arm: ArmClient,
  nic: NetworkInterface,
  change: (properties: NetworkInterface["properties"]) => NetworkInterface["properties"],
): Promise<void> {
  const properties = Object.fromEntries(
    Object.entries(change(structuredClone(nic.properties))).filter(([key]) => !READ_ONLY.includes(key)),
  );
  await arm.operation("PUT", nic.id, NETWORK_API_VERSION, {
    location: nic.location,
    ...(nic.tags ? { tags: nic.tags } : {}),
    properties,
  });
}

/** The only NIC of a VM; the responders refuse VMs with several rather than guess. */
export async function onlyNic(arm: ArmClient, vm: VmView, what: string): Promise<NetworkInterface> {
  if (vm.networkInterfaceIds.length !== 1)
    throw new ActionFailedError(
      `VM ${vm.name} has ${vm.networkInterfaceIds.length} network interfaces; ${what} acts on single-interface VMs only, so nothing was changed. Do it by hand on each interface.`,
      true,
    );
  return getNic(arm, vm.networkInterfaceIds[0]!);
}

/** One backend of a pool, with what its health API says of it. */
export interface BackendHealth {
  /** The NIC ip configuration id (lowercased). */
  ipConfigurationId: string;
  /** `Up` is serving; anything else is not. */
  state: string;
}

/**
 * Health of a load balancer pool's backends: for each load-balancing rule that sends to the pool,
 * the rule's health (one long-running POST per rule). A backend serves when every rule says `Up`.
 * Returns undefined when no rule sends to the pool (nothing is balanced through it).
 */
export async function loadBalancerPoolHealth(
  arm: ArmClient,
  poolId: string,
): Promise<BackendHealth[] | undefined> {
  const lbId = poolId.replace(/\/backendAddressPools\/[^/]+$/i, "");
  const { body: lb } = await arm.request<{
    properties?: {
      loadBalancingRules?: {
        name: string;
        properties?: { backendAddressPool?: SubResource; backendAddressPools?: SubResource[] };
      }[];
    };
  }>("GET", lbId, NETWORK_API_VERSION);
  const rules = (lb.properties?.loadBalancingRules ?? []).filter((rule) =>
    [rule.properties?.backendAddressPool, ...(rule.properties?.backendAddressPools ?? [])].some((p) =>
      sameId(p?.id, poolId),
    ),
  );
  if (rules.length === 0) return undefined;
  const states = new Map<string, string>();
  for (const rule of rules) {
    const health = await arm.operation<{
      loadBalancerBackendAddresses?: { networkInterfaceIPConfigurationId?: string; state?: string }[];
    }>("POST", `${lbId}/loadBalancingRules/${encodeURIComponent(rule.name)}/health`, NETWORK_API_VERSION);
    for (const address of health?.loadBalancerBackendAddresses ?? []) {
      const id = address.networkInterfaceIPConfigurationId?.toLowerCase();
      if (id === undefined) continue;
      const state = address.state ?? "Unknown";
      // Serving means Up for every rule of the pool.
      states.set(id, states.get(id) === undefined || states.get(id) === "Up" ? state : states.get(id)!);
    }
  }
  return [...states].map(([ipConfigurationId, state]) => ({ ipConfigurationId, state }));
}

/** Health of an Application Gateway pool's servers (one long-running POST for the gateway). */
export async function applicationGatewayPoolHealth(arm: ArmClient, poolId: string): Promise<BackendHealth[]> {
  const gatewayId = poolId.replace(/\/backendAddressPools\/[^/]+$/i, "");
  const health = await arm.operation<{
    backendAddressPools?: {
      backendAddressPool?: SubResource;
      backendHttpSettingsCollection?: {
        servers?: { ipConfiguration?: SubResource; health?: string }[];
      }[];
    }[];
  }>("POST", `${gatewayId}/backendhealth`, NETWORK_API_VERSION);
  const pool = (health?.backendAddressPools ?? []).find((p) => sameId(p.backendAddressPool?.id, poolId));
  const states = new Map<string, string>();
  for (const settings of pool?.backendHttpSettingsCollection ?? [])
    for (const server of settings.servers ?? []) {
      const id = server.ipConfiguration?.id?.toLowerCase();
      if (id === undefined) continue;
      const state = server.health ?? "Unknown";
      states.set(id, states.get(id) === undefined || states.get(id) === "Up" ? state : states.get(id)!);
    }
  return [...states].map(([ipConfigurationId, state]) => ({ ipConfigurationId, state }));
}

/** A Front Door origin's weight now; an origin that reports none is not changed (its restore would guess). */
export async function originWeight(arm: ArmClient, originId: string): Promise<number> {
  const { body } = await arm.request<{ properties?: { weight?: number } }>("GET", originId, CDN_API_VERSION);
  const weight = body.properties?.weight;
  if (typeof weight !== "number")
    throw new ActionFailedError(
      `Front Door origin ${originId} reports no weight, so a restore could not put it back; nothing was changed. Set its weight explicitly.`,
      true,
    );
  return weight;
}

/** Sets a Front Door origin's weight (AFD Origins - Update) and waits. */
export async function setOriginWeight(arm: ArmClient, originId: string, weight: number): Promise<void> {
  await arm.operation("PATCH", originId, CDN_API_VERSION, { properties: { weight } });
}
