/**
 * Fleet-wide alerts on the personas agent's metrics (src/plan/topology.ts, "log-search" rules): the
 * agent writes its metrics as rows of the Log Analytics table `PersonasAgentMetrics_CL`
 * (src/plan/agent-log-table.ts) through the Logs Ingestion API, and one log search alert rule per
 * persona × agent alarm reads them, split per VM. Rendered once per fleet, whatever its size:
 *
 * - a Log Analytics workspace in the fleet's group (or the user's, `logAnalyticsWorkspaceId`) and the
 *   custom table with the contract's columns ("Add or delete tables and columns in Azure Monitor
 *   Logs": a custom table's name ends in `_CL`; `TimeGenerated` is required);
 * - a data collection endpoint and a data collection rule whose input stream is the contract's, flowing
 *   unchanged (`transformKql: "source"`) into the table ("Logs Ingestion API in Azure Monitor",
 *   "Tutorial: Send data to Azure Monitor Logs with Logs ingestion API (Resource Manager templates)").
 *   The endpoint, not the rule's own: the provider's data collection rule resource speaks API
 *   2022-06-01, whose response has no `endpoints.logsIngestion`, which `kind: "Direct"` rules gained
 *   in 2023-03-11; a data collection endpoint's `logsIngestion.endpoint` is the documented URL either way;
 * - Monitoring Metrics Publisher for the VMs' identity on that data collection rule only (what the
 *   Logs Ingestion API requires of the caller: "Assign permissions to the DCR");
 * - an identity for the rules' queries with Reader on the workspace only ("Create or edit a log search
 *   alert rule", Identity: the identity needs Reader on the workspaces the query reads; without one a
 *   rule runs with the last editor's permissions);
 * - one `Microsoft.Insights/scheduledQueryRules` rule (kind LogAlert) per persona × alarm, scoped to the
 *   workspace, its query from the plan's {@link agentMetricQuery} with the fleet's VM id prefix, the
 *   Resource ID column `VmResourceId` (so each VM fires and resolves on its own: autoMitigate), and
 *   the action groups and webhook properties a fleet-wide metric rule carries (owner `fleet`).
 *
 * The data collection rule's endpoint, immutable id and stream reach the agent through the custom data
 * (AGENT_LOG_INGESTION_ENV). None of this has run against real Azure: the shapes follow the documents
 * above and src/azure/cloud-contract.ts checks them.
 */
import type * as managedidentityTypes from "@pulumi/azure-native/managedidentity/index.js";
import * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import type * as monitorTypes from "@pulumi/azure-native/monitor/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights/index.js";
import * as pulumi from "@pulumi/pulumi";
import { AGENT_LOG_TABLE, type AgentLogColumn } from "../plan/agent-log-table.js";
import { agentMetricQuery, LOG_QUERY_MEASURE_COLUMN } from "../plan/log-query.js";
import { alarmDescription } from "../plan/manifest.js";
import { fleetAlarmKey, fleetAlarmName, type NameScope } from "../plan/names.js";
import type { AlarmPlan, FleetPlan, PersonaPlan } from "../plan/plan.js";
import type { ResponderKind } from "../plan/responders.js";
import { ALARM_OWNER_TAG } from "../plan/tags.js";
import { topologyOf } from "../plan/topology.js";
import { FLEET_TAG_KEY } from "../runtime/azure/contract.js";
import type { AgentLogIngestion } from "./custom-data.js";
import { AzureInvalidArgumentsError, type ComponentErrorContext } from "./errors.js";
import { webhookPropertiesOf } from "./fleet.js";
import { AGENT_LOG_RESOURCE_NAME } from "./names.js";
import { type AzureFleetResources, assignRole, BUILT_IN_ROLES, builtInRole } from "./render.js";

/** Reader ("Azure built-in roles", General): what a log search rule's identity needs on the workspace. */
export const READER_ROLE = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

/** Log Analytics retention of the agent's rows, days (the workspace default; 30 are included in ingestion). */
export const AGENT_LOG_RETENTION_DAYS = 30;

/** A workspace resource id: the one shape `logAnalyticsWorkspaceId` may have. */
const WORKSPACE_ID =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.OperationalInsights\/workspaces\/([A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9])$/i;

