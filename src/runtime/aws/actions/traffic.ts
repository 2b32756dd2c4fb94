/**
 * Traffic: take an instance out of rotation and put it back.
 *
 * `Drain traffic` deregisters the instance from each of the fleet's declared target groups it is
 * registered in (TRAFFIC_CONFIG; IAM allows these groups only). The load balancer then drains its
 * connections for the group's deregistration delay (`deregistration_delay.timeout_seconds`): the
 * responder never shortens it, and says how long it is. A group in which the instance is the last
 * healthy target is left alone — the instance keeps serving there, and the audit record says so.
 * `Redirect traffic to <target>` does the same and sets the named Route 53 weighted record's weight
 * to the one the fleet declares. What was taken away (groups with their ports, the record's
 * previous weight) is recorded in the state table (`traffic#<instance id>` / `drained`) before the
 * first call, so `Restore traffic` puts back exactly that and nothing else.
 *
 * AWS documents used: Elastic Load Balancing API Reference, DeregisterTargets ("If the specified
 * target does not exist, the action returns successfully"), RegisterTargets, DescribeTargetHealth
 * (TargetHealth states `initial | healthy | unhealthy | unused | draining | unavailable`);
 * Application Load Balancers User Guide, "Deregistration delay" (0–3600 s, default 300);
 * Route 53 API Reference, ChangeResourceRecordSets (UPSERT) and ResourceRecordSet `Weight` (0–255).
 */
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import type { DrainTrafficAction } from "../../../pdl/actions/index.js";
import type { ResponderContext } from "../context.js";
import type { RedirectTargetConfig } from "../env.js";
import { ActionFailedError } from "../errors.js";
import { describeFleetInstance, retryThrottled } from "../instances.js";
import type { ActionExecutor } from "../responder.js";

/** What a drain took away, recorded before it acts: exactly what a restore puts back. */
export interface DrainRecord {
  /** The target groups the instance was deregistered from, with the port it was registered on. */
  groups: { targetGroupArn: string; port: number }[];
  /** The redirect target whose weight the drain set, and the weight it had before. */
  redirect?: { name: string; previousWeight: number };
  /** When, ms. */
  at: number;
}

/** The state-table key of an instance's drain record. */
export function drainRecordKey(instanceId: string): { pk: string; sk: string } {
  return { pk: `traffic#${instanceId}`, sk: "drained" };
}

/** States in which a target takes (or is about to take) new requests. */
const SERVING = new Set(["healthy", "initial"]);

/** The traffic responder's executor: the last traffic action of the job decides (drain or restore). */
export const trafficExecutor: ActionExecutor = async (ctx, job) => {
  const action = job.actions[job.actions.length - 1]!;
  const instance = await describeFleetInstance(ctx, job.instanceId);
  const key = drainRecordKey(job.instanceId);
  const recorded = await ctx.store.readDocument<DrainRecord>(key.pk, key.sk);
  if (action.kind === "restore-traffic") return restore(ctx, job.instanceId, instance.state, recorded);
  if (action.kind !== "drain-traffic")
    throw new ActionFailedError(`The traffic responder cannot carry out '${action.kind}'.`, true);
  if (recorded !== undefined && (recorded.groups.length > 0 || recorded.redirect !== undefined))
    return {
      outcome: "unchanged",
      detail: `${job.instanceId} is already out of rotation (drained ${new Date(recorded.at).toISOString()}); nothing was changed`,
    };
  return drain(ctx, job.instanceId, action);
};

