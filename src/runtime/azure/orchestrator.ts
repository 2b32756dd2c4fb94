/**
 * The Azure run-time orchestrator (the `orchestrator` app): brings each member VM's run-time alerts
 * in line with the persona it runs now, like the AWS orchestrator (docs/orchestrator.md), and owns
 * only what run time owns: alerts named `runtimeAlarmName({fleet, stack}, <VM name>, <alarm id>)`
 * tagged `persona:owner=runtime`, and its record per VM in the state table (`orchestrator` / VM id:
 * the digest applied and its alarm ids; the intake accepts a run-time alert only with that digest).
 *
 * Invocations: Event Grid `Microsoft.Resources.ResourceWriteSuccess` events on the fleet's resource
 * group (VM and tag writes; events carry no tags, so the VM is read; delivery is at-least-once and
 * unordered, so each event reconciles from the VM's current state and a replay writes nothing), and
 * a sweep timer that reads every VM with its tags through one Resource Graph query per 1,000 VMs.
 *
 * The persona: the stack's (the membership record's digest), unless `persona:active` names another
 * persona and all hold (as on AWS, docs/security.md): the shift responder recorded that shift in the
 * state table (a tag alone proves nothing), the stack's persona declares a `Shift persona to` it,
 * and the fleet manifest (`manifest/fleet.json`, the stack's) has exactly one persona of that name.
 * A VM whose persona and alerts are unchanged costs no write.
 *
 * Fleet-wide rules (issue 18): the alarms the manifest marks `fleetWide` were deployed as one rule
 * per persona × alarm over the fleet's resource group, which fires per VM and already covers every VM
 * of the group; the intake accepts its alert for a VM that runs the rule's persona by this record.
 * So run time creates alerts only for the persona's other (per-instance) alarms, deletes the ones a
 * fleet-wide rule now covers, and records the persona even when no alert is needed.
 */
import type { EventGridEvent, InvocationContext, Timer } from "@azure/functions";
import type { FleetManifest, FleetMemberRecord } from "../../plan/manifest.js";
import { runtimeAlarmName } from "../../plan/names.js";
import { responderOf } from "../../plan/responders.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../../plan/tags.js";
import { describeError } from "../aws/log.js";
import { ORCHESTRATOR_NAMESPACE, type OrchestratorRecord, readApplied } from "./applied.js";
import type { AzureRuntimeContext, AzureRuntimeOptions } from "./context.js";
import {
  AZURE_MEMBER_ID_PATTERN,
  memberIdOf,
  WEBHOOK_PROPERTIES,
  WEBHOOK_SCHEMA_VERSION,
} from "./contract.js";
import { fleetScope, regionName } from "./env.js";
import { ArmRequestError, ManifestError } from "./errors.js";
import { getVm } from "./vm.js";
import { contextOrLog, METRIC_ALERTS_API_VERSION } from "./worker.js";

export const RESOURCE_GRAPH_API_VERSION = "2022-10-01";
export { ORCHESTRATOR_NAMESPACE, type OrchestratorRecord };

/** Rows per Resource Graph page (its maximum). */
const GRAPH_PAGE = 1000;

/** What one reconcile did. */
export interface ReconcileResult {
  vmId: string;
  outcome: "unchanged" | "applied" | "reverted" | "skipped";
  reason: string;
  /** ARM writes (alert PUTs and DELETEs). */
  writes: number;
  /** The alarms of the VM's run-time persona that a fleet-wide rule covers (no run-time alert); absent when none. */
  fleetWide?: string[];
}

/** Makes the Event Grid handler. */
export function createOrchestratorEvents(options: AzureRuntimeOptions = {}) {
  let ctx: AzureRuntimeContext | undefined;
  return async (event: EventGridEvent, _invocation: InvocationContext): Promise<ReconcileResult> => {
    ctx ??= contextOrLog("orchestrator", options);
    return onEvent(ctx, event);
  };
}

/** Makes the sweep timer's handler. */
export function createOrchestratorSweep(options: AzureRuntimeOptions = {}) {
  let ctx: AzureRuntimeContext | undefined;
  return async (_timer: Timer, _invocation: InvocationContext): Promise<ReconcileResult[]> => {
    ctx ??= contextOrLog("orchestrator", options);
    return sweepFleet(ctx);
  };
}

