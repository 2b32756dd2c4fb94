/**
 * The on-VM telemetry agent: probes and log-derived metrics the cloud does not collect, published to
 * CloudWatch (the publisher is an interface, so other backends can follow).
 */
export { type AgentStats, TelemetryAgent, type TelemetryAgentOptions } from "./agent.js";
export { type BundleAgentOptions, bundleAgent } from "./bundle.js";
export {
  type BatchLimits,
  batchForCloudWatch,
  CloudWatchPublisher,
  type CloudWatchPublisherOptions,
  estimateDatumBytes,
  PUT_METRIC_DATA_LIMITS,
  toCloudWatchDatum,
} from "./cloudwatch.js";
export {
  AGENT_CONFIG_VERSION,
  AgentConfig,
  type AgentConfigInput,
  AgentMetric,
  AgentSignal,
  AgentUnit,
  DEFAULT_UNIT,
  HttpProbeTarget,
  LogFile,
  MAX_DIMENSIONS,
  ProbeTarget,
  PublishSettings,
  parseAgentConfig,
  TcpProbeTarget,
} from "./config.js";
export { AgentConfigError, PublishError } from "./errors.js";
export { type AgentLogger, jsonLineLogger, type LogFields } from "./logger.js";
export { type ProbeResult, ProbeRounds, probeAll, probeHttp, probeTarget, probeTcp } from "./probes.js";
export {
  backoffDelay,
  type MetricDatum,
  type MetricPublisher,
  PublishQueue,
  type PublishQueueOptions,
  type PublishStats,
} from "./publisher.js";
export { PeriodSamples, percentile, type StatisticSet, singleValue } from "./stats.js";
export {
  type AgentInstallOptions,
  DEFAULT_NODE_FLAGS,
  renderAgentInstallScript,
  renderAgentUnit,
} from "./systemd.js";
export { LogTailer, type TailStats } from "./tail.js";
