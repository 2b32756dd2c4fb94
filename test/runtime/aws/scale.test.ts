/**
 * The scale responder against aws-sdk-client-mock: what it decides, what it refuses, which resize
 * execution it starts (name, input), and how the lock on the instance follows the execution until an
 * invocation sees it end. The execution itself (stop / modify / start / restore) runs on moto in
 * resize-workflow.test.ts.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { resizeExecutionName, scaleExecutor } from "../../../src/runtime/aws/actions/scale.js";
import { ResizeRefusedError } from "../../../src/runtime/aws/errors.js";
import { createResponder } from "../../../src/runtime/aws/responder.js";
import {
  ALARM_ARN,
  alarmEvent,
  DIGEST,
  INSTANCE,
  installMocks,
  RESIZE_STATE_MACHINE,
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

const TRANSITION = `${ALARM_ARN}@2025-01-09T11:37:48.000+0000`;
const EXECUTION_NAME = resizeExecutionName(INSTANCE, TRANSITION);
const EXECUTION_ARN = `${RESIZE_STATE_MACHINE.replace(":stateMachine:", ":execution:")}:${EXECUTION_NAME}`;

function storedGuard() {
  const item = mocks.state.table.items.get(`guard#scale#${INSTANCE}|state`);
  return JSON.parse(String((item!.state as { S: string }).S));
}

beforeEach(() => {
  mocks.reset();
  clock = Date.parse("2025-01-09T11:38:00Z");
  lines = [];
});

describe("scale responder", () => {
  it("starts the resize workflow for a running instance and hands the lock to the execution", async () => {
    const result = await scaleHandler()(alarmEvent("cpu-high"), { awsRequestId: "req-1" });
    expect(result).toEqual({
      outcome: "acted",
      instanceId: INSTANCE,
      detail: `${INSTANCE}: m7i.large -> m7i.2xlarge (scale up): m7i.2xlarge is the smallest m7i size with >= 8 vCPU; resize workflow started to stop, change the type and start (execution ${EXECUTION_NAME})`,
    });
    expect(mocks.state.workflow.executions).toEqual([
      {
        arn: EXECUTION_ARN,
        name: EXECUTION_NAME,
        input: { instanceId: INSTANCE, originalType: "m7i.large", targetType: "m7i.2xlarge", start: true },
        status: "RUNNING",
      },
    ]);
    // The function itself never stops or starts the instance.
    expect(mocks.state.instance.calls).toEqual([]);
    expect(storedGuard().lock).toEqual({
      holder: `execution:${EXECUTION_ARN}`,
      expiresAt: clock + 9300 * 1000,
    });
    expect(mocks.state.table.audits().map((a) => [a.kind, a.outcome, a.transitionId])).toEqual([
      ["scale", "acted", TRANSITION],
    ]);
  });

  it("names executions per transition: at most 80 characters that StartExecution allows, stable for a redelivery", () => {
    const other = resizeExecutionName(INSTANCE, `${ALARM_ARN}@2025-01-09T11:39:48.000+0000`);
    expect(EXECUTION_NAME).toMatch(/^i-0123456789abcdef0-[0-9a-f]{32}$/);
    expect(EXECUTION_NAME.length).toBeLessThanOrEqual(80);
    expect(resizeExecutionName(INSTANCE, TRANSITION)).toBe(EXECUTION_NAME);
    expect(other).not.toBe(EXECUTION_NAME);
    // The longest instance id EC2 issues (i- and 17 hex digits) still fits.
    expect(resizeExecutionName(`i-${"f".repeat(17)}`, "x".repeat(500)).length).toBe(52);
  });

  it("keeps the lock while the execution runs: another alarm is skipped, naming the execution", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    clock += 400_000;
    const later = await handler(alarmEvent("cpu-high", { timestamp: "2025-01-09T11:44:30.000+0000" }));
    expect(later).toEqual({
      outcome: "skipped",
      reason: "locked",
      detail: `another action (execution:${EXECUTION_ARN}) is in flight until 2025-01-09T14:13:00.000Z: resize execution ${EXECUTION_NAME} is running`,
      instanceId: INSTANCE,
    });
    expect(mocks.state.workflow.executions).toHaveLength(1);
  });

  it("audits a finished execution, releases its lock and acts on the next alarm", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    mocks.state.workflow.end("SUCCEEDED");
    mocks.state.instance.type = "m7i.2xlarge";
    clock += 400_000;
    const later = await handler(
      alarmEvent("cpu-high-clear", {
        timestamp: "2025-01-09T11:44:30.000+0000",
        state: "OK",
        previousState: "ALARM",
      }),
    );
    expect(later.outcome).toBe("acted");
    const audits = mocks.state.table.audits().map((a) => [a.responseId, a.outcome, a.detail]);
    expect(audits).toHaveLength(3);
    expect(audits).toEqual(
      expect.arrayContaining([
        ["scale-out", "acted", expect.stringContaining("resize workflow started")],
        ["in-flight", "acted", `resize execution ${EXECUTION_NAME} succeeded; it is running as m7i.2xlarge`],
        ["scale-out", "acted", expect.stringContaining("m7i.2xlarge -> m7i.large")],
      ]),
    );
    expect(mocks.state.workflow.executions.map((e) => e.input.targetType)).toEqual([
      "m7i.2xlarge",
      "m7i.large",
    ]);
  });

  it("records a failed execution that restored the instance, with its cause and the ResizeRestored metric", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    mocks.state.workflow.end(
      "FAILED",
      "Personas.ResizeFailedRestored",
      "The requested configuration is currently not supported.",
    );
    clock += 400_000;
    await handler(alarmEvent("cpu-high", { timestamp: "2025-01-09T11:44:30.000+0000" }));
    expect(mocks.state.table.audits().find((a) => a.responseId === "in-flight")).toMatchObject({
      responseId: "in-flight",
      outcome: "failed",
      detail: `resize execution ${EXECUTION_NAME} failed (The requested configuration is currently not supported.) and restored the instance; it is running as m7i.large`,
    });
    expect(lines.some((l) => l.ResizeRestored === 1)).toBe(true);
  });

  it("says what to do by hand when the execution could not restore the instance", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    mocks.state.workflow.end("FAILED", "Personas.RestoreFailed", "No capacity.");
    mocks.state.instance.state = "stopped";
    clock += 400_000;
    await handler(alarmEvent("cpu-high", { timestamp: "2025-01-09T11:44:30.000+0000" }));
    expect(mocks.state.table.audits().find((a) => a.responseId === "in-flight")!.detail).toBe(
      `resize execution ${EXECUTION_NAME} ended FAILED (Personas.RestoreFailed: No capacity.) without restoring the instance; it is stopped as m7i.large. Check it now: set its original type and start it.`,
    );
    expect(lines.some((l) => l.ResizeRestoreFailed === 1)).toBe(true);
  });

  it("starts one execution when the same alarm transition is delivered twice at the same time", async () => {
    const handler = scaleHandler();
    const results = await Promise.all([
      handler(alarmEvent("cpu-high"), { awsRequestId: "a" }),
      handler(alarmEvent("cpu-high"), { awsRequestId: "b" }),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(["acted", "skipped"]);
    expect(mocks.state.workflow.executions).toHaveLength(1);
    expect(mocks.state.table.audits()).toHaveLength(1);
  });

  it("does nothing when a handled transition is delivered again", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    mocks.state.workflow.end("SUCCEEDED");
    const again = await handler(alarmEvent("cpu-high"));
    expect(again).toEqual({
      outcome: "skipped",
      reason: "duplicate",
      detail: `transition ${TRANSITION} was already handled`,
      instanceId: INSTANCE,
    });
    expect(mocks.state.workflow.executions).toHaveLength(1);
  });

  it("refuses to start a second execution while one of the instance's resizes still runs, even without a lock", async () => {
    await scaleHandler()(alarmEvent("cpu-high"));
    // The lock is gone (say, a crash before the hand-over) but the execution still runs.
    mocks.state.table.items.delete(`guard#scale#${INSTANCE}|state`);
    const error = await scaleHandler()(
      alarmEvent("cpu-high", { timestamp: "2025-01-09T11:37:58.000+0000" }),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `A resize of ${INSTANCE} is still running (execution ${EXECUTION_NAME}); nothing was changed. The next alarm after it ends is handled.`,
    );
    expect(mocks.state.workflow.executions).toHaveLength(1);
  });

  it("asks the workflow to change only the type of a stopped instance, which stays stopped", async () => {
    mocks.state.instance.state = "stopped";
    const result = await scaleHandler()(alarmEvent("cpu-high"));
    expect(result.detail).toContain("resize workflow started to change the type (it stays stopped)");
    expect(mocks.state.workflow.executions[0]!.input).toEqual({
      instanceId: INSTANCE,
      originalType: "m7i.large",
      targetType: "m7i.2xlarge",
      start: false,
    });
  });

  describe("refuses instances that cannot be stopped safely, with an audit record and the ResizeRefused metric", () => {
    async function refusal() {
      const error = await scaleHandler()(alarmEvent("cpu-high")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResizeRefusedError);
      expect(mocks.state.workflow.executions).toEqual([]);
      expect(mocks.state.table.audits().map((a) => [a.outcome, a.detail])).toEqual([
        ["failed", (error as Error).message],
      ]);
      const metric = lines.find((l) => l.ResizeRefused === 1)!;
      expect(lines.find((l) => l.outcome === "failed")).toMatchObject({ Reason: "RESPONDER_RESIZE_REFUSED" });
      return { message: (error as Error).message, reason: metric.Reason };
    }

    it("an Auto Scaling group member", async () => {
      mocks.state.instance.tags["aws:autoscaling:groupName"] = "web-asg";
      expect(await refusal()).toEqual({
        message: `Instance ${INSTANCE} is a member of Auto Scaling group "web-asg", which would replace it while it is stopped, so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
        reason: "auto-scaling-group",
      });
    });

    it("a one-time Spot instance", async () => {
      mocks.state.instance.lifecycle = "spot";
      mocks.state.instance.spotRequest = { id: "sir-1", type: "one-time", interruption: "terminate" };
      expect(await refusal()).toEqual({
        message: `Instance ${INSTANCE} is a Spot instance from a one-time request (only persistent requests with interruption behaviour 'stop' can be stopped), so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
        reason: "spot",
      });
    });

    it("an instance type with instance-store volumes", async () => {
      mocks.state.instance.instanceStoreTypes.add("m7i.large");
      const { message, reason } = await refusal();
      expect(reason).toBe("instance-store");
      expect(message).toBe(
        `Instance ${INSTANCE} is a m7i.large, whose instance-store volumes (118 GB) lose their data when it stops, so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
      );
    });

    it("an instance-store root volume", async () => {
      mocks.state.instance.rootDeviceType = "instance-store";
      expect((await refusal()).reason).toBe("instance-store");
    });
  });

  it("resizes a Spot instance from a persistent request that stops on interruption", async () => {
    mocks.state.instance.lifecycle = "spot";
    mocks.state.instance.spotRequest = { id: "sir-2", type: "persistent", interruption: "stop" };
    expect((await scaleHandler()(alarmEvent("cpu-high"))).outcome).toBe("acted");
    expect(mocks.state.workflow.executions).toHaveLength(1);
  });

  it("keeps to the cooldown of a response that just ran", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    mocks.state.workflow.end("SUCCEEDED");
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
    expect(mocks.state.workflow.executions).toEqual([]);
    expect(mocks.state.table.audits().map((a) => a.outcome)).toEqual(["failed"]);
  });

  it("records nothing against the guards when the instance already has the target type", async () => {
    mocks.state.instance.type = "m7i.2xlarge";
    const result = await scaleHandler()(alarmEvent("cpu-high"));
    expect(result).toEqual({
      outcome: "unchanged",
      instanceId: INSTANCE,
      detail: `${INSTANCE}: m7i.2xlarge stays: m7i.2xlarge is the smallest m7i size with >= 8 vCPU`,
    });
    expect(mocks.state.workflow.executions).toEqual([]);
    expect(storedGuard().recent).toEqual([]);
    expect(storedGuard().lock).toBeUndefined();
  });

  it("refuses an instance of another fleet", async () => {
    mocks.state.instance.tags["persona:fleet"] = "batch";
    const error = await scaleHandler()(alarmEvent("cpu-high")).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Instance ${INSTANCE} is not in fleet web (tag persona:fleet is 'batch'); responders act only on their own fleet's instances, so nothing was done.`,
    );
    expect(mocks.state.workflow.executions).toEqual([]);
  });

  it("reads the manifest once per container", async () => {
    const handler = scaleHandler();
    await handler(alarmEvent("cpu-high"));
    await handler(alarmEvent("cpu-high", { timestamp: "2025-01-09T12:37:48.000+0000" }));
    expect(mocks.state.manifestReads).toBe(1);
  });
});
