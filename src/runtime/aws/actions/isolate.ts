/**
 * Isolate: a security measure. The instance's security groups are swapped for the fleet's
 * quarantine group (ISOLATION_CONFIG; it allows only the management path the fleet declares), it is
 * tagged `persona:isolated`, and it keeps running with its disks: nothing is stopped, detached or
 * deleted, so it can be examined. The groups it had are recorded in the state table
 * (`isolation#<instance id>` / `isolated`) before the swap; `Release isolation` puts back exactly
 * those. A second isolate finds the record and changes nothing (the original groups are never
 * overwritten with the quarantine group).
 *
 * The fleet's other members are looked at first: isolating the last healthy one (running and not
 * isolated) goes ahead — a compromised instance must not keep serving — but the audit record and the
 * notice say that the fleet has no healthy instance left.
 *
 * AWS documents used: EC2 API Reference, ModifyInstanceAttribute `Groups` ("replaces the security
 * groups of the instance"; an instance with several network interfaces needs
 * ModifyNetworkInterfaceAttribute per interface, which this responder refuses rather than guess);
 * CreateTags / DeleteTags.
 */
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  ModifyInstanceAttributeCommand,
} from "@aws-sdk/client-ec2";
import { ISOLATED_TAG } from "../../../plan/tags.js";
import type { ResponderContext } from "../context.js";
import { ActionFailedError, InstanceRefusedError } from "../errors.js";
import { describeFleetInstance, type InstanceView, retryThrottled } from "../instances.js";
import type { ActionExecutor, ActionJob } from "../responder.js";
import { publishNotice } from "./notify.js";

/** What an isolation changed, recorded before the swap. */
export interface IsolationRecord {
  /** True while isolated; false once released (the record is kept for the audit trail). */
  isolated: boolean;
  /** The security groups the instance had before the swap, in EC2's order. */
  originalGroupIds: string[];
  /** The quarantine group swapped in. */
  quarantineGroupId: string;
  /** When, ms. */
  at: number;
}

/** The state-table key of an instance's isolation record. */
export function isolationRecordKey(instanceId: string): { pk: string; sk: string } {
  return { pk: `isolation#${instanceId}`, sk: "isolated" };
}

/**
 * Instance ids per DescribeInstances call. They go in an `instance-id` filter (a member that was
 * terminated meanwhile is then simply absent, where `InstanceIds` would fail the whole call with
 * InvalidInstanceID.NotFound); 200 stays within the values a filter takes.
 */
const DESCRIBE_BATCH = 200;

/** The isolate responder's executor: the last action of the job decides (isolate or release). */
export const isolateExecutor: ActionExecutor = async (ctx, job) => {
  const action = job.actions[job.actions.length - 1]!;
  const instance = await describeFleetInstance(ctx, job.instanceId);
  const key = isolationRecordKey(job.instanceId);
  const record = await ctx.store.readDocument<IsolationRecord>(key.pk, key.sk);
  if (action.kind === "release-isolation") return release(ctx, job, record);
  if (action.kind !== "isolate-instance")
    throw new ActionFailedError(`The isolate responder cannot carry out '${action.kind}'.`, true);
  if (record?.isolated)
    return {
      outcome: "unchanged",
      detail: `${job.instanceId} is already isolated (since ${new Date(record.at).toISOString()}); its recorded groups ${record.originalGroupIds.join(", ")} are kept`,
    };
  return isolate(ctx, job, instance);
};

