import { beforeEach, describe, expect, it } from "vitest";
import { PersonaAttachment } from "../../src/aws/attachment.js";
import { InvalidArgumentsError } from "../../src/aws/errors.js";
import { PersonaInstance } from "../../src/aws/instance.js";
import {
  countByType,
  outputValue,
  recorder,
  resourceNamed,
  resourcesOfType,
  settled,
} from "../support/pulumi.js";

import { optionRecorder, personaOf, seedPersona, WEB_ACL } from "./support.js";

const scaler = personaOf(
  "Name: Scaler\nSoftwareStack:\n  - Nginx\nTelemetryTriggers:\n  - Condition: CPU > 80% for 5 minutes\n    Action: Scale up to 16 cores\n",
);

beforeEach(() => recorder.reset());

describe("PersonaInstance", () => {
  it("creates one instance with its own responder, named from the component's name", async () => {
    const { seen, transformations } = optionRecorder();
    const vm = new PersonaInstance("api", { ami: "ami-1", persona: scaler }, { transformations });
    await settled();
    expect(countByType()).toEqual({
      "aws:cloudwatch/logGroup:LogGroup": 1,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 1,
      "aws:dynamodb/table:Table": 1,
      "aws:ec2/instance:Instance": 1,
      "aws:iam/instanceProfile:InstanceProfile": 1,
      "aws:iam/role:Role": 3,
      "aws:iam/rolePolicy:RolePolicy": 2,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 2,
      "aws:lambda/function:Function": 1,
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
      "aws:lambda/permission:Permission": 1,
      "aws:s3/bucket:Bucket": 1,
      "aws:s3/bucketObjectv2:BucketObjectv2": 3,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
      "aws:sqs/queue:Queue": 1,
      "aws:sfn/stateMachine:StateMachine": 1,
      "personas:aws:PersonaInstance": 1,
    });
    expect(resourceNamed("aws:ec2/instance:Instance", "api-vm").inputs.tags).toMatchObject({ Name: "api" });
    expect(resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm")[0]!.inputs.name).toBe(
      "personas-api_stack_vm-cpu-utilization-above",
    );
    expect(
      seen.filter((s) => s.type !== "personas:aws:PersonaInstance").every((s) => s.parent === "api"),
    ).toBe(true);
    expect(vm.baseline).toEqual({
      instanceType: vm.plan.compute.size,
      persona: "Scaler",
      version: "1.0.0",
      digest: scaler.ref.digest,
    });
  });

  it("names the component in its errors", () => {
    expect(() => new PersonaInstance("api", { ami: "ami-1" })).toThrow(
      "PersonaInstance 'api': instance 'api': it names no persona and the component has no resolver or default persona (no tags). Fix: give the instance a persona (`persona`), add a mapping rule that matches its tags, or set `defaultPersona` on the component.",
    );
  });
});

describe("PersonaAttachment", () => {
  it("attaches alarms and the fleet tag to instances given by id, creating no instance", async () => {
    new PersonaAttachment("legacy", {
      defaultPersona: seedPersona,
      firewall: { webAclArn: WEB_ACL },
      instances: [
        { name: "old-1", instanceId: "i-0aaa" },
        { name: "old-2", instanceId: "i-0bbb" },
      ],
    });
    await settled();
    expect(resourcesOfType("aws:ec2/instance:Instance")).toEqual([]);
    expect(
      resourcesOfType("aws:ec2/tag:Tag")
        .map((t) => t.inputs)
        .sort((a, b) => String(a.resourceId).localeCompare(String(b.resourceId))),
    ).toEqual([
      { resourceId: "i-0aaa", key: "persona:fleet", value: "legacy" },
      { resourceId: "i-0bbb", key: "persona:fleet", value: "legacy" },
    ]);
    expect(
      resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm")
        .map((a) => [a.inputs.name, a.inputs.dimensions])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ["personas-legacy_stack_old-1-cpu-utilization-above", { InstanceId: "i-0aaa" }],
      ["personas-legacy_stack_old-1-network-latency-above", { InstanceId: "i-0aaa" }],
      ["personas-legacy_stack_old-2-cpu-utilization-above", { InstanceId: "i-0bbb" }],
      ["personas-legacy_stack_old-2-network-latency-above", { InstanceId: "i-0bbb" }],
    ]);
    expect(resourcesOfType("aws:lambda/function:Function")).toHaveLength(3);
  });

  it("keeps its alarms per instance and marks none fleet-wide in its manifest, so the orchestrator alarms what it attaches", async () => {
    const attachment = new PersonaAttachment("legacy", {
      defaultPersona: seedPersona,
      firewall: { webAclArn: WEB_ACL },
      instances: [{ name: "old-1", instanceId: "i-0aaa" }],
    });
    await settled();
    expect(
      resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.metricQueries),
    ).toEqual([undefined, undefined]);
    // The whole manifest as the component registers it (src/aws/store.ts), which the orchestrator reads.
    const manifest = JSON.parse(
      resourceNamed("aws:s3/bucketObjectv2:BucketObjectv2", "legacy-manifest").inputs.content as string,
    ) as { personas: Record<string, { alarms: Record<string, { fleetWide?: boolean }> }> };
    const digest = attachment.plan.personas[0]!.persona.digest;
    expect(Object.entries(manifest.personas[digest]!.alarms).map(([id, a]) => [id, a.fleetWide])).toEqual([
      ["cpu-utilization-above", undefined],
      ["network-latency-above", undefined],
    ]);
  });

  it("finds instances by a tag query at preview time and alarms each one", async () => {
    recorder.callResponder = (call) =>
      call.token === "aws:ec2/getInstances:getInstances"
        ? { ids: ["i-0ccc", "i-0bbb"], privateIps: [], publicIps: [], ipv6Addresses: [] }
        : undefined;
    const attachment = new PersonaAttachment("legacy", {
      instanceTags: { role: "api" },
      defaultPersona: scaler,
    });
    await settled();
    const query = recorder.calls.find((c) => c.token === "aws:ec2/getInstances:getInstances")!;
    expect(query.inputs).toEqual({
      instanceTags: { role: "api" },
      instanceStateNames: ["pending", "running", "stopping", "stopped"],
    });
    expect(
      resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm")
        .map((a) => a.inputs.name)
        .sort(),
    ).toEqual([
      "personas-legacy_stack_i-0bbb-cpu-utilization-above",
      "personas-legacy_stack_i-0ccc-cpu-utilization-above",
    ]);
    expect(resourcesOfType("aws:ec2/tag:Tag")).toHaveLength(2);
    const userData = await outputValue(attachment.userData);
    expect(userData.Scaler).toContain(
      "{ dnf install -y 'nginx' && systemctl enable --now 'nginx'; } || personas_failed 'Nginx'\n",
    );
  });

  it("accepts exactly one of instances and a tag query", () => {
    const act = () => new PersonaAttachment("legacy", { defaultPersona: scaler });
    expect(act).toThrow(InvalidArgumentsError);
    expect(act).toThrow(
      "PersonaAttachment 'legacy': Exactly one of [instances] and [instanceTags] must be specified. Fix: give instances by id (`instances`) or a tag query (`instanceTags`).",
    );
  });
});
