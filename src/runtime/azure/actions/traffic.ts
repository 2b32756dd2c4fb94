/**
 * Traffic on Azure: take a VM out of rotation and put it back.
 *
 * `Drain traffic` removes the VM's network interface ip configuration from each of the fleet's
 * declared backend pools it is in (`PERSONAS_TRAFFIC_CONFIG`: load balancer and Application Gateway
 * pools; the role allows these only). Pool membership is a property of the NIC, so this is one
 * "Network Interfaces - Create Or Update" with the NIC as read, less those pools. A pool in which
 * the VM is the last healthy backend is left alone — it keeps serving there, and the audit record
 * says so. Health comes from the load balancer's per-rule Health API ("Load Balancer Load Balancing
 * Rules - Health": each backend address with its NIC ip configuration and `state` Up/Down) and the
 * gateway's "Application Gateways - Backend Health" (`health` Up/Down/Partial/Draining/Unknown):
 * only `Up` counts as serving. `Redirect traffic to <target>` does the same and sets the named Front
 * Door origin's weight ("AFD Origins - Update") to the one the fleet declares. What was taken away
 * (each pool with the ip configuration that was in it, the origin's previous weight) is recorded in
 * the state table (namespace `traffic`, the VM's id) before the first write, so `Restore traffic`
 * puts back exactly that and nothing else. The VM keeps running throughout.
 */
import type { DrainTrafficAction } from "../../../pdl/actions/index.js";
import type { AzureRuntimeContext } from "../context.js";
import type { AzureTrafficConfig } from "../contract.js";
import { ActionFailedError } from "../errors.js";
import {
  applicationGatewayPoolHealth,
  type BackendHealth,
  getNic,
  loadBalancerPoolHealth,
  type NetworkInterface,
  onlyNic,
  originWeight,
  putNic,
  sameId,
  setOriginWeight,
} from "../network.js";
import { getVm, type VmView } from "../vm.js";
import type { AzureActionResult, AzureExecutor } from "../worker.js";

/** The state-table namespace of drain records. */
export const TRAFFIC_NAMESPACE = "traffic";

/** A backend pool the VM was taken out of. */
export interface DrainedPool {
  kind: "load-balancer" | "application-gateway";
  poolId: string;
  /** The NIC ip configuration that was in the pool (what a restore puts back in it). */
  ipConfigurationId: string;
}

/** What a drain took away, recorded before it acts: exactly what a restore puts back. */
export interface AzureDrainRecord {
  pools: DrainedPool[];
  /** The redirect target whose weight the drain set, and the weight it had before. */
  redirect?: { name: string; originId: string; previousWeight: number };
  /** When, ms. */
  at: number;
}

/** The fleet's traffic declaration, or an error that says the fleet has none. */
export function trafficConfigOf(ctx: AzureRuntimeContext, vmName: string): AzureTrafficConfig {
  if (ctx.env.traffic === undefined)
    throw new ActionFailedError(
      `App setting PERSONAS_TRAFFIC_CONFIG is not set, so the traffic responder knows no backend pools; ${vmName} keeps serving. Declare the fleet's traffic (AzurePersonaFleet \`traffic\`) and redeploy.`,
      true,
    );
  return ctx.env.traffic;
}

/** The traffic executor: the last traffic action of the job decides (drain or restore). */
export const azureTrafficExecutor: AzureExecutor = async (ctx, job) => {
  const action = job.actions[job.actions.length - 1]!;
  const vm = await getVm(ctx.arm, job.vmId);
  const config = trafficConfigOf(ctx, vm.name);
  const recorded = await ctx.state.readDocument<AzureDrainRecord>(TRAFFIC_NAMESPACE, job.vmId);
  if (action.kind === "restore-traffic") return restore(ctx, job.vmId, vm, config, recorded);
  if (action.kind !== "drain-traffic")
    throw new ActionFailedError(`The traffic responder cannot carry out '${action.kind}'.`, true);
  const record = recorded?.value;
  if (record !== undefined && (record.pools.length > 0 || record.redirect !== undefined))
    return {
      outcome: "unchanged",
      detail: `${vm.name} is already out of rotation (drained ${new Date(record.at).toISOString()}); nothing was changed`,
    };
  return drain(ctx, job.vmId, vm, config, action, recorded?.etag);
};