async function isolate(ctx: ResponderContext, job: ActionJob, instance: InstanceView) {
  const { quarantineGroupId, notifyTopicArn } = ctx.env.isolationConfig;
  if (instance.networkInterfaces > 1)
    throw new InstanceRefusedError(
      job.instanceId,
      `Instance ${job.instanceId} has ${instance.networkInterfaces} network interfaces; isolation swaps the groups of single-interface instances only, so nothing was changed. Isolate it by hand (ModifyNetworkInterfaceAttribute on each interface).`,
    );
  if (instance.state === "terminated" || instance.state === "shutting-down")
    throw new InstanceRefusedError(
      job.instanceId,
      `Instance ${job.instanceId} is ${instance.state}; nothing to isolate.`,
    );
  const healthyOthers = await healthyPeers(ctx, job.instanceId);
  const at = ctx.now();
  const record: IsolationRecord = {
    isolated: true,
    originalGroupIds: instance.securityGroupIds,
    quarantineGroupId,
    at,
  };
  // Recorded before the swap: whatever fails below, a release knows the groups to put back.
  const key = isolationRecordKey(job.instanceId);
  await ctx.store.writeDocument(key.pk, key.sk, record, at);
  await retryThrottled(ctx, () =>
    ctx.clients.ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: job.instanceId, Groups: [quarantineGroupId] }),
    ),
  );
  await retryThrottled(ctx, () =>
    ctx.clients.ec2.send(
      new CreateTagsCommand({
        Resources: [job.instanceId],
        Tags: [{ Key: ISOLATED_TAG, Value: new Date(at).toISOString() }],
      }),
    ),
  );
  const lastHealthy =
    healthyOthers === 0
      ? `; it was the last healthy instance of fleet ${ctx.env.fleetName}: the fleet has none left serving`
      : "";
  const detail = `${job.instanceId} isolated: groups ${instance.securityGroupIds.join(", ") || "(none)"} -> ${quarantineGroupId} (recorded for release); tagged ${ISOLATED_TAG}; disks kept, instance ${instance.state}${lastHealthy}`;
  const notice =
    notifyTopicArn === undefined ? "" : `; ${await notifyIsolation(ctx, job, notifyTopicArn, detail)}`;
  return { outcome: "acted" as const, detail: `${detail}${notice}` };
}

async function release(ctx: ResponderContext, job: ActionJob, record: IsolationRecord | undefined) {
  if (!record?.isolated)
    return {
      outcome: "unchanged" as const,
      detail: `${job.instanceId} has no recorded isolation; nothing to release`,
    };
  if (record.originalGroupIds.length === 0)
    throw new ActionFailedError(
      `The isolation record of ${job.instanceId} lists no original security groups; it stays in ${record.quarantineGroupId}. Put its groups back by hand.`,
      false,
    );
  await retryThrottled(ctx, () =>
    ctx.clients.ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: job.instanceId, Groups: record.originalGroupIds }),
    ),
  );
  await retryThrottled(ctx, () =>
    ctx.clients.ec2.send(
      new DeleteTagsCommand({ Resources: [job.instanceId], Tags: [{ Key: ISOLATED_TAG }] }),
    ),
  );
  const key = isolationRecordKey(job.instanceId);
  await ctx.store.writeDocument(
    key.pk,
    key.sk,
    { ...record, isolated: false } satisfies IsolationRecord,
    ctx.now(),
  );
  const detail = `${job.instanceId} released: groups ${record.quarantineGroupId} -> ${record.originalGroupIds.join(", ")} (as recorded ${new Date(record.at).toISOString()}); ${ISOLATED_TAG} removed`;
  const topic = ctx.env.isolationConfig.notifyTopicArn;
  const notice = topic === undefined ? "" : `; ${await notifyIsolation(ctx, job, topic, detail)}`;
  return { outcome: "acted" as const, detail: `${detail}${notice}` };
}

/** How many other members of the fleet are running and not isolated. */
async function healthyPeers(ctx: ResponderContext, instanceId: string): Promise<number> {
  const members = Object.keys((await ctx.manifest.members()).members).filter((id) => id !== instanceId);
  let healthy = 0;
  for (let i = 0; i < members.length; i += DESCRIBE_BATCH) {
    const ids = members.slice(i, i + DESCRIBE_BATCH);
    const result = await retryThrottled(ctx, () =>
      ctx.clients.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: ids }] })),
    );
    for (const instance of result.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
      const isolated = (instance.Tags ?? []).some((t) => t.Key === ISOLATED_TAG);
      if (instance.State?.Name === "running" && !isolated) healthy++;
    }
  }
  return healthy;
}

async function notifyIsolation(
  ctx: ResponderContext,
  job: ActionJob,
  topic: string,
  detail: string,
): Promise<string> {
  const subject = `${job.persona.name}: ${job.instanceId} ${job.intent === "clear" ? "released from isolation" : "isolated"}`;
  return `notified (message ${await publishNotice(ctx, job, topic, subject, detail)})`;
}
