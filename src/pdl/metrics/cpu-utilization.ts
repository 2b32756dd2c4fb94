import type { MetricDefinition } from "./metric.js";

/** Share of the instance's vCPU capacity in use. Native on both clouds. */
export const cpuUtilization: MetricDefinition = {
  id: "cpu-utilization",
  title: "CPU utilization",
  aliases: ["cpu load", "cpu", "cpu usage", "cpu utilisation", "load"],
  dimension: "percent",
  range: { min: 0, max: 100 },
  capacity: "vcpu",
  // A stopped instance (e.g. mid-resize) sends nothing; that must not count as a breach.
  defaultMissingData: "missing",
  // Without requests the CPU falls to its background work.
  idleFactor: 0.1,
  aws: {
    namespace: "AWS/EC2",
    metricName: "CPUUtilization",
    statistic: "Average",
    source: "native",
    conversion: "identity",
  },
  azure: {
    namespace: "Microsoft.Compute/virtualMachines",
    metricName: "Percentage CPU",
    statistic: "Average",
    source: "native",
    conversion: "identity",
  },
};
