import type { MetricDefinition } from "./metric.js";

/** Share of the root file system in use (the cloud agents report it per mount). */
export const diskUtilization: MetricDefinition = {
  id: "disk-utilization",
  title: "Disk utilization",
  aliases: ["disk", "disk usage", "disk utilisation", "disk space", "storage"],
  dimension: "percent",
  range: { min: 0, max: 100 },
  defaultMissingData: "missing",
  aws: {
    namespace: "CWAgent",
    metricName: "disk_used_percent",
    statistic: "Maximum",
    source: "cloud-agent",
    conversion: "identity",
  },
  azure: {
    namespace: "Personas/Agent",
    metricName: "DiskUsedPercent",
    statistic: "Maximum",
    source: "personas-agent",
    conversion: "identity",
  },
};
