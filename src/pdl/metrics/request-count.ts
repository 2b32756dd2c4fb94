import { type MetricDefinition, PERSONAS_AGENT_NAMESPACE } from "./metric.js";

/** Requests served per period (counted by the agent from access logs). */
export const requestCount: MetricDefinition = {
  id: "request-count",
  title: "Request count",
  aliases: ["request count", "requests", "request rate", "traffic"],
  dimension: "count",
  range: { min: 0, max: 1e12 },
  defaultMissingData: "notBreaching",
  // A drained instance is sent no requests.
  idleFactor: 0,
  aws: {
    namespace: PERSONAS_AGENT_NAMESPACE,
    metricName: "RequestCount",
    statistic: "Sum",
    source: "personas-agent",
    conversion: "identity",
  },
  azure: {
    namespace: PERSONAS_AGENT_NAMESPACE,
    metricName: "RequestCount",
    statistic: "Sum",
    source: "personas-agent",
    conversion: "identity",
  },
};
