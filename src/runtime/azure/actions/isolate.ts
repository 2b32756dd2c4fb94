/**
 * Isolate on Azure: a security measure. The VM's network interface gets the fleet's quarantine
 * network security group in place of the one it had (`PERSONAS_ISOLATION_CONFIG`; the quarantine NSG
 * allows only the management path the fleet declares), the VM is tagged `persona:isolated`, and it
 * keeps running with its disks: nothing is stopped, detached or deleted, so it can be examined. The
 * NSG it had (or none) is recorded in the state table (namespace `isolation`, the VM's id) before the
 * swap; `Release isolation` puts back exactly that. A second isolate finds the record and changes
 * nothing (the original NSG is never overwritten with the quarantine one).
 *
 * The fleet's other members are looked at first: isolating the last healthy one (running and not
 * isolated) goes ahead — a compromised VM must not keep serving — but the audit record and the
 * notice say that the fleet has no healthy VM left.
 *
 * Azure documents used: "Network Interfaces - Create Or Update" (`properties.networkSecurityGroup`;
 * the NIC is written whole), "Tags - Update At Scope" (`Merge`, `Delete`), "Network security groups:
 * How network security groups filter network traffic" (a NIC's NSG applies to the VM's traffic,
 * together with its subnet's NSG, which isolation does not touch: documented in docs/azure.md).
 */
import { ISOLATED_TAG } from "../../../plan/tags.js";
import type { AzureRuntimeContext } from "../context.js";
import type { AzureIsolationConfig } from "../contract.js";
import { ActionFailedError, ArmRequestError } from "../errors.js";
import { getNic, onlyNic, putNic, sameId } from "../network.js";
import { deleteTags, getVm, mergeTags, type VmView } from "../vm.js";
import type { AzureActionJob, AzureActionResult, AzureExecutor } from "../worker.js";
import { jobEvent, postJson } from "./other.js";

/** The state-table namespace of isolation records. */
export const ISOLATION_NAMESPACE = "isolation";

/** What an isolation changed, recorded before the swap. */
export interface AzureIsolationRecord {
  /** True while isolated; false once released (the record is kept for the audit trail). */
  isolated: boolean;
  /** The NIC whose NSG was swapped. */
  networkInterfaceId: string;
  /** The NSG the NIC had before the swap; null when it had none. */
  originalNetworkSecurityGroupId: string | null;
  /** The quarantine NSG swapped in. */
  quarantineNetworkSecurityGroupId: string;
  /** The `persona:isolated` tag's value (the isolation time, ISO 8601). */
  tagValue: string;
  /** When, ms. */
  at: number;
}

/** The isolate executor: the last action of the job decides (isolate or release). */
export const azureIsolateExecutor: AzureExecutor = async (ctx, job) => {
  const action = job.actions[job.actions.length - 1]!;
  const vm = await getVm(ctx.arm, job.vmId);
  const config = ctx.env.isolation;
  if (config === undefined)
    throw new ActionFailedError(
      `App setting PERSONAS_ISOLATION_CONFIG is not set, so the isolate responder knows no quarantine network security group; ${vm.name} was not changed. Declare the fleet's isolation (AzurePersonaFleet \`isolation\`) and redeploy.`,
      true,
    );
  const recorded = await ctx.state.readDocument<AzureIsolationRecord>(ISOLATION_NAMESPACE, job.vmId);
  if (action.kind === "release-isolation") return release(ctx, job, vm, config, recorded);
  if (action.kind !== "isolate-instance")
    throw new ActionFailedError(`The isolate responder cannot carry out '${action.kind}'.`, true);
  if (recorded?.value.isolated)
    return {
      outcome: "unchanged",
      detail: `${vm.name} is already isolated (since ${new Date(recorded.value.at).toISOString()}); its recorded NSG ${recorded.value.originalNetworkSecurityGroupId ?? "(none)"} is kept`,
    };
  return isolate(ctx, job, vm, config, recorded?.etag);
};