/** The table API's column types for the contract's types (it spells `dateTime`). */
const TABLE_TYPES: Record<AgentLogColumn["type"], string> = {
  string: "string",
  datetime: "dateTime",
  real: "real",
  long: "long",
  dynamic: "dynamic",
};

/**
 * The VM id prefix of a resource group, as a log search rule's query compares it (lower case); the
 * worker recomputes it from its own subscription and group to check a rule's query.
 */
export function vmIdPrefixOf(subscriptionId: string, resourceGroupName: string): string {
  return `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroupName}/providers/microsoft.compute/virtualmachines/`.toLowerCase();
}

/** Where a fleet's log search rules live and what they call. */
export interface LogSearchRulePlace {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** The workspace the rules query: their one scope. */
  workspaceId: pulumi.Input<string>;
  /** The identity that runs the rules' queries. */
  identityId: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  /** Action group ids by the responder kind they call. */
  actionGroupIds: Partial<Record<ResponderKind, pulumi.Input<string>>>;
  tags: Record<string, string>;
}

/**
 * The inputs of the log search alert rule of one persona × agent alarm: named like a fleet-wide metric
 * rule (`fleetAlarmName`), kind LogAlert, scoped to the workspace, its query the plan's with the
 * fleet's VM prefix, measuring {@link LOG_QUERY_MEASURE_COLUMN} (one row per VM, so the rule's
 * `Maximum` is that value) split by the Resource ID column, one failing period of the window, and
 * autoMitigate so a VM's alert resolves when its value is back.
 *
 * @example
 * ```ts
 * logSearchRuleArgs({ fleet: "web", stack: "prod" }, persona, latencyAlarm, place).ruleName;
 * // "personas-web_prod_fleet-0123456789abcdef-network-latency-above"
 * ```
 */
export function logSearchRuleArgs(
  scope: NameScope,
  persona: PersonaPlan,
  alarm: AlarmPlan,
  place: LogSearchRulePlace,
): monitorTypes.ScheduledQueryRuleArgs {
  const spec = alarm.azure;
  const digest = persona.persona.digest;
  const properties = webhookPropertiesOf(scope, persona, alarm, fleetAlarmKey(digest), "fleet");
  return {
    resourceGroupName: place.resourceGroupName,
    location: place.location,
    ruleName: fleetAlarmName(scope, digest, alarm.id),
    kind: "LogAlert",
    description: alarmDescription(persona, alarm),
    severity: 3,
    enabled: true,
    scopes: [place.workspaceId],
    evaluationFrequency: spec.evaluationFrequency,
    windowSize: spec.windowSize,
    criteria: {
      allOf: [
        {
          query: pulumi
            .all([place.subscriptionId, place.resourceGroupName])
            .apply(([subscriptionId, group]) => agentMetricQuery(spec, vmIdPrefixOf(subscriptionId, group))),
          metricMeasureColumn: LOG_QUERY_MEASURE_COLUMN,
          resourceIdColumn: AGENT_LOG_TABLE.resourceIdColumn,
          timeAggregation: "Maximum",
          operator: spec.operator,
          threshold: spec.threshold,
          dimensions: [],
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
        },
      ],
    },
    autoMitigate: true,
    identity: { type: "UserAssigned", userAssignedIdentities: [place.identityId] },
    actions: {
      actionGroups: [...new Set(alarm.onAlarm.responders)].map((kind) => place.actionGroupIds[kind]!),
      customProperties: properties,
    },
    tags: { ...place.tags, [FLEET_TAG_KEY]: scope.fleet, [ALARM_OWNER_TAG]: "fleet" },
  };
}

/** The alarms the plan makes fleet-wide log search rules on Azure, with their persona. */
export function logSearchAlarmsOf(plan: FleetPlan): { persona: PersonaPlan; alarm: AlarmPlan }[] {
  return plan.personas.flatMap((persona) =>
    persona.alarms
      .filter((alarm) => {
        const azure = topologyOf(plan.alarmTopology, persona.persona.digest, alarm.id)?.azure;
        return azure?.kind === "fleet-wide" && azure.rule === "log-search";
      })
      .map((alarm) => ({ persona, alarm })),
  );
}

