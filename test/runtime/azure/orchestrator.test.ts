import type { EventGridEvent } from "@azure/functions";
import { beforeEach, describe, expect, it } from "vitest";
import { parsePersona } from "../../../src/pdl/parse.js";
import { runtimeAlarmName } from "../../../src/plan/names.js";
import { type FleetPlan, planFleet } from "../../../src/plan/plan.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../../../src/plan/tags.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { azureShiftPersonaExecutor } from "../../../src/runtime/azure/actions/other.js";
import { createAzureContext } from "../../../src/runtime/azure/context.js";
import {
  type AlertResponderKind,
  KIND_APP_SETTINGS,
  memberIdOf,
  responderQueueName,
  WEBHOOK_PROPERTIES,
} from "../../../src/runtime/azure/contract.js";
import { createIntake } from "../../../src/runtime/azure/intake.js";
import {
  createOrchestratorEvents,
  createOrchestratorSweep,
} from "../../../src/runtime/azure/orchestrator.js";
import { createWorker } from "../../../src/runtime/azure/worker.js";
import { RESOURCE_GROUP, SUBSCRIPTION, vmResourceId } from "../../support/arm-double.js";
import { noAzurite } from "../../support/azurite.js";
import {
  type AzureWorld,
  commonAlert,
  drainQueue,
  intakeRequest,
  invocation,
  membersOf,
  putMembers,
  seedWorld,
  timerTick,
} from "./support.js";

const HIGH_TRAFFIC = `Name: HighTraffic
Version: "1.3.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
TelemetryTriggers:
    - Condition: CPU Load > 80% for 5 minutes
      Action: Scale up to 16 cores
    - Name: under-attack
      Condition: Network Latency > 500ms
      Action: Shift persona to LockedDown
`;
const LOCKED_DOWN = `Name: LockedDown
Version: "1.0.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
TelemetryTriggers:
    - Name: cpu-guard
      Condition: CPU Load > 95% for 10 minutes
      Action: "Notify ops: locked-down VM busy"
`;

/** web-1 runs HighTraffic, web-2 LockedDown: the stack deploys both, so both are pinned. */
function twoPersonaFleet(): FleetPlan {
  const member = (key: string, text: string) => {
    const persona = parsePersona(text, { file: `${key}.yaml` });
    return {
      key,
      resolved: {
        persona,
        ref: { name: persona.name, version: persona.version ?? "1.0.0", digest: contentDigest(persona) },
        size: { cloud: "azure" as const, name: "Standard_D8s_v5" },
      },
    };
  };
  // Per-instance alerts (the fleet-wide topology: orchestrator-fleet-wide.test.ts).
  return planFleet(
    "web",
    [member("web-1", HIGH_TRAFFIC), member("web-2", LOCKED_DOWN)],
    {},
    { alarms: "per-instance" },
  );
}

const ACTION_GROUPS = {
  notify: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Insights/actionGroups/personas-notify`,
};

function writeEvent(vm: string, tags = true): EventGridEvent {
  const id = vmResourceId(vm);
  return {
    id: `evt-${Math.random()}`,
    topic: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`,
    subject: tags ? `${id}/providers/Microsoft.Resources/tags/default` : id,
    eventType: "Microsoft.Resources.ResourceWriteSuccess",
    eventTime: "2027-01-15T10:00:00Z",
    dataVersion: "2",
    data: {
      resourceUri: tags ? `${id}/providers/Microsoft.Resources/tags/default` : id,
      operationName: "Microsoft.Resources/tags/write",
    },
  } as unknown as EventGridEvent;
}

