/**
 * The membership and alarm-provenance rules (src/runtime/aws/provenance.ts) one by one, with a
 * fake context: the membership record, the orchestrator's DynamoDB record and the alarm's tags are
 * what each case says, and every AWS request is recorded so its exact input is checked. The same
 * rules against moto, through the scale responder, are in provenance.test.ts; this file is the one
 * mutation testing runs (it takes milliseconds per case).
 */
import type { ListTagsForResourceCommand } from "@aws-sdk/client-cloudwatch";
import type { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import type { FleetMemberRecord } from "../../../src/plan/manifest.js";
import { alarmName, runtimeAlarmName } from "../../../src/plan/names.js";
import { contentDigest } from "../../../src/repository/digest.js";
import type { ResponderContext } from "../../../src/runtime/aws/context.js";
import { ProvenanceRefusedError } from "../../../src/runtime/aws/errors.js";
import {
  type AlarmClaim,
  orchestratorRecordKey,
  requireAlarmProvenance,
  requireDispatchDigest,
  requireMember,
} from "../../../src/runtime/aws/provenance.js";

const FLEET = "web";
const STACK = "prod";
const TABLE = "web-state";
const SCOPE = { fleet: FLEET, stack: STACK };
const INSTANCE = "i-0123456789abcdef0";
const STACK_DIGEST = contentDigest({ persona: "WebBase" });
const RUNTIME_DIGEST = contentDigest({ persona: "HighTraffic" });
const MEMBER: FleetMemberRecord = { key: "web-1", digest: STACK_DIGEST };
const ARN_PREFIX = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:";

interface World {
  members?: Record<string, FleetMemberRecord>;
  /** The digest the orchestrator recorded for INSTANCE, if any. */
  runtimeDigest?: string;
  /** The orchestrator's record exists but holds no digest (a record written before digests were). */
  recordWithoutDigest?: boolean;
  /** The alarm's tags. */
  tags?: { Key: string; Value: string }[];
}

/** A context whose stores hold `world`, recording every request it is sent. */
function contextOf(world: World) {
  const requests: { service: string; input: unknown }[] = [];
  const ctx = {
    env: { fleetName: FLEET, stateTable: TABLE, nameScope: SCOPE },
    manifest: { member: async (id: string) => world.members?.[id] },
    clients: {
      dynamodb: {
        send: async (command: GetItemCommand) => {
          requests.push({ service: "dynamodb", input: command.input });
          if (world.recordWithoutDigest) return { Item: orchestratorRecordKey(FLEET, INSTANCE) };
          return world.runtimeDigest === undefined
            ? {}
            : { Item: { ...orchestratorRecordKey(FLEET, INSTANCE), digest: { S: world.runtimeDigest } } };
        },
      },
      cloudwatch: {
        send: async (command: ListTagsForResourceCommand) => {
          requests.push({ service: "cloudwatch", input: command.input });
          return { Tags: world.tags };
        },
      },
    },
  } as unknown as ResponderContext;
  return { ctx, requests };
}

const ownerTags = (owner: string, fleet = FLEET) => [
  { Key: "persona:owner", Value: owner },
  { Key: "persona:fleet", Value: fleet },
];

const stackClaim = (overrides: Partial<AlarmClaim> = {}): AlarmClaim => {
  const name = alarmName(SCOPE, MEMBER.key, "cpu-high");
  return {
    alarmName: name,
    alarmArn: `${ARN_PREFIX}${name}`,
    alarmId: "cpu-high",
    digest: STACK_DIGEST,
    instanceId: INSTANCE,
    ...overrides,
  };
};

const runtimeClaim = (overrides: Partial<AlarmClaim> = {}): AlarmClaim => {
  const name = runtimeAlarmName(SCOPE, INSTANCE, "cpu-high");
  return stackClaim({
    alarmName: name,
    alarmArn: `${ARN_PREFIX}${name}`,
    digest: RUNTIME_DIGEST,
    ...overrides,
  });
};

/** The refusal `promise` rejects with, as reason, instance and message. */
async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProvenanceRefusedError);
  const refused = error as ProvenanceRefusedError;
  return {
    code: refused.code,
    reason: refused.reason,
    instanceId: refused.instanceId,
    message: refused.message,
  };
}

describe("orchestratorRecordKey", () => {
  it("is the orchestrator's partition of the fleet and the instance id (the state table's layout)", () => {
    expect(orchestratorRecordKey(FLEET, INSTANCE)).toEqual({
      pk: { S: "orchestrator#web" },
      sk: { S: INSTANCE },
    });
  });
});

