/**
 * Editing a trigger's threshold or window updates its alarm in place. The mock engine does not diff
 * (see pulumi-up.test.ts), so this proves the two facts a diff turns on, from what the program
 * registers: the alarm's URN is the same (Pulumi matches old and new state by URN, a different URN
 * is a delete and a create), and its `name` is the same. CloudWatch has no rename: an alarm is
 * identified by AlarmName, so a new name is a new alarm that starts in INSUFFICIENT_DATA, while
 * "When you update an existing alarm, its state is left unchanged" (PutMetricAlarm, botocore
 * monitoring 2010-08-01 model; https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 * Only inputs PutMetricAlarm updates in place differ.
 *
 * That holds for per-instance alarms (`alarmTopology: "per-instance"`), named after the member. A
 * fleet-wide alarm (the default) is named after the persona's digest, which every edit changes: the
 * edit replaces it, and the new alarm starts evaluating from INSUFFICIENT_DATA.
 */
import type * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { PersonaFleet } from "../../src/aws/index.js";
import { fleetAlarmName } from "../../src/plan/names.js";
import { outputValue, recorder, settled } from "../support/pulumi.js";
import { personaOf, WEB_ACL } from "./support.js";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

function persona(cpu: string): string {
  return [
    "Name: Web",
    'Version: "1.0.0"',
    "BaseConfiguration:",
    "  CPU: 4 cores",
    "  Memory: 16 GB",
    "TelemetryTriggers:",
    `  - Condition: ${cpu}`,
    "    Action: Scale up to 8 cores",
    "    Clear: after 15 minutes",
    "  - Condition: CPU Load > 95% for 2 minutes",
    "    Action: Activate cdn-caching",
  ].join("\n");
}

/** The fleet's alarms by URN, with the inputs the program gave each (per-instance alarms unless asked). */
async function alarmsOf(
  text: string,
  alarmTopology: "fleet-wide" | "per-instance" = "per-instance",
): Promise<Map<string, Record<string, unknown>>> {
  recorder.reset();
  const created: { resource: pulumi.Resource; name: string }[] = [];
  new PersonaFleet(
    "web",
    {
      ami: "ami-0123456789abcdef0",
      defaultPersona: personaOf(text),
      instances: [{ name: "web-1" }],
      firewall: { webAclArn: WEB_ACL },
      alarmTopology,
    },
    {
      transformations: [
        (args) => {
          if (args.type === ALARM) created.push({ resource: args.resource, name: args.name });
          return undefined;
        },
      ],
    },
  );
  await settled();
  const inputs = new Map(recorder.resources.filter((r) => r.type === ALARM).map((r) => [r.name, r.inputs]));
  const byUrn = new Map<string, Record<string, unknown>>();
  for (const { resource, name } of created) byUrn.set(await outputValue(resource.urn), inputs.get(name)!);
  return byUrn;
}

function changedInputs(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

beforeEach(() => recorder.reset());

describe("PersonaFleet per-instance alarms when a trigger's threshold or window is edited", () => {
  it("keep their URNs and names, so 80 → 85 is an in-place update of the same alarm", async () => {
    const before = await alarmsOf(persona("CPU Load > 80% for 5 minutes"));
    const after = await alarmsOf(persona("CPU Load > 85% for 5 minutes"));

    expect([...after.keys()]).toEqual([...before.keys()]);
    const urn = [...before.keys()].find((u) => u.endsWith("::web-web-1-cpu-utilization-above"))!;
    expect(urn).toBeDefined();
    expect(changedInputs(before.get(urn)!, after.get(urn)!)).toEqual(["alarmDescription", "threshold"]);
    expect([before.get(urn)!.threshold, after.get(urn)!.threshold]).toEqual([80, 85]);
    for (const [u, inputs] of before) expect(after.get(u)!.name).toBe(inputs.name);
  });

  it("keep their URNs and names when the window changes too, and the second CPU trigger keeps its own alarm", async () => {
    const before = await alarmsOf(persona("CPU Load > 80% for 5 minutes"));
    const after = await alarmsOf(persona("CPU Load >= 70% for 10 minutes"));

    expect([...after.keys()]).toEqual([...before.keys()]);
    const names = [...after.values()].map((inputs) => String(inputs.name));
    expect(names.filter((n) => n.endsWith("-cpu-utilization-above-2"))).toHaveLength(1);
    for (const [u, inputs] of before) {
      expect(after.get(u)!.name).toBe(inputs.name);
      expect(changedInputs(inputs, after.get(u)!)).not.toContain("name");
    }
  });
});

describe("PersonaFleet fleet-wide alarms (the default) when a trigger's threshold is edited", () => {
  it("are replaced: their names and URNs carry the persona digest, which 80 → 85 changes", async () => {
    const edited = [persona("CPU Load > 80% for 5 minutes"), persona("CPU Load > 85% for 5 minutes")];
    const [before, after] = [
      await alarmsOf(edited[0]!, "fleet-wide"),
      await alarmsOf(edited[1]!, "fleet-wide"),
    ];
    const scope = { fleet: "web", stack: "stack" };
    const ids = ["cpu-utilization-above", "cpu-utilization-above-clear", "cpu-utilization-above-2"];
    const namesOf = (text: string) => ids.map((id) => fleetAlarmName(scope, personaOf(text).ref.digest, id));
    expect([...before.values()].map((inputs) => inputs.name)).toEqual(namesOf(edited[0]!));
    expect([...after.values()].map((inputs) => inputs.name)).toEqual(namesOf(edited[1]!));
    expect([...after.keys()].filter((urn) => before.has(urn))).toEqual([]);
  });
});
