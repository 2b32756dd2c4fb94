/**
 * Trigger ids name CloudWatch alarms and Pulumi resources, so an id that changes with the threshold
 * turns a threshold edit into a replace (a new alarm, its state lost). PutMetricAlarm on an existing
 * name is an update that "left unchanged" the alarm's state (botocore monitoring 2010-08-01,
 * PutMetricAlarm documentation), so ids must survive edits of everything but the metric and direction.
 */
import { describe, expect, it } from "vitest";
import { parsePersona } from "../../src/pdl/parse.js";

function triggerIds(...triggers: string[]): string[] {
  const text = ["Name: Web", 'Version: "1.0.0"', "TelemetryTriggers:", ...triggers].join("\n");
  return parsePersona(text).triggers.map((t) => t.id);
}

const cpu = (condition: string, name?: string) =>
  [
    `  - Condition: ${condition}`,
    ...(name === undefined ? [] : [`    Name: ${name}`]),
    "    Action: Notify ops-team",
  ].join("\n");

describe("Trigger ids", () => {
  it("are the metric and the direction, without the threshold or the window", () => {
    expect(triggerIds(cpu("CPU Load > 80% for 5 minutes"))).toEqual(["cpu-utilization-above"]);
    expect(triggerIds(cpu("CPU Load > 85% for 10 minutes"))).toEqual(["cpu-utilization-above"]);
    expect(triggerIds(cpu("CPU Load >= 85%"))).toEqual(["cpu-utilization-above"]);
    expect(triggerIds(cpu("CPU Load < 10% for 30 minutes"))).toEqual(["cpu-utilization-below"]);
  });

  it("number the second and later triggers on one metric and direction in file order", () => {
    expect(
      triggerIds(cpu("CPU Load > 80% for 5 minutes"), cpu("CPU Load > 95%"), cpu("CPU Load < 10%")),
    ).toEqual(["cpu-utilization-above", "cpu-utilization-above-2", "cpu-utilization-below"]);
  });

  it("keep an author's name, and a generated id steps past any name the author wrote, even later in the file", () => {
    expect(
      triggerIds(
        cpu("CPU Load > 80%"),
        cpu("CPU Load > 95%", "cpu-utilization-above"),
        cpu("CPU Load > 90%"),
      ),
    ).toEqual(["cpu-utilization-above-2", "cpu-utilization-above", "cpu-utilization-above-3"]);
  });

  it("are the same on every parse of the same text", () => {
    const triggers = [cpu("CPU Load > 80%"), cpu("CPU Load > 90%"), cpu("CPU Load > 99%")];
    expect(triggerIds(...triggers)).toEqual(triggerIds(...triggers));
  });
});
