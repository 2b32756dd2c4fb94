/** Shared expectations of the PDL tests: the seed's example and the model it stands for. */
import { join } from "node:path";
import type { Persona } from "../../src/pdl/model.js";

/** The seed's example, verbatim. */
export const SEED_FILE = join(__dirname, "../../examples/HighTraffic.yaml");
/** The same persona in the structured form. */
export const STRUCTURED_FILE = join(__dirname, "../../examples/structured/HighTraffic.yaml");

/** The model the seed's example stands for, in canonical units (vCPU, GiB, Gbps, seconds). */
export const HIGH_TRAFFIC: Persona = {
  name: "HighTraffic",
  base: { cpu: 8, memoryGiB: 32, networkGbps: 10 },
  software: [
    { name: "Nginx", version: "latest" },
    { name: "Redis", version: "latest", note: "caching" },
    { name: "Prometheus", version: "latest", note: "metrics collection" },
  ],
  features: [{ id: "cdn-caching", name: "cdn-caching", initial: "off", declared: false }],
  triggers: [
    {
      id: "cpu-utilization-above",
      condition: {
        metric: "cpu-utilization",
        operator: ">",
        threshold: 80,
        unit: "%",
        window: { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
        missingData: "missing",
      },
      response: "cpu-utilization-above",
    },
    {
      id: "network-latency-above",
      condition: {
        metric: "network-latency",
        operator: ">",
        threshold: 100,
        unit: "ms",
        window: { periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1 },
        missingData: "missing",
      },
      response: "network-latency-above",
    },
  ],
  sources: [
    {
      kind: "list",
      id: "threatintel-example-com",
      url: "https://threatintel.example.com/latest_ips",
      frequencySeconds: 300,
      format: { type: "plain" },
      response: "threatintel-example-com",
      limits: { timeoutSeconds: 10, maxBytes: 10 * 1024 * 1024 },
      maxShrinkPercent: 50,
    },
  ],
  responses: [
    { id: "cpu-utilization-above", actions: [{ kind: "scale", cpu: 16 }], inline: true },
    {
      id: "network-latency-above",
      actions: [{ kind: "activate-feature", feature: "cdn-caching" }],
      inline: true,
    },
    { id: "threatintel-example-com", actions: [{ kind: "firewall", mode: "block" }], inline: true },
  ],
  bounds: {},
};