async function drain(
  ctx: AzureRuntimeContext,
  /** The member id: the record's key (the worker's lowercased id, not ARM's spelling). */
  vmId: string,
  vm: VmView,
  config: AzureTrafficConfig,
  action: DrainTrafficAction,
  etag: string | undefined,
): Promise<AzureActionResult> {
  const target = action.target === undefined ? undefined : config.targets[action.target];
  if (action.target !== undefined && target === undefined) {
    const names = Object.keys(config.targets).sort();
    throw new ActionFailedError(
      `Redirect target '${action.target}' is not one of the fleet's (${names.length === 0 ? "it declares none" : names.join(", ")}); ${vm.name} keeps serving. Declare it in the fleet's traffic.targets and redeploy.`,
      true,
    );
  }
  const nic = await onlyNic(ctx.arm, vm, "Drain traffic");
  const toDrain: DrainedPool[] = [];
  const kept: string[] = [];
  const declared = [
    ...config.loadBalancerBackendPoolIds.map((poolId) => ({ kind: "load-balancer" as const, poolId })),
    ...config.applicationGatewayBackendPoolIds.map((poolId) => ({
      kind: "application-gateway" as const,
      poolId,
    })),
  ];
  for (const { kind, poolId } of declared) {
    const ipConfiguration = nic.properties.ipConfigurations.find((c) =>
      membersOf(c, kind).some((p) => sameId(p.id, poolId)),
    );
    if (ipConfiguration === undefined) continue;
    const health: BackendHealth[] | undefined =
      kind === "load-balancer"
        ? await loadBalancerPoolHealth(ctx.arm, poolId)
        : await applicationGatewayPoolHealth(ctx.arm, poolId);
    const others =
      health?.filter((h) => h.state === "Up" && h.ipConfigurationId !== ipConfiguration.id.toLowerCase())
        .length ?? Number.POSITIVE_INFINITY;
    if (others === 0) {
      kept.push(`${poolName(poolId)} (the last healthy backend: it keeps serving)`);
      continue;
    }
    toDrain.push({ kind, poolId, ipConfigurationId: ipConfiguration.id });
  }
  const redirect =
    target === undefined
      ? undefined
      : {
          name: action.target!,
          originId: target.originId,
          previousWeight: await originWeight(ctx.arm, target.originId),
        };
  if (toDrain.length === 0 && redirect === undefined)
    return {
      outcome: "unchanged",
      detail: `${vm.name} was not drained: ${kept.length > 0 ? `kept in ${kept.join(", ")}` : "its network interface is in none of the fleet's backend pools"}`,
    };
  // Recorded first: if a write below fails, the restore still knows everything that may have changed.
  const record: AzureDrainRecord = { pools: toDrain, ...(redirect ? { redirect } : {}), at: ctx.now() };
  if (!(await ctx.state.writeDocument(TRAFFIC_NAMESPACE, vmId, record, etag)))
    throw new ActionFailedError(
      `Another invocation recorded a drain of ${vm.name} meanwhile; nothing was changed by this one.`,
      true,
    );
  if (redirect !== undefined) await setOriginWeight(ctx.arm, redirect.originId, target!.weight);
  if (toDrain.length > 0)
    await putNic(ctx.arm, nic, (properties) => ({
      ...properties,
      ipConfigurations: properties.ipConfigurations.map((c) => withoutPools(c, toDrain)),
    }));
  const parts = [
    ...(toDrain.length > 0 ? [`removed from ${toDrain.map((d) => poolName(d.poolId)).join(", ")}`] : []),
    ...(redirect ? [`${redirect.name} weight ${redirect.previousWeight} -> ${target!.weight}`] : []),
    ...(kept.length > 0 ? [`kept in ${kept.join(", ")}`] : []),
  ];
  return { outcome: "acted", detail: `${vm.name}: ${parts.join("; ")}; the VM keeps running (${vm.power})` };
}

