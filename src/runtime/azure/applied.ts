/**
 * What the orchestrator applied to a VM, as the state table holds it (`orchestrator` / VM id), and
 * the persona a member VM runs: the orchestrator's record when it applied another persona than the
 * stack's (a recorded shift), else the membership record's. The intake and the workers read it to
 * decide whether a fleet-wide rule's alert is this VM's (as `provenance.ts` does on AWS); only the
 * orchestrator writes it. Kept apart from orchestrator.ts so the responder bundles do not carry the
 * orchestrator.
 */
import type { FleetMemberRecord } from "../../plan/manifest.js";
import type { TableStateStore } from "./state.js";

/** The state-table namespace of the orchestrator's records. */
export const ORCHESTRATOR_NAMESPACE = "orchestrator";

/** What the orchestrator applied to a VM. */
export interface OrchestratorRecord {
  /** The persona it applied (never the stack's: the record goes when the VM is back on it). */
  digest: string;
  /** The run-time alerts it created for it: the persona's alarms no fleet-wide rule covers. */
  alarms: string[];
  at: number;
}

/** The orchestrator's record of a VM, with its ETag; undefined when run time owns nothing of it. */
export function readApplied(
  state: TableStateStore,
  vmId: string,
): Promise<{ value: OrchestratorRecord; etag: string } | undefined> {
  return state.readDocument<OrchestratorRecord>(ORCHESTRATOR_NAMESPACE, vmId);
}

/**
 * The persona digest a member VM runs, and where that comes from: the orchestrator's record
 * (`runtime`) or the stack's membership record (`stack`).
 */
export async function runningDigest(
  state: TableStateStore,
  vmId: string,
  member: FleetMemberRecord,
): Promise<{ digest: string; source: "runtime" | "stack" }> {
  const applied = (await readApplied(state, vmId))?.value.digest;
  return applied === undefined
    ? { digest: member.digest, source: "stack" }
    : { digest: applied, source: "runtime" };
}

/**
 * Why a fleet-wide rule's alert is not this VM's: the rule watches another persona than the one the VM
 * runs (by the membership record, or by the orchestrator's record when it applied another persona).
 */
export function fleetDigestRefusal(
  alertRule: string,
  ruleDigest: string,
  vmId: string,
  running: { digest?: string | undefined; source: "runtime" | "stack" },
): string {
  return running.source === "stack"
    ? `Alert ${alertRule} is the fleet-wide rule of persona ${ruleDigest}, but ${vmId} is a member with persona ${running.digest}; nothing was done.`
    : `Alert ${alertRule} is the fleet-wide rule of persona ${ruleDigest}, but ${vmId} runs persona ${running.digest} (the orchestrator's record); nothing was done.`;
}
