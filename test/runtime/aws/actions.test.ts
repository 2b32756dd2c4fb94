/**
 * The feature, run-command and invoke-function responders on aws-sdk-client-mock: what each leaves
 * behind (parameters, commands sent, functions invoked, audit records), not only that calls were made.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  PutParameterCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { featureExecutor } from "../../../src/runtime/aws/actions/feature.js";
import { invokeFunctionExecutor } from "../../../src/runtime/aws/actions/invoke-function.js";
import { runCommandExecutor } from "../../../src/runtime/aws/actions/run-command.js";
import { createResponder } from "../../../src/runtime/aws/responder.js";
import { alarmEvent, INSTANCE, installMocks, TEST_ENV, testManifest } from "./support.js";

const manifest = testManifest();
const mocks = installMocks(manifest);
const lambda = mockClient(LambdaClient);
afterAll(() => {
  mocks.restore();
  lambda.restore();
});

/** SSM as the feature and command paths see it: parameters kept, commands ending with `status`. */
let parameters: Map<string, string>;
let invocations: { status: string; stderr?: string; notYetRegistered: number };
beforeEach(() => {
  mocks.reset();
  lambda.reset();
  parameters = new Map();
  invocations = { status: "Success", notYetRegistered: 1 };
  mocks.ssm.on(PutParameterCommand).callsFake(async (input) => {
    parameters.set(input.Name, input.Value);
    return { Version: 1 };
  });
  mocks.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-1" } });
  mocks.ssm.on(GetCommandInvocationCommand).callsFake(async () => {
    if (invocations.notYetRegistered-- > 0)
      throw new InvocationDoesNotExist({ message: "not yet", $metadata: {} });
    return {
      Status: invocations.status,
      StandardOutputContent: "done",
      StandardErrorContent: invocations.stderr ?? "",
    };
  });
});

const env = { ...TEST_ENV, FEATURE_DOCUMENT: "web-feature" };
const quiet = { env, logSink: () => {}, sleep: async () => {} };

const sentCommands = () =>
  mocks.ssm.commandCalls(SendCommandCommand).map((c) => {
    const { DocumentName, InstanceIds, Parameters, Comment } = c.args[0].input;
    return { DocumentName, InstanceIds, Parameters, Comment };
  });

describe("feature responder", () => {
  it("sets the feature on in Parameter Store and runs its activate script once per transition", async () => {
    // Prepare
    const handler = createResponder("feature", featureExecutor, quiet);

    // Act: the alarm, then its redelivery
    const first = await handler(alarmEvent("cache-on"));
    await handler(alarmEvent("cache-on"));

    // Assess
    expect(first).toEqual({
      outcome: "acted",
      instanceId: INSTANCE,
      detail: `${INSTANCE}: cdn-caching on (command cmd-1 Success)`,
    });
    expect([...parameters]).toEqual([[`/personas/web/prod/features/${INSTANCE}/cdn-caching`, "on"]]);
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(1);
    expect(sentCommands()).toEqual([
      {
        DocumentName: "web-feature",
        InstanceIds: [INSTANCE],
        Parameters: { feature: ["cdn-caching"], state: ["on"] },
        Comment: "personas: activate cdn-caching",
      },
    ]);
    expect(mocks.state.table.audits().map((a) => [a.kind, a.responseId, a.intent, a.outcome])).toEqual([
      ["feature", "cache-on", "activate", "acted"],
    ]);
  });

  it("keeps the state it set when the script fails, and records the failure", async () => {
    // Prepare
    invocations.status = "Failed";
    invocations.stderr = "disable-cdn: not found";
    const handler = createResponder("feature", featureExecutor, quiet);

    // Act, Assess
    await expect(handler(alarmEvent("cache-on-clear", { state: "OK" }))).rejects.toThrow(
      "Command cmd-1 on i-0123456789abcdef0 ended Failed: disable-cdn: not found; see Run Command's history for the full output.",
    );
    expect([...parameters]).toEqual([[`/personas/web/prod/features/${INSTANCE}/cdn-caching`, "off"]]);
    expect(sentCommands().map((c) => c.Parameters)).toEqual([{ feature: ["cdn-caching"], state: ["off"] }]);
    expect(mocks.state.table.audits().map((a) => [a.kind, a.intent, a.outcome, a.detail])).toEqual([
      [
        "feature",
        "clear",
        "failed",
        "Command cmd-1 on i-0123456789abcdef0 ended Failed: disable-cdn: not found; see Run Command's history for the full output.",
      ],
    ]);
  });

  it("sets the state but runs no script on a stopped instance, and says why", async () => {
    // Prepare
    mocks.state.instance.state = "stopped";
    const handler = createResponder("feature", featureExecutor, quiet);

    // Act, Assess
    await expect(handler(alarmEvent("cache-on"))).rejects.toThrow(
      `Feature cdn-caching was set on in /personas/web/prod/features/${INSTANCE}/cdn-caching, but its script needs a running instance and ${INSTANCE} is stopped.`,
    );
    expect([...parameters]).toEqual([[`/personas/web/prod/features/${INSTANCE}/cdn-caching`, "on"]]);
    expect(sentCommands()).toEqual([]);
  });
});