async function onEvent(ctx: AzureRuntimeContext, event: EventGridEvent): Promise<ReconcileResult> {
  const data = (event.data ?? {}) as { resourceUri?: unknown };
  const uri = typeof data.resourceUri === "string" ? data.resourceUri : event.subject;
  const vmId = memberIdOf(
    String(uri ?? "").replace(/\/providers\/microsoft\.resources\/tags\/default$/i, ""),
  );
  if (event.eventType !== "Microsoft.Resources.ResourceWriteSuccess" || !AZURE_MEMBER_ID_PATTERN.test(vmId)) {
    return skipped(
      ctx,
      vmId,
      "not-a-vm-write",
      `event ${event.eventType} for ${String(uri).slice(0, 200)} is not a VM write`,
    );
  }
  if (!vmId.startsWith(`${memberIdOf(fleetScope(ctx.env))}/`)) {
    // Event Grid's subscription is on the fleet's group: another group's VM here is refused and audited.
    return refused(
      ctx,
      vmId,
      "other-resource-group",
      `VM ${vmId} is outside the fleet's resource group ${ctx.env.resourceGroup}; nothing was done.`,
    );
  }
  const manifest = await requireManifest(ctx);
  let vm: { tags: Record<string, string>; location: string };
  try {
    vm = await getVm(ctx.arm, vmId);
  } catch (error) {
    // A VM deleted after the event: nothing to reconcile (its alerts are the stack's to remove).
    if (error instanceof ArmRequestError && error.status === 404)
      return skipped(ctx, vmId, "gone", `VM ${vmId} no longer exists`);
    throw error;
  }
  return reconcile(ctx, manifest, vmId, vm.tags, { location: vm.location });
}

/** Reconciles every VM of the fleet's resource group, with its tags from Resource Graph. */
export async function sweepFleet(ctx: AzureRuntimeContext): Promise<ReconcileResult[]> {
  const manifest = await requireManifest(ctx);
  // One query for every record, instead of one table read per VM.
  const records = new Map(
    (await ctx.state.listDocuments<OrchestratorRecord>(ORCHESTRATOR_NAMESPACE)).map((r) => [
      r.id,
      { value: r.value, etag: r.etag },
    ]),
  );
  const results: ReconcileResult[] = [];
  let skipToken: string | undefined;
  // Bounded: 1,000 pages of 1,000 VMs is far beyond a resource group's VMs.
  for (let page = 0; page < 1000; page++) {
    const { body } = await ctx.arm.request<{
      data?: { id: string; location?: string; tags?: Record<string, string> }[];
      $skipToken?: string;
    }>(
      "POST",
      "/providers/Microsoft.ResourceGraph/resources",
      RESOURCE_GRAPH_API_VERSION,
      {
        subscriptions: [ctx.env.subscriptionId],
        query: `Resources | where type =~ 'microsoft.compute/virtualmachines' and resourceGroup =~ '${ctx.env.resourceGroup}' | project id, location, tags`,
        options: {
          $top: GRAPH_PAGE,
          ...(skipToken ? { $skipToken: skipToken } : {}),
          resultFormat: "objectArray",
        },
      },
      "read",
    );
    for (const row of body.data ?? []) {
      try {
        const vmId = memberIdOf(row.id);
        results.push(
          await reconcile(ctx, manifest, vmId, row.tags ?? {}, {
            recorded: records.get(vmId),
            ...(row.location !== undefined ? { location: row.location } : {}),
          }),
        );
      } catch (error) {
        ctx.log.decision("failed", (error as Error).message, {
          vmId: row.id,
          reason: "error",
          error: describeError(error),
        });
        results.push({ vmId: memberIdOf(row.id), outcome: "skipped", reason: "error", writes: 0 });
      }
    }
    skipToken = body.$skipToken;
    if (skipToken === undefined) break;
  }
  return results;
}

async function requireManifest(ctx: AzureRuntimeContext): Promise<FleetManifest> {
  const manifest = await ctx.fleet.fleetManifest();
  if (manifest === undefined) {
    throw new ManifestError(
      "The fleet store has no manifest/fleet.json; the orchestrator applies nothing until `pulumi up` writes it.",
    );
  }
  return manifest;
}

function skipped(ctx: AzureRuntimeContext, vmId: string, reason: string, detail: string): ReconcileResult {
  ctx.log.decision("skipped", detail, { vmId, reason });
  return { vmId, outcome: "skipped", reason, writes: 0 };
}