describe("requireMember", () => {
  it("returns the member record of an instance the membership record lists", async () => {
    const { ctx } = contextOf({ members: { [INSTANCE]: MEMBER } });
    await expect(requireMember(ctx, INSTANCE)).resolves.toEqual(MEMBER);
  });

  it("refuses an instance the membership record does not list, whatever its tags say", async () => {
    const { ctx } = contextOf({ members: {} });
    expect(await refusal(requireMember(ctx, "i-0fedcba9876543210"))).toEqual({
      code: "RESPONDER_PROVENANCE_REFUSED",
      reason: "not-member",
      instanceId: "i-0fedcba9876543210",
      message:
        "Instance i-0fedcba9876543210 is not a member of fleet web (the stack's membership record does not list it, whatever its tags say); nothing was done.",
    });
  });
});

describe("requireDispatchDigest", () => {
  it("accepts the stack's digest, reading the orchestrator's record consistently", async () => {
    const { ctx, requests } = contextOf({});
    await expect(requireDispatchDigest(ctx, INSTANCE, MEMBER, STACK_DIGEST)).resolves.toBeUndefined();
    expect(requests).toEqual([
      {
        service: "dynamodb",
        input: { TableName: TABLE, Key: orchestratorRecordKey(FLEET, INSTANCE), ConsistentRead: true },
      },
    ]);
  });

  it("accepts the digest the orchestrator recorded for the instance", async () => {
    const { ctx } = contextOf({ runtimeDigest: RUNTIME_DIGEST });
    await expect(requireDispatchDigest(ctx, INSTANCE, MEMBER, RUNTIME_DIGEST)).resolves.toBeUndefined();
  });

  it("refuses any other digest, naming both it may carry", async () => {
    const other = contentDigest({ persona: "Attacker" });
    const { ctx } = contextOf({ runtimeDigest: RUNTIME_DIGEST });
    expect(await refusal(requireDispatchDigest(ctx, INSTANCE, MEMBER, other))).toEqual({
      code: "RESPONDER_PROVENANCE_REFUSED",
      reason: "digest",
      instanceId: INSTANCE,
      message: `A dispatch for ${INSTANCE} names persona ${other}, which is neither the stack's (${STACK_DIGEST}) nor the orchestrator's (${RUNTIME_DIGEST}) for it; nothing was done.`,
    });
  });

  it("says 'none' when the orchestrator recorded nothing, or a record without a digest", async () => {
    for (const world of [{}, { recordWithoutDigest: true }]) {
      const { ctx } = contextOf(world);
      expect((await refusal(requireDispatchDigest(ctx, INSTANCE, MEMBER, RUNTIME_DIGEST))).message).toBe(
        `A dispatch for ${INSTANCE} names persona ${RUNTIME_DIGEST}, which is neither the stack's (${STACK_DIGEST}) nor the orchestrator's (none) for it; nothing was done.`,
      );
    }
  });
});

