import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePersona } from "../../src/pdl/parse.js";
import { PlanError } from "../../src/plan/errors.js";
import { planFleet, planPersona } from "../../src/plan/plan.js";
import { contentDigest } from "../../src/repository/digest.js";

const seed = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), { file: "HighTraffic.yaml" });
const input = { persona: seed, ref: { name: "HighTraffic", version: "1.0.0", digest: contentDigest(seed) } };

describe("planPersona", () => {
  const plan = planPersona(input);

  it("renders the seed's CPU trigger as the CloudWatch alarm the design names", () => {
    expect(plan.alarms[0]!.aws).toEqual({
      namespace: "AWS/EC2",
      metricName: "CPUUtilization",
      statistic: "Average",
      dimensions: ["InstanceId"],
      comparisonOperator: "GreaterThanThreshold",
      threshold: 80,
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: "missing",
    });
    expect(plan.alarms[0]!.onAlarm).toEqual({
      intent: "activate",
      responseId: "cpu-utilization-above",
      actions: [{ kind: "scale", cpu: 16 }],
      responders: ["scale"],
    });
  });

  it("renders 'for 5 minutes' on Azure as the window minimum, so it fires at the fifth breaching minute", () => {
    expect(plan.alarms[0]!.azure).toEqual({
      metricNamespace: "Microsoft.Compute/virtualMachines",
      metricName: "Percentage CPU",
      operator: "GreaterThan",
      threshold: 80,
      timeAggregation: "Minimum",
      windowSize: "PT5M",
      evaluationFrequency: "PT1M",
    });
  });

  it("sends network latency to the personas agent and the feed to the firewall responder", () => {
    expect(plan.alarms.map((a) => [a.id, a.source])).toEqual([
      ["cpu-utilization-above", "native"],
      ["network-latency-above", "personas-agent"],
    ]);
    expect(plan.telemetry).toEqual({
      native: ["cpu-utilization"],
      cloudAgent: [],
      personasAgent: [{ metricId: "network-latency", metricName: "NetworkLatency", periodSeconds: 60 }],
    });
    expect(plan.responders).toEqual(["scale", "feature", "firewall"]);
    expect(plan.feeds).toEqual([
      {
        sourceId: "threatintel-example-com",
        kind: "list",
        url: "https://threatintel.example.com/latest_ips",
        frequencySeconds: 300,
        scheduleExpression: "rate(5 minutes)",
        limits: { timeoutSeconds: 10, maxBytes: 10485760 },
        responseId: "threatintel-example-com",
        responder: "firewall",
        format: { type: "plain" },
        mode: "block",
        maxShrinkPercent: 50,
      },
    ]);
  });

  it("fills guard rails from the defaults and is shared by every instance with the same digest", () => {
    expect(plan.guards).toEqual({ maxActionsPerHour: 6, defaultCooldownSeconds: 300, lockTtlSeconds: 900 });
    expect(plan.responses.map((r) => [r.id, r.cooldownSeconds, r.maxActionsPerHour])).toEqual([
      ["cpu-utilization-above", 300, 6],
      ["network-latency-above", 300, 6],
      ["threatintel-example-com", 300, 6],
    ]);
    expect(planPersona({ ...input })).toBe(plan);
  });

  it("plans a clear watcher with the reverting actions for 'Clear: after 15 minutes': > 80 in 1 of 15, acting on OK", () => {
    const persona = parsePersona(
      "Name: Web\nTelemetryTriggers:\n  - Condition: CPU > 80% for 5 minutes\n    Action: Scale up to 16 cores\n    Clear: after 15 minutes\n",
    );
    const clear = planPersona({
      persona,
      ref: { name: "Web", version: "1.0.0", digest: contentDigest(persona) },
    }).alarms[1]!;
    expect(clear.id).toBe("cpu-utilization-above-clear");
    expect(clear.aws.comparisonOperator).toBe("GreaterThanThreshold");
    expect([clear.aws.period, clear.aws.evaluationPeriods, clear.aws.datapointsToAlarm]).toEqual([60, 15, 1]);
    expect([clear.actsOn, clear.aws.treatMissingData]).toEqual(["OK", "ignore"]);
    // What the author wrote: the trigger's condition has not held for 15 minutes.
    expect(clear.clearCondition).toMatchObject({
      operator: "<=",
      threshold: 80,
      window: { periodSeconds: 60, evaluationPeriods: 15, datapointsToAlarm: 15 },
    });
    expect(clear.onAlarm).toEqual({
      intent: "clear",
      responseId: "cpu-utilization-above",
      actions: [{ kind: "scale", baseline: true }],
      responders: ["scale"],
    });
  });

  it("converts bandwidth thresholds to the bytes per period CloudWatch sums", () => {
    const persona = parsePersona(
      "Name: Net\nTelemetryTriggers:\n  - Condition: Network In > 800 Mbps for 3 minutes\n    Action: Notify ops\n",
    );
    const alarm = planPersona({
      persona,
      ref: { name: "Net", version: "1.0.0", digest: contentDigest(persona) },
    }).alarms[0]!;
    expect(alarm.aws.threshold).toBe(6_000_000_000);
    expect(alarm.aws.statistic).toBe("Sum");
  });
});

