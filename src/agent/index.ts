/**
 * The on-VM telemetry agent: probes and log-derived metrics the cloud does not collect, published to
 * CloudWatch (the publisher is an interface, so other backends can follow). The bundled agent talks
 * to AWS without the SDK (`CloudWatchQueryPublisher`, `SsmParameterReader`); the SDK-based
 * `CloudWatchPublisher` stays for programs that already load the SDK.
 */
export { type AgentStats, TelemetryAgent, type TelemetryAgentOptions } from "./agent.js";
export {
  AwsClient,
  type AwsClientOptions,
  type CredentialSource,
  type DefaultCredentialsOptions,
  defaultCredentials,
  type HttpAnswer,
  httpExchange,
  InstanceMetadata,
  type InstanceMetadataOptions,
  resolveRegion,
  serviceEndpoint,
} from "./aws.js";
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
  CloudWatchQueryPublisher,
  type CloudWatchQueryPublisherOptions,
  encodePutMetricData,
  encodeQueryDatum,
  parseQueryError,
  queryDatumBytes,
} from "./cloudwatch-query.js";
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
export {
  AgentConfigError,
  AwsCredentialsError,
  AwsRegionError,
  AwsRequestError,
  PublishError,
} from "./errors.js";
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
export {
  type AwsCredentials,
  amzDate,
  type SignableRequest,
  type SigningScope,
  signRequest,
} from "./sigv4.js";
export { SsmParameterReader, type SsmParameterReaderOptions } from "./ssm.js";
export { PeriodSamples, percentile, type StatisticSet, singleValue } from "./stats.js";
export {
  type AgentInstallOptions,
  DEFAULT_NODE_FLAGS,
  renderAgentInstallScript,
  renderAgentUnit,
} from "./systemd.js";
export { LogTailer, type TailStats } from "./tail.js";