async function drain(ctx: ResponderContext, instanceId: string, action: DrainTrafficAction) {
  const config = ctx.env.trafficConfig;
  const target = action.target === undefined ? undefined : config.targets[action.target];
  if (action.target !== undefined && target === undefined) {
    const names = Object.keys(config.targets).sort();
    throw new ActionFailedError(
      `Redirect target '${action.target}' is not one of the fleet's (${names.length === 0 ? "it declares none" : names.join(", ")}); ${instanceId} keeps serving. Declare it in the fleet's traffic.targets and redeploy.`,
      true,
    );
  }
  const toDrain: { targetGroupArn: string; port: number; delaySeconds: number }[] = [];
  const kept: string[] = [];
  for (const targetGroupArn of config.targetGroupArns) {
    const health = await targetHealth(ctx, targetGroupArn);
    const mine = health.filter((h) => h.Target?.Id === instanceId && h.TargetHealth?.State !== "draining");
    if (mine.length === 0) continue;
    const othersServing = health.filter(
      (h) => h.Target?.Id !== instanceId && SERVING.has(h.TargetHealth?.State ?? ""),
    );
    if (othersServing.length === 0) {
      kept.push(`${groupName(targetGroupArn)} (the last healthy target there; it keeps serving)`);
      continue;
    }
    const delaySeconds = await deregistrationDelay(ctx, targetGroupArn);
    for (const h of mine) toDrain.push({ targetGroupArn, port: h.Target!.Port!, delaySeconds });
  }
  let redirect: DrainRecord["redirect"];
  let current: ResourceRecordSet | undefined;
  if (target !== undefined) {
    current = await weightedRecord(ctx, target);
    redirect = { name: action.target!, previousWeight: current.Weight ?? 0 };
  }
  if (toDrain.length === 0 && redirect === undefined) {
    return {
      outcome: "unchanged" as const,
      detail: `${instanceId} was not drained: ${kept.length > 0 ? `kept in ${kept.join(", ")}` : "it is registered in none of the fleet's target groups"}`,
    };
  }
  // Recorded first: if a call below fails, the restore still knows everything that may have changed.
  const record: DrainRecord = {
    groups: toDrain.map(({ targetGroupArn, port }) => ({ targetGroupArn, port })),
    ...(redirect ? { redirect } : {}),
    at: ctx.now(),
  };
  const key = drainRecordKey(instanceId);
  await ctx.store.writeDocument(key.pk, key.sk, record, record.at);
  if (target !== undefined && current !== undefined) await setWeight(ctx, target, current, target.weight);
  for (const { targetGroupArn, port } of toDrain)
    await retryThrottled(ctx, () =>
      ctx.clients.elbv2.send(
        new DeregisterTargetsCommand({
          TargetGroupArn: targetGroupArn,
          Targets: [{ Id: instanceId, Port: port }],
        }),
      ),
    );
  const parts = [
    ...toDrain.map(
      (d) =>
        `deregistered from ${groupName(d.targetGroupArn)}:${d.port} (connections drain for up to ${d.delaySeconds} s)`,
    ),
    ...(redirect ? [`${redirect.name} weight ${redirect.previousWeight} -> ${target!.weight}`] : []),
    ...(kept.length > 0 ? [`kept in ${kept.join(", ")}`] : []),
  ];
  return {
    outcome: "acted" as const,
    detail: `${instanceId}: ${parts.join("; ")}; the instance keeps running`,
  };
}