describe("planFleet", () => {
  const instances = Array.from({ length: 100 }, (_, i) => ({ key: `web-${i}`, resolved: input }));

  it("plans responders and feeds once per fleet, whatever its size", () => {
    const fleet = planFleet("web", instances, { webAcl: true });
    expect(fleet.personas).toHaveLength(1);
    expect(fleet.responders).toEqual(["scale", "feature", "firewall"]);
    expect(fleet.feeds.map((f) => [f.id, f.enforcement])).toEqual([
      ["HighTraffic-threatintel-example-com", "waf-ip-set"],
    ]);
    expect(fleet.features.map((f) => f.id)).toEqual(["cdn-caching"]);
  });

  it("carries the list-safety settings into every list feed, with defaults, and refuses a /0", () => {
    expect(planFleet("web", instances, { webAcl: true }).feeds[0]).toMatchObject({
      minPrefixIpv4: 8,
      minPrefixIpv6: 29,
      maxGrowPercent: 100,
    });
    expect(
      planFleet("web", instances, { webAcl: true, lists: { minPrefixIpv4: 16, maxGrowPercent: 300 } })
        .feeds[0],
    ).toMatchObject({ minPrefixIpv4: 16, minPrefixIpv6: 29, maxGrowPercent: 300 });
    expect(() => planFleet("web", instances, { webAcl: true, lists: { minPrefixIpv4: 0 } })).toThrow(
      "fleet 'web': firewall.lists.minPrefixIpv4 must be an integer from 1 to 32 (a /0 would let a feed block or allow every IPv4 address), got 0",
    );
  });

  it("refuses two list feeds on one network ACL, whose 20 rules per direction hold one feed's 18", () => {
    // A file's name names a persona that does not name itself.
    const other = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), { file: "Other.yaml" });
    const both = [
      ...instances,
      {
        key: "web-9",
        resolved: { persona: other, ref: { name: "Other", version: "1.0.0", digest: contentDigest(other) } },
      },
    ];
    expect(planFleet("web", instances, { networkAcl: true }).feeds.map((f) => f.enforcement)).toEqual([
      "network-acl",
    ]);
    expect(() => planFleet("web", both, { networkAcl: true })).toThrow(
      "fleet 'web': 2 list feeds (HighTraffic-threatintel-example-com, Other-threatintel-example-com) would need 36 rules of one network ACL, which holds 20 per direction: pass firewall.webAclArn (a WAF web ACL) instead, or keep one list feed per fleet that uses a network ACL",
    );
    expect(planFleet("web", both, { webAcl: true }).feeds).toHaveLength(2);
  });

  it("refuses a list feed with nowhere to enforce it, naming the fleet, persona, feed and fix", () => {
    expect(() => planFleet("web", instances)).toThrow(PlanError);
    expect(() => planFleet("web", instances)).toThrow(
      "fleet 'web': persona HighTraffic feed 'threatintel-example-com' (https://threatintel.example.com/latest_ips) needs a place to enforce its list: pass firewall.webAclArn (a WAF web ACL; lists up to 10,000 CIDRs per IP version) or firewall.networkAclId (a network ACL; lists up to 18 entries)",
    );
  });
});