describe.skipIf(noAzurite)("Azure orchestrator: Event Grid tag changes and the Resource Graph sweep", () => {
  let world: AzureWorld;
  let plan: FleetPlan;
  let options: AzureWorld["options"];
  const lockedDownDigest = () => plan.instances[1]!.plan.persona.digest;
  const runtimeAlert = (alarmId: string) =>
    world.arm.alerts.get(
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Insights/metricAlerts/${runtimeAlarmName({ fleet: "web", stack: "prod" }, "web-1", alarmId)}`.toLowerCase(),
    );

  beforeEach(async () => {
    plan = twoPersonaFleet();
    world = await seedWorld(plan);
    options = {
      ...world.options,
      env: { ...world.options.env, [KIND_APP_SETTINGS.actionGroups]: JSON.stringify(ACTION_GROUPS) },
    };
  });

  /** The shift responder moves web-1 to LockedDown: the tag and its record, as the worker writes them. */
  async function shiftWeb1() {
    const ctx = createAzureContext("shift-persona", options);
    const persona = (await ctx.fleet.persona(plan.instances[0]!.plan.persona.digest))!;
    const response = Object.entries(persona.responses).find(([, r]) =>
      r.actions.some((a) => a.kind === "shift-persona"),
    )!;
    await azureShiftPersonaExecutor(ctx, {
      vmId: memberIdOf(vmResourceId("web-1")),
      digest: plan.instances[0]!.plan.persona.digest,
      persona,
      intent: "activate",
      responseId: response[0],
      transitionId: "t-1",
      actions: response[1].actions,
    });
  }

  it("applies the new persona's alerts after a tag-change event, and the intake accepts them", async () => {
    await shiftWeb1();
    world.arm.actions.length = 0;

    const result = await createOrchestratorEvents(options)(
      writeEvent("web-1"),
      invocation("resource-writes"),
    );

    const lockedDown = plan.instances[1]!.plan;
    expect(result).toEqual(
      expect.objectContaining({ outcome: "applied", reason: "shifted", writes: lockedDown.alarms.length }),
    );
    const alarmId = lockedDown.alarms[0]!.id;
    const alert = runtimeAlert(alarmId)!;
    expect(alert.tags).toEqual({ [ALARM_OWNER_TAG]: "runtime", [PERSONA_TAGS.fleet]: "web" });
    expect(alert.properties).toEqual(
      expect.objectContaining({
        scopes: [memberIdOf(vmResourceId("web-1"))],
        windowSize: lockedDown.alarms[0]!.azure.windowSize,
        actions: [
          expect.objectContaining({
            actionGroupId: ACTION_GROUPS.notify,
            webHookProperties: expect.objectContaining({
              [WEBHOOK_PROPERTIES.digest]: lockedDownDigest(),
              [WEBHOOK_PROPERTIES.owner]: "runtime",
            }),
          }),
        ],
      }),
    );
    // A firing of the run-time alert passes the intake's provenance checks and reaches the worker.
    const webhook = (alert.properties.actions as { webHookProperties: Record<string, string> }[])[0]!
      .webHookProperties;
    const intake = createIntake("notify" as AlertResponderKind, options);
    const answer = await intake(
      intakeRequest("notify", commonAlert(alarmId, { alertRule: alert.name, properties: webhook })),
      invocation("alert-notify"),
    );
    expect(answer.jsonBody).toEqual({ outcome: "queued" });
    const { results } = await drainQueue(
      world.queues,
      responderQueueName("notify"),
      createWorker("notify", async () => ({ outcome: "acted", detail: "sent" }), options),
    );
    expect(results).toEqual([expect.objectContaining({ outcome: "acted" })]);
  });

  it("writes nothing for a replayed or out-of-order event, or for an unchanged VM", async () => {
    await shiftWeb1();
    const events = createOrchestratorEvents(options);
    await events(writeEvent("web-1"), invocation("resource-writes"));
    const writes = world.arm.writes;

    const replay = await events(writeEvent("web-1", false), invocation("resource-writes"));
    const other = await events(writeEvent("web-2"), invocation("resource-writes"));

    expect([replay.outcome, replay.writes, other.outcome, other.writes]).toEqual([
      "unchanged",
      0,
      "unchanged",
      0,
    ]);
    expect(world.arm.writes).toBe(writes);
  });

  it("ignores a persona:active tag written by hand: no shift recorded, nothing applied", async () => {
    world.arm.vm("web-1").tags[PERSONA_TAGS.active] = "LockedDown";
    const writes = world.arm.writes;

    const result = await createOrchestratorEvents(options)(
      writeEvent("web-1"),
      invocation("resource-writes"),
    );

    expect(result).toEqual(
      expect.objectContaining({ outcome: "unchanged", reason: "shift-not-recorded", writes: 0 }),
    );
    expect(world.arm.writes).toBe(writes);
  });

  it("removes the run-time alerts it owns when the VM shifts back", async () => {
    await shiftWeb1();
    const events = createOrchestratorEvents(options);
    await events(writeEvent("web-1"), invocation("resource-writes"));
    world.arm.vm("web-1").tags[PERSONA_TAGS.active] = "HighTraffic";

    const result = await events(writeEvent("web-1"), invocation("resource-writes"));

    expect(result).toEqual(
      expect.objectContaining({ outcome: "reverted", writes: plan.instances[1]!.plan.alarms.length }),
    );
    expect(runtimeAlert(plan.instances[1]!.plan.alarms[0]!.id)).toBeUndefined();
  });

  it("sweeps 1,000 VMs with at most 20 ARM reads and no write when nothing changed", async () => {
    // 998 more members of the stack's HighTraffic persona, as the components record them.
    const members = membersOf(plan);
    for (let i = 3; i <= 1000; i++) {
      const vm = world.arm.addVm(`web-${i}`, {
        tags: { [PERSONA_TAGS.fleet]: "web", [PERSONA_TAGS.name]: "HighTraffic" },
      });
      members.members[memberIdOf(vm.id)] = {
        key: `web-${i}`,
        digest: plan.instances[0]!.plan.persona.digest,
      };
    }
    await putMembers(options, members);
    const reads = world.arm.reads;
    const writes = world.arm.writes;

    const results = await createOrchestratorSweep(options)(timerTick(), invocation("orchestrator-sweep"));

    expect(results).toHaveLength(1000);
    expect(results.filter((r) => r.outcome === "unchanged")).toHaveLength(1000);
    expect(world.arm.reads - reads).toBeLessThanOrEqual(20);
    expect(world.arm.writes).toBe(writes);
  });
});
