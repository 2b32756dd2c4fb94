/**
 * The Log Analytics table the personas agent writes its metrics to on Azure, the contract between
 * the agent (which sends rows through the Logs Ingestion API), the Azure components (which declare
 * the table and the data collection rule's stream) and the fleet-wide log search alert rules (whose
 * queries read it).
 *
 * Why a table and not only custom metrics: an Azure Monitor metric alert rule watches many VMs only
 * for platform metrics, not custom ones ("Types of Azure Monitor alerts", Microsoft Learn), so a
 * fleet-wide rule on an agent metric is a log search alert over this table, split per VM by
 * {@link AGENT_LOG_TABLE.resourceIdColumn} ("Create or edit a log search alert rule": "Resource ID
 * column").
 *
 * Custom table names end in `_CL` and the stream of a data collection rule that feeds one is named
 * `Custom-<table>` ("Logs Ingestion API in Azure Monitor", "Tutorial: Send data to Azure Monitor
 * Logs with Logs ingestion API", Microsoft Learn); every custom table needs a `TimeGenerated`
 * datetime column.
 */

/** A column of a Log Analytics custom table, in the types a data collection rule's stream declares. */
export interface AgentLogColumn {
  readonly name: string;
  readonly type: "string" | "datetime" | "real" | "long" | "dynamic";
  /** What the agent writes there. */
  readonly description: string;
}

/** The agent's metrics table: one row per metric, minute and dimension set of one VM. */
export const AGENT_LOG_TABLE = {
  /** The custom table in the fleet's Log Analytics workspace. */
  table: "PersonasAgentMetrics_CL",
  /** The data collection rule's input stream the agent posts to (`Custom-` + the table). */
  stream: "Custom-PersonasAgentMetrics_CL",
  /** The column a log search alert splits by, so each VM fires and resolves on its own. */
  resourceIdColumn: "VmResourceId",
  columns: [
    { name: "TimeGenerated", type: "datetime", description: "Start of the minute the row summarizes (UTC)." },
    {
      name: "VmResourceId",
      type: "string",
      description: "The VM's Azure resource id, from the instance metadata service (compute.resourceId).",
    },
    {
      name: "Namespace",
      type: "string",
      description: "The metric's namespace, as for Azure custom metrics.",
    },
    { name: "Metric", type: "string", description: "The metric's name, as for Azure custom metrics." },
    { name: "Dimensions", type: "dynamic", description: "Dimension name → value of this series." },
    { name: "Minimum", type: "real", description: "Smallest value of the minute." },
    { name: "Maximum", type: "real", description: "Largest value of the minute." },
    { name: "Sum", type: "real", description: "Sum of the minute's values." },
    { name: "Count", type: "long", description: "Number of values in the minute." },
  ],
} as const satisfies {
  table: string;
  stream: string;
  resourceIdColumn: string;
  columns: readonly AgentLogColumn[];
};

/** One row as the agent sends it (the JSON body of a Logs Ingestion API call is an array of these). */
export interface AgentLogRow {
  /** ISO 8601 timestamp, UTC. */
  readonly TimeGenerated: string;
  readonly VmResourceId: string;
  readonly Namespace: string;
  readonly Metric: string;
  readonly Dimensions: Readonly<Record<string, string>>;
  readonly Minimum: number;
  readonly Maximum: number;
  readonly Sum: number;
  readonly Count: number;
}

/**
 * Where an Azure VM's agent sends its rows: environment variables of the agent's systemd unit, set by
 * the custom data the Azure components render (src/azure/custom-data.ts), next to
 * `PERSONAS_AGENT_CLOUD=azure` and `PERSONAS_AGENT_CLIENT_ID` (the identity whose token it sends; the
 * components grant it Monitoring Metrics Publisher on the data collection rule only). Absent when the
 * fleet has no fleet-wide log search rule: the agent then writes no rows.
 *
 * The agent posts a JSON array of {@link AgentLogRow} to
 * `${endpoint}/dataCollectionRules/${ruleId}/streams/${stream}?api-version=2023-01-01` with a bearer
 * token for the audience `https://monitor.azure.com` ("Logs Ingestion API in Azure Monitor", "Send
 * data to Azure Monitor Logs with Logs ingestion API", Microsoft Learn).
 */
export const AGENT_LOG_INGESTION_ENV = {
  /** The data collection endpoint's logs ingestion URL, e.g. `https://personas-web-a1b2.westeurope-1.ingest.monitor.azure.com`. */
  endpoint: "PERSONAS_AGENT_LOGS_ENDPOINT",
  /** The data collection rule's immutable id, e.g. `dcr-00000000000000000000000000000000`. */
  ruleId: "PERSONAS_AGENT_LOGS_RULE_ID",
  /** The rule's input stream: always {@link AGENT_LOG_TABLE}.stream. */
  stream: "PERSONAS_AGENT_LOGS_STREAM",
} as const;
