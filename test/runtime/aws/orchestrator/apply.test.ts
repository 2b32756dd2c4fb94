/**
 * Issue 13, finding 8: the orchestrator recorded "applied" before applying, so an invocation that
 * timed out after its claim left an instance that no later sweep would install, and the install
 * command's result was never read. Now the record goes pending → applied only after
 * GetCommandInvocation reports Success.
 *
 * moto implements GetCommandInvocation but reports every invocation `Success` at once; the failure
 * and in-progress cases use a double on the real SSM client (a middleware answering
 * GetCommandInvocation) with the statuses of the SSM API Reference ("GetCommandInvocation",
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html:
 * Pending | InProgress | Delayed | Success | Cancelled | TimedOut | Failed | Cancelling), and the
 * `InvocationDoesNotExist` error the API returns before an invocation is registered.
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { type CommandInvocationStatus, ListCommandsCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { OrchestratorClients } from "../../../../src/runtime/aws/orchestrator/context.js";
import { createOrchestratorHandler } from "../../../../src/runtime/aws/orchestrator/handler.js";
import { MAX_APPLY_ATTEMPTS, STALE_PENDING_MS } from "../../../../src/runtime/aws/orchestrator/index.js";
import { noMoto, resetMoto } from "../../../support/moto.js";
import { ENV, FLEET, launch, motoClients, prepareAccount, TABLE } from "./support.js";

const lambda = mockClient(LambdaClient);
afterAll(() => lambda.restore());

const SWEEP = { source: "personas.orchestrator", fleet: FLEET, kind: "sweep" };

/** SSM on moto, with scripted GetCommandInvocation answers and a SendCommand that can hang (a Lambda timeout). */
class ScriptedClients extends OrchestratorClients {
  /** Answers of the next GetCommandInvocation calls; empty: moto answers. */
  readonly statuses: (CommandInvocationStatus | "InvocationDoesNotExist")[] = [];
  /** The answer once `statuses` is used up; undefined: moto answers. */
  always: CommandInvocationStatus | undefined;
  /** When true, SendCommand never returns, as when the function times out mid-call. */
  hangOnSend = false;
  sent = 0;
  private readonly scripted: SSMClient;

  constructor(config: Record<string, unknown>) {
    super(config);
    this.scripted = new SSMClient(config);
    this.scripted.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "SendCommandCommand") {
          this.sent++;
          if (this.hangOnSend) return new Promise<never>(() => {});
        }
        if (
          context.commandName === "GetCommandInvocationCommand" &&
          (this.statuses.length > 0 || this.always !== undefined)
        ) {
          const status = this.statuses.shift() ?? this.always!;
          if (status === "InvocationDoesNotExist") {
            throw Object.assign(new Error("InvocationDoesNotExist"), { name: "InvocationDoesNotExist" });
          }
          return {
            output: { $metadata: {}, Status: status, StatusDetails: status },
            response: {},
          } as never;
        }
        return next(args);
      },
      { step: "initialize", name: "scriptedSsm" },
    );
  }

  override get ssm(): SSMClient {
    return this.scripted;
  }
}

