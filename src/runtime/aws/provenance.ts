/**
 * Who may make a responder act, checked before any side effect. A tag is not an identity and an
 * alarm name is not proof (anyone with `ec2:CreateTags` or `cloudwatch:PutMetricAlarm` writes
 * them), so a responder acts only when:
 * - the instance is a member: the stack's membership record in the fleet store lists it;
 * - for an alarm: its name is the one the stack (`alarmName({fleet, stack}, member key, alarm id)`) or the
 *   orchestrator (`runtimeAlarmName({fleet, stack}, instance id, alarm id)`) gives that instance and alarm,
 *   its ARN names the same alarm, it carries the matching owner tag (`persona:owner` = `stack` or
 *   `runtime`) and the fleet tag, and the digest in its description is the instance's: the member
 *   record's for a stack alarm, the orchestrator's record's for a run-time alarm;
 * - for a contributor of a fleet-wide (Metrics Insights) alarm: its name is
 *   `fleetAlarmName({fleet, stack}, digest, alarm id)`, its ARN names the same alarm, it carries
 *   `persona:owner` = `fleet` and the fleet tag, and the digest in its description is the instance's
 *   persona now: the orchestrator's record's when it has one, else the member record's. The query
 *   selects every instance publishing the metric, so this is what confines the alarm to its persona;
 * - for a dispatch: the digest is the member record's or the orchestrator's record's.
 * A refusal is logged as `rejected` with its reason and counted; nothing is done, and the
 * invocation succeeds (a forged event must not be retried into the failure destination).
 */
import { ListTagsForResourceCommand } from "@aws-sdk/client-cloudwatch";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { FleetMemberRecord } from "../../plan/manifest.js";
import { alarmName, fleetAlarmName, runtimeAlarmName } from "../../plan/names.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../../plan/tags.js";
import type { ResponderContext } from "./context.js";
import { ProvenanceRefusedError } from "./errors.js";

/** The orchestrator's record of what it applied to an instance (src/runtime/aws/orchestrator). */
export function orchestratorRecordKey(fleet: string, instanceId: string) {
  return { pk: { S: `orchestrator#${fleet}` }, sk: { S: instanceId } };
}

/**
 * The member record of `instanceId`.
 * @throws {ProvenanceRefusedError} (`not-member`) when the stack's membership record does not list it.
 */
export async function requireMember(ctx: ResponderContext, instanceId: string): Promise<FleetMemberRecord> {
  const member = await ctx.manifest.member(instanceId);
  if (member === undefined) {
    throw new ProvenanceRefusedError(
      "not-member",
      instanceId,
      `Instance ${instanceId} is not a member of fleet ${ctx.env.fleetName} (the stack's membership record does not list it, whatever its tags say); nothing was done.`,
    );
  }
  return member;
}

/** The digests an instance may carry: the stack's, and the one the orchestrator recorded for it. */
async function digestsOf(
  ctx: ResponderContext,
  instanceId: string,
  member: FleetMemberRecord,
): Promise<{ stack: string; runtime: string | undefined }> {
  const item = await ctx.clients.dynamodb.send(
    new GetItemCommand({
      TableName: ctx.env.stateTable,
      Key: orchestratorRecordKey(ctx.env.fleetName, instanceId),
      ConsistentRead: true,
    }),
  );
  return { stack: member.digest, runtime: item.Item?.digest?.S };
}

/**
 * Checks that a dispatch's digest is the instance's.
 * @throws {ProvenanceRefusedError} (`digest`) otherwise.
 */
export async function requireDispatchDigest(
  ctx: ResponderContext,
  instanceId: string,
  member: FleetMemberRecord,
  digest: string,
): Promise<void> {
  const digests = await digestsOf(ctx, instanceId, member);
  if (digest !== digests.stack && digest !== digests.runtime) {
    throw new ProvenanceRefusedError(
      "digest",
      instanceId,
      `A dispatch for ${instanceId} names persona ${digest}, which is neither the stack's (${digests.stack}) nor the orchestrator's (${digests.runtime ?? "none"}) for it; nothing was done.`,
    );
  }
}

/** What an alarm event claims, read from its name, ARN, description and dimension. */
export interface AlarmClaim {
  alarmName: string;
  alarmArn: string;
  alarmId: string;
  digest: string;
  instanceId: string;
}

