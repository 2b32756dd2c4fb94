/**
 * The KQL of fleet-wide log search rules (src/plan/log-query.ts): every value from outside the
 * library is a KQL string literal escaped as "The string data type" (Kusto, Microsoft Learn)
 * documents, and each Azure aggregation is computed from the agent rows' per-minute columns.
 */
import { describe, expect, it } from "vitest";
import type { AzureAlertSpec } from "../../src/plan/alarms.js";
import { PlanError } from "../../src/plan/errors.js";
import { agentMetricQuery, kqlString } from "../../src/plan/log-query.js";

const PREFIX =
  "/subscriptions/s/resourceGroups/personas-web-prod/providers/Microsoft.Compute/virtualMachines/";
const spec: AzureAlertSpec = {
  metricNamespace: "Personas/Agent",
  metricName: "NetworkLatency",
  operator: "GreaterThan",
  threshold: 100,
  timeAggregation: "Average",
  windowSize: "PT5M",
  evaluationFrequency: "PT1M",
};

describe("kqlString", () => {
  it("escapes the quote, the backslash, tab, newline and return, so a value cannot end its literal", () => {
    expect(kqlString('a"b')).toBe('"a\\"b"');
    expect(kqlString("a\\")).toBe('"a\\\\"');
    expect(kqlString('x" or 1 == 1 //')).toBe('"x\\" or 1 == 1 //"');
    expect(kqlString("a\tb\nc\rd")).toBe('"a\\tb\\nc\\rd"');
    expect(kqlString("it's")).toBe('"it\'s"');
  });

  it("refuses control characters KQL documents no escape for", () => {
    for (const value of ["a\u0000b", "a\u001bb", "a\u0085b", "a\u2028b"]) {
      expect(() => kqlString(value)).toThrow(PlanError);
    }
    expect(() => kqlString("web\u0000")).toThrow(
      'The value "web\\u0000" holds a control character, which a KQL string literal cannot carry safely; remove it from the metric, fleet or stack name.',
    );
  });
});

describe("agentMetricQuery", () => {
  it("filters the metric and the fleet's VMs (prefix lower-cased) and summarizes one value per VM", () => {
    expect(agentMetricQuery(spec, PREFIX)).toBe(
      [
        "PersonasAgentMetrics_CL",
        '| where Namespace == "Personas/Agent" and Metric == "NetworkLatency"',
        "| extend VmResourceId = tolower(VmResourceId)",
        '| where VmResourceId startswith "/subscriptions/s/resourcegroups/personas-web-prod/providers/microsoft.compute/virtualmachines/"',
        "| where Count > 0",
        "| summarize AggregatedValue = sum(Sum) / todouble(sum(Count)) by VmResourceId",
      ].join("\n"),
    );
  });

  it("computes each Azure aggregation from the rows' Minimum, Maximum, Sum and Count", () => {
    const summarize = (timeAggregation: AzureAlertSpec["timeAggregation"]) =>
      agentMetricQuery({ ...spec, timeAggregation }, PREFIX)
        .split("\n")
        .at(-1);
    expect(summarize("Average")).toBe(
      "| summarize AggregatedValue = sum(Sum) / todouble(sum(Count)) by VmResourceId",
    );
    expect(summarize("Minimum")).toBe("| summarize AggregatedValue = min(Minimum) by VmResourceId");
    expect(summarize("Maximum")).toBe("| summarize AggregatedValue = max(Maximum) by VmResourceId");
    expect(summarize("Total")).toBe("| summarize AggregatedValue = sum(Sum) by VmResourceId");
    expect(summarize("Count")).toBe("| summarize AggregatedValue = todouble(sum(Count)) by VmResourceId");
  });

  it("quotes a metric name or prefix that tries to break out of its literal", () => {
    const query = agentMetricQuery(
      { ...spec, metricName: 'x" | union SecurityEvent | where "1" == "1' },
      `${PREFIX}"\n| take 1 //`,
    );
    expect(query).toContain('Metric == "x\\" | union SecurityEvent | where \\"1\\" == \\"1"');
    expect(query).toContain('virtualmachines/\\"\\n| take 1 //"');
    expect(query.split("\n")).toHaveLength(6);
  });
});