async function isolate(
  ctx: AzureRuntimeContext,
  job: AzureActionJob,
  vm: VmView,
  config: AzureIsolationConfig,
  etag: string | undefined,
): Promise<AzureActionResult> {
  const nic = await onlyNic(ctx.arm, vm, "Isolate instance");
  const original = nic.properties.networkSecurityGroup?.id ?? null;
  const quarantine = config.networkSecurityGroupId;
  if (sameId(original ?? undefined, quarantine))
    throw new ActionFailedError(
      `${vm.name}'s network interface already has the quarantine NSG, but no isolation of it is recorded, so the NSG to put back on release is unknown; nothing was changed. Set its NSG by hand.`,
      false,
    );
  const healthyOthers = await healthyPeers(ctx, vm.id);
  const at = ctx.now();
  const record: AzureIsolationRecord = {
    isolated: true,
    networkInterfaceId: nic.id,
    originalNetworkSecurityGroupId: original,
    quarantineNetworkSecurityGroupId: quarantine,
    tagValue: new Date(at).toISOString(),
    at,
  };
  // Recorded before the swap: whatever fails below, a release knows the NSG to put back.
  if (!(await ctx.state.writeDocument(ISOLATION_NAMESPACE, job.vmId, record, etag)))
    throw new ActionFailedError(
      `Another invocation recorded an isolation of ${vm.name} meanwhile; nothing was changed by this one.`,
      true,
    );
  await putNic(ctx.arm, nic, (properties) => ({ ...properties, networkSecurityGroup: { id: quarantine } }));
  await mergeTags(ctx.arm, vm.id, { [ISOLATED_TAG]: record.tagValue });
  const lastHealthy =
    healthyOthers === 0
      ? `; it was the last healthy VM of fleet ${ctx.env.fleet}: the fleet has none left serving`
      : "";
  const detail = `${vm.name} isolated: NSG ${original ?? "(none)"} -> ${quarantine} on ${nic.name} (recorded for release); tagged ${ISOLATED_TAG}; disks kept, VM ${vm.power}${lastHealthy}`;
  return { outcome: "acted", detail: `${detail}${await notifyIsolation(ctx, job, config, detail)}` };
}

async function release(
  ctx: AzureRuntimeContext,
  job: AzureActionJob,
  vm: VmView,
  config: AzureIsolationConfig,
  recorded: { value: AzureIsolationRecord; etag: string } | undefined,
): Promise<AzureActionResult> {
  const record = recorded?.value;
  if (!record?.isolated)
    return { outcome: "unchanged", detail: `${vm.name} has no recorded isolation; nothing to release` };
  const nic = await getNic(ctx.arm, record.networkInterfaceId);
  const original = record.originalNetworkSecurityGroupId;
  await putNic(ctx.arm, nic, (properties) => {
    const { networkSecurityGroup: _quarantine, ...rest } = properties;
    return original === null ? rest : { ...rest, networkSecurityGroup: { id: original } };
  });
  await deleteTags(ctx.arm, vm.id, { [ISOLATED_TAG]: record.tagValue });
  await ctx.state.writeDocument(
    ISOLATION_NAMESPACE,
    job.vmId,
    { ...record, isolated: false } satisfies AzureIsolationRecord,
    recorded!.etag,
  );
  const detail = `${vm.name} released: NSG ${record.quarantineNetworkSecurityGroupId} -> ${original ?? "(none)"} on ${nic.name} (as recorded ${record.tagValue}); ${ISOLATED_TAG} removed`;
  return { outcome: "acted", detail: `${detail}${await notifyIsolation(ctx, job, config, detail)}` };
}

/** How many other members of the fleet are running and not isolated (one VM read each). */
async function healthyPeers(ctx: AzureRuntimeContext, vmId: string): Promise<number> {
  const members = Object.keys((await ctx.fleet.members()).members).filter((id) => !sameId(id, vmId));
  let healthy = 0;
  for (const id of members) {
    try {
      const peer = await getVm(ctx.arm, id);
      if (peer.power === "running" && peer.tags[ISOLATED_TAG] === undefined) healthy++;
    } catch (error) {
      // A member deleted since the last deployment serves nothing.
      if (error instanceof ArmRequestError && error.status === 404) continue;
      throw error;
    }
  }
  return healthy;
}

async function notifyIsolation(
  ctx: AzureRuntimeContext,
  job: AzureActionJob,
  config: AzureIsolationConfig,
  detail: string,
): Promise<string> {
  if (config.notifyWebhook === undefined) return "";
  await postJson(
    ctx,
    config.notifyWebhook,
    { type: "personas.notify", version: 1, ...jobEvent(ctx, job), message: detail },
    "The isolation notify channel",
  );
  return "; notified";
}