/**
 * Checks an alarm's provenance (see the module comment).
 * @throws {ProvenanceRefusedError} (`alarm-name`, `alarm-owner` or `digest`) when one check fails.
 */
export async function requireAlarmProvenance(
  ctx: ResponderContext,
  claim: AlarmClaim,
  member: FleetMemberRecord,
): Promise<void> {
  // The names of this fleet's stack (STACK_NAME): another stack's or fleet's alarm never matches.
  const scope = ctx.env.nameScope;
  const stackName = alarmName(scope, member.key, claim.alarmId);
  const runtimeName = runtimeAlarmName(scope, claim.instanceId, claim.alarmId);
  const owner =
    claim.alarmName === stackName ? "stack" : claim.alarmName === runtimeName ? "runtime" : undefined;
  if (owner === undefined || !claim.alarmArn.endsWith(`:alarm:${claim.alarmName}`)) {
    throw new ProvenanceRefusedError(
      "alarm-name",
      claim.instanceId,
      `Alarm ${claim.alarmName} is not the alarm '${claim.alarmId}' the stack (${stackName}) or the orchestrator (${runtimeName}) created for ${claim.instanceId}; nothing was done.`,
    );
  }
  await requireOwnedAlarm(ctx, claim, owner);
  const digests = await digestsOf(ctx, claim.instanceId, member);
  const expected = owner === "stack" ? digests.stack : digests.runtime;
  if (claim.digest !== expected) {
    throw new ProvenanceRefusedError(
      "digest",
      claim.instanceId,
      `Alarm ${claim.alarmName} names persona ${claim.digest}, but ${claim.instanceId} carries ${expected ?? "no run-time persona"} (${owner === "stack" ? "the stack's membership record" : "the orchestrator's record"}); nothing was done.`,
    );
  }
}

/** Checks the name, ARN and owner and fleet tags of an alarm against what `owner` names it. */
async function requireOwnedAlarm(
  ctx: ResponderContext,
  claim: AlarmClaim,
  owner: "stack" | "runtime" | "fleet",
): Promise<void> {
  const fleet = ctx.env.fleetName;
  const tags = await ctx.clients.cloudwatch.send(
    new ListTagsForResourceCommand({ ResourceARN: claim.alarmArn }),
  );
  const tag = (key: string) => tags.Tags?.find((t) => t.Key === key)?.Value;
  if (tag(ALARM_OWNER_TAG) !== owner || tag(PERSONA_TAGS.fleet) !== fleet) {
    throw new ProvenanceRefusedError(
      "alarm-owner",
      claim.instanceId,
      `Alarm ${claim.alarmName} lacks the tags ${ALARM_OWNER_TAG}=${owner} and ${PERSONA_TAGS.fleet}=${fleet} that every alarm of this fleet carries; nothing was done.`,
    );
  }
}

/**
 * Checks the provenance of a contributor event of a fleet-wide alarm (see the module comment).
 * @throws {ProvenanceRefusedError} (`alarm-name`, `alarm-owner` or `digest`) when one check fails.
 */
export async function requireFleetAlarmProvenance(
  ctx: ResponderContext,
  claim: AlarmClaim,
  member: FleetMemberRecord,
): Promise<void> {
  const expectedName = fleetAlarmName(ctx.env.nameScope, claim.digest, claim.alarmId);
  if (claim.alarmName !== expectedName || !claim.alarmArn.endsWith(`:alarm:${claim.alarmName}`)) {
    throw new ProvenanceRefusedError(
      "alarm-name",
      claim.instanceId,
      `Alarm ${claim.alarmName} is not the fleet-wide alarm '${claim.alarmId}' the stack (${expectedName}) created for persona ${claim.digest}; nothing was done.`,
    );
  }
  await requireOwnedAlarm(ctx, claim, "fleet");
  const digests = await digestsOf(ctx, claim.instanceId, member);
  // The orchestrator's record, when there is one, is the persona the instance has now.
  const current = digests.runtime ?? digests.stack;
  if (claim.digest !== current) {
    throw new ProvenanceRefusedError(
      "digest",
      claim.instanceId,
      `Alarm ${claim.alarmName} watches persona ${claim.digest}, but ${claim.instanceId} has persona ${current} (${digests.runtime !== undefined ? "the orchestrator's record" : "the stack's membership record"}); nothing was done.`,
    );
  }
}
