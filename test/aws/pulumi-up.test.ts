/**
 * The contract with `pulumi up` after a run-time shift: the shift responder rewrote `persona:active`,
 * the scale responder changed the instance type, and the orchestrator created run-time alarms and
 * parameters.
 *
 * What these tests prove, and what they do not. Pulumi computes a diff in its engine (the CLI), which
 * the in-process mock engine does not have: it records what a program registers and the options it
 * sets, and nothing here compares a program with a stack state. So they prove three facts about the
 * program, each from its real output: (1) a re-run registers the same resources with the same
 * inputs, so no difference comes from the program itself; (2) the instance's `ignoreChanges` names
 * exactly the two paths the responders write (the tag key `PERSONA_TAGS.active` the shift responder
 * sets, and `instanceType`, which the scale responder's ModifyInstanceAttribute changes); (3) no
 * registered alarm or parameter has a name the run time creates. That a preview then shows no change
 * for the shifted instance follows from Pulumi's documented semantics of ignoreChanges ("Pulumi
 * ignores a property by using the old value from the state instead of the value provided by the
 * Pulumi program when determining whether an update or replace is needed",
 * https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/), not from running the engine.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { fleetAlarmName } from "../../src/plan/names.js";
import { ISOLATED_TAG, PERSONA_TAGS } from "../../src/plan/tags.js";
import { type RecordedResource, recorder, settled } from "../support/pulumi.js";
import { optionRecorder, SEED_DIGEST, seedPersona, WEB_ACL } from "./support.js";

async function run(): Promise<{
  resources: RecordedResource[];
  ignored: Map<string, readonly string[]>;
}> {
  recorder.reset();
  const { seen, transformations } = optionRecorder();
  new PersonaFleet(
    "web",
    {
      ami: "ami-0123456789abcdef0",
      defaultPersona: seedPersona,
      instances: [{ name: "web-1", tags: { role: "web" } }, { name: "web-2" }],
      firewall: { webAclArn: WEB_ACL },
      orchestrator: { bucket: "acme-personas", tagKeys: ["role"] },
    },
    { transformations },
  );
  await settled();
  return {
    resources: [...recorder.resources],
    ignored: new Map(seen.map((s) => [`${s.type}::${s.name}`, s.ignoreChanges ?? []])),
  };
}

beforeEach(() => recorder.reset());

describe("PersonaFleet and pulumi up after a run-time shift", () => {
  it("registers the same resources with the same inputs when the program runs again", async () => {
    const first = await run();
    const second = await run();
    expect(second.resources.map((r) => [r.type, r.name, r.inputs])).toEqual(
      first.resources.map((r) => [r.type, r.name, r.inputs]),
    );
  });

  it("ignores on each instance exactly the paths the responders write: the persona:active and persona:isolated tags and the instance type", async () => {
    const { resources, ignored } = await run();
    const instances = resources
      .filter((r) => r.type === "aws:ec2/instance:Instance")
      .sort((a, b) => a.name.localeCompare(b.name));

    expect(instances.map((r) => [r.name, ignored.get(`${r.type}::${r.name}`)])).toEqual([
      ["web-web-1", ["instanceType", `tags["${PERSONA_TAGS.active}"]`, `tags["${ISOLATED_TAG}"]`]],
      ["web-web-2", ["instanceType", `tags["${PERSONA_TAGS.active}"]`, `tags["${ISOLATED_TAG}"]`]],
    ]);
    // Both paths hold a value the program sets, so ignoring them is what keeps a shifted instance as is.
    for (const instance of instances) {
      expect(instance.inputs.instanceType).toBe("m7g.2xlarge");
      expect((instance.inputs.tags as Record<string, string>)[PERSONA_TAGS.active]).toBe("HighTraffic");
    }
  });

  it("registers no alarm or parameter under the names the run time writes", async () => {
    const { resources } = await run();
    const alarmNames = resources
      .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((r) => r.inputs.name as string);
    // The seed's two alarms, each one fleet-wide alarm (the default topology), named for the fleet.
    const scope = { fleet: "web", stack: "stack" };
    expect(alarmNames.sort()).toEqual([
      fleetAlarmName(scope, SEED_DIGEST, "cpu-utilization-above"),
      fleetAlarmName(scope, SEED_DIGEST, "network-latency-above"),
    ]);
    expect(alarmNames.filter((n) => n.startsWith("personas-web_stack_runtime-"))).toEqual([]);
    const parameterNames = resources
      .filter((r) => r.type === "aws:ssm/parameter:Parameter")
      .map((r) => r.inputs.name);
    expect(parameterNames).toEqual([]);
  });
});
