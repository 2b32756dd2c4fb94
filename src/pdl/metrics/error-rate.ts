import { type MetricDefinition, PERSONAS_AGENT_NAMESPACE } from "./metric.js";

/** Errors as a share of requests, derived by the agent from the persona's log patterns. */
export const errorRate: MetricDefinition = {
  id: "error-rate",
  title: "Error rate",
  aliases: ["error rate", "errors", "http errors", "5xx rate"],
  dimension: "percent",
  range: { min: 0, max: 100 },
  // No requests means no errors: a quiet period is not a breach.
  defaultMissingData: "notBreaching",
  // No requests, no errors.
  idleFactor: 0,
  aws: {
    namespace: PERSONAS_AGENT_NAMESPACE,
    metricName: "ErrorRate",
    statistic: "Average",
    source: "personas-agent",
    conversion: "identity",
  },
  azure: {
    namespace: PERSONAS_AGENT_NAMESPACE,
    metricName: "ErrorRate",
    statistic: "Average",
    source: "personas-agent",
    conversion: "identity",
  },
};
