/**
 * A monthly cost estimate of a fleet plan for `personas plan`: instances at the sizing catalog's
 * reference prices, and alarms at CloudWatch's list prices, per-instance and fleet-wide side by side.
 * Reference figures for comparing topologies, not a bill: prices vary by Region and change.
 *
 * CloudWatch list prices (Amazon CloudWatch pricing, "Alarms", https://aws.amazon.com/cloudwatch/pricing/,
 * us-east-1): a standard-resolution alarm costs $0.10 per alarm metric per month, a high-resolution
 * (10-second) one $0.30; an alarm on a Metrics Insights query is billed per metric the query analyzes,
 * at the standard rate. So a fleet-wide alarm costs about what the per-instance alarms it replaces
 * cost (one metric per instance it evaluates); what it saves is resources in the stack (the Pulumi
 * engine's time and memory grow with them) and run-time alarm writes, not CloudWatch charges.
 */
import { findSize } from "../resolve/sizing/index.js";
import type { FleetPlan } from "./plan.js";

/** Hours in the month the estimate uses (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
/** US dollars per standard-resolution alarm metric per month (CloudWatch pricing, us-east-1). */
export const STANDARD_ALARM_METRIC_MONTH_USD = 0.1;
/** US dollars per high-resolution alarm metric per month (CloudWatch pricing, us-east-1). */
export const HIGH_RESOLUTION_ALARM_METRIC_MONTH_USD = 0.3;

/** The estimate, in US dollars per month. */
export interface MonthlyCost {
  instances: number;
  /** Every alarm per instance × alarm. */
  alarmsPerInstance: number;
  /** The plan's topology: fleet-wide rules billed per metric analyzed (one per instance), the rest per instance. */
  alarmsAsPlanned: number;
  /** Alarm resources in the stack, per-instance vs as planned. */
  alarmResources: { perInstance: number; asPlanned: number };
  /** Instances whose size the catalog does not price (left out of `instances`). */
  unpriced: number;
}

/**
 * Estimates a fleet plan's monthly cost on AWS.
 * @example
 * ```ts
 * monthlyCostOf(plan); // { instances: 190311, alarmsPerInstance: 200, alarmsAsPlanned: 200, alarmResources: { perInstance: 2000, asPlanned: 2 }, unpriced: 0 }
 * ```
 */
export function monthlyCostOf(plan: FleetPlan): MonthlyCost {
  let instances = 0;
  let unpriced = 0;
  let perInstance = 0;
  let asPlanned = 0;
  const resources = { perInstance: 0, asPlanned: 0 };
  const fleetWide = new Set(
    plan.alarmTopology.filter((t) => t.aws.kind === "fleet-wide").map((t) => `${t.digest}|${t.alarmId}`),
  );
  const rendered = new Set<string>();
  for (const { plan: persona } of plan.instances) {
    const size = persona.compute.size;
    let price: number | undefined;
    try {
      price = size === undefined ? undefined : findSize(size).pricePerHour;
    } catch {
      // A size the catalog does not list: counted as unpriced.
      price = undefined;
    }
    if (price === undefined) unpriced += 1;
    else instances += price * HOURS_PER_MONTH;
    for (const alarm of persona.alarms) {
      const rate =
        alarm.aws.period < 60 ? HIGH_RESOLUTION_ALARM_METRIC_MONTH_USD : STANDARD_ALARM_METRIC_MONTH_USD;
      perInstance += rate;
      resources.perInstance += 1;
      // A fleet-wide alarm is billed for each metric it analyzes: this instance's series.
      asPlanned += rate;
      const key = `${persona.persona.digest}|${alarm.id}`;
      if (!fleetWide.has(key)) resources.asPlanned += 1;
      else if (!rendered.has(key)) {
        rendered.add(key);
        resources.asPlanned += 1;
      }
    }
  }
  return {
    instances,
    alarmsPerInstance: perInstance,
    alarmsAsPlanned: asPlanned,
    alarmResources: resources,
    unpriced,
  };
}

/**
 * Azure Monitor alerts as a plan deploys them, per-instance and as planned side by side. Azure bills a
 * metric alert rule per time series it monitors ("Monitor multiple time series in a single metric
 * alert rule", "Metric alerts pricing"), and a log search alert rule per rule at its evaluation
 * frequency, a rule split by dimensions or resources per time series ("Create or edit a log search
 * alert rule": "each time series that results from the combination triggers its own alert and is
 * charged separately"); the prices are on https://azure.microsoft.com/pricing/details/monitor/, which
 * the stored documents this project checks against do not carry, so the estimate counts rules, time
 * series and ingested data and prices none of them. A per-VM alert is one series; a fleet-wide metric
 * rule is scoped to the fleet's resource group and watches every VM there, one series each; a
 * fleet-wide log search rule has one series per VM whose rows its query keeps (the fleet's VMs).
 */
