/**
 * The run-time orchestrator: brings instances whose tags changed outside Pulumi (or whose persona a
 * responder shifted) in line with the persona their tags resolve to. It owns, per instance:
 * - alarms named `personas-<fleet>-runtime-<instance>-<alarm>` and tagged `persona:owner=runtime`
 *   (created, updated and deleted here; alarms without that tag are never touched);
 * - the agent configuration parameter `<AGENT_PARAMETER_PREFIX>/<instance>`;
 * - the software (the persona's install script, the same as the user data, through Run Command);
 * - feature states (reset to the persona's defaults) and the baseline size (through the scale responder);
 * - one item per instance in the state table (`pk = orchestrator#<fleet>`, `sk = <instance id>`): the
 *   digest whose software, agent, features and size it applied last (one Query reads a fleet).
 * What is unchanged costs no write; the reads are batched per sweep.
 */
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import {
  type CommandInvocationStatus,
  GetCommandInvocationCommand,
  PutParameterCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import { alarmDescription, buildManifest, type FleetManifest } from "../../../plan/manifest.js";
import { runtimeAlarmName } from "../../../plan/names.js";
import { type PersonaPlan, planPersona } from "../../../plan/plan.js";
import { alarmResponders, okResponders } from "../../../plan/render.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../../../plan/tags.js";
import { cloudWatchAgentConfig, personasAgentConfig, renderUserData } from "../../../plan/user-data.js";
import { defineMapping } from "../../../resolve/mapping.js";
import {
  createResolutionContext,
  type ResolutionContext,
  type ResolvedPersona,
  resolveInstance,
} from "../../../resolve/resolve.js";
import { BaselineEvent } from "../events.js";
import type { ResponderLog } from "../log.js";
import type { ManifestSource } from "../manifest-source.js";
import type { OrchestratorClients } from "./context.js";
import type { OrchestratorEnv } from "./env.js";
import {
  AlarmNotOwnedError,
  ApplyGaveUpError,
  type FaultReason,
  faultReason,
  PinsUnavailableError,
  ShiftRefusedError,
  UnknownActivePersonaError,
  UnpinnedDigestError,
} from "./errors.js";
import type { PublishedSource } from "./source.js";

/** The tag that marks an alarm as the orchestrator's. */
export const RUNTIME_OWNER_TAG = { key: ALARM_OWNER_TAG, value: "runtime" } as const;

/** The run-time alarm name of an instance's alarm (src/plan/names.ts; responders recompute it). */
export { runtimeAlarmName };

/** What happened to one instance. */
export interface InstanceOutcome {
  instanceId: string;
  /**
   * `unchanged`: nothing written; `applied`: something was; `pending`: the install command was sent
   * (now or earlier) and has not reported success yet, the next invocation checks it again;
   * `fault`: nothing was changed, see `reason`.
   */
  status: "unchanged" | "applied" | "pending" | "fault";
  /** The persona in force (`Name@version`), when resolved. */
  persona?: string;
  /** `stack`: the persona the stack deployed (run time owns nothing); `runtime`: another one. */
  owner?: "stack" | "runtime";
  /** What was written, e.g. `alarm:put cpu-utilization-above`. */
  changes: string[];
  reason?: FaultReason;
  message?: string;
}

/** The outcome of one reconciliation. */
export interface ReconcileSummary {
  instances: InstanceOutcome[];
  unchanged: number;
  applied: number;
  pending: number;
  faults: number;
}

/**
 * What the state table says about an instance (`pk = orchestrator#<fleet>`, `sk = <instance>`).
 * `pending`: claimed and being applied (or abandoned by a timed-out invocation); `applied`: the
 * install command reported `Success`. Records written before statuses existed read as `applied`.
 */
export interface AppliedRecord {
  digest: string;
  status: "pending" | "applied";
  /** When the record was last written (ISO 8601); a claim's identity for conditional writes. */
  at: string;
  /** Applies tried for this digest, counting this one. */
  attempts: number;
  /** The Run Command id of the install, once sent. */
  commandId?: string;
  /** Why the last attempt failed, when it did. */
  failure?: string;
  /** `stack`: the change brings the instance back to the stack's persona (the record goes on success). */
  target: "stack" | "runtime";
}

/** How long a pending record without a command may stay before a sweep takes it over (a Lambda invocation lasts at most 15 minutes). */
export const STALE_PENDING_MS = 15 * 60_000;
/** Applies tried per digest before the orchestrator gives up and reports `apply-failed` until the persona changes. */
export const MAX_APPLY_ATTEMPTS = 3;

/**
 * GetCommandInvocation statuses (SSM API Reference, "GetCommandInvocation" and "Understanding command
 * statuses"): Pending, InProgress, Delayed and Cancelling are not final; Success is; Cancelled,
 * TimedOut and Failed are final failures.
 */
const RUNNING_STATUSES: ReadonlySet<CommandInvocationStatus> = new Set([
  "Pending",
  "InProgress",
  "Delayed",
  "Cancelling",
]);

/** Collaborators of the orchestrator. */
export interface OrchestratorDeps {
  env: OrchestratorEnv;
  clients: OrchestratorClients;
  log: ResponderLog;
  source: PublishedSource;
  /** The fleet store: the membership record, and where run-time persona entries are written. */
  store: ManifestSource;
  /** The clock (tests move it). @default Date.now */
  now?: () => number;
  /**
   * How the install command's result is awaited within one invocation: `polls` GetCommandInvocation
   * calls `delayMs` apart; a command still running after them stays pending for the next invocation.
   * @default { polls: 3, delayMs: 2000 }
   */
  commandWait?: { polls: number; delayMs: number };
}

interface Desired {
  owner: "stack" | "runtime";
  plan: PersonaPlan;
  /** Rendered before anything is written, so a rendering fault changes nothing. */
  rendered: Rendered;
}

interface Rendered {
  agentConfig: string;
  script: string;
}

const BASELINE_TAGS: ReadonlySet<string> = new Set(Object.values(PERSONA_TAGS));

/** What the stack deployed, read from its fleet manifest once per invocation. */
interface StackPins {
  /** The parameter read, for messages. */
  parameter: string;
  /** Persona digests the stack deployed: the only ones applied unless the mapping sets runtimeVersions. */
  digests: ReadonlySet<string>;
  /** Persona names the stack's personas may shift to. */
  shiftTargets: ReadonlySet<string>;
  /**
   * `<digest>|<alarm id>` of the alarms the stack deployed as one fleet-wide rule: the rule covers
   * every member of that persona, so the orchestrator creates no alarm of its own for them.
   */
  fleetWideAlarms: ReadonlySet<string>;
}

/** The state-table document the shift responder writes (`persona#<instance>`, `previous`). */
interface ShiftRecord {
  previous?: unknown;
  current?: unknown;
}

/** The persona names a persona's responses shift to (`Shift persona to LockedDown@^1` → LockedDown). */
function shiftTargetsOf(
  responses: readonly { actions: readonly { kind: string; persona?: string | undefined }[] }[],
): string[] {
  return responses.flatMap((r) =>
    r.actions.flatMap((a) =>
      a.kind === "shift-persona" && a.persona ? [a.persona.replace(/@.*$/, "")] : [],
    ),
  );
}
const MAX_PAGES = 200;

/** Reconciles instances of one fleet. Build once per container. */
export class Orchestrator {
  private activeContexts = new Map<string, ResolutionContext>();
  private readonly renderedByDigest = new Map<string, Rendered>();
  /** Run-time manifest entries written by this invocation, by digest. */
  private manifestEntries = new Map<string, Promise<void>>();
  private activeContextsOf: ResolutionContext | undefined;

  constructor(private readonly deps: OrchestratorDeps) {}

  /**
   * Reconciles the given instances, or the whole fleet (a sweep) when `instanceIds` is undefined.
   * Faults are per instance: logged, counted, and the instance is left as it was.
   */
  async reconcile(instanceIds?: readonly string[]): Promise<ReconcileSummary> {
    const { env, log } = this.deps;
    const fleet = env.fleetName;
    this.manifestEntries = new Map();
    let context: ResolutionContext;
    try {
      context = await this.deps.source.current();
    } catch (error) {
      // Nothing can be resolved: every instance stays as it is.
      const reason = faultReason(error);
      log.decision("rejected", `Reconciliation skipped: ${(error as Error).message}`, {
        reason,
        instances: instanceIds ?? "sweep",
      });
      const ids = instanceIds ?? [];
      return {
        instances: ids.map((id) => ({
          instanceId: id,
          status: "fault",
          changes: [],
          reason,
          message: (error as Error).message,
        })),
        unchanged: 0,
        applied: 0,
        pending: 0,
        faults: Math.max(ids.length, 1),
      };
    }
    const [tagged, alarms, applied, members, pins] = await Promise.all([
      this.describeInstances(fleet, instanceIds),
      this.describeRuntimeAlarms(fleet, instanceIds),
      this.readApplied(fleet, instanceIds),
      this.deps.store.members(),
      this.readPins(),
    ]);
    // The fleet tag only narrows the listing: an instance is reconciled when the stack's membership
    // record lists it. Anyone can tag an instance; nothing is written to or sent to one that is not a member.
    const instances = tagged.filter((i) => members.members[i.InstanceId!] !== undefined);
    const refused: InstanceOutcome[] = tagged
      .filter((i) => members.members[i.InstanceId!] === undefined)
      .map((i) => {
        const message = `Instance ${i.InstanceId} carries ${env.fleetTagKey}=${fleet} but the stack's membership record does not list it; it was left alone (a tag is not membership).`;
        log.decision("rejected", message, { reason: "not-member", instanceId: i.InstanceId });
        return { instanceId: i.InstanceId!, status: "fault", changes: [], reason: "not-member", message };
      });
    const outcomes: InstanceOutcome[] = new Array(instances.length);
    let next = 0;
    const worker = async () => {
      while (next < instances.length) {
        const index = next++;
        const instance = instances[index]!;
        outcomes[index] = await this.reconcileOne(context, instance, alarms, applied, pins);
      }
    };
    await Promise.all(Array.from({ length: Math.min(env.concurrency, instances.length) }, worker));
    outcomes.push(...refused);
    const summary: ReconcileSummary = {
      instances: outcomes,
      unchanged: 0,
      applied: 0,
      pending: 0,
      faults: 0,
    };
    for (const o of outcomes) {
      if (o.status === "unchanged") summary.unchanged++;
      else if (o.status === "applied") summary.applied++;
      else if (o.status === "pending") summary.pending++;
      else summary.faults++;
    }
    log.info("Reconciled", {
      scope: instanceIds === undefined ? "sweep" : "instances",
      instances: outcomes.length,
      unchanged: summary.unchanged,
      applied: summary.applied,
      pending: summary.pending,
      faults: summary.faults,
    });
    return summary;
  }

  private async reconcileOne(
    context: ResolutionContext,
    instance: Instance,
    alarms: ReadonlyMap<string, MetricAlarm[]>,
    applied: ReadonlyMap<string, AppliedRecord>,
    pins: StackPins,
  ): Promise<InstanceOutcome> {
    const instanceId = instance.InstanceId!;
    const outcome: InstanceOutcome = { instanceId, status: "unchanged", changes: [] };
    try {
      const desired = await this.desired(context, instance, pins);
      outcome.persona = `${desired.plan.persona.name}@${desired.plan.persona.version}`;
      outcome.owner = desired.owner;
      await this.reconcileAlarms(instanceId, desired, alarms.get(instanceId) ?? [], outcome.changes, pins);
      const confirmed = await this.reconcileInstance(
        instance,
        desired,
        applied.get(instanceId),
        outcome.changes,
      );
      if (!confirmed) outcome.status = "pending";
      else if (outcome.changes.length > 0) outcome.status = "applied";
      if (outcome.changes.length > 0) {
        this.deps.log.decision("acted", `Applied ${outcome.persona} to ${instanceId}`, {
          instanceId,
          persona: outcome.persona,
          owner: desired.owner,
          changes: outcome.changes,
        });
      }
      return outcome;
    } catch (error) {
      const reason = faultReason(error);
      this.deps.log.decision("rejected", `Left ${instanceId} unchanged: ${(error as Error).message}`, {
        reason,
        instanceId,
        ...(outcome.changes.length > 0 ? { partial: outcome.changes } : {}),
      });
      return { ...outcome, status: "fault", reason, message: (error as Error).message };
    }
  }

  /**
   * The persona an instance's tags call for, and whether the stack already deploys it. The mapping
   * decides, unless a shift is in force and accepted ({@link acceptedShift}); the digest must be one
   * the stack deployed unless the mapping sets `runtimeVersions: true`.
   */
  private async desired(context: ResolutionContext, instance: Instance, pins: StackPins): Promise<Desired> {
    const tags: Record<string, string> = {};
    for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
    const subject = {
      id: instance.InstanceId!,
      tags: Object.fromEntries(Object.entries(tags).filter(([key]) => !BASELINE_TAGS.has(key))),
    };
    const active = tags[PERSONA_TAGS.active];
    const stackName = tags[PERSONA_TAGS.name];
    const stackDigest = tags[PERSONA_TAGS.digest];
    const mapped = resolveInstance(subject, context, { cloud: "aws" });
    const resolved =
      active !== undefined && active !== "" && active !== stackName && active !== mapped.ref.name
        ? await this.acceptedShift(context, subject, active, mapped, pins)
        : mapped;
    const plan = planPersona(resolved);
    if (context.mapping.runtimeVersions !== true && !pins.digests.has(plan.persona.digest)) {
      throw new UnpinnedDigestError(
        `${plan.persona.name}@${plan.persona.version} for ${subject.id} has digest ${plan.persona.digest}, which the stack did not deploy (its fleet manifest ${pins.parameter} pins ${pins.digests.size}), and the mapping does not set runtimeVersions: true; nothing was changed. Deploy the stack with this persona, or set 'runtimeVersions: true' in the mapping to let the orchestrator apply published versions the stack did not deploy.`,
      );
    }
    return {
      owner: plan.persona.digest === stackDigest ? "stack" : "runtime",
      plan,
      rendered: this.render(plan),
    };
  }

  /**
   * The persona of an accepted shift, or the mapping's when an overriding rule is in force. A shift is
   * accepted only when: it names a persona without a version; the shift responder recorded it (the
   * state table's shift record of the instance says `current` is this persona; a tag alone proves
   * nothing); the repository has the persona; and the persona the mapping gives, or one the stack
   * deployed, declares a shift to it.
   * @throws {@link ShiftRefusedError}, {@link UnknownActivePersonaError}.
   */
  private async acceptedShift(
    context: ResolutionContext,
    subject: { id: string; tags: Record<string, string> },
    active: string,
    mapped: ResolvedPersona,
    pins: StackPins,
  ): Promise<ResolvedPersona> {
    const tag = `${PERSONA_TAGS.active}=${active}`;
    if (mapped.rule.overriding === true) return mapped; // a quarantine rule stays in force
    if (active.includes("@")) {
      throw new ShiftRefusedError(
        `Tag ${tag} pins a version; a shift names a persona, and the repository gives its version. Nothing was changed; write the persona's name alone (${PERSONA_TAGS.active}=${active.replace(/@.*$/, "")}).`,
      );
    }
    const record = await this.shiftRecord(subject.id);
    if (record?.current !== active) {
      const recorded =
        typeof record?.current === "string" ? `records a shift to ${record.current}` : "records no shift";
      throw new ShiftRefusedError(
        `Tag ${tag} is not a shift the shift responder made (the state table ${recorded} for ${subject.id}); a tag alone does not change a persona, so nothing was changed. Remove the tag, or let a persona's response shift it.`,
      );
    }
    const shifted = this.activeContext(context, active);
    const allowed = new Set([...shiftTargetsOf(mapped.persona.responses), ...pins.shiftTargets]);
    if (!allowed.has(active)) {
      throw new ShiftRefusedError(
        `Tag ${tag}: neither ${mapped.ref.name}@${mapped.ref.version}, the persona the mapping gives ${subject.id}, nor a persona the stack deployed declares a shift to ${active} (they allow: ${[...allowed].sort().join(", ") || "none"}); nothing was changed.`,
      );
    }
    return resolveInstance(subject, shifted, { cloud: "aws" });
  }

  /** The shift responder's record of the instance's last shift, if any. */
  private async shiftRecord(instanceId: string): Promise<ShiftRecord | undefined> {
    const item = await this.deps.clients.dynamodb.send(
      new GetItemCommand({
        TableName: this.deps.env.stateTable,
        Key: { pk: { S: `persona#${instanceId}` }, sk: { S: "previous" } },
        ConsistentRead: true,
      }),
    );
    const text = item.Item?.document?.S;
    if (text === undefined) return undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      return typeof parsed === "object" && parsed !== null ? (parsed as ShiftRecord) : undefined;
    } catch {
      return undefined; // not a record the responder wrote: no shift is recorded
    }
  }

  /** The digests and shift targets of the personas the stack deployed, from its fleet manifest. */
  private async readPins(): Promise<StackPins> {
    const parameter = this.deps.store.fleetManifestLocation;
    let manifest: FleetManifest | undefined;
    try {
      manifest = await this.deps.store.fleetManifest();
    } catch (error) {
      throw new PinsUnavailableError(
        `Cannot read the fleet manifest ${parameter}, which pins the digests the stack deployed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    // No manifest: the stack deployed nothing the orchestrator may re-apply without runtimeVersions.
    if (manifest === undefined)
      return { parameter, digests: new Set(), shiftTargets: new Set(), fleetWideAlarms: new Set() };
    const personas = Object.values(manifest.personas);
    return {
      parameter,
      digests: new Set(Object.keys(manifest.personas)),
      shiftTargets: new Set(personas.flatMap((p) => shiftTargetsOf(Object.values(p.responses)))),
      fleetWideAlarms: new Set(
        Object.entries(manifest.personas).flatMap(([digest, p]) =>
          Object.entries(p.alarms).flatMap(([id, alarm]) => (alarm.fleetWide ? [`${digest}|${id}`] : [])),
        ),
      ),
    };
  }

  /** The agent configuration and the install script of a plan (the user data's), memoised per plan. */
  private render(plan: PersonaPlan): Rendered {
    const key = `${plan.persona.digest}|${plan.compute.size ?? ""}`;
    let rendered = this.renderedByDigest.get(key);
    if (rendered === undefined) {
      const { env } = this.deps;
      const agent = env.agentOptions;
      rendered = {
        agentConfig: JSON.stringify({
          cloudwatch: cloudWatchAgentConfig(plan) ?? null,
          personas: agent ? (personasAgentConfig(plan, agent) ?? null) : null,
        }),
        script: renderUserData(plan, { os: env.operatingSystem, ...(agent ? { agent } : {}) }),
      };
      this.renderedByDigest.set(key, rendered);
    }
    return rendered;
  }

  /** A context resolving every instance to the shifted-to persona, with the fleet's override rules. */
  private activeContext(context: ResolutionContext, reference: string): ResolutionContext {
    if (this.activeContextsOf !== context) {
      this.activeContexts = new Map();
      this.activeContextsOf = context;
    }
    let found = this.activeContexts.get(reference);
    if (found === undefined) {
      try {
        context.repository.get(reference);
      } catch (error) {
        throw new UnknownActivePersonaError(
          `Tag ${PERSONA_TAGS.active}=${reference} names no published persona: ${(error as Error).message} Publish it, or retag the instance.`,
          { cause: error },
        );
      }
      try {
        found = createResolutionContext(
          context.repository,
          defineMapping(
            {
              defaultPersona: reference,
              instanceOverrides: [...context.mapping.instanceOverrides],
              overrideTagPrefix: context.mapping.overrideTagPrefix,
              rules: [],
            },
            { file: `${PERSONA_TAGS.active}=${reference}` },
          ),
        );
      } catch (error) {
        throw new UnknownActivePersonaError(
          `Tag ${PERSONA_TAGS.active}=${reference} cannot be resolved: ${(error as Error).message}`,
          { cause: error },
        );
      }
      this.activeContexts.set(reference, found);
    }
    return found;
  }

  private alarmInput(instanceId: string, plan: PersonaPlan, alarm: PersonaPlan["alarms"][number]) {
    const arns = this.deps.env.responderArns;
    const spec = alarm.aws;
    const input: PutMetricAlarmCommandInput = {
      AlarmName: runtimeAlarmName(this.deps.env.nameScope, instanceId, alarm.id),
      AlarmDescription: alarmDescription(plan, alarm),
      Namespace: spec.namespace,
      MetricName: spec.metricName,
      Statistic: spec.statistic,
      Dimensions: [{ Name: "InstanceId", Value: instanceId }],
      Period: spec.period,
      EvaluationPeriods: spec.evaluationPeriods,
      DatapointsToAlarm: spec.datapointsToAlarm,
      Threshold: spec.threshold,
      ComparisonOperator: spec.comparisonOperator,
      TreatMissingData: spec.treatMissingData,
      AlarmActions: alarmResponders(alarm).flatMap((k) => (arns[k] ? [arns[k]] : [])),
      OKActions: okResponders(alarm).flatMap((k) => (arns[k] ? [arns[k]] : [])),
      Tags: [
        { Key: RUNTIME_OWNER_TAG.key, Value: RUNTIME_OWNER_TAG.value },
        { Key: this.deps.env.fleetTagKey, Value: this.deps.env.fleetName },
      ],
    };
    return input;
  }

  private async reconcileAlarms(
    instanceId: string,
    desired: Desired,
    observed: readonly MetricAlarm[],
    changes: string[],
    pins: StackPins,
  ): Promise<void> {
    const { cloudwatch } = this.deps.clients;
    const digest = desired.plan.persona.digest;
    // A fleet-wide rule of the stack already covers the instance for those alarms (its query selects by InstanceId).
    const wanted =
      desired.owner === "runtime"
        ? desired.plan.alarms.filter((a) => !pins.fleetWideAlarms.has(`${digest}|${a.id}`))
        : [];
    const byName = new Map(observed.map((a) => [a.AlarmName!, a]));
    const keep = new Set<string>();
    for (const alarm of wanted) {
      const input = this.alarmInput(instanceId, desired.plan, alarm);
      const name = input.AlarmName!;
      keep.add(name);
      const current = byName.get(name);
      if (current !== undefined && sameAlarm(current, input)) continue;
      if (current !== undefined) await this.requireOwned(current);
      await cloudwatch.send(new PutMetricAlarmCommand(input));
      changes.push(`alarm:put ${alarm.id}`);
    }
    const stale = observed.filter((a) => !keep.has(a.AlarmName!));
    for (const alarm of stale) await this.requireOwned(alarm);
    if (stale.length > 0) {
      await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: stale.map((a) => a.AlarmName!) }));
      for (const alarm of stale) changes.push(`alarm:delete ${alarm.AlarmName}`);
    }
  }

  /** Refuses to change an alarm that lacks the run-time owner tag: the stack (or someone) owns it. */
  private async requireOwned(alarm: MetricAlarm): Promise<void> {
    const tags = await this.deps.clients.cloudwatch.send(
      new ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn }),
    );
    const owned = (tags.Tags ?? []).some(
      (t) => t.Key === RUNTIME_OWNER_TAG.key && t.Value === RUNTIME_OWNER_TAG.value,
    );
    if (!owned) {
      throw new AlarmNotOwnedError(
        `Alarm ${alarm.AlarmName} has the run-time name but not the tag ${RUNTIME_OWNER_TAG.key}=${RUNTIME_OWNER_TAG.value}; it is not the orchestrator's, so it was left alone. Rename or tag it.`,
      );
    }
  }

  /**
   * Software, agent configuration, features and size: applied once per persona change. The record
   * goes `pending` before the first write and `applied` only once the install command reported
   * `Success` (GetCommandInvocation); a pending record whose command failed, or that an invocation
   * abandoned (a Lambda timeout), is retried by a later invocation, at most {@link MAX_APPLY_ATTEMPTS}
   * times per digest. Returns false while the install is still pending.
   */
  private async reconcileInstance(
    instance: Instance,
    desired: Desired,
    record: AppliedRecord | undefined,
    changes: string[],
  ): Promise<boolean> {
    const instanceId = instance.InstanceId!;
    const digest = desired.plan.persona.digest;
    // Without a record, the instance carries what the stack gave it.
    if (record === undefined && desired.owner === "stack") return true;
    if (record?.status === "applied" && record.digest === digest) return true;
    let attempts = 1;
    if (record?.status === "pending" && record.digest === digest) {
      const state = await this.pendingState(instanceId, record);
      if (state === "succeeded") {
        await this.confirm(instanceId, record);
        changes.push("software:confirmed");
        return true;
      }
      if (state === "running") return false;
      if (record.attempts >= MAX_APPLY_ATTEMPTS) {
        throw new ApplyGaveUpError(
          `Gave up applying ${desired.plan.persona.name}@${desired.plan.persona.version} to ${instanceId} after ${record.attempts} attempts (last: ${record.failure ?? "the invocation applying it did not finish"}). Fix the cause, then delete the item pk=orchestrator#${this.deps.env.fleetName}, sk=${instanceId} from the state table (or change the persona) to try again.`,
        );
      }
      attempts = record.attempts + 1;
    }
    const { env, clients } = this.deps;
    const fleet = env.fleetName;
    const claim = await this.claim(fleet, instanceId, record, {
      digest,
      status: "pending",
      at: new Date(this.now()).toISOString(),
      attempts,
      target: desired.owner,
    });
    if (claim === undefined) return false; // another invocation is applying this change
    const plan = desired.plan;
    let commandId: string | undefined;
    try {
      if (desired.owner === "runtime") {
        // Once per digest and invocation: the responders find a persona the stack does not deploy there.
        let written = this.manifestEntries.get(digest);
        const first = written === undefined;
        if (written === undefined) {
          written = this.writeManifestEntry(fleet, plan);
          this.manifestEntries.set(digest, written);
        }
        await written;
        if (first) changes.push("manifest:runtime");
      }
      await clients.ssm.send(
        new PutParameterCommand({
          Name: `${env.agentParameterPrefix}/${instanceId}`,
          Value: desired.rendered.agentConfig,
          Type: "String",
          Overwrite: true,
        }),
      );
      changes.push("agent:config");
      const sent = await clients.ssm.send(
        new SendCommandCommand({
          DocumentName: env.commandDocument,
          InstanceIds: [instanceId],
          Comment: `personas: ${plan.persona.name} ${plan.persona.version}`.slice(0, 100),
          Parameters: { commands: [desired.rendered.script] },
        }),
      );
      commandId = sent.Command?.CommandId;
      changes.push("software:install");
      for (const feature of plan.features) {
        await clients.ssm.send(
          new PutParameterCommand({
            Name: `${env.featureParameterPrefix}/${instanceId}/${feature.id}`,
            Value: feature.initial,
            Type: "String",
            Overwrite: true,
          }),
        );
        changes.push(`feature:${feature.id}=${feature.initial}`);
      }
      const size = plan.compute.size;
      if (env.scaleFunction !== undefined && size !== undefined && instance.InstanceType !== size) {
        const event: BaselineEvent = {
          type: "personas.baseline",
          version: 1,
          instanceId,
          digest,
          size,
          transitionId: `orchestrator:${instanceId}@${digest}`,
        };
        await clients.lambda.send(
          new InvokeCommand({
            FunctionName: env.scaleFunction,
            InvocationType: "Event",
            Payload: new TextEncoder().encode(JSON.stringify(BaselineEvent.parse(event))),
          }),
        );
        changes.push(`size:${size}`);
      }
    } catch (error) {
      // The record stays pending with the failure, so the next event or sweep retries (bounded).
      await this.recordFailure(fleet, instanceId, claim, (error as Error).message, commandId);
      throw error;
    }
    if (commandId === undefined) {
      await this.recordFailure(fleet, instanceId, claim, "SendCommand returned no command id", undefined);
      throw new ApplyGaveUpError(
        `Run Command returned no command id for ${instanceId}; the install is retried.`,
      );
    }
    const pending: AppliedRecord = { ...claim, commandId };
    await this.writeRecord(fleet, instanceId, pending, claim);
    const state = await this.awaitCommand(instanceId, pending);
    if (state === "succeeded") {
      await this.confirm(instanceId, pending);
      return true;
    }
    if (state === "failed") {
      // Kept pending with the failure: the next invocation retries it (bounded by the attempts).
      await this.recordFailure(fleet, instanceId, pending, pending.failure ?? "failed", commandId);
      throw new ApplyGaveUpError(
        `The install command ${commandId} on ${instanceId} did not succeed (${pending.failure ?? "failed"}); the next sweep retries it.`,
      );
    }
    return false;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Polls the install command a bounded number of times within this invocation. */
  private async awaitCommand(
    instanceId: string,
    record: AppliedRecord,
  ): Promise<"succeeded" | "running" | "failed"> {
    const { polls, delayMs } = this.deps.commandWait ?? { polls: 3, delayMs: 2000 };
    for (let poll = 0; poll < polls; poll++) {
      if (poll > 0 && delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const state = await this.pendingState(instanceId, record);
      if (state !== "running") return state === "stale" ? "failed" : state;
    }
    return "running";
  }

  /**
   * Where a pending record stands: its command's result, or `stale` when it has none and is older
   * than {@link STALE_PENDING_MS} (the invocation that claimed it died), or a failure was recorded.
   */
  private async pendingState(
    instanceId: string,
    record: AppliedRecord,
  ): Promise<"succeeded" | "running" | "failed" | "stale"> {
    if (record.commandId === undefined) {
      if (record.failure !== undefined) return "failed";
      return this.now() - Date.parse(record.at) >= STALE_PENDING_MS ? "stale" : "running";
    }
    let status: CommandInvocationStatus | undefined;
    let detail: string | undefined;
    try {
      const invocation = await this.deps.clients.ssm.send(
        new GetCommandInvocationCommand({ CommandId: record.commandId, InstanceId: instanceId }),
      );
      status = invocation.Status;
      detail = invocation.StatusDetails;
    } catch (error) {
      // Shortly after SendCommand the invocation may not exist yet (SSM API Reference, GetCommandInvocation).
      if ((error as Error).name === "InvocationDoesNotExist") {
        return this.now() - Date.parse(record.at) >= STALE_PENDING_MS ? "stale" : "running";
      }
      throw error;
    }
    if (status === "Success") return "succeeded";
    if (status !== undefined && RUNNING_STATUSES.has(status)) return "running";
    record.failure = `command ${record.commandId} ended ${status ?? "without a status"}${detail && detail !== status ? ` (${detail})` : ""}`;
    return "failed";
  }

  /** Marks a pending record applied (or deletes it when the stack's persona is back). */
  private async confirm(instanceId: string, record: AppliedRecord): Promise<void> {
    const fleet = this.deps.env.fleetName;
    const condition = {
      ConditionExpression: "#at = :at AND digest = :digest",
      ExpressionAttributeNames: { "#at": "at" },
      ExpressionAttributeValues: { ":at": { S: record.at }, ":digest": { S: record.digest } },
    };
    try {
      if (record.target === "stack") {
        await this.deps.clients.dynamodb.send(
          new DeleteItemCommand({
            TableName: this.deps.env.stateTable,
            Key: appliedKey(fleet, instanceId),
            ...condition,
          }),
        );
      } else {
        const applied: AppliedRecord = {
          ...record,
          status: "applied",
          at: new Date(this.now()).toISOString(),
        };
        delete applied.failure;
        await this.deps.clients.dynamodb.send(
          new PutItemCommand({
            TableName: this.deps.env.stateTable,
            Item: recordItem(fleet, instanceId, applied),
            ...condition,
          }),
        );
      }
    } catch (error) {
      // Another invocation moved the record on (a newer change): that one decides.
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
  }

  /** Keeps the pending record with the failure, so the next invocation retries without waiting. */
  private async recordFailure(
    fleet: string,
    instanceId: string,
    claim: AppliedRecord,
    failure: string,
    commandId: string | undefined,
  ): Promise<void> {
    const failed: AppliedRecord = { ...claim, failure: failure.slice(0, 500) };
    if (commandId !== undefined) failed.commandId = commandId;
    try {
      await this.writeRecord(fleet, instanceId, failed, claim);
    } catch (error) {
      this.deps.log.error(
        `Could not record the failed apply on ${instanceId}; a sweep retries it once the claim is stale`,
        error,
        { instanceId },
      );
    }
  }

  /** Rewrites a record this invocation claimed, as long as nobody else claimed it since. */
  private async writeRecord(
    fleet: string,
    instanceId: string,
    record: AppliedRecord,
    claimed: AppliedRecord,
  ): Promise<void> {
    await this.deps.clients.dynamodb.send(
      new PutItemCommand({
        TableName: this.deps.env.stateTable,
        Item: recordItem(fleet, instanceId, record),
        ConditionExpression: "#at = :at AND digest = :digest",
        ExpressionAttributeNames: { "#at": "at" },
        ExpressionAttributeValues: { ":at": { S: claimed.at }, ":digest": { S: claimed.digest } },
      }),
    );
  }

  /** The persona's entry in the fleet store, where the responders find a persona the stack does not deploy. */
  private async writeManifestEntry(fleet: string, plan: PersonaPlan): Promise<void> {
    const manifest = buildManifest({
      fleet,
      personas: [plan],
      instances: [],
      responders: [],
      feeds: [],
      features: [],
      alarmTopology: [],
    });
    const digest = plan.persona.digest;
    await this.deps.store.writePersona(fleet, digest, manifest.personas[digest]!);
  }

  /**
   * Writes the pending record before the first write of an apply, conditionally on the record read:
   * of two invocations for the same change, one applies it. Returns the record written, or undefined
   * when another invocation got there first.
   */
  private async claim(
    fleet: string,
    instanceId: string,
    previous: AppliedRecord | undefined,
    next: AppliedRecord,
  ): Promise<AppliedRecord | undefined> {
    const condition =
      previous === undefined
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : {
            ConditionExpression: "digest = :previous AND #at = :at",
            ExpressionAttributeNames: { "#at": "at" },
            ExpressionAttributeValues: { ":previous": { S: previous.digest }, ":at": { S: previous.at } },
          };
    try {
      await this.deps.clients.dynamodb.send(
        new PutItemCommand({
          TableName: this.deps.env.stateTable,
          Item: recordItem(fleet, instanceId, next),
          ...condition,
        }),
      );
      return next;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return undefined;
      throw error;
    }
  }

  /** What was applied, per instance: one Query of the fleet's partition (1 MB a page, about 8,000 instances). */
  private async readApplied(
    fleet: string,
    instanceIds: readonly string[] | undefined,
  ): Promise<Map<string, AppliedRecord>> {
    const applied = new Map<string, AppliedRecord>();
    let start: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const output = await this.deps.clients.dynamodb.send(
        new QueryCommand({
          TableName: this.deps.env.stateTable,
          ConsistentRead: true,
          ...(instanceIds?.length === 1
            ? {
                KeyConditionExpression: "pk = :pk AND sk = :sk",
                ExpressionAttributeValues: {
                  ":pk": { S: appliedPartition(fleet) },
                  ":sk": { S: instanceIds[0]! },
                },
              }
            : {
                KeyConditionExpression: "pk = :pk",
                ExpressionAttributeValues: { ":pk": { S: appliedPartition(fleet) } },
              }),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of output.Items ?? []) {
        const id = item.sk?.S;
        const record = readRecord(item);
        if (id !== undefined && record !== undefined) applied.set(id, record);
      }
      start = output.LastEvaluatedKey;
      if (start === undefined) break;
    }
    return applied;
  }

  private async describeInstances(
    fleet: string,
    instanceIds: readonly string[] | undefined,
  ): Promise<Instance[]> {
    const out: Instance[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const output = await this.deps.clients.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: `tag:${this.deps.env.fleetTagKey}`, Values: [fleet] },
            { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
          ],
          ...(instanceIds === undefined ? { MaxResults: 1000 } : { InstanceIds: [...instanceIds] }),
          NextToken: token,
        }),
      );
      for (const reservation of output.Reservations ?? []) out.push(...(reservation.Instances ?? []));
      token = output.NextToken;
      if (token === undefined) break;
    }
    return out;
  }

  /** Run-time alarms by instance: one prefix query for a sweep, one per instance otherwise. */
  private async describeRuntimeAlarms(
    fleet: string,
    instanceIds: readonly string[] | undefined,
  ): Promise<Map<string, MetricAlarm[]>> {
    const scope = { fleet, stack: this.deps.env.stackName };
    const prefixes =
      instanceIds === undefined
        ? [runtimeAlarmName(scope, "", "").replace(/-+$/, "-")]
        : instanceIds.map((id) => `${runtimeAlarmName(scope, id, "").replace(/-+$/, "")}-`);
    const byInstance = new Map<string, MetricAlarm[]>();
    for (const prefix of prefixes) {
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const output = await this.deps.clients.cloudwatch.send(
          new DescribeAlarmsCommand({
            AlarmNamePrefix: prefix,
            AlarmTypes: ["MetricAlarm"],
            MaxRecords: 100,
            NextToken: token,
          }),
        );
        for (const alarm of output.MetricAlarms ?? []) {
          const id = alarm.Dimensions?.find((d) => d.Name === "InstanceId")?.Value;
          if (id === undefined) continue;
          const list = byInstance.get(id) ?? [];
          list.push(alarm);
          byInstance.set(id, list);
        }
        token = output.NextToken;
        if (token === undefined) break;
      }
    }
    return byInstance;
  }
}

