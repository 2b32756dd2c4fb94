/**
 * The metrics catalog's interface. Each metric a condition may name is one module in this folder;
 * adding a metric means adding a module and listing it in `index.ts`, nothing else.
 *
 * Cloud facts are plain data here (names, namespaces), so pdl/ stays free of cloud SDKs; the plan
 * layer reads them to build alarms, agent configuration and simulations.
 */
import type { Dimension } from "../units.js";

/** How a cloud alarm treats missing datapoints (CloudWatch's four treatments). */
export type MissingDataTreatment = "missing" | "ignore" | "breaching" | "notBreaching";

/** Who produces the datapoints on a cloud. */
export type MetricSource =
  /** The cloud collects it with no agent (e.g. EC2 CPUUtilization). */
  | "native"
  /** The cloud's own agent (Amazon CloudWatch agent, Azure Monitor agent). */
  | "cloud-agent"
  /** This project's telemetry agent (src/agent), for signals no cloud agent provides. */
  | "personas-agent";

/**
 * How a threshold in the metric's canonical unit becomes the cloud metric's value:
 * `identity` (same unit), `gbps-to-bytes-per-period` (multiply by 1e9 / 8 × period seconds, for
 * byte counters summed per period), `percent-complement` (100 − x, operator reversed, for clouds
 * that report the free share instead of the used one).
 */
export type ThresholdConversion = "identity" | "gbps-to-bytes-per-period" | "percent-complement";

/** How one cloud exposes a catalog metric. */
export interface CloudMetric {
  namespace: string;
  metricName: string;
  statistic: "Average" | "Maximum" | "Minimum" | "Sum" | "SampleCount";
  source: MetricSource;
  conversion: ThresholdConversion;
}

/** One entry of the metrics catalog. */
export interface MetricDefinition {
  /** Stable id used in plans and structured PDL, e.g. `cpu-utilization`. */
  id: string;
  /** Display name, e.g. "CPU utilization". */
  title: string;
  /** Phrases users write in conditions, lower-case ("cpu load", "cpu"). The id and title also match. */
  aliases: readonly string[];
  /** The dimension of thresholds (a condition's unit must belong to it). */
  dimension: Dimension;
  /** Inclusive range of sensible thresholds, in the canonical unit of `dimension`. */
  range: { min: number; max: number };
  /** What CloudWatch/Azure should assume when no datapoint arrives. */
  defaultMissingData: MissingDataTreatment;
  /**
   * The instance capacity the metric is a share of, when it is one: the same load on twice the
   * vCPUs (or memory) reads half the share. The simulator divides the metric by the capacity ratio
   * after a resize (docs/simulation.md); metrics that measure the work itself (latency, traffic,
   * errors) or a resource a resize does not change (disk) have none.
   * @default undefined (a resize leaves the metric as it is)
   */
  capacity?: "vcpu" | "memory";
  /**
   * What the metric is multiplied by while the instance takes no traffic (drained from its load
   * balancer, or isolated): the simulator's model of "idle" for metrics that follow the traffic
   * (docs/simulation.md, "Effects"). Metrics that do not follow traffic (memory, disk) have none.
   * @default undefined (traffic leaving the instance leaves the metric as it is)
   */
  idleFactor?: number;
  aws: CloudMetric;
  azure: CloudMetric;
}

/** Namespace of the metrics this project's agent publishes (documented in docs/agent.md). */
export const PERSONAS_AGENT_NAMESPACE = "Personas/Agent";
