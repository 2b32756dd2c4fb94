/**
 * Which publishers the bundled agent runs, from its configuration and the environment its unit
 * sets: on AWS CloudWatch (SDK-free); on Azure (`PERSONAS_AGENT_CLOUD=azure`) custom metrics of the
 * VM and, when the Logs Ingestion variables are set (AGENT_LOG_INGESTION_ENV), also the rows of the
 * agent's Log Analytics table, with one instance metadata reader shared by both.
 */
import type { CredentialSource } from "./aws.js";
import { AzureMonitorPublisher } from "./azure-monitor.js";
import { CloudWatchQueryPublisher } from "./cloudwatch-query.js";
import { type AgentConfig, logsIngestionFromEnvironment } from "./config.js";
import { AzureInstanceMetadata } from "./imds.js";
import type { AgentLogger } from "./logger.js";
import { LogsIngestionPublisher } from "./logs-ingestion.js";
import type { MetricPublisher } from "./publisher.js";

/**
 * The environment of the agent's unit (see `renderAgentInstallScript`): `PERSONAS_AGENT_CLOUD`
 * (`azure` on Azure VMs; anything else, or nothing, means AWS), `PERSONAS_AGENT_CLIENT_ID` (the VM's
 * user-assigned identity) and the Logs Ingestion variables of AGENT_LOG_INGESTION_ENV.
 */
export type AgentEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * The publishers for a configuration, in order: the first is the primary one (`stats().publish`).
 *
 * @throws AgentEnvironmentError when the Logs Ingestion variables are set but invalid.
 * @example
 * ```ts
 * const publishers = agentPublishers(config, process.env, { logger, credentials });
 * ```
 */
export function agentPublishers(
  config: AgentConfig,
  environment: AgentEnvironment,
  context: { readonly logger: AgentLogger; readonly credentials: CredentialSource },
): MetricPublisher[] {
  const logsIngestion = logsIngestionFromEnvironment(environment);
  if (environment.PERSONAS_AGENT_CLOUD !== "azure") {
    if (logsIngestion !== undefined)
      context.logger.warn("Logs Ingestion settings ignored: the Logs Ingestion API is for Azure VMs", {
        cloud: environment.PERSONAS_AGENT_CLOUD ?? "aws",
      });
    return [
      new CloudWatchQueryPublisher({
        region: config.publish.region,
        endpoint: config.publish.endpoint,
        credentials: context.credentials,
      }),
    ];
  }
  const clientId = environment.PERSONAS_AGENT_CLIENT_ID;
  const metadata = new AzureInstanceMetadata(clientId ? { clientId } : {});
  const customMetrics = new AzureMonitorPublisher({ metadata });
  if (logsIngestion === undefined) return [customMetrics];
  return [customMetrics, new LogsIngestionPublisher({ ...logsIngestion, metadata, logger: context.logger })];
}
