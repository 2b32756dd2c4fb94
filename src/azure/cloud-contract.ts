/**
 * Azure's naming rules and tag limits for every resource type the components create, checked on
 * what a program registers. There is no machine-readable model of these rules (AWS has botocore's);
 * each rule below is typed from Azure's documentation and cites it:
 *
 * - NAMING: "Naming rules and restrictions for Azure resources", Azure Resource Manager docs,
 *   https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
 * - TAGS: "Use tags to organize your Azure resources and management hierarchy" (limitations),
 *   https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources
 * - STORAGE: "Naming Queues and Metadata", "Naming and Referencing Containers, Blobs, and Metadata",
 *   "Understanding the Table service data model" (Azure Storage REST API reference)
 * - ACTION_GROUP: "Action groups" (Azure Monitor): the short name is at most 12 characters.
 * - METRIC_ALERT: a metric alert rule's shape ({@link metricAlertViolations}): "Metric Alerts - Create
 *   Or Update" (REST API 2018-03-01, https://learn.microsoft.com/rest/api/monitor/metric-alerts/create-or-update:
 *   `targetResourceType` and `targetResourceRegion` are mandatory when the scope contains a
 *   subscription, a resource group or more than one resource; `MultipleResourceMultipleMetricCriteria`
 *   is the criteria of such a rule); "Monitor multiple resources with one alert rule"
 *   (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-types#monitor-multiple-resources-with-one-alert-rule:
 *   one resource type, one region, platform metrics only, not VM guest or network metrics; the scope a
 *   list of resources, one or more resource groups, or a subscription); "Monitor multiple time series in
 *   a single metric alert rule" (a multi-resource rule has a single condition, other rules up to five);
 *   Azure Monitor service limits, "Alerts" (descriptions of metric alert rules at most 2,048 characters).
 * - LOG_TABLE: "Tables - Create Or Update" (Log Analytics REST API,
 *   https://learn.microsoft.com/rest/api/loganalytics/tables/create-or-update): a table name is 4–63
 *   of `[A-Za-z0-9-_]`, a workspace name 4–63 of `[A-Za-z0-9-]` starting and ending with a letter or
 *   digit, retention 4–730 days; a custom table's name ends in `_CL` and it has a `TimeGenerated`
 *   datetime column ("Logs Ingestion API in Azure Monitor"; "Tutorial: Send data to Azure Monitor Logs
 *   with Logs ingestion API").
 * - DATA_COLLECTION: "Data Collection Rules - Create" (REST API) documents no name pattern (the name is
 *   case-insensitive), so the data collection endpoint and rule are held to the workspace's rule; a
 *   custom stream is named `Custom-<table>` ("Structure of a data collection rule in Azure Monitor").
 * - LOG_SEARCH_RULE: a log search alert rule's shape ({@link logSearchRuleViolations}): "Create a log
 *   alert with a Resource Manager template" (windowSize PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H or
 *   PT24H; evaluationFrequency PT1M, PT5M, PT15M, PT30M or PT1H; severity 0–4); "Create or edit a log
 *   search alert rule" (at most six dimensions; the Resource ID column); Azure Monitor service limits,
 *   "Alerts" (a log search rule's description at most 4,096 characters; all data in its properties,
 *   the query included, at most 64 KB). scheduledQueryRules names: 1–260 characters, no `* < > % { } &
 *   : \ ? / #` or control characters, not ending with a space or period ("Naming rules and
 *   restrictions for Azure resources", Microsoft.Insights).
 */
import { AGENT_LOG_TABLE } from "../plan/agent-log-table.js";
import { AZURE_LOG_SEARCH_LIMITS, AZURE_MULTI_RESOURCE_LIMITS } from "../plan/topology.js";
import { AzureCloudContractError } from "./errors.js";