async function restore(
  ctx: AzureRuntimeContext,
  vmId: string,
  vm: VmView,
  config: AzureTrafficConfig,
  recorded: { value: AzureDrainRecord; etag: string } | undefined,
): Promise<AzureActionResult> {
  const record = recorded?.value;
  if (record === undefined || (record.pools.length === 0 && record.redirect === undefined))
    return { outcome: "unchanged", detail: `${vm.name} has no recorded drain; nothing to restore` };
  const done: string[] = [];
  if (record.pools.length > 0) {
    // The NIC recorded, not whatever the VM has now: the pools were taken from that ip configuration.
    const nicId = record.pools[0]!.ipConfigurationId.replace(/\/ipConfigurations\/[^/]+$/i, "");
    const nic = await getNic(ctx.arm, nicId);
    const missing = record.pools.filter(
      (p) => !nic.properties.ipConfigurations.some((c) => sameId(c.id, p.ipConfigurationId)),
    );
    if (missing.length > 0)
      throw new ActionFailedError(
        `Network interface ${nic.name} no longer has ip configuration ${missing.map((p) => p.ipConfigurationId.split("/").pop()).join(", ")}; ${vm.name} was not put back in ${missing.map((p) => poolName(p.poolId)).join(", ")} (the drain record is kept). Add it to the pools by hand.`,
        false,
      );
    await putNic(ctx.arm, nic, (properties) => ({
      ...properties,
      ipConfigurations: properties.ipConfigurations.map((c) => withPools(c, record.pools)),
    }));
    done.push(`back in ${record.pools.map((p) => poolName(p.poolId)).join(", ")}`);
  }
  if (record.redirect !== undefined) {
    const target = config.targets[record.redirect.name];
    if (target === undefined || !sameId(target.originId, record.redirect.originId)) {
      done.push(
        `redirect target ${record.redirect.name} is no longer declared as it was; its weight was left as it is`,
      );
    } else {
      const current = await originWeight(ctx.arm, target.originId);
      await setOriginWeight(ctx.arm, target.originId, record.redirect.previousWeight);
      done.push(`${record.redirect.name} weight ${current} -> ${record.redirect.previousWeight}`);
    }
  }
  const cleared: AzureDrainRecord = { pools: [], at: ctx.now() };
  await ctx.state.writeDocument(TRAFFIC_NAMESPACE, vmId, cleared, recorded!.etag);
  return { outcome: "acted", detail: `${vm.name}: ${done.join("; ")}` };
}

type IpConfiguration = NetworkInterface["properties"]["ipConfigurations"][number];

function membersOf(c: IpConfiguration, kind: DrainedPool["kind"]) {
  return (
    (kind === "load-balancer"
      ? c.properties.loadBalancerBackendAddressPools
      : c.properties.applicationGatewayBackendAddressPools) ?? []
  );
}

function withoutPools(c: IpConfiguration, pools: readonly DrainedPool[]): IpConfiguration {
  const mine = pools.filter((p) => sameId(p.ipConfigurationId, c.id));
  if (mine.length === 0) return c;
  const keep = (list: { id: string }[] | undefined) =>
    (list ?? []).filter((ref) => !mine.some((p) => sameId(p.poolId, ref.id)));
  return {
    ...c,
    properties: {
      ...c.properties,
      loadBalancerBackendAddressPools: keep(c.properties.loadBalancerBackendAddressPools),
      applicationGatewayBackendAddressPools: keep(c.properties.applicationGatewayBackendAddressPools),
    },
  };
}

function withPools(c: IpConfiguration, pools: readonly DrainedPool[]): IpConfiguration {
  const mine = pools.filter((p) => sameId(p.ipConfigurationId, c.id));
  if (mine.length === 0) return c;
  const add = (list: { id: string }[] | undefined, kind: DrainedPool["kind"]) => [
    ...(list ?? []),
    ...mine
      .filter((p) => p.kind === kind && !(list ?? []).some((ref) => sameId(ref.id, p.poolId)))
      .map((p) => ({ id: p.poolId })),
  ];
  return {
    ...c,
    properties: {
      ...c.properties,
      loadBalancerBackendAddressPools: add(c.properties.loadBalancerBackendAddressPools, "load-balancer"),
      applicationGatewayBackendAddressPools: add(
        c.properties.applicationGatewayBackendAddressPools,
        "application-gateway",
      ),
    },
  };
}

/** `.../loadBalancers/<lb>/backendAddressPools/<pool>` → `<lb>/<pool>`, for sentences. */
export function poolName(poolId: string): string {
  const parts = poolId.split("/");
  return `${parts[parts.length - 3] ?? "?"}/${parts[parts.length - 1] ?? poolId}`;
}
