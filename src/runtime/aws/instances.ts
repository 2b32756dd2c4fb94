/**
 * EC2 helpers the instance responders share: describe one instance, refuse instances outside the
 * fleet, and retry calls AWS throttled.
 */
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import type { ResponderContext } from "./context.js";
import { InstanceRefusedError } from "./errors.js";

/** What the responders need to know about an instance. */
export interface InstanceView {
  id: string;
  /** `pending`, `running`, `stopping`, `stopped`, `shutting-down` or `terminated`. */
  state: string;
  type: string;
  tags: Record<string, string>;
  /** `ebs` or `instance-store` (RootDeviceType). */
  rootDeviceType?: string;
  /** `spot` or `capacity-block` (InstanceLifecycle); absent for On-Demand. */
  lifecycle?: string;
  /** The Spot request that launched a Spot instance. */
  spotInstanceRequestId?: string;
  /** The security groups of the instance (its primary network interface), in the order EC2 lists them. */
  securityGroupIds: string[];
  /** How many network interfaces are attached. */
  networkInterfaces: number;
}

/** Error names AWS uses for throttling. */
const THROTTLING = new Set([
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
]);
const THROTTLE_ATTEMPTS = 5;

/** Whether an AWS error is a throttle. */
export function isThrottle(error: unknown): boolean {
  return THROTTLING.has((error as { name?: string })?.name ?? "");
}

/**
 * Runs `call`, retrying throttles with exponential backoff (1, 2, 4, 8 s) beyond the SDK's own
 * retries: a resize that is half done must not give up because the API was busy.
 */
export async function retryThrottled<T>(ctx: ResponderContext, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottle(error) || attempt >= THROTTLE_ATTEMPTS) throw error;
      ctx.log.warn("AWS throttled a call; retrying", { attempt, error: (error as Error).name });
      await ctx.sleep(1000 * 2 ** (attempt - 1));
    }
  }
}

/** Describes one instance; throws {@link InstanceRefusedError} when it does not exist. */
export async function describeInstance(ctx: ResponderContext, instanceId: string): Promise<InstanceView> {
  const result = await retryThrottled(ctx, () =>
    ctx.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
  );
  const instance = result.Reservations?.flatMap((r) => r.Instances ?? []).find(
    (i) => i.InstanceId === instanceId,
  );
  if (instance === undefined)
    throw new InstanceRefusedError(instanceId, `Instance ${instanceId} was not found; nothing was done.`);
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
  return {
    id: instanceId,
    state: instance.State?.Name ?? "unknown",
    type: instance.InstanceType ?? "unknown",
    tags,
    securityGroupIds: (instance.SecurityGroups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    networkInterfaces: instance.NetworkInterfaces?.length ?? 1,
    ...(instance.RootDeviceType ? { rootDeviceType: instance.RootDeviceType } : {}),
    ...(instance.InstanceLifecycle ? { lifecycle: instance.InstanceLifecycle } : {}),
    ...(instance.SpotInstanceRequestId ? { spotInstanceRequestId: instance.SpotInstanceRequestId } : {}),
  };
}

/** Describes an instance and refuses it unless its fleet tag names this responder's fleet. */
export async function describeFleetInstance(
  ctx: ResponderContext,
  instanceId: string,
): Promise<InstanceView> {
  const instance = await describeInstance(ctx, instanceId);
  const key = ctx.env.fleetTagKey;
  if (instance.tags[key] !== ctx.env.fleetName) {
    throw new InstanceRefusedError(
      instanceId,
      `Instance ${instanceId} is not in fleet ${ctx.env.fleetName} (tag ${key} is ${instance.tags[key] === undefined ? "missing" : `'${instance.tags[key]}'`}); responders act only on their own fleet's instances, so nothing was done.`,
    );
  }
  return instance;
}
