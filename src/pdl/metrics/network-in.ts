import type { MetricDefinition } from "./metric.js";

/** Inbound network throughput; the clouds count bytes per period, so thresholds are converted. */
export const networkIn: MetricDefinition = {
  id: "network-in",
  title: "Network in",
  aliases: ["network in", "inbound traffic", "ingress", "network inbound"],
  dimension: "bandwidth",
  range: { min: 0, max: 400 },
  defaultMissingData: "missing",
  // Only management and health-check traffic remains.
  idleFactor: 0.05,
  aws: {
    namespace: "AWS/EC2",
    metricName: "NetworkIn",
    statistic: "Sum",
    source: "native",
    conversion: "gbps-to-bytes-per-period",
  },
  azure: {
    namespace: "Microsoft.Compute/virtualMachines",
    metricName: "Network In Total",
    statistic: "Sum",
    source: "native",
    conversion: "gbps-to-bytes-per-period",
  },
};
