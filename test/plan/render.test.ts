import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePersona } from "../../src/pdl/parse.js";
import { alarmDescription, parseAlarmDescription } from "../../src/plan/manifest.js";
import { planPersona } from "../../src/plan/plan.js";
import { agentMetricsOf, alarmResponders, okResponders, withCloudSize } from "../../src/plan/render.js";
import { contentDigest } from "../../src/repository/digest.js";

const seed = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), { file: "HighTraffic.yaml" });
const input = { persona: seed, ref: { name: "HighTraffic", version: "1.0.0", digest: contentDigest(seed) } };

describe("withCloudSize", () => {
  it("picks the cheapest AWS size meeting the seed's 8 cores, 32 GB and 'up to' 10 Gbps when resolution chose none", () => {
    expect(withCloudSize(input, "aws").size).toEqual({
      cloud: "aws",
      name: "m7g.2xlarge",
      reason: expect.stringContaining(">= 10 Gbps peak"),
      runnerUp: "m6i.2xlarge",
    });
  });

  it("narrows the choice to the AMI's architecture and keeps a size resolution already chose", () => {
    expect(withCloudSize(input, "aws", { architecture: "x86_64" }).size?.name).not.toMatch(/g\./);
    const sized = { ...input, size: { cloud: "aws" as const, name: "m7i.2xlarge" } };
    expect(withCloudSize(sized, "aws")).toBe(sized);
  });
});

describe("alarmResponders and okResponders", () => {
  it("send a trigger's ALARM and recovery to its responders, and a clear watcher's OK only (its ALARM goes nowhere)", () => {
    const persona = parsePersona(
      "Name: Web\nTelemetryTriggers:\n  - Condition: CPU > 80% for 5 minutes\n    Action: Scale up to 16 cores\n    Clear: after 15 minutes\n",
    );
    const plan = planPersona({
      persona,
      ref: { name: "Web", version: "1.0.0", digest: contentDigest(persona) },
    });
    expect(plan.alarms.map((a) => [a.id, alarmResponders(a), okResponders(a)])).toEqual([
      ["cpu-utilization-above", ["scale"], ["scale"]],
      ["cpu-utilization-above-clear", [], ["scale"]],
    ]);
  });
});

describe("agentMetricsOf", () => {
  it("maps network latency to the agent's probe latency at a 60 s period", () => {
    expect(agentMetricsOf(planPersona(input).telemetry)).toEqual([
      { name: "NetworkLatency", signal: "probe.latency", period: 60 },
    ]);
  });

  it("publishes at high resolution when an alarm needs a sub-minute period", () => {
    expect(
      agentMetricsOf({
        native: [],
        cloudAgent: [],
        personasAgent: [{ metricId: "error-rate", metricName: "ErrorRate", periodSeconds: 10 }],
      }),
    ).toEqual([{ name: "ErrorRate", signal: "log.errorRate", period: 10 }]);
  });
});

describe("parseAlarmDescription", () => {
  it("reads back the repository's sha256-prefixed digests, which key the manifest", () => {
    const digest = contentDigest({ ...seed, version: "1.2.0" });
    const plan = planPersona({ persona: seed, ref: { name: "HighTraffic", version: "1.2.0", digest } });
    expect(parseAlarmDescription(alarmDescription(plan, plan.alarms[0]!))).toEqual({
      digest,
      alarmId: "cpu-utilization-above",
    });
  });
});