function appliedPartition(fleet: string): string {
  return `orchestrator#${fleet}`;
}

function appliedKey(fleet: string, instanceId: string) {
  return { pk: { S: appliedPartition(fleet) }, sk: { S: instanceId } };
}

function recordItem(
  fleet: string,
  instanceId: string,
  record: AppliedRecord,
): Record<string, AttributeValue> {
  return {
    ...appliedKey(fleet, instanceId),
    digest: { S: record.digest },
    status: { S: record.status },
    at: { S: record.at },
    attempts: { N: String(record.attempts) },
    target: { S: record.target },
    ...(record.commandId === undefined ? {} : { commandId: { S: record.commandId } }),
    ...(record.failure === undefined ? {} : { failure: { S: record.failure } }),
  };
}

/** Reads a state item; items written before statuses existed (digest and at only) are applied records. */
function readRecord(item: Record<string, AttributeValue>): AppliedRecord | undefined {
  const digest = item.digest?.S;
  if (digest === undefined) return undefined;
  const record: AppliedRecord = {
    digest,
    status: item.status?.S === "pending" ? "pending" : "applied",
    at: item.at?.S ?? "",
    attempts: Number(item.attempts?.N ?? "1") || 1,
    target: item.target?.S === "stack" ? "stack" : "runtime",
  };
  if (item.commandId?.S !== undefined) record.commandId = item.commandId.S;
  if (item.failure?.S !== undefined) record.failure = item.failure.S;
  return record;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = [...(a ?? [])].sort();
  const y = [...(b ?? [])].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** True when an existing alarm already has every setting the plan asks for. */
export function sameAlarm(current: MetricAlarm, input: PutMetricAlarmCommandInput): boolean {
  return (
    current.AlarmDescription === input.AlarmDescription &&
    current.Namespace === input.Namespace &&
    current.MetricName === input.MetricName &&
    current.Statistic === input.Statistic &&
    current.Period === input.Period &&
    current.EvaluationPeriods === input.EvaluationPeriods &&
    (current.DatapointsToAlarm ?? current.EvaluationPeriods) === input.DatapointsToAlarm &&
    current.Threshold === input.Threshold &&
    current.ComparisonOperator === input.ComparisonOperator &&
    (current.TreatMissingData ?? "missing") === input.TreatMissingData &&
    sameList(current.AlarmActions, input.AlarmActions) &&
    sameList(current.OKActions, input.OKActions) &&
    sameList(
      current.Dimensions?.map((d) => `${d.Name}=${d.Value}`),
      input.Dimensions?.map((d) => `${d.Name}=${d.Value}`),
    )
  );
}
