/**
 * The scale responder against aws-sdk-client-mock: the fault matrix (throttling, stop timeout,
 * modify failure, start failure, concurrent invocations, duplicate delivery, lock expiry), each
 * asserting the instance's final state and the actions recorded, not just the calls made.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { scaleExecutor } from "../../../src/runtime/aws/actions/scale.js";
import { ActionFailedError } from "../../../src/runtime/aws/errors.js";
import { createResponder } from "../../../src/runtime/aws/responder.js";
import {
  ALARM_ARN,
  alarmEvent,
  awsError,
  DIGEST,
  INSTANCE,
  installMocks,
  TEST_ENV,
  tick,
} from "./support.js";

const mocks = installMocks();
afterAll(() => mocks.restore());

let clock = Date.parse("2025-01-09T11:38:00Z");
let lines: Record<string, unknown>[] = [];

function scaleHandler() {
  return createResponder("scale", scaleExecutor, {
    env: TEST_ENV,
    now: () => clock,
    sleep: tick,
    logSink: (line) => lines.push(JSON.parse(line)),
  });
}

beforeEach(() => {
  mocks.reset();
  clock = Date.parse("2025-01-09T11:38:00Z");
  lines = [];
});

describe("scale responder", () => {
  it("stops, modifies and starts a running instance to the smallest type with the target vCPUs", async () => {
    const handler = scaleHandler();
    const result = await handler(alarmEvent("cpu-high"), { awsRequestId: "req-1" });
    const { instance, table } = mocks.state;
    expect(result).toEqual({
      outcome: "acted",
      instanceId: INSTANCE,
      detail: `${INSTANCE}: m7i.large -> m7i.2xlarge (scale up): m7i.2xlarge is the smallest m7i size with >= 8 vCPU; stopped, modified and started`,
    });
    expect(instance.state).toBe("running");
    expect(instance.type).toBe("m7i.2xlarge");
    expect(instance.calls).toEqual(["stop", "modify:m7i.2xlarge", "start"]);
    expect(table.audits().map((a) => [a.kind, a.outcome, a.transitionId])).toEqual([
      ["scale", "acted", `${ALARM_ARN}@2025-01-09T11:37:48.000+0000`],
    ]);
    const decision = lines.find((l) => l.outcome === "acted")!;
    expect(decision).toMatchObject({
      responder: "scale",
      fleet: "web",
      Outcome: "acted",
      Decisions: 1,
      instanceId: INSTANCE,
    });
    expect((decision._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics).toEqual([
      {
        Namespace: "Personas/Responders",
        Dimensions: [["Fleet", "Responder", "Outcome", "Reason"]],
        Metrics: [{ Name: "Decisions", Unit: "Count" }],
      },
    ]);
  });

  it("retries throttled calls and still finishes the resize", async () => {
    mocks.state.instance.faults.stop.push(
      awsError("RequestLimitExceeded", "Request limit exceeded."),
      awsError("RequestLimitExceeded", "Request limit exceeded."),
    );
    const result = await scaleHandler()(alarmEvent("cpu-high"));
    const { instance, table } = mocks.state;
    expect(result.outcome).toBe("acted");
    expect(instance.calls).toEqual(["stop", "stop", "stop", "modify:m7i.2xlarge", "start"]);
    expect([instance.state, instance.type]).toEqual(["running", "m7i.2xlarge"]);
    expect(table.audits().map((a) => a.outcome)).toEqual(["acted"]);
  });

  it("forces a stop that never finishes, then starts the instance with its original type", async () => {
    mocks.state.instance.stuckStopping = true;
    const error = await scaleHandler()(alarmEvent("cpu-high")).catch((e: unknown) => e);
    const { instance, table } = mocks.state;
    expect(error).toBeInstanceOf(ActionFailedError);
    expect((error as ActionFailedError).recovered).toBe(true);
    expect((error as Error).message).toBe(
      `Resizing ${INSTANCE} from m7i.large to m7i.2xlarge failed (${INSTANCE} did not stop within 6 s); the instance was restored and is running as m7i.large.`,
    );
    expect([instance.state, instance.type]).toEqual(["running", "m7i.large"]);
    expect(instance.calls).toEqual(["stop", "stop(force)", "start"]);
    expect(table.audits().map((a) => a.outcome)).toEqual(["failed"]);
  });

  it("starts the instance again with its original type when the type change fails", async () => {
    mocks.state.instance.faults.modify.push(
      awsError("Unsupported", "The requested configuration is currently not supported."),
    );
    const error = await scaleHandler()(alarmEvent("cpu-high")).catch((e: unknown) => e);
    const { instance, table } = mocks.state;
    expect((error as Error).message).toBe(
      `Resizing ${INSTANCE} from m7i.large to m7i.2xlarge failed (The requested configuration is currently not supported.); the instance was restored and is running as m7i.large.`,
    );
    expect([instance.state, instance.type]).toEqual(["running", "m7i.large"]);
    expect(instance.calls).toEqual(["stop", "modify:m7i.2xlarge", "start"]);
    expect(table.audits().map((a) => a.outcome)).toEqual(["failed"]);
  });

  it("restores the original type and starts the instance when it will not start with the new one", async () => {
    mocks.state.instance.faults.start.push(
      awsError("InsufficientInstanceCapacity", "We currently do not have sufficient m7i.2xlarge capacity."),
    );
    const error = await scaleHandler()(alarmEvent("cpu-high")).catch((e: unknown) => e);
    const { instance, table } = mocks.state;
    expect((error as ActionFailedError).recovered).toBe(true);
    expect([instance.state, instance.type]).toEqual(["running", "m7i.large"]);
    expect(instance.calls).toEqual(["stop", "modify:m7i.2xlarge", "start", "modify:m7i.large", "start"]);
    expect(table.audits().map((a) => a.outcome)).toEqual(["failed"]);
  });

  it("says what to do by hand when even the restore cannot start the instance", async () => {
    const capacity = () => awsError("InsufficientInstanceCapacity", "No capacity.");
    mocks.state.instance.faults.start.push(capacity(), capacity(), capacity(), capacity());
    const error = await scaleHandler()(alarmEvent("cpu-high")).catch((e: unknown) => e);
    expect((error as ActionFailedError).recovered).toBe(false);
    expect((error as Error).message).toBe(
      `Resizing ${INSTANCE} from m7i.large to m7i.2xlarge failed (No capacity.), and restoring it failed too (No capacity.); check the instance now: set its type to m7i.large if it differs and start it.`,
    );
    expect(mocks.state.instance.type).toBe("m7i.large");
    expect(lines.some((l) => l.ResizeRestoreFailed === 1)).toBe(true);
  });

  it("acts once when the same alarm transition is delivered twice at the same time", async () => {
    const handler = scaleHandler();
    const results = await Promise.all([
      handler(alarmEvent("cpu-high"), { awsRequestId: "a" }),
      handler(alarmEvent("cpu-high"), { awsRequestId: "b" }),
    ]);
    const { instance, table } = mocks.state;
    expect(results.map((r) => r.outcome).sort()).toEqual(["acted", "skipped"]);
    expect(instance.calls.filter((c) => c === "stop")).toHaveLength(1);
    expect([instance.state, instance.type]).toEqual(["running", "m7i.2xlarge"]);
    expect(table.audits()).toHaveLength(1);
  });

  it("lets only one of two different alarms resize the instance at a time", async () => {
    const handler = scaleHandler();
    const [first, second] = await Promise.all([
      handler(alarmEvent("cpu-high"), { awsRequestId: "a" }),
      handler(alarmEvent("cpu-high", { timestamp: "2025-01-09T11:37:49.000+0000" }), { awsRequestId: "b" }),
    ]);
    const skipped = [first, second].find((r) => r.outcome === "skipped");
    expect(skipped).toMatchObject({ outcome: "skipped", reason: "locked" });
    expect(mocks.state.instance.calls).toEqual(["stop", "modify:m7i.2xlarge", "start"]);
    expect(mocks.state.table.audits()).toHaveLength(1);
  });

  it("does nothing when a handled transition is delivered again", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    const again = await handler(alarmEvent("cpu-high"));
    expect(again).toEqual({
      outcome: "skipped",
      reason: "duplicate",
      detail: `transition ${ALARM_ARN}@2025-01-09T11:37:48.000+0000 was already handled`,
      instanceId: INSTANCE,
    });
    expect(mocks.state.instance.calls).toEqual(["stop", "modify:m7i.2xlarge", "start"]);
    expect(mocks.state.table.audits()).toHaveLength(1);
  });

  it("skips while another invocation holds the lock, and acts once the lock has expired", async () => {
    const pk = `guard#scale#${INSTANCE}|state`;
    const crashed = {
      handled: {},
      lastRunAt: {},
      recent: [],
      lock: { holder: "scale:crashed", expiresAt: clock + 60_000 },
    };
    mocks.state.table.items.set(pk, {
      pk: { S: `guard#scale#${INSTANCE}` },
      sk: { S: "state" },
      version: { N: "1" },
      state: { S: JSON.stringify(crashed) },
    });
    const handler = scaleHandler();
    const blocked = await handler(alarmEvent("cpu-high"));
    expect(blocked).toEqual({
      outcome: "skipped",
      reason: "locked",
      detail: "another action (scale:crashed) is in flight until 2025-01-09T11:39:00.000Z",
      instanceId: INSTANCE,
    });
    expect(mocks.state.instance.calls).toEqual([]);

    clock += 61_000;
    const later = await handler(alarmEvent("cpu-high", { timestamp: "2025-01-09T11:39:30.000+0000" }));
    expect(later.outcome).toBe("acted");
    expect([mocks.state.instance.state, mocks.state.instance.type]).toEqual(["running", "m7i.2xlarge"]);
    expect(mocks.state.table.audits()).toHaveLength(1);
  });

  it("keeps to the cooldown of a response that just ran", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    clock += 60_000;
    const soon = await handler(alarmEvent("cpu-high", { timestamp: "2025-01-09T11:39:00.000+0000" }));
    expect(soon).toEqual({
      outcome: "skipped",
      reason: "cooldown",
      detail: "response scale-out ran 60 s ago; cooldown 300 s has 240 s left",
      instanceId: INSTANCE,
    });
  });

  it("refuses a target above the persona's bounds and leaves the instance as it was", async () => {
    // The PDL refuses such a persona; a manifest of another version (bounds lowered) must not slip through.
    const persona = mocks.state.manifest.personas[DIGEST]!;
    const bounds = persona.bounds;
    persona.bounds = { ...bounds, maxCpu: 8 };
    const error = await scaleHandler()(alarmEvent("mem-high"))
      .catch((e: unknown) => e)
      .finally(() => {
        persona.bounds = bounds;
      });
    expect((error as Error).message).toBe(
      "Cannot scale m7i.large to >= 16 vCPU: the smallest m7i size with >= 16 vCPU is m7i.4xlarge (16 vCPU, 64 GiB), above the bound of at most 8 vCPU; within the bound m7i has 2, 4, 8 vCPU sizes. Instance i-0123456789abcdef0 was not changed.",
    );
    expect(mocks.state.instance.calls).toEqual([]);
    expect([mocks.state.instance.state, mocks.state.instance.type]).toEqual(["running", "m7i.large"]);
    expect(mocks.state.table.audits().map((a) => a.outcome)).toEqual(["failed"]);
  });

  it("scales back to the persona's baseline when the clear alarm fires", async () => {
    mocks.state.instance.type = "m7i.2xlarge";
    const result = await scaleHandler()(alarmEvent("cpu-high-clear"));
    expect(result.outcome).toBe("acted");
    expect([mocks.state.instance.state, mocks.state.instance.type]).toEqual(["running", "m7i.large"]);
  });

  it("changes only the type of a stopped instance and leaves it stopped", async () => {
    mocks.state.instance.state = "stopped";
    await scaleHandler()(alarmEvent("cpu-high"));
    expect(mocks.state.instance.calls).toEqual(["modify:m7i.2xlarge"]);
    expect([mocks.state.instance.state, mocks.state.instance.type]).toEqual(["stopped", "m7i.2xlarge"]);
  });

  it("records nothing against the guards when the instance already has the target type", async () => {
    mocks.state.instance.type = "m7i.2xlarge";
    const result = await scaleHandler()(alarmEvent("cpu-high"));
    expect(result).toEqual({
      outcome: "unchanged",
      instanceId: INSTANCE,
      detail: `${INSTANCE}: m7i.2xlarge stays: m7i.2xlarge is the smallest m7i size with >= 8 vCPU`,
    });
    expect(mocks.state.instance.calls).toEqual([]);
    const stored = JSON.parse(
      String((mocks.state.table.items.get(`guard#scale#${INSTANCE}|state`)!.state as { S: string }).S),
    );
    expect(stored.recent).toEqual([]);
    expect(stored.lock).toBeUndefined();
  });

  it("refuses an instance of another fleet", async () => {
    mocks.state.instance.tags["persona:fleet"] = "batch";
    const error = await scaleHandler()(alarmEvent("cpu-high")).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Instance ${INSTANCE} is not in fleet web (tag persona:fleet is 'batch'); responders act only on their own fleet's instances, so nothing was done.`,
    );
    expect(mocks.state.instance.calls).toEqual([]);
  });

  it("reads the manifest once per container", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    await handler(alarmEvent("cpu-high", { timestamp: "2025-01-09T12:37:48.000+0000" }));
    expect(mocks.state.manifestReads).toBe(1);
  });
});