describe.skipIf(noMoto)("Orchestrator apply records (issue 13, finding 8)", () => {
  const clients = motoClients();
  let now = Date.parse("2026-12-06T10:00:00Z");
  let scripted: ScriptedClients;
  const handler = () =>
    createOrchestratorHandler({
      env: ENV,
      clients: scripted,
      now: () => now,
      commandWait: { polls: 2, delayMs: 0 },
      logSink: () => {},
    });

  async function record(instanceId: string) {
    const item = await clients.ddb.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: `orchestrator#${FLEET}` }, sk: { S: instanceId } },
        ConsistentRead: true,
      }),
    );
    return item.Item === undefined
      ? undefined
      : {
          status: item.Item.status?.S,
          attempts: item.Item.attempts?.N,
          commandId: item.Item.commandId?.S !== undefined,
          failure: item.Item.failure?.S,
        };
  }

  async function commandsSent(): Promise<number> {
    const listed = await new SSMClient(clients.config).send(new ListCommandsCommand({}));
    return listed.Commands?.length ?? 0;
  }

  beforeEach(async () => {
    await resetMoto();
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    now = Date.parse("2026-12-06T10:00:00Z");
    scripted = new ScriptedClients(clients.config);
    await prepareAccount(clients);
  });

  it("an invocation that times out after its claim leaves a pending record that a sweep installs once it is stale", async () => {
    // Prepare: the first invocation claims the change, then dies inside SendCommand (a Lambda timeout).
    const [id] = await launch(clients, { role: "web" });
    scripted.hangOnSend = true;
    void handler()(SWEEP);
    for (let i = 0; i < 500 && scripted.sent === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(scripted.sent).toBe(1);
    expect(await record(id!)).toEqual({
      status: "pending",
      attempts: "1",
      commandId: false,
      failure: undefined,
    });
    scripted.hangOnSend = false;

    // Act 1: a sweep while the claim may still be live leaves it alone.
    now += STALE_PENDING_MS - 1000;
    const early = await handler()(SWEEP);

    // Assess 1
    expect(early.instances.map((o) => [o.status, o.changes])).toEqual([["pending", []]]);
    expect(await commandsSent()).toBe(0);

    // Act 2: once stale, the next sweep installs.
    now += 2000;
    const late = await handler()(SWEEP);

    // Assess 2
    expect(late.instances[0]!.status).toBe("applied");
    expect(late.instances[0]!.changes).toContain("software:install");
    expect(await commandsSent()).toBe(1);
    expect(await record(id!)).toEqual({
      status: "applied",
      attempts: "2",
      commandId: true,
      failure: undefined,
    });
  });

  it("records applied only after GetCommandInvocation reports Success; a command in progress stays pending", async () => {
    // Prepare
    const [id] = await launch(clients, { role: "web" });
    scripted.statuses.push("InvocationDoesNotExist", "InProgress");

    // Act 1
    const first = await handler()(SWEEP);

    // Assess 1: sent, not yet applied.
    expect(first.instances[0]!.status).toBe("pending");
    expect(first.instances[0]!.changes).toContain("software:install");
    expect(first.pending).toBe(1);
    expect(await record(id!)).toEqual({
      status: "pending",
      attempts: "1",
      commandId: true,
      failure: undefined,
    });

    // Act 2: the next sweep reads the result (moto: Success) and confirms without installing again.
    const second = await handler()(SWEEP);

    // Assess 2
    expect(second.instances.map((o) => [o.status, o.changes])).toEqual([["applied", ["software:confirmed"]]]);
    expect(await commandsSent()).toBe(1);
    expect(await record(id!)).toEqual({
      status: "applied",
      attempts: "1",
      commandId: true,
      failure: undefined,
    });
  });

  it("a failed command is never recorded applied: sweeps retry it, at most MAX_APPLY_ATTEMPTS times", async () => {
    // Prepare
    const [id] = await launch(clients, { role: "web" });
    const run = handler();

    scripted.always = "Failed";

    // Act: every attempt's command ends Failed.
    const outcomes = [];
    for (let attempt = 0; attempt <= MAX_APPLY_ATTEMPTS; attempt++)
      outcomes.push((await run(SWEEP)).instances[0]!);

    // Assess
    expect(MAX_APPLY_ATTEMPTS).toBe(3);
    expect(outcomes.map((o) => [o.status, o.reason])).toEqual([
      ["fault", "apply-failed"],
      ["fault", "apply-failed"],
      ["fault", "apply-failed"],
      ["fault", "apply-failed"],
    ]);
    expect(outcomes[0]!.message).toMatch(
      /^The install command [0-9a-f-]+ on i-[0-9a-f]+ did not succeed \(command [0-9a-f-]+ ended Failed\); the next sweep retries it\.$/,
    );
    expect(outcomes[3]!.message).toMatch(
      new RegExp(
        `^Gave up applying HighTraffic@1\\.3\\.0 to ${id} after 3 attempts \\(last: command [0-9a-f-]+ ended Failed\\)\\. Fix the cause, then delete the item pk=orchestrator#web, sk=${id} from the state table \\(or change the persona\\) to try again\\.$`,
      ),
    );
    expect(await commandsSent()).toBe(3);
    expect(await record(id!)).toMatchObject({ status: "pending", attempts: "3" });
  });
});
