/**
 * A persona test on Azure: the seed persona on a fleet of three VMs with fleet-wide rules, run through
 * the intake, the queue and the scale worker against the ARM double and Azurite. The fleet-wide rules
 * are the renderer's (`fleetAlertArgs`) and Azure Monitor evaluates each per VM, firing and
 * resolving each VM's alert on its own ("Monitor multiple time series in a single metric alert rule"):
 * so each VM scales on its own firing, has its own cooldown and its own clear, as the simulator's
 * contributors do on AWS (`personas simulate --fleet 3`).
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { FleetPlan } from "../../../src/plan/plan.js";
import { azureScaleExecutor } from "../../../src/runtime/azure/actions/scale.js";
import { memberIdOf, responderQueueName } from "../../../src/runtime/azure/contract.js";
import { createWorker } from "../../../src/runtime/azure/worker.js";
import { RESOURCE_GROUP, SUBSCRIPTION, vmResourceId } from "../../support/arm-double.js";
import { noAzurite } from "../../support/azurite.js";
import {
  type AzureWorld,
  alarmIdOf,
  DIGEST,
  deployFleetRules,
  drainQueue,
  type FleetRule,
  fleetAlert,
  fleetRule,
  intakePoster,
  seedFleetPlan,
  seedWorld,
} from "./support.js";

const VMS = ["web-1", "web-2", "web-3"] as const;
const GROUP_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`;

describe.skipIf(noAzurite)(
  "The seed persona on a fleet of 3 on Azure (fleet-wide rules, per-VM firing)",
  () => {
    let world: AzureWorld;
    let plan: FleetPlan;
    let deployed: FleetRule[];
    let post: ReturnType<typeof intakePoster>;
    const scale = () =>
      drainQueue(
        world.queues,
        responderQueueName("scale"),
        createWorker("scale", azureScaleExecutor, world.options),
      );
    const at = (minute: number) => `2027-01-15T10:${String(minute).padStart(2, "0")}:00.000Z`;

    beforeEach(async () => {
      plan = seedFleetPlan({ keys: VMS, alarms: "fleet-wide" });
      world = await seedWorld(plan);
      deployed = await deployFleetRules(world, plan);
      world.arm.actions.length = 0;
      post = intakePoster(world);
    });

    it("watches the three VMs' CPU with one rule for the trigger and one for its clear", () => {
      const cpuRules = [alarmIdOf("cpu"), alarmIdOf("cpu-clear")].map((id) => fleetRule(plan, DIGEST, id));

      expect(deployed).toEqual(cpuRules);
      expect(cpuRules.map((r) => r.scopes)).toEqual([[GROUP_ID], [GROUP_ID]]);
      // No VM has a CPU alert of its own.
      expect(
        [...world.arm.alerts.values()].filter(
          (a) => a.tags["persona:owner"] === "stack" && a.name.includes(alarmIdOf("cpu")),
        ),
      ).toEqual([]);
    });

    it("scales each VM on its own firing, keeps each VM's cooldown, and clears each VM on its own resolution", async () => {
      const cpu = fleetRule(plan, DIGEST, alarmIdOf("cpu"));
      const clear = fleetRule(plan, DIGEST, alarmIdOf("cpu-clear"));

      // 10:00 the rule fires for web-3, 10:02 for web-1; web-2 stays below the threshold.
      await post("scale", fleetAlert(cpu, "web-3", { firedAt: at(0) }));
      world.clock.now += 2 * 60_000;
      await post("scale", fleetAlert(cpu, "web-1", { firedAt: at(2) }));
      const fired = await scale();
      // 10:07 web-3 fires again, inside its 15-minute cooldown: nothing runs.
      world.clock.now += 5 * 60_000;
      await post("scale", fleetAlert(cpu, "web-3", { firedAt: at(7) }));
      const again = await scale();
      // 10:40 web-3's clear watcher resolves (30 minutes without the load): web-3 alone goes back.
      world.clock.now += 33 * 60_000;
      const cleared = await post(
        "scale",
        fleetAlert(clear, "web-3", { condition: "Resolved", firedAt: at(10) }),
      );
      const back = await scale();

      expect(fired.results).toEqual(
        ["web-3", "web-1"].map((vm) =>
          expect.objectContaining({ outcome: "acted", vmId: memberIdOf(vmResourceId(vm)) }),
        ),
      );
      expect(again.results).toEqual([expect.objectContaining({ outcome: "skipped", reason: "cooldown" })]);
      expect(cleared).toEqual({ status: 202, body: { outcome: "queued" } });
      expect(back.results).toEqual([
        expect.objectContaining({ outcome: "acted", vmId: memberIdOf(vmResourceId("web-3")) }),
      ]);
      expect(VMS.map((vm) => world.arm.vm(vm).size)).toEqual([
        "Standard_D16s_v5",
        "Standard_D8s_v5",
        "Standard_D8s_v5",
      ]);
      expect(world.arm.actions).toEqual([
        "deallocate web-3",
        "resize web-3 Standard_D16s_v5",
        "start web-3",
        "deallocate web-1",
        "resize web-1 Standard_D16s_v5",
        "start web-1",
        "resize web-3 Standard_D8s_v5 (restarted)",
      ]);
    });
  },
);
