/**
 * The phrase grammars of the PDL: quantities and units, conditions (metrics, operators, windows),
 * actions (phrases and structured objects), software entries and value-source conditions.
 */
import { describe, expect, it } from "vitest";
import { type Action, parseActionPhrase } from "../../src/pdl/actions/index.js";
import {
  buildCondition,
  describeCondition,
  parseConditionPhrase,
  parseValueCondition,
} from "../../src/pdl/conditions.js";
import type { EvaluationWindow } from "../../src/pdl/model.js";
import { definePersona } from "../../src/pdl/parse.js";
import { parseSoftwarePhrase } from "../../src/pdl/software.js";
import { type Dimension, formatDuration, parseQuantity } from "../../src/pdl/units.js";

const ONE_MINUTE: EvaluationWindow = { periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1 };

describe("parseQuantity", () => {
  it.each<[string | number, Dimension, number]>([
    // Memory: GB and GiB both mean 2^30 bytes; MB is 1/1024 of that, TB 1024×.
    ["32 GB", "memory", 32],
    ["32GB", "memory", 32],
    ["32 GiB", "memory", 32],
    ["32 gib", "memory", 32],
    ["1.5 GB", "memory", 1.5],
    ["512 MB", "memory", 0.5],
    ["256 MiB", "memory", 0.25],
    ["2 TB", "memory", 2048],
    [32, "memory", 32],
    // Bandwidth is decimal, as links are sold: 1 Gbps = 1000 Mbps.
    ["10 Gbps", "bandwidth", 10],
    ["10Gbps", "bandwidth", 10],
    ["500 Mbps", "bandwidth", 0.5],
    ["100 Mbit/s", "bandwidth", 0.1],
    ["25 Gbit/s", "bandwidth", 25],
    // Percentages.
    ["80%", "percent", 80],
    ["80 %", "percent", 80],
    ["80 percent", "percent", 80],
    ["12.5%", "percent", 12.5],
    // Times (thresholds of latency metrics), in milliseconds.
    ["100ms", "time", 100],
    ["100 ms", "time", 100],
    ["1.5s", "time", 1500],
    ["2 seconds", "time", 2000],
    // Durations, in seconds.
    ["5 minutes", "duration", 300],
    ["5m", "duration", 300],
    ["5 min", "duration", 300],
    ["300s", "duration", 300],
    ["300 seconds", "duration", 300],
    ["1 hour", "duration", 3600],
    ["2h", "duration", 7200],
    ["1 day", "duration", 86400],
    ["90 sec", "duration", 90],
    [300, "duration", 300],
    // vCPUs.
    ["8 cores", "cpu", 8],
    ["1 core", "cpu", 1],
    ["8 vCPU", "cpu", 8],
    ["8 vCPUs", "cpu", 8],
    ["8", "cpu", 8],
    ["1000", "count", 1000],
  ])("reads %j as a %s of %d in the canonical unit", (text, dimension, expected) => {
    expect(parseQuantity(text, dimension)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, Dimension, string, string]>([
    [
      "32 cores",
      "memory",
      "expected a memory size, received '32 cores' ('cores' measures vCPUs)",
      "use one of: GB, GiB, MB, MiB, TB, TiB",
    ],
    ["100ms", "percent", "expected a percentage, received '100ms' ('ms' measures times)", "use one of: %"],
    [
      "10 GB",
      "bandwidth",
      "expected a bandwidth, received '10 GB' ('GB' measures memory sizes)",
      "use one of: Gbps, Mbps, Kbps",
    ],
    [
      "5 parsecs",
      "duration",
      "expected a duration, received '5 parsecs' (unknown unit 'parsecs')",
      "use one of: seconds (s), minutes (m), hours (h), days (d)",
    ],
    [
      "fast",
      "duration",
      "expected a duration such as '5 minutes', received 'fast'",
      "write a number followed by one of: seconds (s), minutes (m), hours (h), days (d)",
    ],
  ])("rejects %j as a %s", (text, dimension, message, hint) => {
    expect(parseQuantity(text, dimension)).toEqual({ ok: false, message, hint });
  });

  it("rejects numbers that are not finite", () => {
    expect(parseQuantity(Number.POSITIVE_INFINITY, "memory")).toEqual({
      ok: false,
      message: "expected a memory size, received Infinity",
    });
  });
});

describe("formatDuration", () => {
  it.each([
    [300, "5 minutes"],
    [60, "1 minute"],
    [3600, "1 hour"],
    [86400, "1 day"],
    [90, "90 seconds"],
    [1, "1 second"],
  ])("writes %d seconds as '%s'", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe("condition phrases", () => {
  it.each<[string, string, string, number, string]>([
    ["CPU Load > 80%", "cpu-utilization", ">", 80, "%"],
    ["CPU > 80%", "cpu-utilization", ">", 80, "%"],
    ["cpu-utilization > 80%", "cpu-utilization", ">", 80, "%"],
    ["CPU utilization > 80%", "cpu-utilization", ">", 80, "%"],
    ["Memory >= 90%", "memory-utilization", ">=", 90, "%"],
    ["RAM > 90%", "memory-utilization", ">", 90, "%"],
    ["Disk <= 95%", "disk-utilization", "<=", 95, "%"],
    ["Network Latency > 100ms", "network-latency", ">", 100, "ms"],
    ["Latency > 1.5s", "network-latency", ">", 1500, "ms"],
    ["Network In > 5 Gbps", "network-in", ">", 5, "Gbps"],
    ["Network Out > 500 Mbps", "network-out", ">", 0.5, "Gbps"],
    ["Error Rate < 1%", "error-rate", "<", 1, "%"],
    ["Request Count > 1000", "request-count", ">", 1000, ""],
    ["requests > 1000", "request-count", ">", 1000, ""],
  ])("reads '%s' as %s %s %d%s", (phrase, metric, operator, threshold, unit) => {
    const parsed = parseConditionPhrase(phrase);

    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({ metric, operator, threshold, unit, window: ONE_MINUTE }),
    });
  });

  it.each([
    [">", ">"],
    [">=", ">="],
    ["=>", ">="],
    ["≥", ">="],
    ["<", "<"],
    ["<=", "<="],
    ["=<", "<="],
    ["≤", "<="],
    ["above", ">"],
    ["is above", ">"],
    ["over", ">"],
    ["exceeds", ">"],
    ["greater than", ">"],
    ["more than", ">"],
    ["higher than", ">"],
    ["at least", ">="],
    ["below", "<"],
    ["is below", "<"],
    ["under", "<"],
    ["less than", "<"],
    ["lower than", "<"],
    ["at most", "<="],
  ])("reads the operator '%s' as %s", (word, operator) => {
    const parsed = parseConditionPhrase(`CPU Load ${word} 80%`);

    expect(parsed.ok && parsed.value.operator).toBe(operator);
  });

  it.each<[string, EvaluationWindow]>([
    ["", ONE_MINUTE],
    ["for 5 minutes", { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 }],
    ["for 5m", { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 }],
    ["for 300s", { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 }],
    ["for 1 hour", { periodSeconds: 60, evaluationPeriods: 60, datapointsToAlarm: 60 }],
    ["for 24 hours", { periodSeconds: 60, evaluationPeriods: 1440, datapointsToAlarm: 1440 }],
    ["for 1 day", { periodSeconds: 60, evaluationPeriods: 1440, datapointsToAlarm: 1440 }],
    ["for 30 seconds", { periodSeconds: 10, evaluationPeriods: 3, datapointsToAlarm: 3 }],
    ["for 3 of 5 minutes", { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3 }],
    ["for 3 out of 5 minutes", { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3 }],
    ["for 1 of 1 minute", ONE_MINUTE],
  ])('reads the window %j ("" is one 1-minute datapoint)', (window, expected) => {
    const parsed = parseConditionPhrase(window === "" ? "CPU Load > 80%" : `CPU Load > 80% ${window}`);

    expect(parsed.ok && parsed.value.window).toEqual(expected);
  });

  it.each([
    ["for 25 hours", "the window 'for 25 hours' is longer than a day"],
    ["for 6 of 5 minutes", "'6 of 5' needs between 1 and 5 breaching datapoints"],
    ["for 0 of 5 minutes", "'0 of 5' needs between 1 and 5 breaching datapoints"],
    ["for 0 minutes", "the window 'for 0 minutes' must be longer than zero"],
    ["for 450s", "the window 'for 450s' is not a whole number of periods"],
    ["for 15s", "the window 'for 15s' is not a whole number of periods"],
    ["for ever", "cannot read the window 'for ever'"],
  ])("rejects the window '%s'", (window, message) => {
    const parsed = parseConditionPhrase(`CPU Load > 80% ${window}`);

    expect(parsed.ok ? undefined : parsed.message).toBe(message);
  });

  it("uses each metric's default treatment of missing data, unless the trigger says otherwise", () => {
    const errors = parseConditionPhrase("Error Rate > 5%");
    const cpu = parseConditionPhrase("CPU > 80%");
    const breaching = parseConditionPhrase("CPU > 80%", "breaching");

    expect([errors, cpu, breaching].map((p) => p.ok && p.value.missingData)).toEqual([
      "notBreaching",
      "missing",
      "breaching",
    ]);
  });

  it("reads the structured form like the phrase", () => {
    const structured = buildCondition({
      metric: "Network Latency",
      operator: "above",
      threshold: "100ms",
      for: "3 of 5 minutes",
    });

    expect(structured).toEqual(parseConditionPhrase("Network Latency > 100ms for 3 of 5 minutes"));
  });

  it("reads a structured datapointsToAlarm with a 'for' duration as M of N", () => {
    const structured = buildCondition({
      metric: "cpu-utilization",
      operator: ">",
      threshold: 80,
      for: 300,
      datapointsToAlarm: 3,
    });

    expect(structured.ok && structured.value.window).toEqual({
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
  });

  it("reads a structured number threshold in the metric's canonical unit", () => {
    const latency = buildCondition({ metric: "network-latency", operator: ">", threshold: 250 });
    const network = buildCondition({ metric: "network-in", operator: ">", threshold: 2.5 });

    expect([latency, network].map((c) => c.ok && [c.value.threshold, c.value.unit])).toEqual([
      [250, "ms"],
      [2.5, "Gbps"],
    ]);
  });

  it("writes a condition back as its canonical phrase", () => {
    const phrases = [
      "CPU Load > 80% for 5 minutes",
      "Network Latency > 100ms",
      "Error Rate >= 5% for 3 of 5 minutes",
    ].map((p) => {
      const parsed = parseConditionPhrase(p);
      return parsed.ok ? describeCondition(parsed.value) : parsed.message;
    });

    expect(phrases).toEqual([
      "cpu-utilization > 80% for 5 minutes",
      "network-latency > 100ms",
      "error-rate >= 5% for 3 of 5 periods of 1 minute",
    ]);
  });
});

describe("action phrases", () => {
  it.each<[string, Action]>([
    ["Scale up to 16 cores", { kind: "scale", cpu: 16 }],
    ["scale to 4 vCPUs", { kind: "scale", cpu: 4 }],
    ["Resize to 8 CPUs", { kind: "scale", cpu: 8 }],
    ["Scale down to 2 cores", { kind: "scale", cpu: 2 }],
    ["Scale up to 64 GB memory", { kind: "scale", memoryGiB: 64 }],
    ["Scale memory to 64 GB", { kind: "scale", memoryGiB: 64 }],
    ["Scale up to 512 MB of RAM", { kind: "scale", memoryGiB: 0.5 }],
    ["Scale to c7i.4xlarge", { kind: "scale", size: "c7i.4xlarge" }],
    ["Scale to size Standard_D16s_v5", { kind: "scale", size: "Standard_D16s_v5" }],
    ["Scale back to baseline", { kind: "scale", baseline: true }],
    ["Resize to the baseline size", { kind: "scale", baseline: true }],
    ["Activate CDN caching", { kind: "activate-feature", feature: "cdn-caching" }],
    ["Enable feature maintenance-mode", { kind: "activate-feature", feature: "maintenance-mode" }],
    ["turn on Rate Limiting", { kind: "activate-feature", feature: "rate-limiting" }],
    ["Deactivate CDN caching", { kind: "deactivate-feature", feature: "cdn-caching" }],
    ["Disable feature WAF", { kind: "deactivate-feature", feature: "waf" }],
    ["switch off rate limiting", { kind: "deactivate-feature", feature: "rate-limiting" }],
    ["Update firewall rules to block malicious IPs", { kind: "firewall", mode: "block" }],
    ["Update the firewall to allow listed addresses", { kind: "firewall", mode: "allow" }],
    ["Block listed addresses", { kind: "firewall", mode: "block" }],
    ["Allow listed addresses", { kind: "firewall", mode: "allow" }],
    ["deny these networks", { kind: "firewall", mode: "block" }],
    ["Shift persona to LockedDown", { kind: "shift-persona", persona: "LockedDown" }],
    ["Shift to persona LockedDown@^1", { kind: "shift-persona", persona: "LockedDown@^1" }],
    ["Switch persona to Hardened persona", { kind: "shift-persona", persona: "Hardened" }],
    ["Shift back to previous persona", { kind: "shift-persona", previous: true }],
    ["shift back", { kind: "shift-persona", previous: true }],
    ["Notify ops-team", { kind: "notify", target: "ops-team" }],
    ["Notify ops-team: CPU is high", { kind: "notify", target: "ops-team", message: "CPU is high" }],
    ["Alert oncall@example.com", { kind: "notify", target: "oncall@example.com" }],
    ["Send a notification to sec-team", { kind: "notify", target: "sec-team" }],
    ["Run command `systemctl restart nginx`", { kind: "run-command", command: "systemctl restart nginx" }],
    ['run "echo hi"', { kind: "run-command", command: "echo hi" }],
    ["Run command 'nginx -s reload'", { kind: "run-command", command: "nginx -s reload" }],
    ["Invoke function rotate-keys", { kind: "invoke-function", function: "rotate-keys" }],
    [
      "Call lambda arn:aws:lambda:eu-west-1:123456789012:function:f",
      { kind: "invoke-function", function: "arn:aws:lambda:eu-west-1:123456789012:function:f" },
    ],
    ["  Scale   up to 16   cores ", { kind: "scale", cpu: 16 }],
  ])("reads '%s'", (phrase, action) => {
    expect(parseActionPhrase(phrase)).toEqual({ ok: true, value: action });
  });

  it.each([
    [
      "Scale upp to 16 cores",
      "unknown action 'Scale upp to 16 cores'",
      "did you mean 'Scale up to 16 cores'? ",
    ],
    ["Actvate CDN caching", "unknown action 'Actvate CDN caching'", "did you mean 'Activate CDN caching'? "],
    ["Run command echo hi", "unknown action 'Run command echo hi'", ""],
    ["Make it faster", "unknown action 'Make it faster'", ""],
    ["Scale up to 1000 cores", "cannot scale to 1000 cores", undefined],
    ["Scale up to 2.5 cores", "cannot scale to 2.5 cores", undefined],
    ["Scale up to 0 GB memory", "cannot scale to 0 GB of memory", undefined],
  ])("rejects '%s'", (phrase, message, suggestion) => {
    const parsed = parseActionPhrase(phrase);

    expect(parsed.ok ? undefined : parsed.message).toBe(message);
    if (suggestion !== undefined)
      expect(parsed.ok ? undefined : parsed.hint).toMatch(
        new RegExp(`^${escapeRegExp(suggestion)}accepted forms: `),
      );
  });

  it.each<[string, Action]>([
    ["scale to cores", { kind: "scale", cpu: 16 }],
    ["scale to memory", { kind: "scale", memoryGiB: 64 }],
    ["scale to a size", { kind: "scale", size: "c7i.4xlarge" }],
    ["scale to the baseline", { kind: "scale", baseline: true }],
    ["activate a feature", { kind: "activate-feature", feature: "cdn-caching" }],
    ["deactivate a feature", { kind: "deactivate-feature", feature: "cdn-caching" }],
    ["shift persona", { kind: "shift-persona", persona: "LockedDown" }],
    ["shift back", { kind: "shift-persona", previous: true }],
    ["notify", { kind: "notify", target: "ops-team", message: "CPU is high" }],
    ["run a command", { kind: "run-command", command: "systemctl restart nginx" }],
    ["invoke a function", { kind: "invoke-function", function: "rotate-keys" }],
  ])("accepts the structured object to %s on a trigger", (_, action) => {
    const persona = definePersona({
      name: "Web",
      features: [{ name: "CDN caching" }],
      telemetryTriggers: [{ condition: "CPU Load > 80%", action }],
    });

    expect(persona.responses[0]!.actions).toEqual([action]);
  });

  it.each<Action>([
    { kind: "firewall", mode: "block" },
    { kind: "firewall", mode: "allow" },
  ])("accepts the structured firewall object %j on a list feed", (action) => {
    const persona = definePersona({
      name: "Web",
      externalDataSources: [{ url: "https://feeds.example.com/drop.txt", frequency: "5 minutes", action }],
    });

    expect(persona.responses[0]!.actions).toEqual([action]);
  });

  it("runs a sequence of actions in order", () => {
    const persona = definePersona({
      name: "Web",
      automatedResponses: [
        { name: "surge", actions: ["Scale up to 16 cores", { kind: "notify", target: "ops-team" }] },
      ],
      telemetryTriggers: [{ condition: "CPU Load > 80%", response: "surge" }],
    });

    expect(persona.responses).toEqual([
      {
        id: "surge",
        actions: [
          { kind: "scale", cpu: 16 },
          { kind: "notify", target: "ops-team" },
        ],
        inline: false,
      },
    ]);
  });
});

describe("software phrases", () => {
  it.each([
    ["Nginx (latest version)", { name: "Nginx", version: "latest" }],
    ["Nginx (latest)", { name: "Nginx", version: "latest" }],
    ["Nginx", { name: "Nginx", version: "latest" }],
    ["Redis (caching)", { name: "Redis", version: "latest", note: "caching" }],
    [
      "Prometheus (metrics collection)",
      { name: "Prometheus", version: "latest", note: "metrics collection" },
    ],
    ["PostgreSQL 16", { name: "PostgreSQL", version: "16" }],
    ["nginx=1.24", { name: "nginx", version: "1.24" }],
    ["nginx@1.24.0", { name: "nginx", version: "1.24.0" }],
    ["Node.js v20", { name: "Node.js", version: "20" }],
    ["Redis 7 (caching)", { name: "Redis", version: "7", note: "caching" }],
    ["Nginx (version 1.25)", { name: "Nginx", version: "1.25" }],
    ["Nginx (v1.25)", { name: "Nginx", version: "1.25" }],
    ["Apache Kafka", { name: "Apache Kafka", version: "latest" }],
    ["openjdk-17", { name: "openjdk-17", version: "latest" }],
  ])("reads '%s'", (phrase, entry) => {
    expect(parseSoftwarePhrase(phrase)).toEqual({ ok: true, value: entry });
  });

  it.each([
    [
      "!!!",
      "cannot read software entry '!!!'",
      "write '<Name>', '<Name> <version>' or '<Name> (<note>)', e.g. 'Nginx (latest version)'",
    ],
    [
      "Nginx 1.24 (latest)",
      "software entry 'Nginx 1.24 (latest)' gives its version twice",
      "keep either the version after the name or the one in parentheses",
    ],
  ])("rejects '%s'", (phrase, message, hint) => {
    expect(parseSoftwarePhrase(phrase)).toEqual({ ok: false, message, hint });
  });
});

describe("value-source conditions", () => {
  it.each([
    ["$.threat.level >= 4", { path: "$.threat.level", operator: ">=", threshold: 4 }],
    ["$.threat.level at least 4", { path: "$.threat.level", operator: ">=", threshold: 4 }],
    ["value > 100", { path: "$", operator: ">", threshold: 100 }],
    ["Value at most -2", { path: "$", operator: "<=", threshold: -2 }],
    ["$ > 3", { path: "$", operator: ">", threshold: 3 }],
    ["$.data[0].price < 99.5", { path: "$.data[0].price", operator: "<", threshold: 99.5 }],
    ["$['risk score'] above 7", { path: "$['risk score']", operator: ">", threshold: 7 }],
    ['$.feeds["eu-west"].level below 2', { path: '$.feeds["eu-west"].level', operator: "<", threshold: 2 }],
  ])("reads '%s'", (text, condition) => {
    expect(parseValueCondition(text)).toEqual({ ok: true, value: condition });
  });

  const HINT =
    "write '<json path> <op> <number>' such as '$.threat.level >= 4', or 'value > 100' for a body that is a number";
  it.each([
    ["$.a.b = 4", "cannot read value condition '$.a.b = 4'", HINT],
    ["level > 4", "cannot read value condition 'level > 4'", HINT],
    ["$.a > high", "cannot read value condition '$.a > high'", HINT],
    [
      "$.a..b >= 4",
      "unsupported JSON path '$.a..b'",
      "use dotted names and [index] steps from $, e.g. '$.data.level' or '$.items[0].value'",
    ],
  ])("rejects '%s'", (text, message, hint) => {
    expect(parseValueCondition(text)).toEqual({ ok: false, message, hint });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
