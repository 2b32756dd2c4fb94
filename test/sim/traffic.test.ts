/**
 * Drain / restore traffic and isolation in the simulator: a drained or isolated instance's
 * traffic-dependent metrics fall to idle (each metric's catalog `idleFactor`), the rest stay, and the
 * report shows the instance out of rotation.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { metricById } from "../../src/pdl/metrics/index.js";
import { simulate } from "../../src/sim/engine.js";
import { formatTimeline, renderHtmlReport } from "../../src/sim/render.js";
import { minutes, planOf, repeat } from "./fixtures.js";
import { findAll, parseXml } from "./xml.js";

const plan = planOf(readFileSync("examples/ResilientWeb.yaml", "utf8"), "ResilientWeb.yaml");

// Errors at 30 % from 00:04: the drain comes at 00:06 (three breaching minutes, 00:04–00:06).
const telemetry = minutes({
  "error-rate": [...repeat(1, 4), ...repeat(30, 11)],
  "cpu-utilization": repeat(40, 15),
  "memory-utilization": repeat(55, 15),
  "request-count": repeat(1200, 15),
  "network-out": repeat(0.2, 15),
});
const result = simulate(plan, telemetry, { initialSize: "m7g.xlarge" });

describe("drained instances in the simulator", () => {
  it("drains at the third breaching minute and records the instance out of rotation", () => {
    expect(result.changes).toEqual([
      { at: 360, kind: "traffic", from: "in rotation", to: "out of rotation" },
    ]);
    expect(result.summary.finalInRotation).toBe(false);
  });

  it("takes the traffic-dependent metrics to idle from the next minute: errors to 0, CPU to a tenth", () => {
    const trigger = result.triggers.find((t) => t.alarmId === "error-rate-above")!;
    expect([...trigger.datapoints.slice(5, 9)]).toEqual([30, 30, 0, 0]);
    expect(metricById("cpu-utilization").idleFactor).toBe(0.1);
    expect(metricById("request-count").idleFactor).toBe(0);
  });

  it("leaves the metrics that do not follow traffic alone", () => {
    expect(metricById("memory-utilization").idleFactor).toBeUndefined();
    expect(metricById("disk-utilization").idleFactor).toBeUndefined();
  });

  it("says so in the text report's timeline and final line", () => {
    const text = formatTimeline(result);

    expect(text).toContain("00:06  traffic: in rotation → out of rotation");
    expect(text).toMatch(
      /^Final: size m7g\.xlarge, persona ResilientWeb, features none, out of rotation\.$/m,
    );
  });

  it("draws a traffic lane in the HTML report, in rotation until 00:06 and out after", () => {
    const html = renderHtmlReport(result);
    const lanes = parseXml(/<svg class="lanes" [\s\S]*?<\/svg>/.exec(html)![0]);
    const traffic = findAll(lanes, (e) => e.attributes["data-lane"] === "traffic")[0]!;
    const segments = findAll(traffic, (e) => (e.attributes.class ?? "").split(" ").includes("segment")).map(
      (s) => [Number(s.attributes["data-from"]), Number(s.attributes["data-to"]), s.attributes["data-value"]],
    );

    expect(segments).toEqual([
      [0, 360, "in rotation"],
      [360, 900, "out of rotation"],
    ]);
    expect(html).toContain("<dt>Traffic at the end</dt><dd>out of rotation</dd>");
  });
});

describe("isolated instances in the simulator", () => {
  // 3 Gbps out from 00:02: five breaching minutes isolate the instance at 00:06.
  const isolated = simulate(
    plan,
    minutes({ "network-out": [0.2, 0.2, ...repeat(3, 13)], "error-rate": repeat(1, 15) }),
    { initialSize: "m7g.xlarge" },
  );

  it("isolates once, takes the instance out of rotation and keeps it isolated", () => {
    expect(isolated.changes).toEqual([
      { at: 360, kind: "traffic", from: "in rotation", to: "out of rotation" },
      { at: 360, kind: "isolation", from: "not isolated", to: "isolated" },
    ]);
    expect(isolated.summary.finalIsolated).toBe(true);
    expect(formatTimeline(isolated)).toMatch(/, out of rotation, isolated\.$/m);
  });

  it("takes network out to 5 % of the recorded rate while isolated", () => {
    const trigger = isolated.triggers.find((t) => t.alarmId === "network-out-above")!;
    expect(trigger.datapoints[7]! / trigger.recorded[7]!).toBeCloseTo(0.05, 10);
  });
});