describe("run-command responder", () => {
  it("runs the command with the default shell document and reports its outcome", async () => {
    // Prepare
    const handler = createResponder("run-command", runCommandExecutor, quiet);

    // Act
    const result = await handler(alarmEvent("patch"));

    // Assess
    expect(result).toEqual({
      outcome: "acted",
      instanceId: INSTANCE,
      detail: `${INSTANCE}: command cmd-1 Success`,
    });
    expect(sentCommands()).toEqual([
      {
        DocumentName: "AWS-RunShellScript",
        InstanceIds: [INSTANCE],
        Parameters: { commands: ["systemctl reload nginx"] },
        Comment: "personas: patch",
      },
    ]);
    expect(mocks.state.table.audits().map((a) => [a.kind, a.outcome])).toEqual([["run-command", "acted"]]);
  });

  it("runs nothing on an instance that is not running", async () => {
    // Prepare
    mocks.state.instance.state = "stopped";
    const handler = createResponder("run-command", runCommandExecutor, quiet);

    // Act, Assess
    await expect(handler(alarmEvent("patch"))).rejects.toThrow(
      `Instance ${INSTANCE} is stopped; a command needs a running instance, so nothing was run.`,
    );
    expect(sentCommands()).toEqual([]);
  });
});

describe("invoke-function responder", () => {
  it("invokes the function asynchronously with the documented payload", async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const handler = createResponder("invoke-function", invokeFunctionExecutor, quiet);

    // Act
    const result = await handler(alarmEvent("hook"));

    // Assess
    expect(result).toEqual({
      outcome: "acted",
      instanceId: INSTANCE,
      detail: `invoked web-hook for ${INSTANCE}`,
    });
    const calls = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.FunctionName, c.InvocationType])).toEqual([["web-hook", "Event"]]);
    expect(JSON.parse(new TextDecoder().decode(calls[0]!.Payload as Uint8Array))).toEqual({
      type: "personas.invoke",
      version: 1,
      fleet: "web",
      instanceId: INSTANCE,
      persona: "WebBase",
      responseId: "hook",
      intent: "activate",
      transitionId: `${alarmEvent("hook").alarmArn}@2025-01-09T11:37:48.000+0000`,
    });
  });

  it("fails and records it when Lambda does not accept the invocation", async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 500 });
    const handler = createResponder("invoke-function", invokeFunctionExecutor, quiet);

    // Act, Assess
    await expect(handler(alarmEvent("hook"))).rejects.toThrow(
      "Lambda did not accept the invocation of web-hook (status 500).",
    );
    expect(mocks.state.table.audits().map((a) => [a.kind, a.outcome, a.detail])).toEqual([
      ["invoke-function", "failed", "Lambda did not accept the invocation of web-hook (status 500)."],
    ]);
  });
});
