import type { MetricDefinition } from "./metric.js";

/** Outbound network throughput; the clouds count bytes per period, so thresholds are converted. */
export const networkOut: MetricDefinition = {
  id: "network-out",
  title: "Network out",
  aliases: ["network out", "outbound traffic", "egress", "network outbound"],
  dimension: "bandwidth",
  range: { min: 0, max: 400 },
  defaultMissingData: "missing",
  // Only management and health-check traffic remains.
  idleFactor: 0.05,
  aws: {
    namespace: "AWS/EC2",
    metricName: "NetworkOut",
    statistic: "Sum",
    source: "native",
    conversion: "gbps-to-bytes-per-period",
  },
  azure: {
    namespace: "Microsoft.Compute/virtualMachines",
    metricName: "Network Out Total",
    statistic: "Sum",
    source: "native",
    conversion: "gbps-to-bytes-per-period",
  },
};
