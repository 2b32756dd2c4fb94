import type { MetricDefinition } from "./metric.js";

/** Share of memory in use. AWS needs the CloudWatch agent; Azure reports the available share. */
export const memoryUtilization: MetricDefinition = {
  id: "memory-utilization",
  title: "Memory utilization",
  aliases: ["memory", "memory usage", "memory utilisation", "mem", "ram"],
  dimension: "percent",
  range: { min: 0, max: 100 },
  capacity: "memory",
  defaultMissingData: "missing",
  aws: {
    namespace: "CWAgent",
    metricName: "mem_used_percent",
    statistic: "Average",
    source: "cloud-agent",
    conversion: "identity",
  },
  azure: {
    namespace: "Microsoft.Compute/virtualMachines",
    metricName: "Available Memory Percentage",
    statistic: "Average",
    source: "native",
    conversion: "percent-complement",
  },
};