describe("detailed monitoring", () => {
  const planOf = (text: string, digest: string) => {
    const persona = parsePersona(text);
    return planPersona({ persona, ref: { name: persona.name, version: "1.0.0", digest: digest.repeat(64) } });
  };

  it("is on when an alarm watches an AWS/EC2 metric with a period under 300 s, naming the alarm", () => {
    expect(
      planOf(
        "Name: Cpu\nTelemetryTriggers:\n  - Condition: CPU > 80% for 5 minutes\n    Action: Scale up to 16 cores\n",
        "1",
      ).monitoring,
    ).toEqual({
      detailed: true,
      reason:
        "alarm cpu-utilization-above (CPUUtilization, 60 s) needs AWS/EC2 datapoints more often than every 300 s",
    });
  });

  it("stays off when the alarms watch only agent metrics", () => {
    expect(
      planOf(
        "Name: Mem\nTelemetryTriggers:\n  - Condition: Memory > 90% for 10 minutes\n    Action: Scale up to 16 cores\n",
        "2",
      ).monitoring,
    ).toEqual({ detailed: false });
  });
});

describe("planPersona memoisation", () => {
  it("keeps the version of each reference when one content is published under two versions", () => {
    const persona = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), {
      file: "HighTraffic.yaml",
    });
    const digest = contentDigest(persona);

    const first = planPersona({ persona, ref: { name: "HighTraffic", version: "1.0.0", digest } });
    const second = planPersona({ persona, ref: { name: "HighTraffic", version: "1.0.1", digest } });

    expect(first.persona.version).toBe("1.0.0");
    expect(second.persona.version).toBe("1.0.1");
    expect(planPersona({ persona, ref: { name: "HighTraffic", version: "1.0.0", digest } })).toBe(first);
  });
});

describe("planPersona memoisation across callers", () => {
  const persona = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), {
    file: "HighTraffic.yaml",
  });
  const digest = contentDigest(persona);

  it("gives each caller the plan of its own reference, file included", () => {
    // A resolved persona's ref carries its file; two repositories can hold one content under one version.
    const fromExample = {
      name: "HighTraffic",
      version: "2.0.0",
      digest,
      file: "examples/a/HighTraffic.yaml",
    };
    const fromRepository = {
      name: "HighTraffic",
      version: "2.0.0",
      digest,
      file: "personas/HighTraffic.yaml",
    };
    const bare = { name: "HighTraffic", version: "2.0.0", digest };

    expect(planPersona({ persona, ref: fromExample }).persona).toEqual(fromExample);
    expect(planPersona({ persona, ref: fromRepository }).persona).toEqual(fromRepository);
    expect(planPersona({ persona, ref: bare }).persona).toEqual(bare);
  });

  it("gives each caller the size reason and runner-up it passed", () => {
    const ref = { name: "HighTraffic", version: "2.0.1", digest };
    const size = { cloud: "aws" as const, name: "m7g.large" };

    const first = planPersona({ persona, ref, size: { ...size, reason: "cheapest", runnerUp: "m6g.large" } });
    const second = planPersona({ persona, ref, size: { ...size, reason: "closest to 2 vCPU" } });

    expect(first.compute).toMatchObject({ size: "m7g.large", sizeReason: "cheapest", runnerUp: "m6g.large" });
    expect(second.compute.sizeReason).toBe("closest to 2 vCPU");
    expect(second.compute.runnerUp).toBeUndefined();
  });

  it("still shares one plan between callers with equal references, whatever their field order", () => {
    const ref = { name: "HighTraffic", version: "2.0.2", digest, file: "personas/HighTraffic.yaml" };
    const reordered = { file: ref.file, digest, version: ref.version, name: ref.name };

    expect(planPersona({ persona, ref: reordered })).toBe(planPersona({ persona, ref }));
  });
});
