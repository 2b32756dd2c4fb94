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
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { PutParameterCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { cloudWatchAgentConfig, personasAgentConfig, renderUserData } from "../../../aws/user-data.js";
import { alarmDescription, buildManifest } from "../../../plan/manifest.js";
import { runtimeAlarmName } from "../../../plan/names.js";
import { type PersonaPlan, planPersona } from "../../../plan/plan.js";
import { okResponders } from "../../../plan/render.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../../../plan/tags.js";
import { defineMapping } from "../../../resolve/mapping.js";
import {
  createResolutionContext,
  type ResolutionContext,
  resolveInstance,
} from "../../../resolve/resolve.js";
import type { ResponderLog } from "../log.js";
import type { ManifestSource } from "../manifest-source.js";
import type { OrchestratorClients } from "./context.js";
import type { OrchestratorEnv } from "./env.js";
import { AlarmNotOwnedError, type FaultReason, faultReason, UnknownActivePersonaError } from "./errors.js";
import type { PublishedSource } from "./source.js";

/** The tag that marks an alarm as the orchestrator's. */
export const RUNTIME_OWNER_TAG = { key: ALARM_OWNER_TAG, value: "runtime" } as const;

/** The event the orchestrator sends the scale responder to bring an instance to its baseline size. */
export interface BaselineEvent {
  type: "personas.baseline";
  version: 1;
  instanceId: string;
  /** The persona digest whose baseline this is. */
  digest: string;
  /** The instance type to go to. */
  size: string;
  /** `orchestrator:<instance>@<digest>`: the same for every redelivery of one change. */
  transitionId: string;
}

/** The run-time alarm name of an instance's alarm (src/plan/names.ts; responders recompute it). */
export { runtimeAlarmName };

/** What happened to one instance. */
export interface InstanceOutcome {
  instanceId: string;
  /** `unchanged`: nothing written; `applied`: something was; `fault`: nothing was changed, see `reason`. */
  status: "unchanged" | "applied" | "fault";
  /** The persona in force (`Name@version`), when resolved. */
  persona?: string;
  /** `stack`: the persona the stack deployed (run time owns nothing); `runtime`: another one. */
  owner?: "stack" | "runtime";
  /** What was written, e.g. `alarm:put cpu-utilization-above-80`. */
  changes: string[];
  reason?: FaultReason;
  message?: string;
}

/** The outcome of one reconciliation. */
export interface ReconcileSummary {
  instances: InstanceOutcome[];
  unchanged: number;
  applied: number;
  faults: number;
}

/** Collaborators of the orchestrator. */
export interface OrchestratorDeps {
  env: OrchestratorEnv;
  clients: OrchestratorClients;
  log: ResponderLog;
  source: PublishedSource;
  /** The fleet store: the membership record, and where run-time persona entries are written. */
  store: ManifestSource;
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
        faults: Math.max(ids.length, 1),
      };
    }
    const [tagged, alarms, applied, members] = await Promise.all([
      this.describeInstances(fleet, instanceIds),
      this.describeRuntimeAlarms(fleet, instanceIds),
      this.readApplied(fleet, instanceIds),
      this.deps.store.members(),
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
        outcomes[index] = await this.reconcileOne(context, instance, alarms, applied);
      }
    };
    await Promise.all(Array.from({ length: Math.min(env.concurrency, instances.length) }, worker));
    outcomes.push(...refused);
    const summary: ReconcileSummary = { instances: outcomes, unchanged: 0, applied: 0, faults: 0 };
    for (const o of outcomes) {
      if (o.status === "unchanged") summary.unchanged++;
      else if (o.status === "applied") summary.applied++;
      else summary.faults++;
    }
    log.info("Reconciled", {
      scope: instanceIds === undefined ? "sweep" : "instances",
      instances: outcomes.length,
      unchanged: summary.unchanged,
      applied: summary.applied,
      faults: summary.faults,
    });
    return summary;
  }

  private async reconcileOne(
    context: ResolutionContext,
    instance: Instance,
    alarms: ReadonlyMap<string, MetricAlarm[]>,
    applied: ReadonlyMap<string, string>,
  ): Promise<InstanceOutcome> {
    const instanceId = instance.InstanceId!;
    const outcome: InstanceOutcome = { instanceId, status: "unchanged", changes: [] };
    try {
      const desired = this.desired(context, instance);
      outcome.persona = `${desired.plan.persona.name}@${desired.plan.persona.version}`;
      outcome.owner = desired.owner;
      await this.reconcileAlarms(instanceId, desired, alarms.get(instanceId) ?? [], outcome.changes);
      await this.reconcileInstance(instance, desired, applied.get(instanceId), outcome.changes);
      if (outcome.changes.length > 0) {
        outcome.status = "applied";
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

  /** The persona an instance's tags call for, and whether the stack already deploys it. */
  private desired(context: ResolutionContext, instance: Instance): Desired {
    const tags: Record<string, string> = {};
    for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
    const subject = {
      id: instance.InstanceId!,
      tags: Object.fromEntries(Object.entries(tags).filter(([key]) => !BASELINE_TAGS.has(key))),
    };
    const active = tags[PERSONA_TAGS.active];
    const stackName = tags[PERSONA_TAGS.name];
    const stackDigest = tags[PERSONA_TAGS.digest];
    const resolved =
      active !== undefined && active !== "" && active !== stackName
        ? resolveInstance(subject, this.activeContext(context, active), { cloud: "aws" })
        : resolveInstance(subject, context, { cloud: "aws" });
    const plan = planPersona(resolved);
    return {
      owner: plan.persona.digest === stackDigest ? "stack" : "runtime",
      plan,
      rendered: this.render(plan),
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
      AlarmActions: alarm.onAlarm.responders.flatMap((k) => (arns[k] ? [arns[k]] : [])),
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
  ): Promise<void> {
    const { cloudwatch } = this.deps.clients;
    const wanted = desired.owner === "runtime" ? desired.plan.alarms : [];
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

  /** Software, agent configuration, features and size: applied once per persona change. */
  private async reconcileInstance(
    instance: Instance,
    desired: Desired,
    appliedDigest: string | undefined,
    changes: string[],
  ): Promise<void> {
    const instanceId = instance.InstanceId!;
    const digest = desired.plan.persona.digest;
    // Without a record, the instance carries what the stack gave it.
    const inForce = appliedDigest ?? (desired.owner === "stack" ? digest : undefined);
    if (inForce === digest) return;
    const { env, clients } = this.deps;
    const fleet = env.fleetName;
    const claimed = await this.claim(
      fleet,
      instanceId,
      appliedDigest,
      desired.owner === "stack" ? undefined : digest,
    );
    if (!claimed) return; // another invocation applied this change
    const plan = desired.plan;
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
      await clients.ssm.send(
        new SendCommandCommand({
          DocumentName: env.commandDocument,
          InstanceIds: [instanceId],
          Comment: `personas: ${plan.persona.name} ${plan.persona.version}`.slice(0, 100),
          Parameters: { commands: [desired.rendered.script] },
        }),
      );
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
            Payload: new TextEncoder().encode(JSON.stringify(event)),
          }),
        );
        changes.push(`size:${size}`);
      }
    } catch (error) {
      // Give the claim back so the next event or sweep tries again.
      await this.release(fleet, instanceId, appliedDigest);
      throw error;
    }
  }

  /**
   * Records the change before making it, conditionally on the record read: of two invocations for
   * the same change, only one applies it. `next` undefined deletes the record (back to the stack's).
   */
  /** The persona's entry in the fleet store, where the responders find a persona the stack does not deploy. */
  private async writeManifestEntry(fleet: string, plan: PersonaPlan): Promise<void> {
    const manifest = buildManifest({
      fleet,
      personas: [plan],
      instances: [],
      responders: [],
      feeds: [],
      features: [],
    });
    const digest = plan.persona.digest;
    await this.deps.store.writePersona(fleet, digest, manifest.personas[digest]!);
  }

  private async claim(
    fleet: string,
    instanceId: string,
    previous: string | undefined,
    next: string | undefined,
  ): Promise<boolean> {
    const condition =
      previous === undefined
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : {
            ConditionExpression: "digest = :previous",
            ExpressionAttributeValues: { ":previous": { S: previous } },
          };
    try {
      if (next === undefined) {
        await this.deps.clients.dynamodb.send(
          new DeleteItemCommand({
            TableName: this.deps.env.stateTable,
            Key: appliedKey(fleet, instanceId),
            ...condition,
          }),
        );
      } else {
        await this.deps.clients.dynamodb.send(
          new PutItemCommand({
            TableName: this.deps.env.stateTable,
            Item: {
              ...appliedKey(fleet, instanceId),
              digest: { S: next },
              at: { S: new Date().toISOString() },
            },
            ...condition,
          }),
        );
      }
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  private async release(fleet: string, instanceId: string, previous: string | undefined): Promise<void> {
    const table = this.deps.env.stateTable;
    try {
      const key = appliedKey(fleet, instanceId);
      if (previous === undefined) {
        await this.deps.clients.dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key }));
      } else {
        const item = { ...key, digest: { S: previous }, at: { S: new Date().toISOString() } };
        await this.deps.clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: item }));
      }
    } catch (error) {
      this.deps.log.error(
        `Could not give back the claim on ${instanceId}; the next sweep will not retry it`,
        error,
        {
          instanceId,
        },
      );
    }
  }

  /** What was applied, per instance: one Query of the fleet's partition (1 MB a page, about 8,000 instances). */
  private async readApplied(
    fleet: string,
    instanceIds: readonly string[] | undefined,
  ): Promise<Map<string, string>> {
    const applied = new Map<string, string>();
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
        const digest = item.digest?.S;
        if (id !== undefined && digest !== undefined) applied.set(id, digest);
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