/** One Azure naming rule: where the name is in the inputs, its length and characters, and the source. */
export interface AzureNamingRule {
  /** The input that holds the name (azure-native's property). */
  input: string;
  min: number;
  max: number;
  /** The whole name must match. */
  pattern: RegExp;
  /** What the pattern says, in Azure's words (for messages). */
  characters: string;
  /** Where Azure documents it. */
  source: "NAMING" | "STORAGE" | "ACTION_GROUP" | "LOG_TABLE" | "DATA_COLLECTION";
  /** Whether the name is global (a DNS name): it must be unique in all of Azure. */
  global?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ALNUM_UNDERSCORE_PERIOD_HYPHEN = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const LOWER_HYPHEN_NO_DOUBLE = /^[a-z0-9](?:-?[a-z0-9])*$/;
// Alert rules: "Can't use: *#&+:<>?@%{}\/ or control characters. Can't end with space or period."
const ALERT_RULE = /^[^*#&+:<>?@%{}\\/\p{Cc}]*[^*#&+:<>?@%{}\\/\p{Cc} .]$/u;
// Log search alert rules: "Can't use: *<>%{}&:\\?/# or control characters. Can't end with space or period."
const LOG_SEARCH_RULE = /^[^*<>%{}&:\\?/#\p{Cc}]*[^*<>%{}&:\\?/#\p{Cc} .]$/u;
// Log Analytics workspaces ("Tables - Create Or Update": ^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$).
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$/;
// Action groups: "Can't use: :<>+/&%\? or control characters. Can't end with space or period."
const ACTION_GROUP = /^[^:<>+/&%\\?|\p{Cc}]*[^:<>+/&%\\?|\p{Cc} .]$/u;

/** Data collection endpoints and rules: no documented rule, so the workspace's (DATA_COLLECTION). */
const DATA_COLLECTION_NAME = {
  min: 4,
  max: 63,
  pattern: WORKSPACE_NAME,
  characters:
    "letters, digits and hyphens, starting and ending with a letter or digit (the workspace's rule)",
  source: "DATA_COLLECTION",
} as const;

/** The rules, by Pulumi type token. */
export const AZURE_NAMING_RULES: Readonly<Record<string, AzureNamingRule>> = {
  "azure-native:resources:ResourceGroup": {
    input: "resourceGroupName",
    min: 1,
    max: 90,
    pattern: /^[-\w.()]*[-\w()]$/,
    characters: "letters, digits, underscores, hyphens, periods and parentheses; can't end with a period",
    source: "NAMING",
  },
  "azure-native:storage:StorageAccount": {
    input: "accountName",
    min: 3,
    max: 24,
    pattern: /^[a-z0-9]+$/,
    characters: "lowercase letters and digits",
    source: "NAMING",
    global: true,
  },
  "azure-native:storage:Table": {
    input: "tableName",
    min: 3,
    max: 63,
    pattern: /^[A-Za-z][A-Za-z0-9]*$/,
    characters: "letters and digits, starting with a letter",
    source: "STORAGE",
  },
  "azure-native:storage:BlobContainer": {
    input: "containerName",
    min: 3,
    max: 63,
    pattern: LOWER_HYPHEN_NO_DOUBLE,
    characters: "lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
    source: "STORAGE",
  },
  "azure-native:storage:Queue": {
    input: "queueName",
    min: 3,
    max: 63,
    pattern: LOWER_HYPHEN_NO_DOUBLE,
    characters: "lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
    source: "STORAGE",
  },
  "azure-native:storage:Blob": {
    input: "blobName",
    min: 1,
    max: 1024,
    pattern: /^[^\\]*[^\\./]$/,
    characters: "any URL characters; no backslash; not ending with a dot or a slash",
    source: "STORAGE",
  },
  "azure-native:web:WebApp": {
    input: "name",
    min: 2,
    max: 60,
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
    characters: "letters, digits and hyphens; can't start or end with a hyphen",
    source: "NAMING",
    global: true,
  },
  "azure-native:web:AppServicePlan": {
    input: "name",
    min: 1,
    max: 60,
    pattern: /^[A-Za-z0-9-]+$/,
    characters: "letters, digits and hyphens",
    source: "NAMING",
  },
  "azure-native:managedidentity:UserAssignedIdentity": {
    input: "resourceName",
    min: 3,
    max: 128,
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
    characters: "letters, digits, hyphens and underscores, starting with a letter or digit",
    source: "NAMING",
  },
  "azure-native:monitor:ActionGroup": {
    input: "actionGroupName",
    min: 1,
    max: 260,
    pattern: ACTION_GROUP,
    characters: "no : < > + / & % \\ ? | or control characters; can't end with a space or period",
    source: "NAMING",
  },
  "azure-native:monitor:MetricAlert": {
    input: "ruleName",
    min: 1,
    max: 260,
    pattern: ALERT_RULE,
    characters: "no * # & + : < > ? @ % { } \\ / or control characters; can't end with a space or period",
    source: "NAMING",
  },
  "azure-native:monitor:ScheduledQueryRule": {
    input: "ruleName",
    min: 1,
    max: 260,
    pattern: LOG_SEARCH_RULE,
    characters: "no * < > % { } & : \\ ? / # or control characters; can't end with a space or period",
    source: "NAMING",
  },
  "azure-native:operationalinsights:Workspace": {
    input: "workspaceName",
    min: 4,
    max: 63,
    pattern: WORKSPACE_NAME,
    characters: "letters, digits and hyphens, starting and ending with a letter or digit",
    source: "LOG_TABLE",
  },
  "azure-native:operationalinsights:Table": {
    input: "tableName",
    min: 4,
    max: 63,
    // A custom table: "[A-Za-z0-9-_]" and the `_CL` suffix.
    pattern: /^[A-Za-z0-9_-]+_CL$/,
    characters: "letters, digits, hyphens and underscores, ending in _CL (a custom table)",
    source: "LOG_TABLE",
  },
  "azure-native:monitor:DataCollectionEndpoint": {
    input: "dataCollectionEndpointName",
    ...DATA_COLLECTION_NAME,
  },
  "azure-native:monitor:DataCollectionRule": {
    input: "dataCollectionRuleName",
    ...DATA_COLLECTION_NAME,
  },
  "azure-native:authorization:RoleDefinition": {
    input: "roleDefinitionId",
    min: 36,
    max: 36,
    pattern: GUID,
    characters: "a GUID",
    source: "NAMING",
  },
  "azure-native:authorization:RoleAssignment": {
    input: "roleAssignmentName",
    min: 36,
    max: 36,
    pattern: GUID,
    characters: "a GUID",
    source: "NAMING",
  },
  "azure-native:network:NetworkInterface": {
    input: "networkInterfaceName",
    min: 1,
    max: 80,
    pattern: ALNUM_UNDERSCORE_PERIOD_HYPHEN,
    characters:
      "letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore",
    source: "NAMING",
  },
  "azure-native:network:NetworkSecurityGroup": {
    input: "networkSecurityGroupName",
    min: 1,
    max: 80,
    pattern: ALNUM_UNDERSCORE_PERIOD_HYPHEN,
    characters:
      "letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore",
    source: "NAMING",
  },
  "azure-native:network:SecurityRule": {
    input: "securityRuleName",
    min: 1,
    max: 80,
    pattern: ALNUM_UNDERSCORE_PERIOD_HYPHEN,
    characters:
      "letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore",
    source: "NAMING",
  },
  "azure-native:eventgrid:EventSubscription": {
    input: "eventSubscriptionName",
    min: 3,
    max: 64,
    pattern: /^[A-Za-z0-9-]+$/,
    characters: "letters, digits and hyphens",
    source: "NAMING",
  },
  "azure-native:compute:VirtualMachine": {
    input: "vmName",
    min: 1,
    max: 64,
    // Linux: no spaces, control characters or ~!@#$%^&*()=+_[]{}\|;:.'",<>/?; not ending with a period or hyphen.
    pattern: /^[A-Za-z0-9-]*[A-Za-z0-9]$/,
    characters: "letters, digits and hyphens (no underscores or periods); can't end with a hyphen",
    source: "NAMING",
  },
};

/** Tags: "Each resource, resource group, and subscription can have a maximum of 50 tag name-value pairs." */
export const AZURE_TAG_LIMITS = {
  maxTags: 50,
  maxNameLength: 512,
  /** Storage accounts allow tag names of at most 128 characters. */
  maxNameLengthStorage: 128,
  maxValueLength: 256,
  /** Tag names can't contain these characters. */
  forbiddenNameCharacters: /[<>%&\\?/]/,
} as const;

/** Action group short names: at most 12 characters ("Action groups", Azure Monitor). */
export const ACTION_GROUP_SHORT_NAME_MAX = 12;

/** What a metric alert rule may be, by Azure's documents (see METRIC_ALERT in the module comment). */
export const METRIC_ALERT_RULES = {
  criteria: {
    single: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
    multiple: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
  },
  /** Conditions of a rule on one resource ("Monitor multiple time series in a single metric alert rule"). */
  maxConditions: 5,
  /** Conditions of a rule on several resources (same page). */
  maxConditionsMultiResource: AZURE_MULTI_RESOURCE_LIMITS.conditionsPerRule,
  /** Description length of a metric alert rule (service limits, "Alerts"). */
  maxDescription: 2048,
  /** Resource types a multi-resource rule may watch ("Monitor multiple resources with one alert rule"). */
  multiResourceTypes: [
    "microsoft.compute/virtualmachines",
    "microsoft.sql/servers/databases",
    "microsoft.sql/servers/elasticpools",
    "microsoft.netapp/netappaccounts/capacitypools",
    "microsoft.netapp/netappaccounts/capacitypools/volumes",
    "microsoft.keyvault/vaults",
    "microsoft.cache/redis",
    "microsoft.recoveryservices/vaults",
    "microsoft.dbforpostgresql/flexibleservers",
    "microsoft.insights/datacollectionrules",
  ],
} as const;

const SUBSCRIPTION_SCOPE = /^\/subscriptions\/[^/]+$/i;
const GROUP_SCOPE = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i;

/**
 * What Azure would refuse in a metric alert rule's shape: the criteria type against its scope (one
 * resource, or several resources, groups or a subscription), the target type and region a wider
 * scope needs, the number of conditions, and what a multi-resource rule can watch.
 */
export function metricAlertViolations(resource: AzureContractResource): AzureContractViolation[] {
  const inputs = resource.inputs;
  const found: AzureContractViolation[] = [];
  const violation = (input: string, value: unknown, problem: string) =>
    found.push({ type: resource.type, resource: resource.name, input, value: String(value), problem });
  const scopes = Array.isArray(inputs.scopes) ? inputs.scopes.map(String) : [];
  const criteria = (inputs.criteria ?? {}) as { odataType?: unknown; allOf?: unknown };
  const conditions = Array.isArray(criteria.allOf)
    ? (criteria.allOf as { metricNamespace?: unknown; metricName?: unknown }[])
    : [];
  const wide =
    scopes.length > 1 || scopes.some((scope) => SUBSCRIPTION_SCOPE.test(scope) || GROUP_SCOPE.test(scope));
  const rules = METRIC_ALERT_RULES;
  if (scopes.length === 0) violation("scopes", "[]", "a metric alert rule needs at least one scope");
  const multi = criteria.odataType === rules.criteria.multiple;
  if (wide && !multi)
    violation(
      "criteria.odataType",
      criteria.odataType,
      `a rule whose scope is a subscription, a resource group or several resources needs ${rules.criteria.multiple}`,
    );
  else if (!multi && criteria.odataType !== rules.criteria.single)
    violation(
      "criteria.odataType",
      criteria.odataType,
      `a rule on one resource uses ${rules.criteria.single}`,
    );
  if (wide || multi)
    for (const input of ["targetResourceType", "targetResourceRegion"] as const)
      if (typeof inputs[input] !== "string" || inputs[input] === "")
        violation(
          input,
          inputs[input] ?? "(none)",
          `is mandatory for ${rules.criteria.multiple} (a scope with a subscription, a resource group or more than one resource)`,
        );
  const maxConditions = multi ? rules.maxConditionsMultiResource : rules.maxConditions;
  if (conditions.length < 1 || conditions.length > maxConditions)
    violation(
      "criteria.allOf",
      `${conditions.length} condition(s)`,
      multi
        ? "a rule that monitors several resources has a single condition"
        : `a metric alert rule has 1 to ${rules.maxConditions} conditions`,
    );
  if (multi) {
    const type = String(inputs.targetResourceType ?? "").toLowerCase();
    if (type !== "" && !(rules.multiResourceTypes as readonly string[]).includes(type))
      violation(
        "targetResourceType",
        inputs.targetResourceType,
        "Azure Monitor does not support multi-resource rules on this resource type",
      );
    for (const condition of conditions) {
      const namespace = String(condition.metricNamespace ?? "").toLowerCase();
      if (type !== "" && namespace !== type)
        violation(
          "criteria.allOf.metricNamespace",
          condition.metricNamespace,
          "a multi-resource rule watches platform metrics of its target resource type only (no guest or custom metrics)",
        );
      if (
        (AZURE_MULTI_RESOURCE_LIMITS.unsupportedMetrics as readonly string[]).includes(
          String(condition.metricName),
        )
      )
        violation(
          "criteria.allOf.metricName",
          condition.metricName,
          "Azure Monitor does not support multi-resource rules on VM network metrics",
        );
    }
  }
  if (typeof inputs.description === "string" && inputs.description.length > rules.maxDescription)
    violation(
      "description",
      `${inputs.description.length} characters`,
      `Azure allows ${rules.maxDescription} characters in a metric alert rule's description`,
    );
  return found;
}

/** What a log search alert rule may be, by Azure's documents (see LOG_SEARCH_RULE in the module comment). */
export const LOG_SEARCH_RULES = {
  windowSizes: AZURE_LOG_SEARCH_LIMITS.windowSizes,
  evaluationFrequencies: AZURE_LOG_SEARCH_LIMITS.evaluationFrequencies,
  severities: AZURE_LOG_SEARCH_LIMITS.severities,
  maxDescription: AZURE_LOG_SEARCH_LIMITS.descriptionLength,
  maxDimensions: AZURE_LOG_SEARCH_LIMITS.dimensionsPerRule,
  maxPropertiesBytes: AZURE_LOG_SEARCH_LIMITS.propertiesBytes,
  timeAggregations: ["Average", "Minimum", "Maximum", "Total", "Count"],
} as const;

/**
 * What Azure would refuse in a log search alert rule (kind LogAlert): its window and frequency
 * values, severity, description, one scope, a query and measure column, at most six dimensions, and
 * the size of its properties (the query's bound).
 */
export function logSearchRuleViolations(resource: AzureContractResource): AzureContractViolation[] {
  const inputs = resource.inputs;
  const found: AzureContractViolation[] = [];
  const violation = (input: string, value: unknown, problem: string) =>
    found.push({ type: resource.type, resource: resource.name, input, value: String(value), problem });
  const rules = LOG_SEARCH_RULES;
  if (inputs.kind !== "LogAlert")
    violation("kind", inputs.kind ?? "(none)", "the fleet's log search rules are kind LogAlert");
  if (!(rules.windowSizes as readonly unknown[]).includes(inputs.windowSize))
    violation(
      "windowSize",
      inputs.windowSize ?? "(none)",
      `a log search rule's window is one of ${rules.windowSizes.join(", ")}`,
    );
  if (!(rules.evaluationFrequencies as readonly unknown[]).includes(inputs.evaluationFrequency))
    violation(
      "evaluationFrequency",
      inputs.evaluationFrequency ?? "(none)",
      `a log search rule's frequency is one of ${rules.evaluationFrequencies.join(", ")}`,
    );
  if (!(rules.severities as readonly unknown[]).includes(inputs.severity))
    violation("severity", inputs.severity ?? "(none)", "severity is an integer from 0 to 4");
  if (typeof inputs.description === "string" && inputs.description.length > rules.maxDescription)
    violation(
      "description",
      `${inputs.description.length} characters`,
      `Azure allows ${rules.maxDescription} characters in a log search rule's description`,
    );
  const scopes = Array.isArray(inputs.scopes) ? inputs.scopes : [];
  if (scopes.length !== 1)
    violation(
      "scopes",
      `${scopes.length} scope(s)`,
      "the fleet's log search rule reads one Log Analytics workspace",
    );
  const conditions = Array.isArray((inputs.criteria as { allOf?: unknown } | undefined)?.allOf)
    ? (inputs.criteria as { allOf: Record<string, unknown>[] }).allOf
    : [];
  if (conditions.length !== 1)
    violation("criteria.allOf", `${conditions.length} condition(s)`, "a log search rule has one condition");
  for (const condition of conditions) {
    if (typeof condition.query !== "string" || condition.query === "")
      violation("criteria.allOf.query", condition.query ?? "(none)", "a log search rule needs its query");
    if (typeof condition.metricMeasureColumn !== "string" || condition.metricMeasureColumn === "")
      violation(
        "criteria.allOf.metricMeasureColumn",
        condition.metricMeasureColumn ?? "(none)",
        "a rule measuring a numeric column names it",
      );
    if (!(rules.timeAggregations as readonly unknown[]).includes(condition.timeAggregation))
      violation(
        "criteria.allOf.timeAggregation",
        condition.timeAggregation ?? "(none)",
        `the aggregation is one of ${rules.timeAggregations.join(", ")}`,
      );
    if (condition.resourceIdColumn !== AGENT_LOG_TABLE.resourceIdColumn)
      violation(
        "criteria.allOf.resourceIdColumn",
        condition.resourceIdColumn ?? "(none)",
        `without the Resource ID column ${AGENT_LOG_TABLE.resourceIdColumn} the rule alerts on the workspace, not per VM`,
      );
    const dimensions = Array.isArray(condition.dimensions) ? condition.dimensions.length : 0;
    if (dimensions > rules.maxDimensions)
      violation(
        "criteria.allOf.dimensions",
        `${dimensions} dimension(s)`,
        `a log search rule splits by at most ${rules.maxDimensions} dimensions`,
      );
  }
  const {
    tags: _tags,
    resourceGroupName: _group,
    ruleName: _name,
    location: _location,
    ...properties
  } = inputs;
  const bytes = Buffer.byteLength(JSON.stringify(properties), "utf8");
  if (bytes > rules.maxPropertiesBytes)
    violation(
      "criteria.allOf.query",
      `${bytes} bytes of properties`,
      `all data in a log search rule's properties is at most ${rules.maxPropertiesBytes} bytes`,
    );
  return found;
}

/**
 * What Azure would refuse in the agent's custom table and its data collection rule: the table's
 * `TimeGenerated` datetime column and retention, and a data collection rule whose custom streams are
 * `Custom-<table>` flowing into a declared destination.
 */
export function agentLogPipelineViolations(resource: AzureContractResource): AzureContractViolation[] {
  const inputs = resource.inputs;
  const found: AzureContractViolation[] = [];
  const violation = (input: string, value: unknown, problem: string) =>
    found.push({ type: resource.type, resource: resource.name, input, value: String(value), problem });
  if (resource.type === "azure-native:operationalinsights:Table") {
    const columns =
      (inputs.schema as { columns?: { name?: unknown; type?: unknown }[] } | undefined)?.columns ?? [];
    if (!columns.some((c) => c.name === "TimeGenerated" && c.type === "dateTime"))
      violation(
        "schema.columns",
        columns.map((c) => c.name).join(", "),
        "a custom table needs a TimeGenerated dateTime column",
      );
    const retention = inputs.retentionInDays;
    if (retention !== undefined && (typeof retention !== "number" || retention < 4 || retention > 730))
      violation("retentionInDays", retention, "a table keeps its rows 4 to 730 days");
  }
  if (resource.type === "azure-native:monitor:DataCollectionRule") {
    const streams = Object.keys((inputs.streamDeclarations as Record<string, unknown> | undefined) ?? {});
    for (const stream of streams)
      if (!/^Custom-[A-Za-z0-9_-]+_CL$/.test(stream))
        violation(
          "streamDeclarations",
          stream,
          "a custom stream is named Custom-<table>, the table ending in _CL",
        );
    const declared = new Set(
      ((inputs.destinations as { logAnalytics?: { name?: string }[] } | undefined)?.logAnalytics ?? []).map(
        (d) => d.name,
      ),
    );
    for (const flow of (inputs.dataFlows as { streams?: string[]; destinations?: string[] }[] | undefined) ??
      []) {
      for (const stream of flow.streams ?? [])
        if (!streams.includes(stream))
          violation("dataFlows.streams", stream, "a data flow reads a declared stream");
      for (const destination of flow.destinations ?? [])
        if (!declared.has(destination))
          violation("dataFlows.destinations", destination, "a data flow writes to a declared destination");
    }
  }
  return found;
}

/** A registered resource as the check sees it (what the mock engine or a policy sees). */
export interface AzureContractResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** One input Azure would refuse. */
export interface AzureContractViolation {
  type: string;
  /** The Pulumi resource name. */
  resource: string;
  input: string;
  value: string;
  problem: string;
}

/** Types the components create that carry no tags in Azure (sub-resources). */
const UNTAGGED = new Set([
  "azure-native:storage:Table",
  "azure-native:storage:BlobContainer",
  "azure-native:storage:Queue",
  "azure-native:storage:Blob",
  "azure-native:authorization:RoleDefinition",
  "azure-native:authorization:RoleAssignment",
  "azure-native:network:SecurityRule",
  "azure-native:eventgrid:EventSubscription",
  "azure-native:operationalinsights:Table",
]);

function checkName(resource: AzureContractResource, rule: AzureNamingRule): AzureContractViolation[] {
  const value = resource.inputs[rule.input];
  if (typeof value !== "string") return [];
  const problem =
    value.length < rule.min || value.length > rule.max
      ? `is ${value.length} characters; Azure allows ${rule.min}–${rule.max}`
      : rule.pattern.test(value)
        ? undefined
        : `has characters Azure refuses: ${rule.characters}`;
  return problem === undefined
    ? []
    : [{ type: resource.type, resource: resource.name, input: rule.input, value, problem }];
}

function checkTags(resource: AzureContractResource): AzureContractViolation[] {
  const tags = resource.inputs.tags;
  if (tags === undefined || tags === null || typeof tags !== "object") return [];
  const violation = (input: string, value: string, problem: string): AzureContractViolation => ({
    type: resource.type,
    resource: resource.name,
    input,
    value,
    problem,
  });
  const entries = Object.entries(tags as Record<string, unknown>);
  const found: AzureContractViolation[] = [];
  if (entries.length > AZURE_TAG_LIMITS.maxTags)
    found.push(
      violation(
        "tags",
        `${entries.length} tags`,
        `Azure allows ${AZURE_TAG_LIMITS.maxTags} tags per resource`,
      ),
    );
  const nameLimit =
    resource.type === "azure-native:storage:StorageAccount"
      ? AZURE_TAG_LIMITS.maxNameLengthStorage
      : AZURE_TAG_LIMITS.maxNameLength;
  for (const [key, value] of entries) {
    if (key.length > nameLimit)
      found.push(
        violation(`tags.${key}`, key, `tag name is ${key.length} characters; Azure allows ${nameLimit}`),
      );
    if (AZURE_TAG_LIMITS.forbiddenNameCharacters.test(key))
      found.push(violation(`tags.${key}`, key, "tag names can't contain < > % & \\ ? /"));
    if (typeof value === "string" && value.length > AZURE_TAG_LIMITS.maxValueLength)
      found.push(
        violation(
          `tags.${key}`,
          value,
          `tag value is ${value.length} characters; Azure allows ${AZURE_TAG_LIMITS.maxValueLength}`,
        ),
      );
  }
  return found;
}

/**
 * Every input of `resources` that Azure's naming rules or tag limits would refuse, plus a resource of
 * a type the rules do not cover (so a new resource type cannot slip past the check), and an untagged
 * resource of a type that takes tags (azure-native has no default tags: the components tag each one).
 */
export function azureContractViolations(
  resources: readonly AzureContractResource[],
): AzureContractViolation[] {
  const found: AzureContractViolation[] = [];
  for (const resource of resources) {
    if (!resource.type.startsWith("azure-native:")) continue;
    const rule = AZURE_NAMING_RULES[resource.type];
    if (rule === undefined) {
      found.push({
        type: resource.type,
        resource: resource.name,
        input: "(type)",
        value: resource.type,
        problem: "no naming rule is recorded for this type in AZURE_NAMING_RULES",
      });
      continue;
    }
    found.push(...checkName(resource, rule), ...checkTags(resource));
    if (resource.type === "azure-native:monitor:MetricAlert") found.push(...metricAlertViolations(resource));
    if (resource.type === "azure-native:monitor:ScheduledQueryRule")
      found.push(...logSearchRuleViolations(resource));
    found.push(...agentLogPipelineViolations(resource));
    if (!UNTAGGED.has(resource.type) && resource.inputs.tags === undefined)
      found.push({
        type: resource.type,
        resource: resource.name,
        input: "tags",
        value: "(none)",
        problem:
          "the resource carries no tags; every resource the components create carries the persona and fleet tags",
      });
    const shortName = resource.inputs.groupShortName;
    if (typeof shortName === "string" && shortName.length > ACTION_GROUP_SHORT_NAME_MAX)
      found.push({
        type: resource.type,
        resource: resource.name,
        input: "groupShortName",
        value: shortName,
        problem: `is ${shortName.length} characters; Azure allows ${ACTION_GROUP_SHORT_NAME_MAX}`,
      });
  }
  return found;
}

/**
 * Throws when any registered resource breaks Azure's rules.
 * @throws {AzureCloudContractError} listing each violation.
 */
export function assertAzureCloudContract(resources: readonly AzureContractResource[]): void {
  const violations = azureContractViolations(resources);
  if (violations.length === 0) return;
  const lines = violations.map((v) => `- ${v.type} '${v.resource}' ${v.input} '${v.value}' ${v.problem}`);
  throw new AzureCloudContractError(
    `${violations.length} planned input(s) break Azure's naming rules or limits:\n${lines.join("\n")}`,
    violations,
  );
}
