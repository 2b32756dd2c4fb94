/**
 * Alarm topology: whether a persona's alarm is one rule for the whole fleet (a CloudWatch Metrics
 * Insights "multi time series" alarm; an Azure Monitor metric alert over many VMs) or one alarm per
 * instance, with the reason, decided once here so AWS, Azure, the simulator and `personas plan`
 * follow the same choice.
 *
 * The documented limits this decision follows (each a constant below, with its source):
 * - Amazon CloudWatch User Guide, "Metrics Insights quotas"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html):
 *   a query returns at most 500 time series and processes at most 10,000 metrics; with ORDER BY the
 *   500 highest (or lowest) are returned; no high-resolution data (sub-minute datapoints are
 *   aggregated per minute); 200 Metrics Insights alarms per Region.
 * - Amazon CloudWatch User Guide, alarms "Limits"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html): only the
 *   latest 3 hours of data are used to evaluate a Metrics Insights alarm; at most 100 contributors are
 *   in ALARM at once; EvaluationState PARTIAL_DATA when a query returns more than 500 series or
 *   matches more than 10,000 metrics; a default of 200 such alarms per account and Region.
 * - Amazon CloudWatch User Guide, "Acting on alarm changes"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Acting_Alarm_Changes.html):
 *   Lambda actions run at the alarm level and at the contributor level; a contributor is only ALARM
 *   or OK, never INSUFFICIENT_DATA, because a time series exists only when data is present.
 * - Azure Monitor, "Types of Azure Monitor alerts", "Monitor multiple resources with one alert rule"
 *   (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-types#monitor-multiple-resources-with-one-alert-rule):
 *   one metric alert rule may watch many resources of one type in one Azure region (virtual machines
 *   among them, for their platform metrics), with a notification per resource; not for VM guest
 *   metrics, and not for the VM network metrics (Network In Total, Network Out Total, Inbound/Outbound
 *   Flows and their maximum creation rates); the scope is a list of VMs in one region, all VMs of one
 *   region in one or more resource groups, or all VMs of one region in a subscription.
 * - Azure Monitor, "Monitor multiple time series in a single metric alert rule"
 *   (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-multiple-time-series-single-rule):
 *   the condition is evaluated, and alerts fire and resolve, separately per resource; a rule that
 *   monitors several resources has a single condition; a rule monitors at most 5,000 time series by
 *   default (a support ticket lifts it).
 * - Azure Monitor service limits, "Alerts" (https://learn.microsoft.com/azure/azure-monitor/service-limits#alerts):
 *   5,000 active metric alert rules per subscription; log search alerts: 5,000 active rules per
 *   subscription, of which 100 at a 1-minute frequency, 1,000 per resource; a stateful rule fires at
 *   most 300 alerts per evaluation and 5,000 at once; all data in a rule's properties at most 64 KB
 *   (which bounds its query); a log search rule's description at most 4,096 characters.
 *
 * Agent (custom) metrics on Azure: a metric alert rule watches many VMs only for platform metrics, so
 * the personas agent also writes its metrics as rows of a Log Analytics table
 * (src/plan/agent-log-table.ts), and a fleet-wide alarm on an agent metric is a log search alert rule
 * (`Microsoft.Insights/scheduledQueryRules`, kind LogAlert) over that table, its query summarizing one
 * value per VM (src/plan/log-query.ts) and its "Resource ID column" the VM's id, so "alerts are fired
 * on the resource returned by your query" and each VM fires and resolves on its own:
 * - "Create or edit a log search alert rule" (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule):
 *   the Resource ID column; at most six dimensions per rule, each time series alerting (and charged)
 *   on its own; frequency from one minute to one day; a stateful rule (automatically resolve) resolves
 *   when the condition has not been met for 10 minutes at a 1-minute frequency, for three periods at
 *   5–15 minutes, two periods from 15 minutes to 11 hours.
 * - "Create a log alert with a Resource Manager template" (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-log-create-templates):
 *   windowSize PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H or PT24H; evaluationFrequency PT1M, PT5M,
 *   PT15M, PT30M or PT1H; severity 0–4; timeAggregation Average, Minimum, Maximum, Total or Count.
 * - "Log data ingestion time in Azure Monitor" (https://learn.microsoft.com/azure/azure-monitor/logs/data-ingestion-time)
 *   and "Troubleshoot log search alerts in Azure Monitor" (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-troubleshoot-log):
 *   rows become queryable after an ingestion latency; "to mitigate latency, the system retries the
 *   alert evaluation multiple times", and the alert fires once the data arrives, so a log search rule
 *   fires later than a metric alert would (Microsoft suggests metric alerts past a 4-minute delay).
 * Membership of a log search rule: its query selects the rows whose VM resource id starts with the
 * fleet's resource group's VM prefix (case-insensitively), so a VM created in the group is covered
 * with no new resource, and the intake still checks the membership record and the digest.
 *
 * Membership: EC2's own metrics (AWS/EC2) carry only the InstanceId dimension, and Metrics Insights
 * cannot filter them by the instance's tags unless the account has turned on "resource tags on
 * telemetry" (CloudWatch User Guide, "Enable resource tags on telemetry"), which this library does not
 * assume. So a fleet-wide query selects every instance of the account and Region that publishes the
 * metric, grouped by InstanceId, and membership is the responders' check: a contributor acts only when
 * the fleet's membership record lists its instance and the instance's persona digest is the alarm's
 * (src/runtime/aws/provenance.ts). The cost is stated with each decision: the query's 500 series are
 * shared with the account's other instances, and a contributor of a non-member still invokes the
 * responder, which refuses it.
 */
