/**
 * The orchestrator against moto (EC2, CloudWatch, S3, SSM, DynamoDB): retags, persona shifts and
 * their clear, the sweep's repairs, faults that change nothing, and a storm of tag events. Lambda
 * is mocked in-process (moto cannot run functions here), so the scale responder's invocations are
 * checked as sent.
 */
import { DeleteAlarmsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateTagsCommand, DeleteTagsCommand } from "@aws-sdk/client-ec2";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { GetParameterCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { renderUserData } from "../../../../src/plan/user-data.js";
import { shiftPersonaExecutor } from "../../../../src/runtime/aws/actions/shift-persona.js";
import { ManifestSource } from "../../../../src/runtime/aws/manifest-source.js";
import { createOrchestratorHandler } from "../../../../src/runtime/aws/orchestrator/handler.js";
import { createResponder } from "../../../../src/runtime/aws/responder.js";
import { noMoto, resetMoto } from "../../../support/moto.js";
import {
  DIGEST,
  FLEET_BUCKET,
  MOTO_ACCOUNT,
  putFleetStore,
  putStackAlarms,
  alarmEvent as stackAlarmEvent,
  storeObjects,
  testAlarmName,
  testManifest,
} from "../support.js";
import {
  alarmTags,
  BUCKET,
  ENV,
  embedded,
  expected,
  FLEET,
  fleetAlarms,
  launch,
  motoClients,
  prepareAccount,
  RESPONDER_ARNS,
  readMembers,
  recordShift,
  runtimeAlarmNames,
  SCALE_FUNCTION,
  STACK,
} from "./support.js";

const lambda = mockClient(LambdaClient);
afterAll(() => lambda.restore());

function tagEvent(instanceId: string, changed: string[]) {
  return {
    version: "0",
    id: "a1b2",
    "detail-type": "Tag Change on Resource",
    source: "aws.tag",
    account: "123456789012",
    time: "2026-11-26T10:00:00Z",
    region: "us-east-1",
    resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
    detail: {
      "changed-tag-keys": changed,
      service: "ec2",
      "resource-type": "instance",
      version: 3,
      tags: {},
    },
  };
}
const SWEEP = { source: "personas.orchestrator", fleet: FLEET, kind: "sweep" };

function names(instanceId: string, alarmIds: readonly string[]): string[] {
  return alarmIds.map((id) => `personas-${FLEET}_${STACK}_runtime-${instanceId}-${id}`).sort();
}

function baselineInvocations() {
  return lambda.commandCalls(InvokeCommand).map((c) => ({
    FunctionName: c.args[0].input.FunctionName,
    InvocationType: c.args[0].input.InvocationType,
    event: JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)),
  }));
}