async function restore(
  ctx: ResponderContext,
  instanceId: string,
  state: string,
  record: DrainRecord | undefined,
) {
  if (record === undefined || (record.groups.length === 0 && record.redirect === undefined))
    return {
      outcome: "unchanged" as const,
      detail: `${instanceId} has no recorded drain; nothing to restore`,
    };
  if (record.groups.length > 0 && state !== "running") {
    // RegisterTargets refuses a stopped instance (InvalidTarget); keep the record for a later restore.
    throw new ActionFailedError(
      `${instanceId} is ${state}, so it cannot be registered in ${record.groups.map((g) => groupName(g.targetGroupArn)).join(", ")} again; start it and run Restore traffic again (the drain record is kept).`,
      true,
    );
  }
  const config = ctx.env.trafficConfig;
  const done: string[] = [];
  for (const { targetGroupArn, port } of record.groups) {
    await retryThrottled(ctx, () =>
      ctx.clients.elbv2.send(
        new RegisterTargetsCommand({
          TargetGroupArn: targetGroupArn,
          Targets: [{ Id: instanceId, Port: port }],
        }),
      ),
    );
    done.push(`registered in ${groupName(targetGroupArn)}:${port}`);
  }
  if (record.redirect !== undefined) {
    const target = config.targets[record.redirect.name];
    if (target === undefined) {
      done.push(
        `redirect target ${record.redirect.name} is no longer declared; its weight was left as it is`,
      );
    } else {
      const current = await weightedRecord(ctx, target);
      await setWeight(ctx, target, current, record.redirect.previousWeight);
      done.push(`${record.redirect.name} weight ${current.Weight ?? 0} -> ${record.redirect.previousWeight}`);
    }
  }
  const key = drainRecordKey(instanceId);
  await ctx.store.writeDocument(
    key.pk,
    key.sk,
    { groups: [], at: ctx.now() } satisfies DrainRecord,
    ctx.now(),
  );
  return { outcome: "acted" as const, detail: `${instanceId}: ${done.join("; ")}` };
}

async function targetHealth(
  ctx: ResponderContext,
  targetGroupArn: string,
): Promise<TargetHealthDescription[]> {
  const result = await retryThrottled(ctx, () =>
    ctx.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
  );
  return result.TargetHealthDescriptions ?? [];
}

/** The group's deregistration delay in seconds (default 300 when the attribute is absent). */
async function deregistrationDelay(ctx: ResponderContext, targetGroupArn: string): Promise<number> {
  const result = await retryThrottled(ctx, () =>
    ctx.clients.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn })),
  );
  const value = result.Attributes?.find((a) => a.Key === "deregistration_delay.timeout_seconds")?.Value;
  const seconds = Number(value);
  return value === undefined || !Number.isFinite(seconds) ? 300 : seconds;
}

/** `targetgroup/<name>/<id>` → `<name>`, for sentences. */
function groupName(targetGroupArn: string): string {
  return targetGroupArn.split("/")[1] ?? targetGroupArn;
}

/** Route 53 writes names with a trailing dot and lower case. */
function sameName(a: string, b: string): boolean {
  const norm = (n: string) => n.toLowerCase().replace(/\.$/, "");
  return norm(a) === norm(b);
}

/** The declared weighted record, as Route 53 holds it now. */
async function weightedRecord(
  ctx: ResponderContext,
  target: RedirectTargetConfig,
): Promise<ResourceRecordSet> {
  const result = await retryThrottled(ctx, () =>
    ctx.clients.route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: target.hostedZoneId,
        StartRecordName: target.recordName,
        StartRecordType: target.recordType,
        StartRecordIdentifier: target.setIdentifier,
        MaxItems: 10,
      }),
    ),
  );
  const found = (result.ResourceRecordSets ?? []).find(
    (r) =>
      sameName(r.Name ?? "", target.recordName) &&
      r.Type === target.recordType &&
      r.SetIdentifier === target.setIdentifier,
  );
  if (found === undefined || found.Weight === undefined)
    throw new ActionFailedError(
      `Hosted zone ${target.hostedZoneId} has no weighted ${target.recordType} record ${target.recordName} with set identifier '${target.setIdentifier}'; nothing was changed. Create it, or correct the fleet's traffic.targets.`,
      true,
    );
  return found;
}

/** UPSERTs the record as it is with another weight (an UPSERT replaces the whole record set). */
async function setWeight(
  ctx: ResponderContext,
  target: RedirectTargetConfig,
  current: ResourceRecordSet,
  weight: number,
): Promise<void> {
  await retryThrottled(ctx, () =>
    ctx.clients.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: target.hostedZoneId,
        ChangeBatch: {
          Comment: `pulumi-personas ${ctx.env.fleetName}: traffic`,
          Changes: [{ Action: "UPSERT", ResourceRecordSet: { ...current, Weight: weight } }],
        },
      }),
    ),
  );
}