/** What {@link renderAgentLogAlerts} created. */
export interface AgentLogAlertResources {
  /** The workspace the rules query (created, or the user's). */
  workspaceId: pulumi.Output<string>;
  workspace?: operationalinsights.Workspace;
  table: operationalinsights.Table;
  endpoint: monitor.DataCollectionEndpoint;
  dataCollectionRule: monitor.DataCollectionRule;
  queryIdentity: managedidentityTypes.UserAssignedIdentity;
  rules: monitor.ScheduledQueryRule[];
  /** The agent's Logs Ingestion settings; resolves once its role on the data collection rule exists. */
  ingestion: pulumi.Output<AgentLogIngestion>;
}

/**
 * Checks a user-supplied workspace id's shape (when known at plan time) and returns its group and name.
 * @throws AzureInvalidArgumentsError when it is not a Log Analytics workspace's resource id.
 */
function workspaceParts(
  context: ComponentErrorContext,
  id: pulumi.Input<string>,
): pulumi.Output<{ resourceGroupName: string; workspaceName: string }> {
  const parse = (value: string) => {
    const match = WORKSPACE_ID.exec(value);
    if (match === null)
      throw new AzureInvalidArgumentsError(
        context,
        `logAnalyticsWorkspaceId '${value.slice(0, 300)}' is not a Log Analytics workspace's resource id`,
        "pass /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>, or leave it out to create one in the fleet's group",
      );
    return { resourceGroupName: match[2]!, workspaceName: match[3]! };
  };
  if (typeof id === "string") parse(id);
  return pulumi.output(id).apply(parse);
}

/**
 * Renders the agent's Logs Ingestion pipeline and one log search alert rule per persona × agent alarm
 * the plan makes fleet-wide; undefined when the plan has none (nothing is created).
 * @internal
 */