/** A VM the orchestrator must not act on: logged as a `rejected` decision (the audit), nothing written. */
function refused(ctx: AzureRuntimeContext, vmId: string, reason: string, detail: string): ReconcileResult {
  ctx.log.decision("rejected", detail, { vmId, reason });
  return { vmId, outcome: "skipped", reason, writes: 0 };
}

/** The digest a VM should run, and why. */
async function targetOf(
  ctx: AzureRuntimeContext,
  manifest: FleetManifest,
  vmId: string,
  member: FleetMemberRecord,
  tags: Record<string, string>,
): Promise<{ digest: string; reason: string }> {
  const stack = manifest.personas[member.digest];
  const active = tags[PERSONA_TAGS.active];
  if (stack === undefined || active === undefined || active === stack.name)
    return { digest: member.digest, reason: "stack-persona" };
  const shift = await ctx.state.readDocument<{ current?: string }>("persona", vmId);
  if (shift?.value.current !== active) return { digest: member.digest, reason: "shift-not-recorded" };
  const declared = Object.values(stack.responses).some((r) =>
    r.actions.some(
      (a) => a.kind === "shift-persona" && a.persona !== undefined && a.persona.split("@")[0] === active,
    ),
  );
  if (!declared) return { digest: member.digest, reason: "shift-not-declared" };
  const candidates = Object.entries(manifest.personas).filter(([, p]) => p.name === active);
  if (candidates.length !== 1) return { digest: member.digest, reason: "unpinned-persona" };
  return { digest: candidates[0]![0], reason: "shifted" };
}