export interface AzureAlertCost {
  /** One alert per VM × alarm. */
  perInstance: { rules: number; timeSeries: number };
  /** The plan's Azure topology (metric and log search rules together). */
  asPlanned: { rules: number; timeSeries: number };
  /** The plan's log search rules on agent metrics, and the agent rows they read; absent when there are none. */
  logSearch?: AzureLogSearchCost;
}

/** The log search rules of a plan and the Log Analytics data their agent rows are. */
export interface AzureLogSearchCost {
  rules: number;
  /** One per VM per rule. */
  timeSeries: number;
  /** Rules by evaluation frequency (log search rules are priced by frequency). */
  byFrequency: Record<string, number>;
  /** Rows the agents of the fleet write per month: one per agent metric and minute of each VM. */
  rowsPerMonth: number;
  /** Estimated billable gigabytes (10^9 bytes) per month, from {@link AGENT_ROW_BYTES}. */
  gigabytesPerMonth: number;
}

/**
 * The billable size of one agent row, estimated: Log Analytics bills "the size of the data sent to be
 * stored … calculated from a string representation of the columns that are stored" ("Azure Monitor
 * Logs cost calculations and options", Data size calculation). The row's columns as strings: a
 * 24-character timestamp, a VM resource id of about 160 characters, the namespace and metric name
 * (about 30), an empty or small dimension set (about 30), three numbers (about 10 each) and a count.
 */
export const AGENT_ROW_BYTES = 24 + 160 + 30 + 30 + 3 * 10 + 2;

/** Minutes in the month the estimate uses (HOURS_PER_MONTH × 60). */
const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;

/**
 * Counts the Azure alert rules and the time series they monitor, per-instance and as planned.
 * @example
 * ```ts
 * azureAlertCostOf(seedPlanOf1000);
 * // { perInstance: { rules: 2000, timeSeries: 2000 }, asPlanned: { rules: 2, timeSeries: 2000 },
 * //   logSearch: { rules: 1, timeSeries: 1000, byFrequency: { PT1M: 1 }, rowsPerMonth: 43800000, gigabytesPerMonth: 12.0 } }
 * ```
 */
export function azureAlertCostOf(plan: FleetPlan): AzureAlertCost {
  const vms = plan.instances.length;
  const fleetWide = new Set(
    plan.alarmTopology.filter((t) => t.azure.kind === "fleet-wide").map((t) => `${t.digest}|${t.alarmId}`),
  );
  const logRules = plan.alarmTopology.filter(
    (t) => t.azure.kind === "fleet-wide" && t.azure.rule === "log-search",
  );
  const cost: AzureAlertCost = {
    perInstance: { rules: 0, timeSeries: 0 },
    asPlanned: { rules: 0, timeSeries: 0 },
  };
  let rows = 0;
  for (const { plan: persona } of plan.instances) {
    for (const alarm of persona.alarms) {
      cost.perInstance.rules += 1;
      cost.perInstance.timeSeries += 1;
      if (fleetWide.has(`${persona.persona.digest}|${alarm.id}`)) continue;
      cost.asPlanned.rules += 1;
      cost.asPlanned.timeSeries += 1;
    }
    // With log search rules, every agent writes each of its metrics as a row a minute.
    if (logRules.length > 0) rows += persona.telemetry.personasAgent.length * MINUTES_PER_MONTH;
  }
  cost.asPlanned.rules += fleetWide.size;
  cost.asPlanned.timeSeries += fleetWide.size * vms;
  if (logRules.length > 0) {
    const byFrequency: Record<string, number> = {};
    for (const t of logRules) {
      const alarm = plan.personas
        .find((p) => p.persona.digest === t.digest)
        ?.alarms.find((a) => a.id === t.alarmId);
      const frequency = alarm?.azure.evaluationFrequency ?? "unknown";
      byFrequency[frequency] = (byFrequency[frequency] ?? 0) + 1;
    }
    cost.logSearch = {
      rules: logRules.length,
      timeSeries: logRules.length * vms,
      byFrequency,
      rowsPerMonth: rows,
      gigabytesPerMonth: (rows * AGENT_ROW_BYTES) / 1e9,
    };
  }
  return cost;
}
