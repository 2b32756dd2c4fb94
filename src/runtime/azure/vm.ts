/**
 * The VM calls the responders make, through {@link ArmClient}. Paths and bodies follow the Compute
 * REST API ("Virtual Machines", api-version 2024-07-01, Microsoft Learn): Get with
 * `$expand=instanceView`, List Available Sizes (`/vmSizes`, the sizes the VM can be resized to
 * where it runs now), Update (PATCH `hardwareProfile.vmSize`), Deallocate, Start, Run Command.
 */
import type { ArmClient } from "./arm.js";
import { ArmRequestError } from "./errors.js";

export const COMPUTE_API_VERSION = "2024-07-01";
export const TAGS_API_VERSION = "2021-04-01";

/** A VM's power state, from its instance view's `PowerState/<state>` status. */
export type PowerState =
  | "running"
  | "starting"
  | "stopping"
  | "stopped"
  | "deallocating"
  | "deallocated"
  | "unknown";

/** What the responders read of a VM. */
export interface VmView {
  id: string;
  name: string;
  size: string;
  power: PowerState;
  tags: Record<string, string>;
  /** Its region as ARM returns it (`westeurope`); empty when the body has none. */
  location: string;
  /** Its network interfaces' resource ids (`networkProfile.networkInterfaces`). */
  networkInterfaceIds: string[];
}

interface ArmVm {
  id: string;
  name: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: {
    hardwareProfile?: { vmSize?: string };
    networkProfile?: { networkInterfaces?: { id?: string }[] };
    instanceView?: { statuses?: { code?: string }[] };
  };
}

/** Reads a VM with its power state (one ARM read). */
export async function getVm(arm: ArmClient, vmId: string): Promise<VmView> {
  const { body } = await arm.request<ArmVm>("GET", `${vmId}?$expand=instanceView`, COMPUTE_API_VERSION);
  const power = body.properties?.instanceView?.statuses
    ?.map((s) => s.code ?? "")
    .find((code) => code.startsWith("PowerState/"))
    ?.slice("PowerState/".length);
  return {
    id: body.id,
    name: body.name,
    size: body.properties?.hardwareProfile?.vmSize ?? "",
    power: (POWER_STATES as readonly string[]).includes(power ?? "") ? (power as PowerState) : "unknown",
    tags: body.tags ?? {},
    location: body.location ?? "",
    networkInterfaceIds: (body.properties?.networkProfile?.networkInterfaces ?? []).flatMap((n) =>
      n.id ? [n.id] : [],
    ),
  };
}

const POWER_STATES = ["running", "starting", "stopping", "stopped", "deallocating", "deallocated"] as const;

/** The sizes the VM can be resized to without leaving its current hardware cluster. */
export async function availableSizes(arm: ArmClient, vmId: string): Promise<Set<string>> {
  const { body } = await arm.request<{ value?: { name?: string }[] }>(
    "GET",
    `${vmId}/vmSizes`,
    COMPUTE_API_VERSION,
  );
  return new Set((body.value ?? []).flatMap((s) => (s.name ? [s.name] : [])));
}

/** Sets the VM's size and waits (a running VM restarts). */
export async function setSize(arm: ArmClient, vmId: string, size: string): Promise<void> {
  await arm.operation("PATCH", vmId, COMPUTE_API_VERSION, {
    properties: { hardwareProfile: { vmSize: size } },
  });
}

/** Deallocates the VM and waits. */
export async function deallocate(arm: ArmClient, vmId: string): Promise<void> {
  await arm.operation("POST", `${vmId}/deallocate`, COMPUTE_API_VERSION);
}

/** Starts the VM and waits. */
export async function start(arm: ArmClient, vmId: string): Promise<void> {
  await arm.operation("POST", `${vmId}/start`, COMPUTE_API_VERSION);
}

/** Run Command's output: the last 4,096 bytes the VM returned (Azure truncates there). */
export interface RunCommandOutput {
  succeeded: boolean;
  /** stdout and stderr as Run Command reports them, at most 4,096 bytes. */
  output: string;
}

/** Largest Run Command output Azure returns ("Run scripts in your Linux VM by using action Run Commands": the last 4,096 bytes). */
export const RUN_COMMAND_OUTPUT_BYTES = 4096;

/**
 * Runs `script` with Run Command (`RunShellScript`) and waits for its end. Azure runs one Run
 * Command at a time per VM; a second call while one runs is refused with 409 `Conflict`.
 */
export async function runCommand(
  arm: ArmClient,
  vmId: string,
  script: readonly string[],
): Promise<RunCommandOutput> {
  const result = await arm.operation<{ value?: { code?: string; message?: string }[] }>(
    "POST",
    `${vmId}/runCommand`,
    COMPUTE_API_VERSION,
    { commandId: "RunShellScript", script },
  );
  const status = result?.value?.[0];
  const output = Buffer.from(status?.message ?? "", "utf8");
  return {
    succeeded: status?.code === "ProvisioningState/succeeded",
    output: output.subarray(Math.max(0, output.length - RUN_COMMAND_OUTPUT_BYTES)).toString("utf8"),
  };
}

/** Deletes tags (by name and value) from a resource's tags (Tags - Update At Scope, operation `Delete`). */
export async function deleteTags(
  arm: ArmClient,
  resourceId: string,
  tags: Record<string, string>,
): Promise<void> {
  await arm.request("PATCH", `${resourceId}/providers/Microsoft.Resources/tags/default`, TAGS_API_VERSION, {
    operation: "Delete",
    properties: { tags },
  });
}

/** Merges tags into a resource's tags (Tags - Update At Scope, operation `Merge`). */
export async function mergeTags(
  arm: ArmClient,
  resourceId: string,
  tags: Record<string, string>,
): Promise<void> {
  await arm.request("PATCH", `${resourceId}/providers/Microsoft.Resources/tags/default`, TAGS_API_VERSION, {
    operation: "Merge",
    properties: { tags },
  });
}

/** True when ARM refused because the VM is busy with another operation or Run Command (409). */
export function isConflict(error: unknown): boolean {
  return error instanceof ArmRequestError && error.status === 409;
}
