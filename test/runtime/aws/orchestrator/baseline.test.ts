/**
 * The scale responder's `personas.baseline` branch against aws-sdk-client-mock: the orchestrator's
 * request resizes to the given size through the same guard and resize workflow as an alarm, with no
 * manifest entry needed.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createScaleHandler } from "../../../../src/runtime/aws/actions/baseline.js";
import { EventRejectedError } from "../../../../src/runtime/aws/errors.js";
import { BaselineEvent, parseBaselineEvent } from "../../../../src/runtime/aws/orchestrator/index.js";
import { DIGEST, INSTANCE, installMocks, RESIZE_STATE_MACHINE, TEST_ENV, tick } from "../support.js";

const mocks = installMocks();
afterAll(() => mocks.restore());

const TRANSITION = `orchestrator:${INSTANCE}@${DIGEST}`;
let lines: Record<string, unknown>[] = [];

function baseline(size: string, extra: Record<string, unknown> = {}) {
  return {
    type: "personas.baseline",
    version: 1,
    instanceId: INSTANCE,
    digest: DIGEST,
    size,
    transitionId: TRANSITION,
    ...extra,
  };
}

function scaleHandler() {
  return createScaleHandler({
    env: TEST_ENV,
    now: () => Date.parse("2025-01-09T11:38:00Z"),
    sleep: tick,
    logSink: (line) => lines.push(JSON.parse(line)),
  });
}

beforeEach(() => {
  mocks.reset();
  lines = [];
});

describe("scale responder, personas.baseline", () => {
  it("starts the resize workflow to the requested size, without reading the manifest", async () => {
    const result = await scaleHandler()(baseline("m7i.xlarge"), { awsRequestId: "req-1" });
    const { workflow, table } = mocks.state;
    expect(result).toEqual({
      outcome: "acted",
      instanceId: INSTANCE,
      detail: `${INSTANCE}: m7i.large -> m7i.xlarge (baseline of persona ${DIGEST}); resize workflow started to stop, change the type and start (execution ${workflow.executions[0]!.name})`,
    });
    expect(workflow.executions.map((e) => e.input)).toEqual([
      { instanceId: INSTANCE, originalType: "m7i.large", targetType: "m7i.xlarge", start: true },
    ]);
    expect(mocks.state.manifestReads).toBe(0);
    expect(table.audits().map((a) => [a.kind, a.responseId, a.outcome, a.transitionId])).toEqual([
      ["scale", "baseline", "acted", TRANSITION],
    ]);
  });

  it("changes nothing when the instance already has the size, and does not count it", async () => {
    const result = await scaleHandler()(baseline("m7i.large"), { awsRequestId: "req-1" });
    expect(result).toEqual({
      outcome: "unchanged",
      instanceId: INSTANCE,
      detail: `${INSTANCE}: already m7i.large, the baseline of persona ${DIGEST}`,
    });
    expect(mocks.state.instance.calls).toEqual([]);
  });

  it("acts once for a redelivered request", async () => {
    const handler = scaleHandler();
    await handler(baseline("m7i.xlarge"), { awsRequestId: "req-1" });
    const again = await handler(baseline("m7i.xlarge"), { awsRequestId: "req-2" });
    expect(again).toMatchObject({ outcome: "skipped", reason: "duplicate", instanceId: INSTANCE });
    expect(mocks.state.workflow.executions).toHaveLength(1);
  });

  it("settles an alarm's finished resize before acting, and waits while one runs", async () => {
    mocks.state.workflow.start(RESIZE_STATE_MACHINE, `${INSTANCE}-alarm`, "{}");
    const arn = mocks.state.workflow.executions[0]!.arn;
    mocks.state.table.items.set(`guard#scale#${INSTANCE}|state`, {
      pk: { S: `guard#scale#${INSTANCE}` },
      sk: { S: "state" },
      version: { N: "1" },
      state: {
        S: JSON.stringify({
          handled: {},
          lastRunAt: {},
          recent: [],
          lock: { holder: `execution:${arn}`, expiresAt: Date.parse("2025-01-09T13:00:00Z") },
        }),
      },
    });
    const handler = scaleHandler();
    expect(await handler(baseline("m7i.xlarge"), { awsRequestId: "req-1" })).toMatchObject({
      outcome: "skipped",
      reason: "locked",
    });
    mocks.state.workflow.end("SUCCEEDED");
    const later = await handler(baseline("m7i.xlarge", { transitionId: `${TRANSITION}#2` }), {
      awsRequestId: "req-2",
    });
    expect(later.outcome).toBe("acted");
    expect(mocks.state.table.audits().map((a) => [a.responseId, a.outcome])).toEqual(
      expect.arrayContaining([
        ["in-flight", "acted"],
        ["baseline", "acted"],
      ]),
    );
  });

  it("refuses an instance of another fleet", async () => {
    mocks.state.instance.tags["persona:fleet"] = "api";
    await expect(scaleHandler()(baseline("m7i.xlarge"), { awsRequestId: "req-1" })).rejects.toThrow(
      `Instance ${INSTANCE} is not in fleet web (tag persona:fleet is 'api'); responders act only on their own fleet's instances, so nothing was done.`,
    );
    expect(mocks.state.workflow.executions).toEqual([]);
  });

  it("accepts the event the orchestrator sends as it is", () => {
    const sent: BaselineEvent = {
      type: "personas.baseline",
      version: 1,
      instanceId: INSTANCE,
      digest: DIGEST,
      size: "m7g.xlarge",
      transitionId: TRANSITION,
    };
    expect(parseBaselineEvent(sent)).toEqual(sent);
  });

  it("has one schema for the sender and the receiver: the orchestrator's type is the responder's schema", () => {
    // The orchestrator validates what it sends with the same value the scale responder parses with.
    expect(BaselineEvent.safeParse({ type: "personas.baseline", version: 1 }).success).toBe(false);
    // fixture-guard: a malformed digest on purpose, to prove the shared schema refuses it
    expect(() => parseBaselineEvent({ ...baseline("m7g.xlarge"), digest: "not-a-digest" })).toThrow(
      EventRejectedError,
    );
  });

  it("rejects a malformed request before touching anything", async () => {
    const run = scaleHandler()(baseline("huge", { version: 2, extra: true }), { awsRequestId: "req-1" });
    await expect(run).rejects.toThrow(EventRejectedError);
    await expect(run).rejects.toThrow(
      'Rejected an event that is not a valid baseline event (version: Invalid input: expected 1; size: Invalid string: must match pattern /^[a-z0-9-]+\\.[a-z0-9-]+$/; (root): Unrecognized key: "extra"); nothing was done.',
    );
    expect(mocks.state.workflow.executions).toEqual([]);
    expect(mocks.state.table.items.size).toBe(0);
    expect(lines.map((l) => [l.outcome, l.reason])).toEqual([["rejected", "invalid-event"]]);
  });
});
