/**
 * The Azure orchestrator and fleet-wide rules (issue 18), against the ARM double and Azurite: the
 * alarms the stack deployed as one multi-resource metric alert rule over the fleet's resource group
 * (the fleet manifest marks them `fleetWide`, from the plan's Azure topology, as the renderer decides)
 * get no run-time alert when a VM joins the fleet or changes persona; the rule already watches every VM
 * of the group and fires per VM ("Monitor multiple time series in a single metric alert rule"). The
 * persona's other alarms (the VM network metrics, which multi-resource rules cannot watch) still get
 * theirs. The rules are the renderer's (`fleetAlertArgs`), their alerts carry its webhook properties,
 * and every alert write goes through the double's Metric Alerts rules.
 */
import type { EventGridEvent } from "@azure/functions";
import { beforeEach, describe, expect, it } from "vitest";
import { parsePersona } from "../../../src/pdl/parse.js";
import { runtimeAlarmName } from "../../../src/plan/names.js";
import { type FleetPlan, planFleet } from "../../../src/plan/plan.js";
import { PERSONA_TAGS } from "../../../src/plan/tags.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { azureShiftPersonaExecutor } from "../../../src/runtime/azure/actions/other.js";
import { azureScaleExecutor } from "../../../src/runtime/azure/actions/scale.js";
import { createAzureContext } from "../../../src/runtime/azure/context.js";
import { KIND_APP_SETTINGS, memberIdOf, responderQueueName } from "../../../src/runtime/azure/contract.js";
import {
  createOrchestratorEvents,
  createOrchestratorSweep,
} from "../../../src/runtime/azure/orchestrator.js";
import { createWorker } from "../../../src/runtime/azure/worker.js";
import { RESOURCE_GROUP, SUBSCRIPTION, vmResourceId } from "../../support/arm-double.js";
import { noAzurite } from "../../support/azurite.js";
import {
  type AzureWorld,
  alertRuleNames,
  deployFleetRule,
  deployFleetRules,
  drainQueue,
  FLEET,
  fleetAlert,
  fleetRule,
  intakePoster,
  invocation,
  membersOf,
  putManifest,
  putMembers,
  STACK,
  seedWorld,
  timerTick,
} from "./support.js";

/** The stack's persona of web-1 and web-2: it shifts to Surge or to Shield under pressure. */
const HIGH_TRAFFIC = `Name: HighTraffic
Version: "1.3.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
TelemetryTriggers:
    - Condition: CPU Load > 80% for 5 minutes
      Action: Scale up to 16 cores
    - Name: surge
      Condition: CPU Load > 95% for 10 minutes
      Action: Shift persona to Surge
    - Name: flood
      Condition: Network In > 2 Gbps for 5 minutes
      Action: Shift persona to Shield
`;
/** Every alarm a platform CPU alarm: all fleet-wide on Azure. */
const SURGE = `Name: Surge
Version: "2.0.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
TelemetryTriggers:
    - Name: surge-cpu
      Condition: CPU Load > 90% for 5 minutes
      Action: Scale up to 32 cores
`;
/** Its one alarm on a VM network metric: per VM on Azure (Microsoft excludes network metrics from multi-resource rules). */
const SHIELD = `Name: Shield
Version: "1.0.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
TelemetryTriggers:
    - Name: inbound-flood
      Condition: Network In > 3 Gbps for 5 minutes
      Action: "Notify ops: inbound flood"
`;

const personas = {
  HighTraffic: parsePersona(HIGH_TRAFFIC, { file: "HighTraffic.yaml" }),
  Surge: parsePersona(SURGE, { file: "Surge.yaml" }),
  Shield: parsePersona(SHIELD, { file: "Shield.yaml" }),
};
type PersonaName = keyof typeof personas;
const digestOf = (name: PersonaName) => contentDigest(personas[name]);

/**
 * The fleet the stack deploys: HighTraffic on web-1 and web-2, Surge on surge-1, Shield on shield-1
 * (so the manifest pins the shift targets), plus `extra` members, with the given alarm topology.
 */
function fleetPlan(
  alarms: "fleet-wide" | "per-instance",
  extra: readonly [string, PersonaName][] = [],
): FleetPlan {
  const members: [string, PersonaName][] = [
    ["web-1", "HighTraffic"],
    ["web-2", "HighTraffic"],
    ["surge-1", "Surge"],
    ["shield-1", "Shield"],
    ...extra,
  ];
  return planFleet(
    FLEET,
    members.map(([key, name]) => ({
      key,
      resolved: {
        persona: personas[name],
        ref: { name, version: personas[name].version ?? "1.0.0", digest: digestOf(name) },
        size: { cloud: "azure" as const, name: "Standard_D8s_v5" },
      },
    })),
    { webAcl: false, networkAcl: false },
    { alarms },
  );
}