import { PERSONAS_AGENT_NAMESPACE } from "../pdl/metrics/metric.js";
import { AGENT_LOG_TABLE } from "./agent-log-table.js";
import type { CloudWatchAlarmSpec } from "./alarms.js";
import { agentMetricQuery, LOG_QUERY_MEASURE_COLUMN } from "./log-query.js";
import type { AlarmPlan } from "./plan.js";

/**
 * Documented limits of Metrics Insights alarms (see the module comment for the sources).
 * @internal
 */
export const METRICS_INSIGHTS_LIMITS = {
  /** Time series one query returns ("Metrics Insights quotas"). */
  seriesPerQuery: 500,
  /** Metrics one query processes ("Metrics Insights quotas"). */
  metricsPerQuery: 10_000,
  /** Data an alarm evaluates: the latest 3 hours (alarms "Limits"). */
  evaluationRangeSeconds: 3 * 60 * 60,
  /** Metrics Insights alarms per account and Region, by default (alarms "Limits"). */
  alarmsPerRegion: 200,
  /** Contributors in ALARM at once (alarms "Limits"). */
  contributorsInAlarm: 100,
  /** Finest period: Metrics Insights aggregates sub-minute data per minute ("Metrics Insights quotas"). */
  minPeriodSeconds: 60,
} as const;

/**
 * Documented limits of Azure Monitor multi-resource metric alert rules (see the module comment for
 * the sources).
 * @internal
 */
export const AZURE_MULTI_RESOURCE_LIMITS = {
  /** Time series one rule monitors by default: one per VM for a VM platform metric ("Monitor multiple time series"). */
  timeSeriesPerRule: 5_000,
  /** Active metric alert rules per subscription (service limits, "Alerts"). */
  rulesPerSubscription: 5_000,
  /** Conditions of a rule that monitors several resources ("Monitor multiple time series"). */
  conditionsPerRule: 1,
  /** The one resource type a fleet's rules watch ("Monitor multiple resources with one alert rule"). */
  resourceType: "Microsoft.Compute/virtualMachines",
  /** VM platform metrics a multi-resource rule cannot watch ("Monitor multiple resources with one alert rule"). */
  unsupportedMetrics: [
    "Network In Total",
    "Network Out Total",
    "Inbound Flows",
    "Outbound Flows",
    "Inbound Flows Maximum Creation Rate",
    "Outbound Flows Maximum Creation Rate",
  ],
} as const;