describe.skipIf(noMoto)("Orchestrator against moto", () => {
  const clients = motoClients();
  const ssm = new SSMClient(clients.config);
  let lines: Record<string, unknown>[];
  const handler = (env: Record<string, string> = ENV) =>
    createOrchestratorHandler({
      env,
      clientConfig: clients.config,
      logSink: (line) => lines.push(JSON.parse(line)),
    });

  beforeEach(async () => {
    await resetMoto();
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    lines = [];
    await prepareAccount(clients);
  });

  it("tagging a foreign instance with the fleet tag changes nothing on it: no alarm, parameter, command or resize", async () => {
    // Prepare: an instance the stack never made a member, tagged into the fleet by someone with
    // ec2:CreateTags, with tags that resolve to a persona with software and a bigger size.
    const [member] = await launch(clients, { role: "web" });
    const [foreign] = await launch(clients, { role: "web", "persona:active": "HighTraffic" }, 1, false);

    const sent = vi.spyOn(SSMClient.prototype, "send");
    onTestFinished(() => sent.mockRestore());

    // Act: the tag change event for it, then a sweep of the fleet.
    const event = await handler()(tagEvent(foreign!, ["persona:fleet", "role"]));
    const sweep = await handler()(SWEEP);

    // Assess: refused with its reason, and nothing was written to or sent to it.
    const refusal = {
      instanceId: foreign,
      status: "fault",
      changes: [],
      reason: "not-member",
      message: `Instance ${foreign} carries persona:fleet=${FLEET} but the stack's membership record does not list it; it was left alone (a tag is not membership).`,
    };
    expect(event.instances).toEqual([refusal]);
    expect(sweep.instances.find((o) => o.instanceId === foreign)).toEqual(refusal);
    expect(sweep.instances.find((o) => o.instanceId === member)).toMatchObject({ status: "applied" });
    // moto 5.2 lists every instance in every command (SendCommand without Targets selects all
    // reservations), so the commands are read from what the orchestrator sent.
    const targeted = sent.mock.calls
      .map(([command]) => command)
      .filter((command) => command instanceof SendCommandCommand)
      .flatMap((command) => (command as SendCommandCommand).input.InstanceIds ?? []);
    expect(targeted).toEqual([member]);
    expect(baselineInvocations().map((c) => c.event.instanceId)).not.toContain(foreign);
    expect(await runtimeAlarmNames(clients.cloudwatch, foreign!)).toEqual([]);
    await expect(
      ssm.send(new GetParameterCommand({ Name: `/personas/${FLEET}/agent/${foreign}` })),
    ).rejects.toThrow();
    expect(lines.filter((l) => l.Reason === "not-member").length).toBe(2);
  });

  it("applies the persona the tags resolve to: alarms owned by run time, agent config, software, features, baseline size", async () => {
    // Prepare
    const [id] = await launch(clients, { role: "web" });
    const web = expected({ role: "web" });

    // Act
    const summary = await handler()(tagEvent(id!, ["role"]));

    // Assess
    expect(summary.instances).toEqual([
      {
        instanceId: id,
        status: "applied",
        persona: "HighTraffic@1.3.0",
        owner: "runtime",
        changes: [
          ...web.alarmIds.map((a) => `alarm:put ${a}`),
          "manifest:runtime",
          "agent:config",
          "software:install",
          "feature:cdn-caching=off",
          "size:m7g.2xlarge",
        ],
      },
    ]);
    expect(await runtimeAlarmNames(clients.cloudwatch, id!)).toEqual(names(id!, web.alarmIds));
    const alarm = (await fleetAlarms(clients.cloudwatch)).find((a) =>
      a.AlarmName!.endsWith("cpu-utilization-above"),
    )!;
    expect(alarm.Dimensions).toEqual([{ Name: "InstanceId", Value: id }]);
    expect(alarm.AlarmActions).toEqual([RESPONDER_ARNS.scale]);
    expect(alarm.AlarmDescription).toBe(
      `HighTraffic 1.3.0: cpu-utilization > 80% for 5 minutes [personas:v1 digest=${web.digest} alarm=cpu-utilization-above]`,
    );
    expect(await alarmTags(clients.cloudwatch, alarm.AlarmArn!)).toEqual({
      "persona:owner": "runtime",
      "persona:fleet": FLEET,
    });
    const agent = await ssm.send(
      new GetParameterCommand({ Name: `/personas/${FLEET}/${STACK}/agent/${id}` }),
    );
    expect(Object.keys(JSON.parse(agent.Parameter!.Value!))).toEqual(["cloudwatch", "personas"]);
    const feature = await ssm.send(
      new GetParameterCommand({ Name: `/personas/${FLEET}/${STACK}/features/${id}/cdn-caching` }),
    );
    expect(feature.Parameter!.Value).toBe("off");
    const commands = await ssm.send(new ListCommandsCommand({}));
    expect(commands.Commands!.map((c) => [c.DocumentName, c.InstanceIds, c.Comment])).toEqual([
      ["AWS-RunShellScript", [id], "personas: HighTraffic 1.3.0"],
    ]);
    // The Run Command script is the user data, rendered by the same quoting code (issue 13, finding 5).
    expect(commands.Commands![0]!.Parameters!.commands).toEqual([
      renderUserData(web.plan, { os: "amazon-linux", agent: JSON.parse(ENV.AGENT_OPTIONS) }),
    ]);
    expect(baselineInvocations()).toEqual([
      {
        FunctionName: SCALE_FUNCTION,
        InvocationType: "Event",
        event: {
          type: "personas.baseline",
          version: 1,
          instanceId: id,
          digest: web.digest,
          size: "m7g.2xlarge",
          transitionId: `orchestrator:${id}@${web.digest}`,
        },
      },
    ]);
  });

  it("retagging an instance replaces the old persona's alarms with the new one's", async () => {
    // Prepare
    const [id] = await launch(clients, { role: "web" });
    const run = handler();
    await run(tagEvent(id!, ["role"]));
    await clients.ec2.send(
      new CreateTagsCommand({ Resources: [id!], Tags: [{ Key: "role", Value: "api" }] }),
    );

    // Act
    const summary = await run(tagEvent(id!, ["role"]));

    // Assess
    const api = expected({ role: "api" });
    const web = expected({ role: "web" });
    expect(summary.instances[0]!.persona).toBe("ApiServer@2.0.0");
    // Every alarm is rewritten (its description names the persona); the old persona's extra ones go
    // (an alarm id both personas have, such as network-latency-above, is rewritten, not deleted).
    const gone = web.alarmIds.filter((a) => !api.alarmIds.includes(a));
    expect(gone).toEqual(["cpu-utilization-above", "cpu-utilization-above-clear"]);
    expect(summary.instances[0]!.changes).toEqual([
      ...api.alarmIds.map((a) => `alarm:put ${a}`),
      ...names(id!, gone).map((n) => `alarm:delete ${n}`),
      "manifest:runtime",
      "agent:config",
      "software:install",
      "size:m7g.xlarge",
    ]);
    expect(await runtimeAlarmNames(clients.cloudwatch, id!)).toEqual(names(id!, api.alarmIds));
  });

  it("an unchanged instance costs no write: a second event and a sweep change nothing", async () => {
    // Prepare
    const [id] = await launch(clients, { role: "api" });
    const run = handler();
    await run(tagEvent(id!, ["role"]));
    lambda.resetHistory();

    // Act
    const again = await run(tagEvent(id!, ["role"]));
    const sweep = await run(SWEEP);

    // Assess
    expect(again.instances.map((o) => [o.status, o.changes])).toEqual([["unchanged", []]]);
    expect(sweep).toMatchObject({ unchanged: 1, applied: 0, faults: 0 });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect((await ssm.send(new ListCommandsCommand({}))).Commands).toHaveLength(1);
  });

  it("leaves an instance the stack deployed alone, and never touches the stack's alarms", async () => {
    // Prepare: tags and an alarm as PersonaFleet writes them (no owner tag).
    const base = expected({});
    const [id] = await launch(clients, {
      "persona:name": base.name,
      "persona:version": base.version,
      "persona:digest": base.digest,
      "persona:active": base.name,
    });
    const stackAlarm = `personas-${FLEET}_${STACK}_web-1-disk-nearly-full`;
    await clients.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: stackAlarm,
        Namespace: "CWAgent",
        MetricName: "disk_used_percent",
        Statistic: "Average",
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 90,
        ComparisonOperator: "GreaterThanThreshold",
        Dimensions: [{ Name: "InstanceId", Value: id! }],
      }),
    );

    // Act
    const summary = await handler()(SWEEP);

    // Assess
    expect(summary.instances).toEqual([
      { instanceId: id, status: "unchanged", persona: "WebBase@1.1.0", owner: "stack", changes: [] },
    ]);
    expect((await fleetAlarms(clients.cloudwatch)).map((a) => a.AlarmName)).toEqual([stackAlarm]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it("follows a persona shift end to end, and its clear shifts back; a second shift inside the cooldown is refused", async () => {
    // Prepare: a stack-deployed WebBase instance whose stack alarms (the responder tests' persona,
    // with an attack trigger that shifts to LockedDown) exist as the components create them.
    const base = expected({});
    const locked = expected({ zone: "edge" });
    const [id] = await launch(
      clients,
      {
        "persona:name": base.name,
        "persona:version": base.version,
        "persona:digest": base.digest,
        "persona:active": base.name,
      },
      1,
      DIGEST,
    );
    await putFleetStore(clients.s3, storeObjects(testManifest(), await readMembers(clients)));
    await putStackAlarms(clients.cloudwatch, id!, id!);
    const alarmEvent = (alarmId: string, options: Parameters<typeof stackAlarmEvent>[1] = {}) =>
      stackAlarmEvent(alarmId, { account: MOTO_ACCOUNT, alarmName: testAlarmName(alarmId, id!), ...options });
    let now = Date.parse("2026-11-26T10:00:00Z");
    const shift = createResponder("shift-persona", shiftPersonaExecutor, {
      env: { FLEET_BUCKET, STATE_TABLE: "web-state", FLEET_NAME: FLEET, STACK_NAME: STACK },
      clientConfig: clients.config,
      logSink: () => {},
      now: () => now,
    });
    const run = handler();

    // Act 1: the attack alarm shifts the persona; the tag change reaches the orchestrator.
    await shift(alarmEvent("attack", { instanceId: id! }), { awsRequestId: "r1" });
    const shifted = await run(tagEvent(id!, ["persona:active"]));

    // Assess 1
    expect(shifted.instances[0]).toMatchObject({
      status: "applied",
      persona: "LockedDown@1.0.0",
      owner: "runtime",
    });
    expect(await runtimeAlarmNames(clients.cloudwatch, id!)).toEqual(names(id!, locked.alarmIds));
    expect(baselineInvocations().map((c) => c.event.size)).toEqual(["m7g.xlarge"]);
    // The stack's manifest does not list LockedDown; the orchestrator wrote its entry to the fleet store.
    const source = new ManifestSource(clients.s3, FLEET_BUCKET);
    expect((await source.persona(locked.digest)).persona).toMatchObject({
      name: "LockedDown",
      version: "1.0.0",
      baselineSize: "m7g.xlarge",
    });
    expect(Object.keys((await source.persona(locked.digest)).persona.alarms).sort()).toEqual(
      [...locked.alarmIds].sort(),
    );

    // Act 2: the clear alarm shifts back.
    now += 60_000;
    await shift(
      alarmEvent("attack-clear", {
        instanceId: id!,
        state: "OK",
        timestamp: "2026-11-26T10:01:00.000+0000",
      }),
      {
        awsRequestId: "r2",
      },
    );
    const cleared = await run(tagEvent(id!, ["persona:active"]));

    // Assess 2: run time owns nothing again; the stack's persona is reinstalled and its size restored.
    expect(cleared.instances[0]).toMatchObject({
      status: "applied",
      persona: "WebBase@1.1.0",
      owner: "stack",
    });
    expect(cleared.instances[0]!.changes).toEqual([
      ...names(id!, locked.alarmIds).map((n) => `alarm:delete ${n}`),
      "agent:config",
      "software:install",
      "size:c7g.large",
    ]);
    expect(await runtimeAlarmNames(clients.cloudwatch, id!)).toEqual([]);
    const record = await clients.ddb.send(
      new GetItemCommand({
        TableName: "web-state",
        Key: { pk: { S: `orchestrator#${FLEET}` }, sk: { S: "applied" } },
      }),
    );
    expect(record.Item?.[id!]).toBeUndefined();

    // Act 3: the attack fires again inside the response's cooldown: no shift, nothing to apply.
    now += 60_000;
    await shift(alarmEvent("attack", { instanceId: id!, timestamp: "2026-11-26T10:02:00.000+0000" }), {
      awsRequestId: "r3",
    });
    const third = await run(SWEEP);

    // Assess 3
    expect(third.instances.map((o) => [o.status, o.persona])).toEqual([["unchanged", "WebBase@1.1.0"]]);
  });

  it("the sweep repairs a deleted alarm and writes nothing else", async () => {
    // Prepare
    const ids = await launch(clients, { role: "web" }, 3);
    const run = handler();
    await run(SWEEP);
    const victim = `personas-${FLEET}_${STACK}_runtime-${ids[1]}-error-burst`;
    await clients.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [victim] }));
    lambda.resetHistory();

    // Act
    const summary = await run(SWEEP);

    // Assess
    expect(summary).toMatchObject({ unchanged: 2, applied: 1, faults: 0 });
    expect(summary.instances.find((o) => o.instanceId === ids[1])!.changes).toEqual([
      "alarm:put error-burst",
    ]);
    expect(await runtimeAlarmNames(clients.cloudwatch, ids[1]!)).toEqual(
      names(ids[1]!, expected({ role: "web" }).alarmIds),
    );
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  describe("faults change nothing and are logged and counted", () => {
    async function applied() {
      const [id] = await launch(clients, { role: "api" });
      const run = handler();
      await run(tagEvent(id!, ["role"]));
      lambda.resetHistory();
      lines.length = 0;
      return { id: id!, run, before: await fleetAlarms(clients.cloudwatch) };
    }

    function faultLines() {
      return lines
        .filter((l) => l.outcome === "rejected")
        .map((l) => ({ reason: l.reason, Decisions: l.Decisions, Outcome: l.Outcome, Reason: l.Reason }));
    }

    it.each([
      [
        "an unknown persona in persona:active",
        [{ Key: "persona:active", Value: "NoSuchPersona" }],
        "unknown-persona",
      ],
      [
        "conflicting tags (two rules of equal priority)",
        [{ Key: "zone", Value: "edge" }],
        "conflicting-tags",
      ],
    ])("%s", async (_title, tags, reason) => {
      // Prepare: a persona:active tag as the shift responder writes it (with its record).
      const { id, run, before } = await applied();
      for (const tag of tags)
        if (tag.Key === "persona:active") await recordShift(clients.ddb, id, "ApiServer", tag.Value);
      await clients.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: tags }));

      // Act
      const summary = await run(
        tagEvent(
          id,
          tags.map((t) => t.Key),
        ),
      );

      // Assess
      expect(summary.instances[0]).toMatchObject({ status: "fault", reason, changes: [] });
      expect(await fleetAlarms(clients.cloudwatch)).toEqual(before);
      expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
      expect(faultLines()).toEqual([{ reason, Decisions: 1, Outcome: "rejected", Reason: reason }]);
    });

    it("an unknown persona: the message names the tag, a suggestion and the personas there are", async () => {
      const { id, run } = await applied();
      await recordShift(clients.ddb, id, "ApiServer", "HighTrafic");
      await clients.ec2.send(
        new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "persona:active", Value: "HighTrafic" }] }),
      );
      const summary = await run(tagEvent(id, ["persona:active"]));
      expect(summary.instances[0]!.message).toBe(
        "Tag persona:active=HighTrafic names no published persona: The repository has no persona 'HighTrafic' (did you mean 'HighTraffic'?); it has ApiServer, BatchWorker, HighTraffic, LockedDown, WebBase. Publish it, or retag the instance.",
      );
    });

    it("the repository unreachable", async () => {
      const { id, before } = await applied();
      await clients.ec2.send(
        new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "role", Value: "web" }] }),
      );
      const summary = await handler({ ...ENV, REPOSITORY_BUCKET: "no-such-bucket" })(tagEvent(id, ["role"]));
      expect(summary.instances).toEqual([
        {
          instanceId: id,
          status: "fault",
          changes: [],
          reason: "repository-unreachable",
          message: expect.stringMatching(
            /^Cannot list the persona repository s3:\/\/no-such-bucket\/personas\/: /,
          ),
        },
      ]);
      expect(await fleetAlarms(clients.cloudwatch)).toEqual(before);
      expect(faultLines()).toEqual([
        {
          reason: "repository-unreachable",
          Decisions: 1,
          Outcome: "rejected",
          Reason: "repository-unreachable",
        },
      ]);
    });

    it("a digest mismatch (an object changed after it was published)", async () => {
      const { id, before } = await applied();
      const entry = embedded.get("HighTraffic@1.3.0");
      const tampered = {
        format: "pulumi-personas/persona@1",
        name: entry.name,
        version: entry.version,
        digest: entry.digest,
        file: entry.file,
        persona: { ...entry.persona, description: "changed after publishing" },
      };
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "personas/HighTraffic/1.3.0.json",
          Body: JSON.stringify(tampered),
          Metadata: { "persona-digest": entry.digest },
        }),
      );
      await clients.ec2.send(
        new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "role", Value: "web" }] }),
      );

      const summary = await handler()(tagEvent(id, ["role"]));

      expect(summary.instances[0]).toMatchObject({ status: "fault", reason: "digest-mismatch", changes: [] });
      expect(await fleetAlarms(clients.cloudwatch)).toEqual(before);
      expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    });
  });

  // 200 concurrent invocations against one moto process: bounded, not timed; a loaded machine needs the room.
  it("a storm of tag events: concurrent invocations converge, and each change is applied once", async () => {
    // Prepare
    const ids = await launch(clients, { role: "web" }, 10);
    const run = handler();
    const events = Array.from({ length: 200 }, (_, i) => tagEvent(ids[i % ids.length]!, ["role"]));

    // Act: 20 at a time, as a reserved concurrency would.
    for (let i = 0; i < events.length; i += 20) await Promise.all(events.slice(i, i + 20).map((e) => run(e)));

    // Assess
    const web = expected({ role: "web" });
    for (const id of ids)
      expect(await runtimeAlarmNames(clients.cloudwatch, id)).toEqual(names(id, web.alarmIds));
    expect((await ssm.send(new ListCommandsCommand({}))).Commands).toHaveLength(10);
    expect(
      baselineInvocations()
        .map((c) => c.event.instanceId)
        .sort(),
    ).toEqual([...ids].sort());
  }, 300_000);

  it("rejects an event that is neither a tag change nor a sweep of this fleet", async () => {
    await expect(
      handler()({ source: "personas.orchestrator", fleet: "other", kind: "sweep" }),
    ).rejects.toThrow(
      "Rejected a sweep of fleet 'other': this function serves fleet 'web'; nothing was done.",
    );
    await expect(handler()({ hello: "world" })).rejects.toThrow(
      "Rejected an event that is neither an EC2 tag change nor a sweep; nothing was done.",
    );
  });

  it("removing persona:active from a shifted instance is a shift back", async () => {
    // Prepare: a stack-deployed HighTraffic instance the shift responder shifted to LockedDown.
    const base = expected({ role: "web" });
    const [id] = await launch(clients, {
      role: "web",
      "persona:name": base.name,
      "persona:version": base.version,
      "persona:digest": base.digest,
      "persona:active": "LockedDown",
    });
    await recordShift(clients.ddb, id!, base.name, "LockedDown");
    const run = handler();
    expect((await run(SWEEP)).instances[0]).toMatchObject({ status: "applied", persona: "LockedDown@1.0.0" });
    await clients.ec2.send(new DeleteTagsCommand({ Resources: [id!], Tags: [{ Key: "persona:active" }] }));
    const summary = await run(tagEvent(id!, ["persona:active"]));
    expect(summary.instances[0]).toMatchObject({
      status: "applied",
      persona: "HighTraffic@1.3.0",
      owner: "stack",
    });
    expect(await runtimeAlarmNames(clients.cloudwatch, id!)).toEqual([]);
  });
});