export function renderAgentLogAlerts(
  parent: pulumi.Resource,
  name: string,
  context: ComponentErrorContext,
  fleet: AzureFleetResources,
  plan: FleetPlan,
  location: pulumi.Input<string>,
  logAnalyticsWorkspaceId?: pulumi.Input<string>,
): AgentLogAlertResources | undefined {
  const alarms = logSearchAlarmsOf(plan);
  if (alarms.length === 0) return undefined;
  const opts = { parent };
  const tags = fleet.tags;
  const group = { resourceGroupName: fleet.resourceGroup.name, location };
  let workspace: operationalinsights.Workspace | undefined;
  let workspaceId: pulumi.Output<string>;
  let tableHome: pulumi.Input<{ resourceGroupName: string; workspaceName: string }>;
  if (logAnalyticsWorkspaceId === undefined) {
    workspace = new operationalinsights.Workspace(
      `${name}-agent-logs`,
      {
        ...group,
        workspaceName: AGENT_LOG_RESOURCE_NAME,
        sku: { name: "PerGB2018" },
        retentionInDays: AGENT_LOG_RETENTION_DAYS,
        tags,
      },
      opts,
    );
    workspaceId = workspace.id;
    tableHome = pulumi
      .all([fleet.resourceGroup.name, workspace.name])
      .apply(([resourceGroupName, workspaceName]) => ({ resourceGroupName, workspaceName }));
  } else {
    workspaceId = pulumi.output(logAnalyticsWorkspaceId);
    tableHome = workspaceParts(context, logAnalyticsWorkspaceId);
  }
  const home = pulumi.output(tableHome);
  const table = new operationalinsights.Table(
    `${name}-agent-table`,
    {
      resourceGroupName: home.resourceGroupName,
      workspaceName: home.workspaceName,
      tableName: AGENT_LOG_TABLE.table,
      retentionInDays: AGENT_LOG_RETENTION_DAYS,
      schema: {
        name: AGENT_LOG_TABLE.table,
        description: "pulumi-personas agent metrics: one row per metric, minute and dimension set of one VM",
        columns: AGENT_LOG_TABLE.columns.map((c) => ({
          name: c.name,
          type: TABLE_TYPES[c.type],
          description: c.description,
        })),
      },
    },
    // A table in the user's workspace outlives the stack: its rows are theirs.
    { parent, ...(workspace === undefined ? { retainOnDelete: true } : {}) },
  );
  const endpoint = new monitor.DataCollectionEndpoint(
    `${name}-agent-endpoint`,
    {
      ...group,
      dataCollectionEndpointName: AGENT_LOG_RESOURCE_NAME,
      description: "pulumi-personas agent metrics: the Logs Ingestion API endpoint the VMs post to",
      networkAcls: { publicNetworkAccess: "Enabled" },
      tags,
    },
    opts,
  );
  const destination = "fleet-workspace";
  const dataCollectionRule = new monitor.DataCollectionRule(
    `${name}-agent-dcr`,
    {
      ...group,
      dataCollectionRuleName: AGENT_LOG_RESOURCE_NAME,
      description: `pulumi-personas agent metrics: ${AGENT_LOG_TABLE.stream} into ${AGENT_LOG_TABLE.table}`,
      dataCollectionEndpointId: endpoint.id,
      streamDeclarations: {
        [AGENT_LOG_TABLE.stream]: {
          columns: AGENT_LOG_TABLE.columns.map((c) => ({ name: c.name, type: c.type })),
        },
      },
      destinations: { logAnalytics: [{ name: destination, workspaceResourceId: workspaceId }] },
      dataFlows: [
        {
          streams: [AGENT_LOG_TABLE.stream],
          destinations: [destination],
          transformKql: "source",
          outputStream: AGENT_LOG_TABLE.stream,
        },
      ],
      tags,
    },
    { parent, dependsOn: [table] },
  );
  // The agent may write rows through this rule and nothing else of Azure Monitor's logs.
  const writer = assignRole(
    parent,
    `${name}-vm-agent-rows`,
    dataCollectionRule.id,
    builtInRole(fleet.subscriptionId, BUILT_IN_ROLES.monitoringMetricsPublisher),
    fleet.vmIdentity.principalId,
    "personas agent: write its metric rows through the fleet's data collection rule (Logs Ingestion API)",
  );
  const queryIdentity = new managedidentity.UserAssignedIdentity(
    `${name}-log-alerts-identity`,
    { ...group, resourceName: "log-alerts", tags },
    opts,
  );
  const reader = assignRole(
    parent,
    `${name}-log-alerts-reader`,
    workspaceId,
    builtInRole(fleet.subscriptionId, READER_ROLE),
    queryIdentity.principalId,
    "personas log search alert rules: read the agent's rows in the workspace",
  );
  const place: LogSearchRulePlace = {
    ...group,
    workspaceId,
    identityId: queryIdentity.id,
    subscriptionId: fleet.subscriptionId,
    actionGroupIds: Object.fromEntries(
      Object.entries(fleet.actionGroups).map(([kind, actionGroup]) => [kind, actionGroup.id]),
    ),
    tags,
  };
  const rules = alarms.map(
    ({ persona, alarm }) =>
      new monitor.ScheduledQueryRule(
        `${name}-${fleetAlarmKey(persona.persona.digest)}-${alarm.id}`,
        logSearchRuleArgs(fleet.scope, persona, alarm, place),
        // The query names the table: it must exist; the identity must be able to read it.
        { parent, dependsOn: [table, reader] },
      ),
  );
  const ingestion = pulumi
    .all([endpoint.logsIngestion, dataCollectionRule.immutableId, writer.id])
    .apply(([logs, ruleId]) => {
      if (logs?.endpoint === undefined)
        throw new AzureInvalidArgumentsError(
          context,
          `data collection endpoint ${AGENT_LOG_RESOURCE_NAME} answered no logs ingestion URL, which the agent posts its rows to`,
          "check the endpoint in the Azure portal (Monitor > Data Collection Endpoints) and run `pulumi up` again",
        );
      return { endpoint: logs.endpoint, ruleId, stream: AGENT_LOG_TABLE.stream };
    });
  return {
    workspaceId,
    ...(workspace ? { workspace } : {}),
    table,
    endpoint,
    dataCollectionRule,
    queryIdentity,
    rules,
    ingestion,
  };
}