/** Brings one VM's run-time alerts in line. */
export async function reconcile(
  ctx: AzureRuntimeContext,
  manifest: FleetManifest,
  vmId: string,
  tags: Record<string, string>,
  /**
   * What the caller read already: the VM's region (to refuse a VM outside the fleet's), and its record
   * when the caller read every record (the sweep).
   */
  seen: { location?: string; recorded?: { value: OrchestratorRecord; etag: string } | undefined } = {},
): Promise<ReconcileResult> {
  const member = await ctx.fleet.member(vmId);
  if (member === undefined) {
    // Anyone who may tag a VM can tag it into the fleet: that is audited; an untagged VM is simply not ours.
    if (tags[ctx.env.fleetTagKey] === ctx.env.fleet)
      return refused(
        ctx,
        vmId,
        "not-member",
        `VM ${vmId} carries ${ctx.env.fleetTagKey}=${ctx.env.fleet}, but the stack's membership record does not list it (a tag is not membership); nothing was done.`,
      );
    return { vmId, outcome: "skipped", reason: "not-member", writes: 0 };
  }
  // A fleet-wide metric rule watches the VMs of the fleet's region only (its targetResourceRegion).
  const region = seen.location === undefined ? undefined : regionName(seen.location);
  if (ctx.env.location !== undefined && region !== ctx.env.location)
    return refused(
      ctx,
      vmId,
      "other-region",
      `VM ${vmId} is in region ${seen.location ?? "(unknown)"}, not the fleet's region ${ctx.env.location}, where the stack creates its VMs and its fleet-wide rules watch; nothing was done.`,
    );
  const target = await targetOf(ctx, manifest, vmId, member, tags);
  const recorded = "recorded" in seen ? seen.recorded : await readApplied(ctx.state, vmId);
  const runtime = target.digest !== member.digest;
  const persona = manifest.personas[target.digest];
  // The stack's persona needs nothing of run time; another gets alerts for what no fleet-wide rule covers.
  const alarms =
    runtime && persona !== undefined
      ? Object.entries(persona.alarms).filter(([, alarm]) => alarm.azure !== undefined)
      : [];
  const wanted = alarms.filter(([, alarm]) => alarm.fleetWide !== true);
  const fleetWide = alarms.filter(([, alarm]) => alarm.fleetWide === true).map(([id]) => id);
  const covered = fleetWide.length > 0 ? { fleetWide } : {};
  const current = recorded?.value.digest ?? member.digest;
  const had = new Set(current === target.digest ? (recorded?.value.alarms ?? []) : []);
  if (current === target.digest && had.size === wanted.length && wanted.every(([id]) => had.has(id)))
    return { vmId, outcome: "unchanged", reason: target.reason, writes: 0, ...covered };
  const vmName = vmId.slice(vmId.lastIndexOf("/") + 1);
  const scope = { fleet: ctx.env.fleet, stack: ctx.env.stack };
  const alertPath = (alarmId: string) =>
    `${fleetScope(ctx.env)}/providers/Microsoft.Insights/metricAlerts/${encodeURIComponent(runtimeAlarmName(scope, vmName, alarmId))}`;
  let writes = 0;
  const keep = new Set(wanted.map(([id]) => id));
  for (const [alarmId, alarm] of wanted) {
    // Same persona, alert already made: nothing to write.
    if (had.has(alarmId) || persona === undefined) continue;
    const kinds = [...new Set(alarm.actions.map(responderOf))];
    const actions = kinds.flatMap((kind) => {
      const group = ctx.env.actionGroups[kind];
      return group === undefined
        ? []
        : [
            {
              actionGroupId: group,
              webHookProperties: {
                [WEBHOOK_PROPERTIES.schema]: WEBHOOK_SCHEMA_VERSION,
                [WEBHOOK_PROPERTIES.fleet]: ctx.env.fleet,
                [WEBHOOK_PROPERTIES.stack]: ctx.env.stack,
                [WEBHOOK_PROPERTIES.persona]: persona.name,
                [WEBHOOK_PROPERTIES.version]: persona.version,
                [WEBHOOK_PROPERTIES.digest]: target.digest,
                [WEBHOOK_PROPERTIES.triggerId]: alarmId.replace(/-clear$/, ""),
                [WEBHOOK_PROPERTIES.alarmId]: alarmId,
                [WEBHOOK_PROPERTIES.intent]: alarm.intent,
                [WEBHOOK_PROPERTIES.member]: member.key,
                [WEBHOOK_PROPERTIES.owner]: "runtime",
              },
            },
          ];
    });
    const spec = alarm.azure!;
    await ctx.arm.request("PUT", alertPath(alarmId), METRIC_ALERTS_API_VERSION, {
      location: "global",
      tags: { [ALARM_OWNER_TAG]: "runtime", [ctx.env.fleetTagKey]: ctx.env.fleet },
      properties: {
        description: `${persona.name} ${persona.version} (run time): alarm ${alarmId}`,
        severity: 3,
        enabled: true,
        scopes: [vmId],
        evaluationFrequency: spec.evaluationFrequency,
        windowSize: spec.windowSize,
        criteria: {
          "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
          allOf: [
            {
              criterionType: "StaticThresholdCriterion",
              name: "personas",
              metricNamespace: spec.metricNamespace,
              metricName: spec.metricName,
              operator: spec.operator,
              threshold: spec.threshold,
              timeAggregation: spec.timeAggregation,
            },
          ],
        },
        autoMitigate: true,
        actions,
      },
    });
    writes++;
  }
  for (const alarmId of recorded?.value.alarms ?? []) {
    // Kept only when the persona is the same: another persona's alert of the same id is rewritten above.
    if (keep.has(alarmId)) continue;
    // Only an alert run time owns is deleted: a run-time name without the owner tag is left alone.
    try {
      const { body } = await ctx.arm.request<{ tags?: Record<string, string> }>(
        "GET",
        alertPath(alarmId),
        METRIC_ALERTS_API_VERSION,
      );
      if (body.tags?.[ALARM_OWNER_TAG] !== "runtime") continue;
    } catch (error) {
      if (error instanceof ArmRequestError && error.status === 404) continue;
      throw error;
    }
    await ctx.arm.request("DELETE", alertPath(alarmId), METRIC_ALERTS_API_VERSION);
    writes++;
  }
  if (!runtime) {
    await ctx.state.deleteDocument(ORCHESTRATOR_NAMESPACE, vmId, recorded?.etag);
  } else {
    // Written even with no alert: the intake reads it to accept the fleet-wide rules' alerts for this VM.
    const record: OrchestratorRecord = { digest: target.digest, alarms: [...keep], at: ctx.now() };
    await ctx.state.writeDocument(ORCHESTRATOR_NAMESPACE, vmId, record, recorded?.etag);
  }
  const outcome = runtime ? "applied" : "reverted";
  ctx.log.decision(
    "acted",
    `${vmName}: ${outcome} persona ${persona?.name ?? target.digest} (${target.reason}); ${writes} alert write(s)${fleetWide.length > 0 ? `; covered by fleet-wide rules: ${fleetWide.join(", ")}` : ""}`,
    {
      vmId,
      reason: target.reason,
      digest: target.digest,
      ...covered,
    },
  );
  return { vmId, outcome, reason: target.reason, writes, ...covered };
}
