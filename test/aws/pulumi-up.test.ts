/**
 * The contract with `pulumi up` after a run-time shift: the shift responder rewrote `persona:active`,
 * the scale responder changed the instance type, and the orchestrator created run-time alarms and
 * parameters. A re-run of the program registers the same inputs as before, the only differences from
 * the changed cloud state are the paths the instances ignore, and nothing the stack registers has a
 * name the run time writes, so a preview shows no change.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { PersonaFleet } from "../../src/aws/index.js";
import { type RecordedResource, recorder, settled } from "../support/pulumi.js";
import { optionRecorder, seedPersona, WEB_ACL } from "./support.js";

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

/** The property paths (top level, and `tags["k"]`) where a program's inputs differ from a state. */
function changedPaths(inputs: Record<string, unknown>, state: Record<string, unknown>): string[] {
  const paths: string[] = [];
  for (const key of new Set([...Object.keys(inputs), ...Object.keys(state)])) {
    if (key === "tags") {
      const a = (inputs.tags ?? {}) as Record<string, string>;
      const b = (state.tags ?? {}) as Record<string, string>;
      for (const tag of new Set([...Object.keys(a), ...Object.keys(b)]))
        if (a[tag] !== b[tag]) paths.push(`tags["${tag}"]`);
    } else if (JSON.stringify(inputs[key]) !== JSON.stringify(state[key])) paths.push(key);
  }
  return paths;
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

  it("differs from a shifted and resized instance only in the paths the instance ignores", async () => {
    const deployed = await run();
    const instance = deployed.resources.find((r) => r.name === "web-web-1")!;
    // What the responders left in the cloud: a shift to LockedDown and a bigger type.
    const state = {
      ...instance.inputs,
      instanceType: "m7g.4xlarge",
      tags: { ...(instance.inputs.tags as Record<string, string>), "persona:active": "LockedDown" },
    };

    const rerun = await run();
    const inputs = rerun.resources.find((r) => r.name === "web-web-1")!.inputs;
    const ignored = rerun.ignored.get("aws:ec2/instance:Instance::web-web-1");

    expect(ignored).toEqual(["instanceType", 'tags["persona:active"]']);
    expect(changedPaths(inputs, state)).toEqual(["instanceType", 'tags["persona:active"]']);
    expect(changedPaths(inputs, state).filter((p) => !ignored!.includes(p))).toEqual([]);
  });

  it("registers no alarm or parameter under the names the run time writes", async () => {
    const { resources } = await run();
    const alarmNames = resources
      .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((r) => r.inputs.name as string);
    expect(alarmNames).toHaveLength(4);
    expect(alarmNames.filter((n) => n.startsWith("personas-web_stack_runtime-"))).toEqual([]);
    const parameterNames = resources
      .filter((r) => r.type === "aws:ssm/parameter:Parameter")
      .map((r) => r.inputs.name);
    expect(parameterNames).toEqual([]);
  });
});
