import { beforeEach, describe, expect, it } from "vitest";
import { shellWords } from "../../../src/plan/shell.js";
import { azureFeatureExecutor, azureRunCommandExecutor } from "../../../src/runtime/azure/actions/command.js";
import { azureScaleExecutor, repairInFlightResizes } from "../../../src/runtime/azure/actions/scale.js";
import { RUN_COMMAND_SCRIPT_PATH, responderQueueName } from "../../../src/runtime/azure/contract.js";
import { TableStateStore } from "../../../src/runtime/azure/state.js";
import { createWorker } from "../../../src/runtime/azure/worker.js";
import { noAzurite } from "../../support/azurite.js";
import {
  type AzureWorld,
  alarmIdOf,
  commonAlert,
  DIGEST,
  drainQueue,
  intakePoster,
  memberVmId,
  seedManifest,
  seedWorld,
} from "./support.js";

describe.skipIf(noAzurite)("The seed's story on Azure (intake → queue → worker, ARM double, Azurite)", () => {
  let world: AzureWorld;
  let post: ReturnType<typeof intakePoster>;

  beforeEach(async () => {
    world = await seedWorld();
    post = intakePoster(world);
  });

  const scaleWorker = () =>
    createWorker("scale", azureScaleExecutor, {
      ...world.options,
      afterLock: async (ctx, vmId) => void (await repairInFlightResizes(ctx, vmId)),
    });

  it("resizes the VM to 16 vCPUs on a Fired CPU alert: deallocate, resize, start when its cluster lacks the size", async () => {
    expect(await post("scale", commonAlert(alarmIdOf("cpu")))).toEqual({
      status: 202,
      body: { outcome: "queued" },
    });

    const { results } = await drainQueue(world.queues, responderQueueName("scale"), scaleWorker());

    expect(results).toEqual([
      expect.objectContaining({ outcome: "acted", vmId: memberVmId().toLowerCase() }),
    ]);
    const vm = world.arm.vm("web-1");
    expect(vm.size).toBe("Standard_D16s_v5");
    expect(vm.power).toBe("running");
    expect(world.arm.actions).toEqual(["deallocate web-1", "resize web-1 Standard_D16s_v5", "start web-1"]);
    // The VM keeps its static private address across the deallocation.
    expect(vm.privateIp).toBe("10.0.0.10");
    const state = new TableStateStore(world.table);
    expect(await state.listDocuments("resize")).toEqual([]);
  });

  it("resizes in place when the VM's current cluster offers 16 vCPUs (List Available Sizes)", async () => {
    world.arm.vm("web-1").clusterSizes.push("Standard_D16s_v5");
    await post("scale", commonAlert(alarmIdOf("cpu")));

    await drainQueue(world.queues, responderQueueName("scale"), scaleWorker());

    expect(world.arm.actions).toEqual(["resize web-1 Standard_D16s_v5 (restarted)"]);
  });

  it("scales back to the baseline when the CPU alert has resolved and the clear window has passed", async () => {
    await post("scale", commonAlert(alarmIdOf("cpu")));
    await drainQueue(world.queues, responderQueueName("scale"), scaleWorker());
    world.arm.actions.length = 0;

    expect(await post("scale", commonAlert(alarmIdOf("cpu"), { condition: "Resolved" }))).toEqual({
      status: 202,
      body: { outcome: "skipped", reason: "resolved" },
    });
    // The clear watcher fired with the load and resolves once the clear window has passed without it.
    expect(await post("scale", commonAlert(alarmIdOf("cpu-clear")))).toEqual({
      status: 202,
      body: { outcome: "skipped", reason: "clear-watching" },
    });
    world.clock.now += 31 * 60_000;
    expect(
      await post(
        "scale",
        commonAlert(alarmIdOf("cpu-clear"), { condition: "Resolved", firedAt: "2027-01-15T10:40:00.000Z" }),
      ),
    ).toEqual({ status: 202, body: { outcome: "queued" } });
    const { results } = await drainQueue(world.queues, responderQueueName("scale"), scaleWorker());

    expect(results).toEqual([expect.objectContaining({ outcome: "acted" })]);
    expect(world.arm.vm("web-1").size).toBe("Standard_D8s_v5");
    expect(world.arm.vm("web-1").power).toBe("running");
    expect(world.arm.actions).toEqual(["resize web-1 Standard_D8s_v5 (restarted)"]);
  });

  it("switches CDN caching on through Run Command calling the script installed at boot", async () => {
    expect(await post("feature", commonAlert(alarmIdOf("latency")))).toEqual({
      status: 202,
      body: { outcome: "queued" },
    });

    const { results } = await drainQueue(
      world.queues,
      responderQueueName("feature"),
      createWorker("feature", azureFeatureExecutor, world.options),
    );

    expect(results).toEqual([expect.objectContaining({ outcome: "acted", detail: "web-1: cdn-caching on" })]);
    expect(world.arm.vm("web-1").commands).toEqual([
      [shellWords([RUN_COMMAND_SCRIPT_PATH, "feature", "cdn-caching", "on"])],
    ]);
  });

  it("runs a response's commands through the script installed at boot and keeps the last 4,096 bytes of output", async () => {
    world.arm.commandOutput = () => `${"x".repeat(6000)}END`;
    await post("run-command", commonAlert(alarmIdOf("patch")));

    const { results } = await drainQueue(
      world.queues,
      responderQueueName("run-command"),
      createWorker("run-command", azureRunCommandExecutor, world.options),
    );

    const responseId = seedManifest().personas[DIGEST]!.alarms[alarmIdOf("patch")]!.responseId;
    expect(results).toEqual([
      expect.objectContaining({ detail: `web-1: ran ${responseId}; output: ${"x".repeat(4093)}END` }),
    ]);
    expect(world.arm.vm("web-1").commands).toEqual([
      [shellWords([RUN_COMMAND_SCRIPT_PATH, "run", responseId])],
    ]);
  });
});
