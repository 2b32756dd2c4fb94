/**
 * The event contract, the configuration getters, and the notify and value-feed responders on
 * aws-sdk-client-mock.
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { resizeTimeoutSeconds } from "../../../src/aws/resize-definition.js";
import { notifyExecutor } from "../../../src/runtime/aws/actions/notify.js";
import { scaleExecutor } from "../../../src/runtime/aws/actions/scale.js";
import { ResponderEnv } from "../../../src/runtime/aws/env.js";
import { parseResponderEvent } from "../../../src/runtime/aws/events.js";
import { createResponder } from "../../../src/runtime/aws/responder.js";
import { createValueFeedResponder, readValue } from "../../../src/runtime/aws/value-feed.js";
import {
  alarmEvent,
  DIGEST,
  INSTANCE,
  installMocks,
  TEST_ENV,
  testAlarmName,
  testManifest,
} from "./support.js";

const manifest = testManifest();
const mocks = installMocks(manifest);
const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
afterAll(() => {
  mocks.restore();
  sns.restore();
  lambda.restore();
});
beforeEach(() => {
  mocks.reset();
  sns.reset();
  lambda.reset();
});

const quiet = { env: TEST_ENV, logSink: () => {}, sleep: async () => {} };

describe("responder events", () => {
  it("runs nothing when a trigger's alarm goes back to OK: a recovery is not a clear", async () => {
    const result = await createResponder(
      "notify",
      notifyExecutor,
      quiet,
    )(alarmEvent("cpu-high", { state: "OK", previousState: "ALARM" }));
    expect(result).toEqual({
      outcome: "skipped",
      reason: "not-acting-transition",
      detail: `alarm ${testAlarmName("cpu-high")} went from ALARM to OK; a trigger's alarm acts on entering ALARM and a clear alarm on going from ALARM to OK`,
    });
    expect(sns.calls()).toHaveLength(0);
  });

  it("runs no clear on a clear watcher's first OK (from INSUFFICIENT_DATA) nor on its ALARM", async () => {
    const handler = createResponder("scale", scaleExecutor, quiet);

    const first = await handler(
      alarmEvent("cpu-high-clear", { state: "OK", previousState: "INSUFFICIENT_DATA" }),
    );
    const breach = await handler(alarmEvent("cpu-high-clear", { state: "ALARM", previousState: "OK" }));
    const gap = await handler(alarmEvent("cpu-high", { state: "INSUFFICIENT_DATA", previousState: "ALARM" }));

    expect([first, breach, gap].map((r) => [r.outcome, "reason" in r ? r.reason : undefined])).toEqual([
      ["skipped", "not-acting-transition"],
      ["skipped", "not-acting-transition"],
      ["skipped", "not-acting-transition"],
    ]);
    expect(mocks.state.table.audits()).toEqual([]);
  });

  it("rejects an event that is not a CloudWatch alarm, and logs why", async () => {
    const lines: string[] = [];
    const handler = createResponder("notify", notifyExecutor, { ...quiet, logSink: (l) => lines.push(l) });
    await expect(handler({ hello: "world" })).rejects.toThrow(
      'Rejected an event that is not a valid CloudWatch alarm event (source: Invalid input: expected "aws.cloudwatch"; alarmArn: Invalid input: expected string, received undefined; alarmData: Invalid input: expected object, received undefined); nothing was done.',
    );
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "error",
      outcome: "rejected",
      Reason: "invalid-event",
    });
  });

  it("rejects an alarm without the personas tag in its description", async () => {
    await expect(
      createResponder(
        "notify",
        notifyExecutor,
        quiet,
      )(alarmEvent("cpu-high", { description: "hand-made alarm" })),
    ).rejects.toThrow(
      `Alarm ${testAlarmName("cpu-high")} has no [personas:v1 digest=... alarm=...] tag at the end of its description, so it is not a persona alarm; nothing was done. Remove this function from the alarm's actions.`,
    );
  });

  it("fails the first invocation with the name of a missing variable", async () => {
    const handler = createResponder("notify", notifyExecutor, {
      env: { FLEET_NAME: "web" },
      logSink: () => {},
    });
    await expect(handler(alarmEvent("cpu-high"))).rejects.toThrow(
      "Environment variable FLEET_BUCKET is not set; it must hold the name of the fleet store bucket (manifest and membership record) (the PersonaFleet component sets it on every responder function; redeploy the stack).",
    );
  });
});

describe("dispatch events", () => {
  const dispatch = (digest: string) => ({
    type: "personas.dispatch",
    version: 1,
    instanceId: INSTANCE,
    digest,
    responseId: "threat-scale",
    intent: "activate",
    transitionId: "WebBase-threat@2025-01-09T12:02:00Z#activate",
    feedId: "WebBase-threat",
  });

  it("accepts the digest as the components tag instances with it (sha256:<hex>)", () => {
    expect(testManifest().personas[DIGEST]).toBeDefined();
    expect(parseResponderEvent(dispatch(DIGEST))).toMatchObject({
      kind: "dispatch",
      event: { digest: DIGEST },
    });
  });

  it("refuses a digest in any other spelling", () => {
    expect(() => parseResponderEvent(dispatch(DIGEST.replace(/^sha256:/, "")))).toThrow(
      "Rejected an event that is not a valid dispatch event (digest: Invalid string: must match pattern /^sha256:[0-9a-f]{64}$/); nothing was done.",
    );
  });
});

describe("ResponderEnv", () => {
  it("explains a malformed JSON map", () => {
    expect(() => new ResponderEnv({ SNS_TOPICS: "[1]" }).notifyTopics).toThrow(
      'Environment variable SNS_TOPICS is malformed (Invalid input: expected record, received array); expected for example {"ops-team": "arn:aws:sns:..."}.',
    );
  });

  it("fills in the documented defaults", () => {
    const env = new ResponderEnv({ FLEET_NAME: "web", STACK_NAME: "prod" });
    expect([
      env.fleetTagKey,
      env.metricsNamespace,
      env.featureParameterPrefix,
      env.commandDocument,
      env.scaleWaitSeconds,
    ]).toEqual([
      "persona:fleet",
      "Personas/Responders",
      "/personas/web/prod/features",
      "AWS-RunShellScript",
      300,
    ]);
  });

  it("defaults the resize lock's lifetime to the resize workflow's TimeoutSeconds, and requires its ARN", () => {
    const env = new ResponderEnv({ FLEET_NAME: "web" });
    expect(env.resizeTimeoutSeconds).toBe(resizeTimeoutSeconds());
    expect(() => env.resizeStateMachineArn).toThrow(
      "Environment variable RESIZE_STATE_MACHINE_ARN is not set; it must hold the ARN of the fleet's resize state machine (the PersonaFleet component sets it on every responder function; redeploy the stack).",
    );
  });
});

describe("notify responder", () => {
  it("publishes to the channel's topic once per transition", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const handler = createResponder("notify", notifyExecutor, quiet);
    expect(await handler(alarmEvent("cpu-high"))).toEqual({
      outcome: "acted",
      instanceId: INSTANCE,
      detail: "notified ops (message m-1)",
    });
    await handler(alarmEvent("cpu-high"));
    expect(
      sns.commandCalls(PublishCommand).map((c) => [c.args[0].input.TopicArn, c.args[0].input.Subject]),
    ).toEqual([["arn:aws:sns:us-east-1:111122223333:ops", `WebBase: scale-out ran on ${INSTANCE}`]]);
  });
});

describe("value-feed responder", () => {
  it("reads numbers from JSON paths and text, and says why when it cannot", () => {
    expect(readValue('{"threat":{"level":4}}', "json", "$.threat.level")).toBe(4);
    expect(readValue(" 17.5\n", "text", "$")).toBe(17.5);
    expect(readValue('{"threat":{}}', "json", "$.threat.level")).toBe("$.threat.level selects nothing");
    expect(readValue('{"threat":{"level":"high"}}', "json", "$.threat.level")).toBe(
      '$.threat.level is "high", not a number',
    );
  });

  it("dispatches on a transition through the responders, and never on unreadable data", async () => {
    let body = '{"threat":{"level":"unknown"}}';
    const server = createServer((_req, res) =>
      res.writeHead(200, { "Content-Type": "application/json" }).end(body),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      // The persona's feed, served from loopback instead of its https URL.
      mocks.state.manifest.feeds["WebBase-threat"]!.url =
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/level.json`;
      // The dispatch lists the persona's instances by tag; the scale responder then describes one.
      mocks.ec2.on(DescribeInstancesCommand).callsFake(async (input) =>
        input.Filters === undefined
          ? mocks.state.instance.describe()
          : {
              Reservations: [
                { Instances: [{ InstanceId: INSTANCE, Tags: [{ Key: "persona:digest", Value: DIGEST }] }] },
              ],
            },
      );
      lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
      let clock = Date.parse("2025-01-09T12:00:00Z");
      const handler = createValueFeedResponder({
        ...quiet,
        now: () => clock,
        env: {
          ...TEST_ENV,
          RESPONDER_FUNCTIONS: JSON.stringify({ scale: "web-scale", notify: "web-notify" }),
        },
        fetcher: { unsafeTestAllowances: { allowLoopback: true, allowHttp: true } },
      });
      const tick = (minute: number) => ({
        source: "personas.feed",
        fleet: "web",
        feedId: "WebBase-threat",
        scheduledTime: `2025-01-09T12:${String(minute).padStart(2, "0")}:00Z`,
      });

      expect(await handler(tick(0))).toMatchObject({ outcome: "unreadable" });
      body = '{"threat":{"level":2}}';
      expect(await handler(tick(1))).toMatchObject({ outcome: "steady", value: 2 });
      body = '{"threat":{"level":5}}';
      expect(await handler(tick(2))).toMatchObject({
        outcome: "dispatched",
        intent: "activate",
        dispatched: [`scale:${INSTANCE}`],
      });
      expect(await handler(tick(3))).toMatchObject({ outcome: "steady", value: 5 });
      body = '{"threat":{"level":1}}';
      clock += 5 * 60_000;
      expect(await handler(tick(8))).toMatchObject({ outcome: "steady", value: 1 });
      clock += 10 * 60_000;
      expect(await handler(tick(18))).toMatchObject({
        outcome: "dispatched",
        intent: "clear",
        dispatched: [`scale:${INSTANCE}`],
      });

      const sent = lambda.commandCalls(InvokeCommand).map((c) => ({
        to: c.args[0].input.FunctionName,
        event: JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)),
      }));
      expect(sent.map((s) => [s.to, s.event.intent, s.event.transitionId])).toEqual([
        ["web-scale", "activate", "WebBase-threat@2025-01-09T12:02:00Z#activate"],
        ["web-scale", "clear", "WebBase-threat@2025-01-09T12:18:00Z#clear"],
      ]);
      // The dispatched event runs through the scale responder's own guards and executor.
      const scaled = await createResponder("scale", scaleExecutor, { ...quiet, sleep: async () => {} })(
        sent[0]!.event,
      );
      expect(scaled.outcome).toBe("acted");
      expect(mocks.state.workflow.executions.map((e) => e.input)).toEqual([
        { instanceId: INSTANCE, originalType: "m7i.large", targetType: "m7i.2xlarge", start: true },
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
