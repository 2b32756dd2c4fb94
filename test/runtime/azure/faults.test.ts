import { beforeEach, describe, expect, it } from "vitest";
import {
  azureScaleExecutor,
  type InFlightResize,
  RESIZE_NAMESPACE,
  repairInFlightResizes,
} from "../../../src/runtime/azure/actions/scale.js";
import { createAzureContext } from "../../../src/runtime/azure/context.js";
import { poisonQueueName, responderQueueName } from "../../../src/runtime/azure/contract.js";
import { TableStateStore } from "../../../src/runtime/azure/state.js";
import { createSweep } from "../../../src/runtime/azure/sweep.js";
import { createWorker } from "../../../src/runtime/azure/worker.js";
import { noAzurite } from "../../support/azurite.js";
import {
  type AzureWorld,
  alarmIdOf,
  commonAlert,
  drainQueue,
  intakePoster,
  invocation,
  memberVmId,
  seedWorld,
  timerTick,
} from "./support.js";

describe.skipIf(noAzurite)("Azure scale under faults: 0 VMs left deallocated, 0 double actions", () => {
  let world: AzureWorld;
  let post: ReturnType<typeof intakePoster>;
  const worker = () =>
    createWorker("scale", azureScaleExecutor, {
      ...world.options,
      afterLock: async (ctx, vmId) => void (await repairInFlightResizes(ctx, vmId)),
    });
  const drain = (concurrently = false) =>
    drainQueue(world.queues, responderQueueName("scale"), worker(), { concurrently });

  beforeEach(async () => {
    world = await seedWorld();
    post = intakePoster(world);
  });

  function noVmLeftDeallocated() {
    for (const vm of world.arm.vms.values()) expect(`${vm.name} ${vm.power}`).toBe(`${vm.name} running`);
  }

  it("waits out ARM throttling (429 + Retry-After) and resizes once", async () => {
    for (const operation of ["get", "vmSizes", "deallocate", "start"])
      world.arm.inject({ operation, kind: "throttle", times: 2 });
    await post("scale", commonAlert(alarmIdOf("cpu")));

    const { results, failures } = await drain();

    expect(failures).toEqual([]);
    expect(results).toEqual([expect.objectContaining({ outcome: "acted" })]);
    expect(world.arm.actions).toEqual(["deallocate web-1", "resize web-1 Standard_D16s_v5", "start web-1"]);
    expect(world.arm.log.length).toBeGreaterThan(8);
    noVmLeftDeallocated();
  });

  it("restores the original size and starts the VM when the resize fails after the deallocation", async () => {
    world.arm.inject({ operation: "resize", kind: "fail", code: "AllocationFailed" });
    await post("scale", commonAlert(alarmIdOf("cpu")));

    const { results, failures } = await drain();

    // The failed attempt throws (the host retries); the retry is recognised as the same transition.
    expect(failures).toHaveLength(1);
    expect((failures[0] as Error).message).toMatch(
      /^Resizing web-1 from Standard_D8s_v5 to Standard_D16s_v5 failed \(PATCH .* ended Failed: resize failed \(injected\)\); the VM was restored and is running as Standard_D8s_v5\.$/,
    );
    expect(results).toEqual([expect.objectContaining({ outcome: "skipped", reason: "duplicate" })]);
    expect(world.arm.actions).toEqual(["deallocate web-1", "failed resize web-1", "start web-1"]);
    expect(world.arm.vm("web-1").size).toBe("Standard_D8s_v5");
    noVmLeftDeallocated();
    expect(await new TableStateStore(world.table).listDocuments(RESIZE_NAMESPACE)).toEqual([]);
  });

  it("restores the original size when the start at the new size fails", async () => {
    world.arm.inject({ operation: "start", kind: "fail", code: "AllocationFailed" });
    await post("scale", commonAlert(alarmIdOf("cpu")));

    await drain();

    expect(world.arm.actions).toEqual([
      "deallocate web-1",
      "resize web-1 Standard_D16s_v5",
      "failed start web-1",
      "resize web-1 Standard_D8s_v5",
      "start web-1",
    ]);
    noVmLeftDeallocated();
  });

  it("acts once for concurrent alerts on one VM: the others meet the lock", async () => {
    for (const minute of ["00", "01", "02"]) {
      await post("scale", commonAlert(alarmIdOf("cpu"), { firedAt: `2027-01-15T10:${minute}:00.000Z` }));
    }

    const { results } = await drain(true);

    expect(results.filter((r) => (r as { outcome: string }).outcome === "acted")).toHaveLength(1);
    expect(results.filter((r) => (r as { reason?: string }).reason === "locked")).toHaveLength(2);
    expect(world.arm.actions).toEqual(["deallocate web-1", "resize web-1 Standard_D16s_v5", "start web-1"]);
    noVmLeftDeallocated();
  });

  it("acts once for duplicate deliveries: the intake queues a transition once and the worker's guard drops a second copy", async () => {
    const alert = commonAlert(alarmIdOf("cpu"));
    const answers = [await post("scale", alert), await post("scale", alert), await post("scale", alert)];
    expect(answers.map((a) => (a.body as { outcome: string }).outcome)).toEqual([
      "queued",
      "duplicate",
      "duplicate",
    ]);
    // A second copy of the job on the queue (at-least-once delivery) is the guard's to drop.
    const queue = world.queues.getQueueClient(responderQueueName("scale"));
    const { receivedMessageItems } = await queue
      .peekMessages({ numberOfMessages: 1 })
      .then((p) => ({ receivedMessageItems: p.peekedMessageItems }));
    await queue.sendMessage(receivedMessageItems[0]!.messageText);

    const { results } = await drain();

    expect(
      results.map(
        (r) => (r as { outcome: string; reason?: string }).reason ?? (r as { outcome: string }).outcome,
      ),
    ).toEqual(["acted", "duplicate"]);
    expect(world.arm.actions).toEqual(["deallocate web-1", "resize web-1 Standard_D16s_v5", "start web-1"]);
  });

  it("repairs a resize whose invocation died after the deallocation: the sweep restores and starts the VM once the lock has expired", async () => {
    const vmId = memberVmId().toLowerCase();
    const ctx = createAzureContext("scale", world.options);
    const record: InFlightResize = {
      vmId,
      original: "Standard_D8s_v5",
      target: "Standard_D16s_v5",
      phase: "resizing",
      startedAt: world.clock.now,
      lockExpiresAt: world.clock.now + 900_000,
    };
    await ctx.state.writeDocument(RESIZE_NAMESPACE, vmId, record);
    world.arm.vm("web-1").power = "deallocated";
    const sweep = createSweep(world.options);

    expect((await sweep(timerTick(), invocation("personas-sweep"))).repairedResizes).toEqual([]);
    expect(world.arm.vm("web-1").power).toBe("deallocated");
    world.clock.now += 901_000;
    const result = await sweep(timerTick(), invocation("personas-sweep"));

    expect(result.repairedResizes).toEqual([vmId]);
    expect(world.arm.actions).toEqual(["start web-1"]);
    noVmLeftDeallocated();
    expect(await ctx.state.listDocuments(RESIZE_NAMESPACE)).toEqual([]);
  });

  it("moves a job that keeps failing to the poison queue after five attempts, and the sweep reports it", async () => {
    // ARM answers 500 to every call: each attempt fails before acting.
    await post("scale", commonAlert(alarmIdOf("cpu")));
    const broken = createWorker(
      "scale",
      async () => {
        throw new Error("unreachable");
      },
      { ...world.options, armFetch: async () => new Response("{}", { status: 500 }) },
    );

    const { failures } = await drainQueue(world.queues, responderQueueName("scale"), broken);

    expect(failures).toHaveLength(5);
    const sweep = await createSweep(world.options)(timerTick(), invocation("personas-sweep"));
    expect(sweep.poisonMessages.scale).toBe(1);
    expect(world.logs).toContainEqual(
      expect.objectContaining({ outcome: "failed", reason: "poison", queue: poisonQueueName("scale") }),
    );
    expect(world.arm.actions).toEqual([]);
  });
});
