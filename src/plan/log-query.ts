/**
 * The Kusto (KQL) query of a fleet-wide log search alert rule over the personas agent's table
 * (src/plan/agent-log-table.ts): the rows of one agent metric of the fleet's VMs, one value per VM
 * over the rule's window, computed with the statistic the per-VM metric alert would use.
 *
 * Every value written into the query that does not come from this library's own constants (the
 * metric's namespace and name, the VMs' resource-id prefix, which holds the fleet and stack names) is
 * a KQL string literal: double quotes, with `\` and `"` escaped by a backslash, and tab, newline and
 * carriage return written as `\t`, `\n`, `\r` ("The string data type", "String literals", Kusto Query
 * Language, Microsoft Learn: https://learn.microsoft.com/kusto/query/scalar-data-types/string). Other
 * control characters have no documented escape there, so such a value is refused instead of written.
 */
import { AGENT_LOG_TABLE } from "./agent-log-table.js";
import type { AzureAlertSpec } from "./alarms.js";
import { PlanError } from "./errors.js";

/** The column a fleet-wide log search rule measures (`metricMeasureColumn`). */
export const LOG_QUERY_MEASURE_COLUMN = "AggregatedValue";

const ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** C0 controls other than tab, newline and return; DEL; C1 controls; the Unicode line and paragraph separators. */
function uncarried(char: string): boolean {
  const code = char.codePointAt(0)!;
  if (code === 0x09 || code === 0x0a || code === 0x0d) return false;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/**
 * A value as a KQL string literal.
 * @throws PlanError when the value holds a control character KQL documents no escape for.
 * @example
 * ```ts
 * kqlString('say "hi"'); // '"say \\"hi\\""'
 * ```
 */
export function kqlString(value: string): string {
  if ([...value].some(uncarried))
    throw new PlanError(
      `The value ${JSON.stringify(value)} holds a control character, which a KQL string literal cannot carry safely; remove it from the metric, fleet or stack name.`,
    );
  return `"${value.replace(/[\\"\t\n\r]/g, (c) => ESCAPES[c]!)}"`;
}

/** A name the library writes unquoted into a query: a constant of the contract, checked anyway. */
function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new PlanError(
      `'${name}' is not a plain KQL identifier; the agent table's contract must name columns so.`,
    );
  return name;
}

/** The KQL aggregate of each statistic an Azure alert aggregates a window with, from the rows' per-minute columns. */
function aggregate(statistic: AzureAlertSpec["timeAggregation"]): string {
  switch (statistic) {
    // The window's mean of every value, not the mean of per-minute means.
    case "Average":
      return "sum(Sum) / todouble(sum(Count))";
    case "Minimum":
      return "min(Minimum)";
    case "Maximum":
      return "max(Maximum)";
    case "Total":
      return "sum(Sum)";
    case "Count":
      return "todouble(sum(Count))";
  }
}

/**
 * The query of a fleet-wide log search rule on an agent metric: the table's rows of that namespace
 * and metric whose VM resource id starts with `vmIdPrefix` (compared case-insensitively: `startswith`
 * is case-insensitive in KQL, and ids are lower-cased first anyway), summarized per VM into
 * {@link LOG_QUERY_MEASURE_COLUMN}. The rule's window (`windowSize`) bounds the rows it reads; the
 * threshold and operator are the rule's.
 *
 * @example
 * ```ts
 * agentMetricQuery(latency.azure, "/subscriptions/…/resourcegroups/personas-web-prod/providers/microsoft.compute/virtualmachines/");
 * // 'PersonasAgentMetrics_CL\n| where Namespace == "Personas/Agent" and Metric == "NetworkLatency"\n| extend VmResourceId = tolower(VmResourceId)\n| where VmResourceId startswith "/subscriptions/…"\n| where Count > 0\n| summarize AggregatedValue = sum(Sum) / todouble(sum(Count)) by VmResourceId'
 * ```
 */
export function agentMetricQuery(spec: AzureAlertSpec, vmIdPrefix: string): string {
  const id = identifier(AGENT_LOG_TABLE.resourceIdColumn);
  return [
    identifier(AGENT_LOG_TABLE.table),
    `| where Namespace == ${kqlString(spec.metricNamespace)} and Metric == ${kqlString(spec.metricName)}`,
    `| extend ${id} = tolower(${id})`,
    `| where ${id} startswith ${kqlString(vmIdPrefix.toLowerCase())}`,
    // A row without values says nothing about the VM (and would divide by zero in an average).
    "| where Count > 0",
    `| summarize ${LOG_QUERY_MEASURE_COLUMN} = ${aggregate(spec.timeAggregation)} by ${id}`,
  ].join("\n");
}