/**
 * Documented limits of Azure Monitor log search alert rules (see the module comment for the sources).
 * @internal
 */
export const AZURE_LOG_SEARCH_LIMITS = {
  /** Allowed `windowSize` values ("Create a log alert with a Resource Manager template"). */
  windowSizes: ["PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "PT24H"],
  /** Allowed `evaluationFrequency` values (the same template). */
  evaluationFrequencies: ["PT1M", "PT5M", "PT15M", "PT30M", "PT1H"],
  /** Active log search alert rules per subscription (service limits, "Alerts"). */
  rulesPerSubscription: 5_000,
  /** Of those, rules evaluated every minute (service limits, "Alerts"). */
  oneMinuteRulesPerSubscription: 100,
  /** Alerts a stateful rule fires per evaluation (service limits, "Alerts"). */
  alertsPerEvaluation: 300,
  /** Fired stateful alerts of one rule at once (service limits, "Alerts"). */
  firedAlertsAtOnce: 5_000,
  /** All data in a rule's properties, the query included (service limits, "Alerts"). */
  propertiesBytes: 64 * 1024,
  /** A log search rule's description (service limits, "Alerts"). */
  descriptionLength: 4_096,
  /** Dimensions per rule ("Create or edit a log search alert rule"). */
  dimensionsPerRule: 6,
  /** Severities, 0 the most severe ("Create a log alert with a Resource Manager template"). */
  severities: [0, 1, 2, 3, 4],
} as const;

/**
 * What a fleet-wide log search rule's query writes in place of the fleet's resource group when the
 * plan does not know the subscription (the components write the real prefix).
 */
export const PLANNED_VM_ID_PREFIX =
  "/subscriptions/<subscription>/resourcegroups/<the fleet's resource group>/providers/microsoft.compute/virtualmachines/";

/** How one alarm of a persona is deployed on one cloud. */
export type AlarmTopology =
  | {
      kind: "fleet-wide";
      /** Why the alarm can be one rule for the fleet. */
      reason: string;
      /** The rule's query text (AWS: the Metrics Insights query; Azure: the scope and criterion, or a log search rule's KQL). */
      query: string;
      /** Azure only: `log-search` when the rule is a log search alert over the agent's table rather than a metric alert. */
      rule?: "metric" | "log-search";
      /** How the rule selects instances, and what that costs. */
      membership: string;
      /** A documented limit the fleet reaches, and what happens then; absent when none is reached. */
      limit?: string;
    }
  | { kind: "per-instance"; reason: string };

/** The topology of one alarm of one persona of a fleet, on both clouds. */
export interface AlarmTopologyPlan {
  /** The persona digest the alarm belongs to. */
  digest: string;
  persona: string;
  alarmId: string;
  triggerId: string;
  /** Instances of the fleet planned with this persona. */
  instances: number;
  aws: AlarmTopology;
  azure: AlarmTopology;
}

/** What a fleet asks of the topology. */
export interface TopologySettings {
  /**
   * `fleet-wide` puts every alarm the clouds allow into one rule per persona × alarm; `per-instance`
   * keeps one alarm per instance × alarm (as before fleet-wide alarms existed).
   * @default "fleet-wide"
   */
  alarms?: "fleet-wide" | "per-instance";
}

const SELECT_FUNCTIONS: Record<CloudWatchAlarmSpec["statistic"], string> = {
  Average: "AVG",
  Maximum: "MAX",
  Minimum: "MIN",
  Sum: "SUM",
  SampleCount: "COUNT",
};

/**
 * An identifier as Metrics Insights reads it: double quotes around any name holding a character that
 * is not a letter, digit or underscore, with `"` and `\` escaped (CloudWatch User Guide, "Metrics
 * Insights query components and syntax", "What needs quotation marks or escape characters?").
 */
function identifier(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The Metrics Insights query of a fleet-wide alarm: one series per instance, ordered so that the 500
 * series a query returns are the ones nearest to breaching (highest for `>`/`>=`, lowest for `<`/`<=`).
 *
 * @example
 * ```ts
 * metricsInsightsQuery(cpuAbove80.aws);
 * // 'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 500'
 * ```
 */
export function metricsInsightsQuery(spec: CloudWatchAlarmSpec): string {
  const fn = SELECT_FUNCTIONS[spec.statistic];
  const order = spec.comparisonOperator.startsWith("Greater") ? "DESC" : "ASC";
  const dimensions = spec.dimensions.map(identifier).join(", ");
  return `SELECT ${fn}(${identifier(spec.metricName)}) FROM SCHEMA(${identifier(spec.namespace)}, ${dimensions}) GROUP BY ${dimensions} ORDER BY ${fn}() ${order} LIMIT ${METRICS_INSIGHTS_LIMITS.seriesPerQuery}`;
}

/**
 * Whether CloudWatch can evaluate an alarm as one Metrics Insights alarm for every instance, and why.
 * The per-alarm facts only: the fleet's count of such alarms is checked by {@link planTopology}.
 */
export function awsAlarmTopology(alarm: AlarmPlan, instances: number): AlarmTopology {
  const spec = alarm.aws;
  if (spec.period < METRICS_INSIGHTS_LIMITS.minPeriodSeconds)
    return {
      kind: "per-instance",
      reason: `its ${spec.period} s period is finer than Metrics Insights evaluates (it aggregates sub-minute data per minute), so each instance keeps its own high-resolution alarm`,
    };
  const range = spec.period * spec.evaluationPeriods;
  if (range > METRICS_INSIGHTS_LIMITS.evaluationRangeSeconds)
    return {
      kind: "per-instance",
      reason: `its window of ${range / 60} minutes is longer than the 3 hours of data a Metrics Insights alarm evaluates`,
    };
  const topology: AlarmTopology = {
    kind: "fleet-wide",
    reason: `${spec.namespace} ${spec.metricName} every ${spec.period} s over ${range / 60} minutes is within Metrics Insights alarms' limits (1-minute periods or longer, 3 hours of data)`,
    query: metricsInsightsQuery(spec),
    membership:
      spec.dimensions.length === 1 && spec.dimensions[0] === "InstanceId"
        ? `every instance of the account and Region publishing ${spec.metricName} is a contributor (the metric carries InstanceId only, and the query cannot select by tag); the responders act only for members whose persona digest is this alarm's, so a non-member's contributor costs one refused Lambda invocation per state change and one of the query's ${METRICS_INSIGHTS_LIMITS.seriesPerQuery} series`
        : `the query's dimensions (${spec.dimensions.join(", ")}) select the series`,
  };
  if (instances > METRICS_INSIGHTS_LIMITS.seriesPerQuery)
    topology.limit = `${instances} instances exceed the ${METRICS_INSIGHTS_LIMITS.seriesPerQuery} series one query returns: the ${METRICS_INSIGHTS_LIMITS.seriesPerQuery} nearest to breaching are evaluated (ORDER BY), the alarm's EvaluationState is PARTIAL_DATA, and at most ${METRICS_INSIGHTS_LIMITS.contributorsInAlarm} contributors are in ALARM at once; split the fleet, or set topology.alarms to "per-instance"`;
  return topology;
}

/**
 * Whether Azure Monitor can evaluate an alarm as one multi-resource metric alert over the fleet's
 * virtual machines: platform metrics of `Microsoft.Compute/virtualMachines` can be, except the network
 * metrics Microsoft excludes; guest metrics (the Azure Monitor agent's or the personas agent's custom
 * metrics) stay per VM. `vms` is every VM the rule's scope (the fleet's resource group) holds.
 */
export function azureAlarmTopology(alarm: AlarmPlan, vms = 0): AlarmTopology {
  const spec = alarm.azure;
  const limits = AZURE_MULTI_RESOURCE_LIMITS;
  if (spec.metricNamespace === PERSONAS_AGENT_NAMESPACE) return logSearchTopology(spec, vms);
  if (spec.metricNamespace.toLowerCase() !== limits.resourceType.toLowerCase())
    return {
      kind: "per-instance",
      reason: `${spec.metricNamespace} ${spec.metricName} is not a virtual-machine platform metric, which is what one alert rule can watch on many VMs`,
    };
  if ((limits.unsupportedMetrics as readonly string[]).includes(spec.metricName))
    return {
      kind: "per-instance",
      reason: `Azure Monitor does not support multi-resource rules on the VM network metric ${spec.metricName} ("Monitor multiple resources with one alert rule"), so each VM keeps its own alert`,
    };
  const topology: AlarmTopology = {
    kind: "fleet-wide",
    rule: "metric",
    reason: `${spec.metricName} is a platform metric of Microsoft.Compute/virtualMachines: one rule watches every VM of the fleet's resource group in its region and fires per VM`,
    query: `scope: the fleet's resource group; targetResourceType Microsoft.Compute/virtualMachines; ${spec.timeAggregation}(${spec.metricName}) ${spec.operator} ${spec.threshold} over ${spec.windowSize} every ${spec.evaluationFrequency}`,
    membership:
      "every VM in the fleet's resource group and region is watched (a VM created there is covered with no new rule, and each VM is one of the rule's time series, billed as such); the intake acts only for members whose persona digest is this rule's and refuses the rest",
  };
  if (vms > limits.timeSeriesPerRule)
    topology.limit = `${vms} VMs in the fleet's resource group exceed the ${limits.timeSeriesPerRule} time series one rule monitors by default: ask Azure support to lift the limit, split the fleet, or set alarmTopology to "per-instance"`;
  return topology;
}

/**
 * Whether an agent metric's alarm can be one log search alert rule over the agent's table: when its
 * window and frequency are values a log search rule allows.
 */
function logSearchTopology(spec: AlarmPlan["azure"], vms: number): AlarmTopology {
  const limits = AZURE_LOG_SEARCH_LIMITS;
  if (!(limits.windowSizes as readonly string[]).includes(spec.windowSize))
    return {
      kind: "per-instance",
      reason: `its window ${spec.windowSize} is not one a log search alert rule allows (${limits.windowSizes.join(", ")}), so each VM keeps its own custom-metric alert`,
    };
  if (!(limits.evaluationFrequencies as readonly string[]).includes(spec.evaluationFrequency))
    return {
      kind: "per-instance",
      reason: `its frequency ${spec.evaluationFrequency} is not one a log search alert rule allows (${limits.evaluationFrequencies.join(", ")}), so each VM keeps its own custom-metric alert`,
    };
  const topology: AlarmTopology = {
    kind: "fleet-wide",
    rule: "log-search",
    reason: `${spec.metricName} is a personas-agent metric, which a multi-resource metric alert cannot watch; the agent also writes it to the Log Analytics table ${AGENT_LOG_TABLE.table}, and one log search alert rule over it, split by the ${AGENT_LOG_TABLE.resourceIdColumn} column, fires and resolves per VM (${spec.timeAggregation} over ${spec.windowSize}, every ${spec.evaluationFrequency})`,
    query: `${agentMetricQuery(spec, PLANNED_VM_ID_PREFIX).replaceAll("\n", " ")} — then ${LOG_QUERY_MEASURE_COLUMN} ${spec.operator} ${spec.threshold}`,
    membership: `the query keeps the rows whose ${AGENT_LOG_TABLE.resourceIdColumn} is a VM of the fleet's resource group (its id's prefix, compared case-insensitively), so a VM created there is covered with no new rule; each VM writing rows is one of the rule's time series; the intake acts only for members whose persona digest is this rule's and refuses the rest`,
  };
  if (vms > limits.alertsPerEvaluation)
    topology.limit = `${vms} VMs can breach at once, and a stateful log search rule fires at most ${limits.alertsPerEvaluation} alerts per evaluation (${limits.firedAlertsAtOnce} fired at once): the rest fire at later evaluations`;
  return topology;
}

/**
 * Decides the topology of every alarm of every persona of a fleet. Fleet-wide alarms on AWS are at
 * most {@link METRICS_INSIGHTS_LIMITS.alarmsPerRegion} (the default quota of the whole account and
 * Region): past it, the rest stay per instance, with that reason.
 *
 * @example
 * ```ts
 * planTopology([{ plan, instances: 1000 }]);
 * // [{ alarmId: "cpu-utilization-above", aws: { kind: "fleet-wide", query: "SELECT AVG(CPUUtilization) ..." }, ... }]
 * ```
 */
export function planTopology(
  personas: readonly {
    persona: { name: string; digest: string };
    alarms: readonly AlarmPlan[];
    instances: number;
  }[],
  settings: TopologySettings = {},
): AlarmTopologyPlan[] {
  const perInstance = settings.alarms === "per-instance";
  const asked = "the fleet sets topology.alarms to per-instance";
  let fleetWideAws = 0;
  let oneMinuteLogRules = 0;
  // An Azure rule's scope is the fleet's resource group: it watches every VM of the fleet.
  const vms = personas.reduce((sum, p) => sum + p.instances, 0);
  const planned: AlarmTopologyPlan[] = [];
  for (const { persona, alarms, instances } of personas) {
    for (const alarm of alarms) {
      let aws: AlarmTopology = perInstance
        ? { kind: "per-instance", reason: asked }
        : awsAlarmTopology(alarm, instances);
      if (aws.kind === "fleet-wide") {
        fleetWideAws += 1;
        if (fleetWideAws > METRICS_INSIGHTS_LIMITS.alarmsPerRegion)
          aws = {
            kind: "per-instance",
            reason: `the fleet already has ${METRICS_INSIGHTS_LIMITS.alarmsPerRegion} Metrics Insights alarms, the default quota per account and Region`,
          };
      }
      let azure: AlarmTopology = perInstance
        ? { kind: "per-instance", reason: asked }
        : azureAlarmTopology(alarm, vms);
      if (
        azure.kind === "fleet-wide" &&
        azure.rule === "log-search" &&
        alarm.azure.evaluationFrequency === "PT1M"
      ) {
        oneMinuteLogRules += 1;
        if (oneMinuteLogRules > AZURE_LOG_SEARCH_LIMITS.oneMinuteRulesPerSubscription)
          azure = {
            kind: "per-instance",
            reason: `the fleet already has ${AZURE_LOG_SEARCH_LIMITS.oneMinuteRulesPerSubscription} log search alert rules evaluated every minute, the most a subscription may have`,
          };
      }
      planned.push({
        digest: persona.digest,
        persona: persona.name,
        alarmId: alarm.id,
        triggerId: alarm.triggerId,
        instances,
        aws,
        azure,
      });
    }
  }
  return planned;
}

/**
 * The topology of one alarm of a persona in a fleet plan; per instance when the fleet did not plan
 * the persona (a persona the orchestrator resolves at run time has no fleet-wide rule).
 */
export function topologyOf(
  topology: readonly AlarmTopologyPlan[],
  digest: string,
  alarmId: string,
): AlarmTopologyPlan | undefined {
  return topology.find((t) => t.digest === digest && t.alarmId === alarmId);
}
