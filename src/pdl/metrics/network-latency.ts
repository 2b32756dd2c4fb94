import { type MetricDefinition, PERSONAS_AGENT_NAMESPACE } from "./metric.js";

/** Round-trip latency to the persona's probe targets, measured by this project's agent. */
export const networkLatency: MetricDefinition = {
  id: "network-latency",
  title: "Network latency",
  aliases: ["network latency", "latency", "response time", "rtt"],
  dimension: "time",
  range: { min: 0, max: 600_000 },
  // A silent agent is caught by its heartbeat alarm, not by treating the gap as a breach.
  defaultMissingData: "missing",
  // The probe still answers, without the queueing that traffic causes.
  idleFactor: 0.5,
  aws: {
    namespace: PERSONAS_AGENT_NAMESPACE,
    metricName: "NetworkLatency",
    statistic: "Average",
    source: "personas-agent",
    conversion: "identity",
  },
  azure: {
    namespace: PERSONAS_AGENT_NAMESPACE,
    metricName: "NetworkLatency",
    statistic: "Average",
    source: "personas-agent",
    conversion: "identity",
  },
};
