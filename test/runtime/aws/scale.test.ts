/**
 * The scale responder against aws-sdk-client-mock: what it decides, what it refuses, which resize
 * execution it starts (name, input), and how the lock on the instance follows the execution until an
 * invocation sees it end. The execution itself (stop / modify / start / restore) runs on moto in
 * resize-workflow.test.ts.
 */
import { createHash } from "node:crypto";
import {
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeSpotInstanceRequestsCommand,
} from "@aws-sdk/client-ec2";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionLimitExceeded,
  ListExecutionsCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { ScaleAction } from "../../../src/pdl/actions/index.js";
import { ScaleTargetError } from "../../../src/resolve/sizing/errors.js";
import {
  resizeExecutionName,
  scaleExecutor,
  scaleTarget,
  settleResizeExecution,
} from "../../../src/runtime/aws/actions/scale.js";
import { createContext } from "../../../src/runtime/aws/context.js";
import {
  ActionFailedError,
  InstanceRefusedError,
  ResizeRefusedError,
} from "../../../src/runtime/aws/errors.js";
import { createResponder, type ManifestPersona } from "../../../src/runtime/aws/responder.js";
import {
  ALARM_ARN,
  alarmEvent,
  awsError,
  DIGEST,
  INSTANCE,
  installMocks,
  RESIZE_STATE_MACHINE,
  TEST_ENV,
  testManifest,
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
/** The naming rule, written out here rather than taken from the code under test: the instance id and 32 hex digits of the transition's SHA-256. */
const EXECUTION_NAME = `${INSTANCE}-${createHash("sha256").update(TRANSITION).digest("hex").slice(0, 32)}`;
const EXECUTION_ARN = `${RESIZE_STATE_MACHINE.replace(":stateMachine:", ":execution:")}:${EXECUTION_NAME}`;

function storedGuard() {
  const item = mocks.state.table.items.get(`guard#scale#${INSTANCE}|state`);
  return JSON.parse(String((item!.state as { S: string }).S));
}

/** The Embedded Metric Format block of a log line that carries one Count metric (src/runtime/aws/log.ts). */
function emf(metric: string, dimensions: string[] = []) {
  return {
    Timestamp: expect.any(Number),
    CloudWatchMetrics: [
      {
        Namespace: "Personas/Responders",
        Dimensions: [["Fleet", "Responder", ...dimensions]],
        Metrics: [{ Name: metric, Unit: "Count" }],
      },
    ],
  };
}

/** The log line of a failed resize execution's end, carrying its metric (src/runtime/aws/actions/scale.ts). */
function endedLine(
  metric: "ResizeRestored" | "ResizeRestoreFailed",
  fields: { error?: string; cause?: string },
) {
  return {
    level: "info",
    message:
      metric === "ResizeRestored"
        ? "a resize failed and the instance was restored"
        : "a resize failed and the instance may not be running",
    responder: "scale",
    fleet: "web",
    instanceId: INSTANCE,
    executionArn: EXECUTION_ARN,
    ...fields,
    Fleet: "web",
    Responder: "scale",
    [metric]: 1,
    _aws: emf(metric),
  };
}

/** The log lines that carry `metric`. */
function metricLines(metric: string) {
  return lines.filter((l) => metric in l);
}

/** What a promise rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as Error;
}

/** A running execution of the resize state machine for another instance, as if started for it. */
function otherInstanceExecution(n: number) {
  const name = resizeExecutionName("i-0fedcba9876543210", `transition-${n}`);
  return {
    arn: `${RESIZE_STATE_MACHINE.replace(":stateMachine:", ":execution:")}:${name}`,
    name,
    input: {},
    status: "RUNNING" as const,
  };
}

/** The clear event of the `cpu-high` trigger, whose ClearAction is "Scale back to baseline". */
const CLEAR_EVENT = alarmEvent("cpu-high-clear", {
  timestamp: "2025-01-09T11:44:30.000+0000",
  state: "OK",
  previousState: "ALARM",
});

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
    expect(metricLines("ResizeRestored")).toEqual([
      endedLine("ResizeRestored", {
        error: "Personas.ResizeFailedRestored",
        cause: "The requested configuration is currently not supported.",
      }),
    ]);
    expect(metricLines("ResizeRestoreFailed")).toEqual([]);
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
    expect(metricLines("ResizeRestoreFailed")).toEqual([
      endedLine("ResizeRestoreFailed", { error: "Personas.RestoreFailed", cause: "No capacity." }),
    ]);
    expect(metricLines("ResizeRestored")).toEqual([]);
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
      expect(metricLines("ResizeRefused")).toEqual([
        {
          level: "info",
          message: "resize refused: the instance cannot be stopped safely",
          responder: "scale",
          fleet: "web",
          instanceId: INSTANCE,
          Fleet: "web",
          Responder: "scale",
          Reason: "auto-scaling-group",
          ResizeRefused: 1,
          _aws: emf("ResizeRefused", ["Reason"]),
        },
      ]);
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
      expect(await refusal()).toEqual({
        message: `Instance ${INSTANCE} has an instance-store root volume and cannot be stopped, so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
        reason: "instance-store",
      });
    });

    it("a Spot instance that names no Spot request, without asking EC2 for one", async () => {
      mocks.state.instance.lifecycle = "spot";
      expect(await refusal()).toEqual({
        message: `Instance ${INSTANCE} is a Spot instance from an unknown request (only persistent requests with interruption behaviour 'stop' can be stopped), so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
        reason: "spot",
      });
      expect(mocks.ec2.commandCalls(DescribeSpotInstanceRequestsCommand)).toEqual([]);
    });

    it("a Spot instance whose request DescribeSpotInstanceRequests answers without a list", async () => {
      mocks.state.instance.lifecycle = "spot";
      mocks.state.instance.spotRequest = { id: "sir-3", type: "persistent", interruption: "stop" };
      // The EC2 API model (botocore ec2 service-2.json) marks no member of
      // DescribeSpotInstanceRequestsResult required, so an answer may leave the list out.
      mocks.ec2.on(DescribeSpotInstanceRequestsCommand).resolves({});
      expect((await refusal()).message).toBe(
        `Instance ${INSTANCE} is a Spot instance from an unknown request (only persistent requests with interruption behaviour 'stop' can be stopped), so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
      );
    });

    it("a Spot instance from a persistent request that terminates on interruption", async () => {
      mocks.state.instance.lifecycle = "spot";
      mocks.state.instance.spotRequest = { id: "sir-4", type: "persistent", interruption: "terminate" };
      expect(await refusal()).toEqual({
        message: `Instance ${INSTANCE} is a Spot instance from a persistent request (only persistent requests with interruption behaviour 'stop' can be stopped), so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
        reason: "spot",
      });
    });

    it("an instance-store type whose size DescribeInstanceTypes does not give", async () => {
      // InstanceStorageInfo is optional in DescribeInstanceTypes' InstanceTypeInfo (EC2 API reference,
      // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceTypeInfo.html).
      mocks.ec2
        .on(DescribeInstanceTypesCommand)
        .resolves({ InstanceTypes: [{ InstanceType: "m7i.large", InstanceStorageSupported: true }] });
      expect(await refusal()).toEqual({
        message: `Instance ${INSTANCE} is a m7i.large, whose instance-store volumes lose their data when it stops, so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
        reason: "instance-store",
      });
    });

    it("an instance whose type DescribeInstanceTypes does not describe (it fails closed)", async () => {
      // No member of DescribeInstanceTypesResult is required in the EC2 API model (botocore).
      mocks.ec2.on(DescribeInstanceTypesCommand).resolves({});
      expect(await refusal()).toEqual({
        message: `Instance ${INSTANCE} is a m7i.large, which DescribeInstanceTypes did not describe, so whether it has instance-store volumes that lose their data when it stops is unknown, so the scale responder does not stop it and nothing was changed; resize it through its owner instead.`,
        reason: "instance-store",
      });
    });
  });

  it("changes a stopped instance without the stop-safety checks: it is not stopped again", async () => {
    mocks.state.instance.state = "stopped";
    mocks.state.instance.tags["aws:autoscaling:groupName"] = "web-asg";
    mocks.state.instance.lifecycle = "spot";
    mocks.state.instance.spotRequest = { id: "sir-5", type: "one-time", interruption: "terminate" };
    mocks.state.instance.instanceStoreTypes.add("m7i.large");
    const result = await scaleHandler()(alarmEvent("cpu-high"));
    expect(result.outcome).toBe("acted");
    expect(mocks.state.workflow.executions.map((e) => e.input.start)).toEqual([false]);
    expect(mocks.ec2.commandCalls(DescribeInstanceTypesCommand)).toEqual([]);
    expect(mocks.ec2.commandCalls(DescribeSpotInstanceRequestsCommand)).toEqual([]);
    expect(metricLines("ResizeRefused")).toEqual([]);
  });

  it("refuses an instance that is neither running nor stopped, before any other call", async () => {
    mocks.state.instance.state = "shutting-down";
    const error = await rejection(scaleHandler()(alarmEvent("cpu-high")));
    expect(error).toBeInstanceOf(InstanceRefusedError);
    expect(error.message).toBe(
      `Instance ${INSTANCE} is shutting-down; a resize starts only from running or stopped, so nothing was changed.`,
    );
    expect(mocks.ec2.commandCalls(DescribeInstanceTypesCommand)).toEqual([]);
    expect(mocks.sfn.commandCalls(ListExecutionsCommand)).toEqual([]);
    expect(mocks.state.workflow.executions).toEqual([]);
  });

  describe("when StartExecution fails, nothing was changed and the error says why", () => {
    it("ExecutionAlreadyExists: this transition's execution already ran, and is not started twice", async () => {
      await scaleHandler()(alarmEvent("cpu-high"));
      mocks.state.workflow.end("FAILED", "Personas.ResizeFailedRestored", "No capacity.");
      // The guard record is lost (say, the table was restored from a backup) and the event comes again.
      // StartExecution with the name of a closed execution is ExecutionAlreadyExists whatever the input
      // (Step Functions API reference, StartExecution:
      // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
      mocks.state.table.items.delete(`guard#scale#${INSTANCE}|state`);
      const error = await rejection(scaleHandler()(alarmEvent("cpu-high")));
      expect(error).toBeInstanceOf(ActionFailedError);
      expect(error.message).toBe(
        `A resize execution named ${EXECUTION_NAME} already ran for this transition of ${INSTANCE}; not starting it twice. Nothing was changed.`,
      );
      expect((error as ActionFailedError).recovered).toBe(true);
      expect(error.cause).toBeInstanceOf(ExecutionAlreadyExists);
      expect(mocks.state.workflow.executions).toHaveLength(1);
    });

    it("any other error: the workflow could not start, with AWS's message", async () => {
      // One of StartExecution's documented errors (Step Functions API reference, StartExecution).
      const limit = new ExecutionLimitExceeded({
        message:
          "The maximum number of running executions has been reached. Running executions must end or be stopped before a new execution can be started.",
        $metadata: { httpStatusCode: 400 },
      });
      mocks.sfn.on(StartExecutionCommand).rejects(limit);
      const error = await rejection(scaleHandler()(alarmEvent("cpu-high")));
      expect(error).toBeInstanceOf(ActionFailedError);
      expect(error.message).toBe(
        `Could not start the resize workflow for ${INSTANCE} (The maximum number of running executions has been reached. Running executions must end or be stopped before a new execution can be started.); nothing was changed.`,
      );
      expect((error as ActionFailedError).recovered).toBe(true);
      expect(error.cause).toBe(limit);
      expect(mocks.state.table.audits().map((a) => [a.outcome, a.detail])).toEqual([
        ["failed", error.message],
      ]);
    });
  });

  it("resizes a Spot instance from a persistent request that stops on interruption, judging its own request only", async () => {
    mocks.state.instance.lifecycle = "spot";
    mocks.state.instance.spotRequest = { id: "sir-2", type: "persistent", interruption: "stop" };
    // Another instance's one-time request, which EC2 lists too when no request id is named.
    mocks.state.otherSpotRequests = [{ id: "sir-1", type: "one-time", interruption: "terminate" }];
    expect((await scaleHandler()(alarmEvent("cpu-high"))).outcome).toBe("acted");
    expect(mocks.state.workflow.executions).toHaveLength(1);
    expect(mocks.ec2.commandCalls(DescribeSpotInstanceRequestsCommand).map((c) => c.args[0].input)).toEqual([
      { SpotInstanceRequestIds: ["sir-2"] },
    ]);
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
    // The sizing error, wrapped as an action failure that left the instance as it was.
    expect(error).toBeInstanceOf(ActionFailedError);
    expect((error as ActionFailedError).recovered).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(ScaleTargetError);
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

describe("scale responder: another resize of the instance still running (ListExecutions)", () => {
  /** The ListExecutions requests of the last invocation, after `before` earlier ones. */
  const listRequests = (before: number) =>
    mocks.sfn
      .commandCalls(ListExecutionsCommand)
      .slice(before)
      .map((c) => c.args[0].input);

  /** Starts this transition's execution, then loses the lock, as a crash before the hand-over would. */
  async function runningWithoutLock() {
    await scaleHandler()(alarmEvent("cpu-high"));
    mocks.state.table.items.delete(`guard#scale#${INSTANCE}|state`);
    return mocks.sfn.commandCalls(ListExecutionsCommand).length;
  }
  const LATER = alarmEvent("cpu-high", { timestamp: "2025-01-09T11:37:58.000+0000" });

  it("asks for one page of running executions when ListExecutions gives no nextToken", async () => {
    await scaleHandler()(alarmEvent("cpu-high"));
    expect(listRequests(0)).toEqual([
      { stateMachineArn: RESIZE_STATE_MACHINE, statusFilter: "RUNNING", maxResults: 100 },
    ]);
  });

  it("finds the instance's execution on the second page, asking with the first page's nextToken", async () => {
    const before = await runningWithoutLock();
    // 100 newer executions of another instance fill the first page (most recent first).
    mocks.state.workflow.executions.push(...Array.from({ length: 100 }, (_, n) => otherInstanceExecution(n)));
    const error = await rejection(scaleHandler()(LATER));
    expect(error.message).toBe(
      `A resize of ${INSTANCE} is still running (execution ${EXECUTION_NAME}); nothing was changed. The next alarm after it ends is handled.`,
    );
    expect(listRequests(before)).toEqual([
      { stateMachineArn: RESIZE_STATE_MACHINE, statusFilter: "RUNNING", maxResults: 100 },
      {
        stateMachineArn: RESIZE_STATE_MACHINE,
        statusFilter: "RUNNING",
        maxResults: 100,
        nextToken: "page-at-100",
      },
    ]);
  });

  it("reads at most 10 pages (1,000 running executions), so the lookup is bounded", async () => {
    const before = await runningWithoutLock();
    // The instance's own execution is the oldest of 1,001, on page 11: beyond the bound.
    mocks.state.workflow.executions.push(
      ...Array.from({ length: 1000 }, (_, n) => otherInstanceExecution(n)),
    );
    expect((await scaleHandler()(LATER)).outcome).toBe("acted");
    expect(listRequests(before).map((r) => r.nextToken)).toEqual([
      undefined,
      ...Array.from({ length: 9 }, (_, n) => `page-at-${(n + 1) * 100}`),
    ]);
  });

  it("is not held up by another instance's running execution", async () => {
    mocks.state.workflow.executions.push(otherInstanceExecution(1));
    expect((await scaleHandler()(alarmEvent("cpu-high"))).outcome).toBe("acted");
    expect(mocks.state.workflow.executions.map((e) => e.name)).toEqual([
      otherInstanceExecution(1).name,
      EXECUTION_NAME,
    ]);
  });
});

describe("scale responder: Scale back to baseline without a baseline", () => {
  it("fails with the executor's own message, unwrapped, and changes nothing", async () => {
    const persona = mocks.state.manifest.personas[DIGEST]!;
    const baseline = persona.baselineSize;
    delete persona.baselineSize;
    const error = await rejection(scaleHandler()(CLEAR_EVENT)).finally(() => {
      persona.baselineSize = baseline;
    });
    expect(error).toBeInstanceOf(ActionFailedError);
    expect(error.message).toBe(
      'Persona WebBase has no baseline size in the fleet manifest, so "Scale back to baseline" has nowhere to go; nothing was changed.',
    );
    expect((error as ActionFailedError).recovered).toBe(true);
    expect(error.cause).toBeUndefined();
    expect(mocks.state.workflow.executions).toEqual([]);
  });
});

describe("scaleTarget", () => {
  const base = testManifest().personas[DIGEST]!;
  const persona = (changes: Partial<ManifestPersona>): ManifestPersona => ({ ...base, ...changes });
  const scale = (target: Omit<ScaleAction, "kind">): ScaleAction =>
    ({ kind: "scale", ...target }) as ScaleAction;

  it("goes back to the baseline size whatever the bounds: they limit growth, not reverts", () => {
    const plan = scaleTarget(
      persona({ baselineSize: "m7i.large", bounds: { maxMemoryGiB: 4, maxSize: "m7i.large" } }),
      "m7i.4xlarge",
      scale({ baseline: true }),
    );
    expect([plan.to.name, plan.direction, plan.reason]).toEqual([
      "m7i.large",
      "down",
      "m7i.4xlarge -> m7i.large (scale down): m7i.large was named",
    ]);
  });

  it("refuses to go back to a baseline the manifest does not give, as a recovered ActionFailedError", () => {
    const { baselineSize: _, ...without } = base;
    expect(() => scaleTarget(without, "m7i.4xlarge", scale({ baseline: true }))).toThrow(
      new ActionFailedError(
        'Persona WebBase has no baseline size in the fleet manifest, so "Scale back to baseline" has nowhere to go; nothing was changed.',
        true,
      ),
    );
  });

  it("scales to the smallest size of the family with the target memory", () => {
    expect(scaleTarget(persona({ bounds: {} }), "m7i.large", scale({ memoryGiB: 32 })).reason).toBe(
      "m7i.large -> m7i.2xlarge (scale up): m7i.2xlarge is the smallest m7i size with >= 32 GiB",
    );
  });

  it("scales to a named size of the family", () => {
    expect(scaleTarget(persona({ bounds: {} }), "m7i.large", scale({ size: "m7i.xlarge" })).reason).toBe(
      "m7i.large -> m7i.xlarge (scale up): m7i.xlarge was named",
    );
  });

  it("keeps a memory target within the persona's MaxMemory", () => {
    expect(() =>
      scaleTarget(persona({ bounds: { maxMemoryGiB: 32 } }), "m7i.large", scale({ memoryGiB: 64 })),
    ).toThrow(
      "Cannot scale m7i.large to >= 64 GiB: the smallest m7i size with >= 64 GiB is m7i.4xlarge (16 vCPU, 64 GiB), above the bound of at most 32 GiB; within the bound m7i has 8, 16, 32 GiB sizes.",
    );
  });

  it("keeps a vCPU target within the persona's MaxSize", () => {
    expect(() =>
      scaleTarget(persona({ bounds: { maxSize: "m7i.2xlarge" } }), "m7i.large", scale({ cpu: 16 })),
    ).toThrow(
      "Cannot scale m7i.large to >= 16 vCPU: the smallest m7i size with >= 16 vCPU is m7i.4xlarge (16 vCPU, 64 GiB), above the bound of at most m7i.2xlarge; within the bound m7i has 2, 4, 8 vCPU sizes.",
    );
  });
});

describe("settleResizeExecution", () => {
  const KEY = { subject: INSTANCE, kind: "scale" };
  const HOLDER = `execution:${EXECUTION_ARN}`;
  const context = () =>
    createContext("scale", {
      env: TEST_ENV,
      now: () => clock,
      sleep: tick,
      logSink: (l) => lines.push(JSON.parse(l)),
    });
  /** This transition's execution, in `status`. */
  function execution(
    status: "RUNNING" | "PENDING_REDRIVE" | "SUCCEEDED" | "FAILED" | "ABORTED",
    error?: string,
    cause?: string,
  ) {
    mocks.state.workflow.executions.push({
      arn: EXECUTION_ARN,
      name: EXECUTION_NAME,
      input: { instanceId: INSTANCE, originalType: "m7i.large", targetType: "m7i.2xlarge", start: true },
      status,
      ...(error === undefined ? {} : { error }),
      ...(cause === undefined ? {} : { cause }),
    });
  }

  it("leaves a lock that no resize execution holds to its holder, without asking Step Functions", async () => {
    expect(await settleResizeExecution(context(), KEY, "scale:req-1")).toEqual({ ended: false });
    expect(mocks.sfn.commandCalls(DescribeExecutionCommand)).toEqual([]);
  });

  it("keeps the lock while a failed execution waits to be redriven (PENDING_REDRIVE)", async () => {
    execution("PENDING_REDRIVE");
    expect(await settleResizeExecution(context(), KEY, HOLDER)).toEqual({
      ended: false,
      detail: `resize execution ${EXECUTION_NAME} is pending_redrive`,
    });
  });

  it("records a succeeded execution of an instance it cannot describe, saying its state is unknown and logging why", async () => {
    execution("SUCCEEDED");
    // EC2 error codes: InvalidInstanceID.NotFound (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
    mocks.ec2
      .on(DescribeInstancesCommand)
      .rejects(awsError("InvalidInstanceID.NotFound", `The instance ID '${INSTANCE}' does not exist`));
    expect(await settleResizeExecution(context(), KEY, HOLDER)).toEqual({
      ended: true,
      outcome: "acted",
      detail: `resize execution ${EXECUTION_NAME} succeeded; its state is unknown`,
    });
    expect(lines).toEqual([
      {
        level: "warn",
        message: "could not describe the instance after its resize execution ended",
        responder: "scale",
        fleet: "web",
        instanceId: INSTANCE,
        executionArn: EXECUTION_ARN,
        error: {
          name: "InvalidInstanceID.NotFound",
          message: `The instance ID '${INSTANCE}' does not exist`,
        },
      },
    ]);
  });

  it("says 'no cause' for a restored failure that gives none", async () => {
    execution("FAILED", "Personas.ResizeFailedRestored");
    expect(await settleResizeExecution(context(), KEY, HOLDER)).toEqual({
      ended: true,
      outcome: "failed",
      detail: `resize execution ${EXECUTION_NAME} failed (no cause) and restored the instance; it is running as m7i.large`,
    });
  });

  it("treats an aborted execution without error or cause as unrestored: ResizeRestoreFailed and what to do", async () => {
    execution("ABORTED");
    expect(await settleResizeExecution(context(), KEY, HOLDER)).toEqual({
      ended: true,
      outcome: "failed",
      detail: `resize execution ${EXECUTION_NAME} ended ABORTED (no error: no cause) without restoring the instance; it is running as m7i.large. Check it now: set its original type and start it.`,
    });
    // No error and no cause: the line leaves both out.
    expect(metricLines("ResizeRestoreFailed")).toEqual([endedLine("ResizeRestoreFailed", {})]);
  });
});