const GROUP_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`;
const ACTION_GROUPS = Object.fromEntries(
  ["scale", "notify", "shift-persona"].map((kind) => [
    kind,
    `${GROUP_ID}/providers/microsoft.insights/actionGroups/personas-${FLEET}_${kind}`,
  ]),
);

/** Event Grid's ResourceWriteSuccess for a VM's tag write ("Azure Resource Manager as an Event Grid source"). */
function tagWrite(vm: string, id = vmResourceId(vm)): EventGridEvent {
  return {
    id: `evt-${vm}-${Math.random()}`,
    topic: GROUP_ID,
    subject: `${id}/providers/Microsoft.Resources/tags/default`,
    eventType: "Microsoft.Resources.ResourceWriteSuccess",
    eventTime: "2027-01-15T10:00:00Z",
    dataVersion: "2",
    data: {
      resourceUri: `${id}/providers/Microsoft.Resources/tags/default`,
      operationName: "Microsoft.Resources/tags/write",
    },
  } as unknown as EventGridEvent;
}

const alarmIdOf = (plan: FleetPlan, name: PersonaName) =>
  plan.personas.find((p) => p.persona.digest === digestOf(name))!.alarms.map((a) => a.id);
const runtimeAlert = (vm: string, alarmId: string) =>
  runtimeAlarmName({ fleet: FLEET, stack: STACK }, vm, alarmId);

describe.skipIf(noAzurite)("Azure orchestrator with fleet-wide rules", () => {
  let world: AzureWorld;
  let plan: FleetPlan;
  let options: AzureWorld["options"];
  let post: ReturnType<typeof intakePoster>;
  const events = () => createOrchestratorEvents(options);
  const scale = () =>
    drainQueue(world.queues, responderQueueName("scale"), createWorker("scale", azureScaleExecutor, options));

  /** The stack's deployment: its VMs, per-VM alerts, manifest and membership record, and its fleet-wide rules. */
  async function deploy(topology: "fleet-wide" | "per-instance") {
    plan = fleetPlan(topology);
    world = await seedWorld(plan);
    options = {
      ...world.options,
      env: {
        ...world.options.env,
        [KIND_APP_SETTINGS.actionGroups]: JSON.stringify(ACTION_GROUPS),
        // As the components write the fleet's location (a display name is accepted, as by ARM).
        [KIND_APP_SETTINGS.location]: "West Europe",
      },
    };
    await deployFleetRules(world, plan);
    world.arm.actions.length = 0;
    post = intakePoster({ ...world, options });
  }

  /** The shift responder moves `vm` to `target`, as its worker does (the tag and its record). */
  async function shift(vm: string, target: PersonaName) {
    const ctx = createAzureContext("shift-persona", options);
    const persona = await ctx.fleet.persona(digestOf("HighTraffic"));
    const [responseId, response] = Object.entries(persona.responses).find(([, r]) =>
      r.actions.some((a) => a.kind === "shift-persona" && a.persona === target),
    )!;
    await azureShiftPersonaExecutor(ctx, {
      vmId: memberIdOf(vmResourceId(vm)),
      digest: digestOf("HighTraffic"),
      persona,
      intent: "activate",
      responseId,
      transitionId: `shift-${vm}-${target}`,
      actions: response.actions,
    });
  }

  describe("with the stack's fleet-wide rules", () => {
    beforeEach(() => deploy("fleet-wide"));

    it("covers a VM newly tagged into the fleet with a fleet-wide persona with no new alert resource, and the rule's alert resizes exactly that VM", async () => {
      // The next deployment adds surge-2 to the group and to the membership record; its tags follow.
      const grown = fleetPlan("fleet-wide", [["surge-2", "Surge"]]);
      world.arm.addVm("surge-2", {
        tags: {
          [PERSONA_TAGS.fleet]: FLEET,
          [PERSONA_TAGS.name]: "Surge",
          [PERSONA_TAGS.digest]: digestOf("Surge"),
        },
      });
      await putMembers(options, membersOf(grown));
      const before = alertRuleNames(world);

      const joined = await events()(tagWrite("surge-2"), invocation("resource-writes"));
      const rule = fleetRule(grown, digestOf("Surge"), alarmIdOf(grown, "Surge")[0]!);
      const queued = await post("scale", fleetAlert(rule, "surge-2"));
      const { results } = await scale();

      expect(joined).toEqual({
        vmId: memberIdOf(vmResourceId("surge-2")),
        outcome: "unchanged",
        reason: "stack-persona",
        writes: 0,
      });
      expect(alertRuleNames(world)).toEqual(before);
      expect(rule).toEqual(fleetRule(plan, digestOf("Surge"), alarmIdOf(plan, "Surge")[0]!));
      expect(queued).toEqual({ status: 202, body: { outcome: "queued" } });
      expect(results).toEqual([
        expect.objectContaining({ outcome: "acted", vmId: memberIdOf(vmResourceId("surge-2")) }),
      ]);
      expect(world.arm.actions).toEqual([
        "deallocate surge-2",
        "resize surge-2 Standard_D32s_v5",
        "start surge-2",
      ]);
    });

    it("gives a VM that shifts to a persona whose alarms are all fleet-wide no run-time alert, and that persona's rule resizes exactly it", async () => {
      await shift("web-1", "Surge");
      const before = alertRuleNames(world);

      const applied = await events()(tagWrite("web-1"), invocation("resource-writes"));
      const rule = fleetRule(plan, digestOf("Surge"), alarmIdOf(plan, "Surge")[0]!);
      world.arm.actions.length = 0;
      const queued = await post("scale", fleetAlert(rule, "web-1"));
      const { results } = await scale();

      expect(applied).toEqual({
        vmId: memberIdOf(vmResourceId("web-1")),
        outcome: "applied",
        reason: "shifted",
        writes: 0,
        fleetWide: alarmIdOf(plan, "Surge"),
      });
      expect(alertRuleNames(world)).toEqual(before);
      expect(queued).toEqual({ status: 202, body: { outcome: "queued" } });
      expect(results).toEqual([
        expect.objectContaining({ outcome: "acted", vmId: memberIdOf(vmResourceId("web-1")) }),
      ]);
      expect(world.arm.actions).toEqual(["deallocate web-1", "resize web-1 Standard_D32s_v5", "start web-1"]);
      expect(world.arm.vm("web-2").size).toBe("Standard_D8s_v5");
    });

    it("still creates the run-time alert of an alarm no fleet-wide rule can cover (a VM network metric)", async () => {
      await shift("web-1", "Shield");
      const before = alertRuleNames(world);

      const applied = await events()(tagWrite("web-1"), invocation("resource-writes"));

      const [flood] = alarmIdOf(plan, "Shield");
      expect(applied).toEqual({
        vmId: memberIdOf(vmResourceId("web-1")),
        outcome: "applied",
        reason: "shifted",
        writes: 1,
      });
      expect(alertRuleNames(world)).toEqual([...before, runtimeAlert("web-1", flood!)].sort());
      expect(
        world.arm.alerts.get(
          `${GROUP_ID}/providers/Microsoft.Insights/metricAlerts/${runtimeAlert("web-1", flood!)}`.toLowerCase(),
        )?.properties,
      ).toEqual(
        expect.objectContaining({
          scopes: [memberIdOf(vmResourceId("web-1"))],
          criteria: expect.objectContaining({
            allOf: [expect.objectContaining({ metricName: "Network In Total" })],
          }),
        }),
      );
    });

    it("refuses the rule of the persona a shifted VM left: its alert names the old persona", async () => {
      await shift("web-1", "Surge");
      await events()(tagWrite("web-1"), invocation("resource-writes"));
      const [cpu] = alarmIdOf(plan, "HighTraffic");
      const rule = fleetRule(plan, digestOf("HighTraffic"), cpu!);

      const answer = await post("scale", fleetAlert(rule, "web-1"));

      expect(answer).toEqual({ status: 403, body: { outcome: "rejected", reason: "digest" } });
      expect(world.logs).toContainEqual(
        expect.objectContaining({
          outcome: "rejected",
          reason: "digest",
          message: `Alert ${rule.ruleName} is the fleet-wide rule of persona ${digestOf("HighTraffic")}, but ${memberIdOf(vmResourceId("web-1"))} runs persona ${digestOf("Surge")} (the orchestrator's record); nothing was done.`,
        }),
      );
      expect((await scale()).results).toEqual([]);
    });

    it("writes nothing for a replayed event or a sweep once the VM is covered", async () => {
      await shift("web-1", "Surge");
      await events()(tagWrite("web-1"), invocation("resource-writes"));
      const writes = world.arm.writes;
      const before = alertRuleNames(world);

      const replay = await events()(tagWrite("web-1"), invocation("resource-writes"));
      const sweep = await createOrchestratorSweep(options)(timerTick(), invocation("orchestrator-sweep"));

      expect(replay).toEqual(expect.objectContaining({ outcome: "unchanged", writes: 0 }));
      expect(sweep.map((r) => r.outcome)).toEqual(["unchanged", "unchanged", "unchanged", "unchanged"]);
      expect(world.arm.writes).toBe(writes);
      expect(alertRuleNames(world)).toEqual(before);
    });

    it("refuses and logs a member VM outside the fleet's region, which its fleet-wide rules do not watch: no alert, no record", async () => {
      // web-1's id now names a VM in another region (deleted and created again there by someone).
      world.arm.vm("web-1").location = "northeurope";
      await shift("web-1", "Surge");
      const before = alertRuleNames(world);

      const event = await events()(tagWrite("web-1"), invocation("resource-writes"));
      const sweep = await createOrchestratorSweep(options)(timerTick(), invocation("orchestrator-sweep"));
      const rule = fleetRule(plan, digestOf("Surge"), alarmIdOf(plan, "Surge")[0]!);
      const answer = await post("scale", fleetAlert(rule, "web-1"));

      const refusal = {
        vmId: memberIdOf(vmResourceId("web-1")),
        outcome: "skipped",
        reason: "other-region",
        writes: 0,
      };
      expect(event).toEqual(refusal);
      expect(sweep.find((r) => r.vmId === refusal.vmId)).toEqual(refusal);
      expect(world.logs).toContainEqual(
        expect.objectContaining({
          outcome: "rejected",
          reason: "other-region",
          message: `VM ${refusal.vmId} is in region northeurope, not the fleet's region westeurope, where the stack creates its VMs and its fleet-wide rules watch; nothing was done.`,
        }),
      );
      expect(alertRuleNames(world)).toEqual(before);
      // No record says web-1 runs Surge, so Surge's rule is not its rule.
      expect(answer).toEqual({ status: 403, body: { outcome: "rejected", reason: "digest" } });
    });

    it("refuses and logs a VM of another resource group, and a VM tagged into the fleet that the membership record does not list", async () => {
      const elsewhere = vmResourceId("web-9", "rg-other");
      world.arm.addVm("stray", { tags: { [PERSONA_TAGS.fleet]: FLEET } });
      const before = alertRuleNames(world);

      const other = await events()(tagWrite("web-9", elsewhere), invocation("resource-writes"));
      const stray = await events()(tagWrite("stray"), invocation("resource-writes"));

      expect([other, stray]).toEqual([
        { vmId: memberIdOf(elsewhere), outcome: "skipped", reason: "other-resource-group", writes: 0 },
        { vmId: memberIdOf(vmResourceId("stray")), outcome: "skipped", reason: "not-member", writes: 0 },
      ]);
      expect(world.logs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            outcome: "rejected",
            reason: "other-resource-group",
            message: `VM ${memberIdOf(elsewhere)} is outside the fleet's resource group ${RESOURCE_GROUP}; nothing was done.`,
          }),
          expect.objectContaining({
            outcome: "rejected",
            reason: "not-member",
            message: `VM ${memberIdOf(vmResourceId("stray"))} carries ${PERSONA_TAGS.fleet}=${FLEET}, but the stack's membership record does not list it (a tag is not membership); nothing was done.`,
          }),
        ]),
      );
      expect(alertRuleNames(world)).toEqual(before);
    });
  });

  it("deletes a shifted VM's run-time alerts once the stack deploys its persona's alarms fleet-wide, and writes nothing after", async () => {
    await deploy("per-instance");
    await shift("web-1", "Surge");
    await events()(tagWrite("web-1"), invocation("resource-writes"));
    const [surgeCpu] = alarmIdOf(plan, "Surge");
    expect(alertRuleNames(world)).toContain(runtimeAlert("web-1", surgeCpu!));

    // The next deployment makes Surge's alarm fleet-wide: the manifest marks it, the rule exists.
    const wide = fleetPlan("fleet-wide");
    await putManifest(options, wide);
    await deployFleetRule(world, fleetRule(wide, digestOf("Surge"), surgeCpu!));
    const sweep = createOrchestratorSweep(options);
    const first = await sweep(timerTick(), invocation("orchestrator-sweep"));
    const writes = world.arm.writes;
    const second = await sweep(timerTick(), invocation("orchestrator-sweep"));

    expect(first.find((r) => r.vmId === memberIdOf(vmResourceId("web-1")))).toEqual({
      vmId: memberIdOf(vmResourceId("web-1")),
      outcome: "applied",
      reason: "shifted",
      writes: 1,
      fleetWide: [surgeCpu],
    });
    expect(alertRuleNames(world)).not.toContain(runtimeAlert("web-1", surgeCpu!));
    expect(second.every((r) => r.outcome === "unchanged" && r.writes === 0)).toBe(true);
    expect(world.arm.writes).toBe(writes);
  });
});