describe("requireAlarmProvenance", () => {
  const stackName = alarmName(SCOPE, MEMBER.key, "cpu-high");
  const runtimeName = runtimeAlarmName(SCOPE, INSTANCE, "cpu-high");

  it("accepts the stack's alarm for the member, with its owner and fleet tags and the member's digest", async () => {
    const { ctx, requests } = contextOf({ tags: ownerTags("stack") });
    await expect(requireAlarmProvenance(ctx, stackClaim(), MEMBER)).resolves.toBeUndefined();
    expect(requests).toEqual([
      { service: "cloudwatch", input: { ResourceARN: `${ARN_PREFIX}${stackName}` } },
      {
        service: "dynamodb",
        input: { TableName: TABLE, Key: orchestratorRecordKey(FLEET, INSTANCE), ConsistentRead: true },
      },
    ]);
  });

  it("accepts the orchestrator's alarm with the runtime owner tag and the orchestrator's digest", async () => {
    const { ctx } = contextOf({ tags: ownerTags("runtime"), runtimeDigest: RUNTIME_DIGEST });
    await expect(requireAlarmProvenance(ctx, runtimeClaim(), MEMBER)).resolves.toBeUndefined();
  });

  it("refuses an alarm named like the fleet's but not the one made for this instance and alarm", async () => {
    const forged = alarmName(SCOPE, "web-2", "cpu-high");
    const { ctx, requests } = contextOf({ tags: ownerTags("stack") });
    expect(
      await refusal(
        requireAlarmProvenance(
          ctx,
          stackClaim({ alarmName: forged, alarmArn: `${ARN_PREFIX}${forged}` }),
          MEMBER,
        ),
      ),
    ).toEqual({
      code: "RESPONDER_PROVENANCE_REFUSED",
      reason: "alarm-name",
      instanceId: INSTANCE,
      message: `Alarm ${forged} is not the alarm 'cpu-high' the stack (${stackName}) or the orchestrator (${runtimeName}) created for ${INSTANCE}; nothing was done.`,
    });
    // Refused before any request: a forged event costs no AWS call.
    expect(requests).toEqual([]);
  });

  it("refuses the right name under an ARN that names another alarm", async () => {
    const { ctx } = contextOf({ tags: ownerTags("stack") });
    const claim = stackClaim({ alarmArn: `${ARN_PREFIX}${stackName}-copy` });
    expect((await refusal(requireAlarmProvenance(ctx, claim, MEMBER))).reason).toBe("alarm-name");
  });

  it("refuses the right name under an ARN of another service's resource ending in it", async () => {
    const { ctx } = contextOf({ tags: ownerTags("stack") });
    const claim = stackClaim({ alarmArn: `arn:aws:sns:eu-west-1:123456789012:${stackName}` });
    expect((await refusal(requireAlarmProvenance(ctx, claim, MEMBER))).reason).toBe("alarm-name");
  });

  it("refuses the stack's alarm without the stack owner tag, naming the tags it must carry", async () => {
    const { ctx } = contextOf({ tags: ownerTags("runtime") });
    expect(await refusal(requireAlarmProvenance(ctx, stackClaim(), MEMBER))).toEqual({
      code: "RESPONDER_PROVENANCE_REFUSED",
      reason: "alarm-owner",
      instanceId: INSTANCE,
      message: `Alarm ${stackName} lacks the tags persona:owner=stack and persona:fleet=web that every alarm of this fleet carries; nothing was done.`,
    });
  });

  it("refuses the orchestrator's alarm without the runtime owner tag", async () => {
    const { ctx } = contextOf({ tags: ownerTags("stack"), runtimeDigest: RUNTIME_DIGEST });
    expect((await refusal(requireAlarmProvenance(ctx, runtimeClaim(), MEMBER))).message).toBe(
      `Alarm ${runtimeName} lacks the tags persona:owner=runtime and persona:fleet=web that every alarm of this fleet carries; nothing was done.`,
    );
  });

  it("refuses an alarm tagged for another fleet, or with no tags at all", async () => {
    for (const tags of [ownerTags("stack", "api"), [{ Key: "persona:owner", Value: "stack" }], undefined]) {
      const { ctx } = contextOf(tags === undefined ? {} : { tags });
      expect((await refusal(requireAlarmProvenance(ctx, stackClaim(), MEMBER))).reason).toBe("alarm-owner");
    }
  });

  it("refuses the stack's alarm naming another digest than the member record's", async () => {
    const { ctx } = contextOf({ tags: ownerTags("stack"), runtimeDigest: RUNTIME_DIGEST });
    // The orchestrator's digest does not make a stack alarm's claim true.
    expect(
      await refusal(requireAlarmProvenance(ctx, stackClaim({ digest: RUNTIME_DIGEST }), MEMBER)),
    ).toEqual({
      code: "RESPONDER_PROVENANCE_REFUSED",
      reason: "digest",
      instanceId: INSTANCE,
      message: `Alarm ${stackName} names persona ${RUNTIME_DIGEST}, but ${INSTANCE} carries ${STACK_DIGEST} (the stack's membership record); nothing was done.`,
    });
  });

  it("refuses the orchestrator's alarm naming the stack's digest, or any when the orchestrator recorded none", async () => {
    const recorded = contextOf({ tags: ownerTags("runtime"), runtimeDigest: RUNTIME_DIGEST });
    expect(
      (await refusal(requireAlarmProvenance(recorded.ctx, runtimeClaim({ digest: STACK_DIGEST }), MEMBER)))
        .message,
    ).toBe(
      `Alarm ${runtimeName} names persona ${STACK_DIGEST}, but ${INSTANCE} carries ${RUNTIME_DIGEST} (the orchestrator's record); nothing was done.`,
    );
    const none = contextOf({ tags: ownerTags("runtime") });
    expect((await refusal(requireAlarmProvenance(none.ctx, runtimeClaim(), MEMBER))).message).toBe(
      `Alarm ${runtimeName} names persona ${RUNTIME_DIGEST}, but ${INSTANCE} carries no run-time persona (the orchestrator's record); nothing was done.`,
    );
  });
});
