/**
 * The on-VM telemetry agent: probes and log-derived metrics the cloud does not collect, published to
 * CloudWatch, or on Azure to custom metrics and (for fleet-wide log search rules) the Log Analytics
 * table through the Logs Ingestion API (the publisher is an interface, one module per backend). The
 * bundled agent talks to AWS without the SDK (`CloudWatchQueryPublisher`, `SsmParameterReader`); the
 * SDK-based `CloudWatchPublisher` stays for programs that already load the SDK.
 *
 * Public: the agent, its configuration, the publishers, the bundle and the systemd unit. SigV4,
 * the HTTP exchange, batching, probes and tailing are internal (imported by module path).
 * @packageDocumentation
 */
export { type AgentStats, TelemetryAgent, type TelemetryAgentOptions } from "./agent.js";
export { type BundleAgentOptions, bundleAgent } from "./bundle.js";
export { CloudWatchPublisher, type CloudWatchPublisherOptions } from "./cloudwatch.js";
export { CloudWatchQueryPublisher, type CloudWatchQueryPublisherOptions } from "./cloudwatch-query.js";
export {
  AGENT_CONFIG_VERSION,
  type AgentConfig,
  type AgentConfigInput,
  type AgentMetric,
  type AgentSignal,
  type AgentUnit,
  type LogFile,
  type ProbeTarget,
  parseAgentConfig,
} from "./config.js";
export {
  AgentConfigError,
  AgentEnvironmentError,
  AwsCredentialsError,
  AwsRegionError,
  AwsRequestError,
  PublishError,
} from "./errors.js";
export { type AgentLogger, jsonLineLogger, type LogFields } from "./logger.js";
export type { MetricDatum, MetricPublisher } from "./publisher.js";
export { SsmParameterReader, type SsmParameterReaderOptions } from "./ssm.js";
export { type AgentInstallOptions, renderAgentInstallScript, renderAgentUnit } from "./systemd.js";
