/**
 * The agent's entry point, bundled by esbuild into one file: `node agent.cjs --config <file>`.
 * SIGHUP re-reads the configuration (the SSM parameter it names, else the file); SIGTERM and SIGINT
 * publish what was measured and exit.
 */
import { readFile as readFileCallback } from "node:fs";
import { TelemetryAgent } from "./agent.js";
import { defaultCredentials } from "./aws.js";
import { agentPublishers } from "./backends.js";
import { type AgentConfig, parseAgentConfig } from "./config.js";
import { jsonLineLogger } from "./logger.js";
import type { MetricPublisher } from "./publisher.js";
import { SsmParameterReader } from "./ssm.js";

// Callback fs wrapped by hand: node:fs/promises would load about 1 MiB of modules the agent does not need.
const readFile = (path: string, encoding: "utf8") =>
  new Promise<string>((resolve, reject) =>
    readFileCallback(path, encoding, (error, text) => (error ? reject(error) : resolve(text))),
  );

/** Exit status for an unusable configuration (sysexits EX_CONFIG); the unit does not restart on it. */
export const EXIT_CONFIG = 78;

async function main(argv: readonly string[]): Promise<void> {
  const logger = jsonLineLogger();
  const at = argv.indexOf("--config");
  const path = at >= 0 ? argv[at + 1] : process.env.PERSONAS_AGENT_CONFIG;
  if (path === undefined || path === "") {
    logger.error("no configuration: pass --config <file> or set PERSONAS_AGENT_CONFIG");
    process.exit(EXIT_CONFIG);
  }
  let config: AgentConfig;
  try {
    config = parseAgentConfig(await readFile(path, "utf8"), path);
  } catch (error) {
    logger.error("cannot start: configuration unusable", { reason: (error as Error).message });
    process.exit(EXIT_CONFIG);
  }
  // One credential source for CloudWatch and SSM: the instance profile is fetched once for both.
  const credentials = defaultCredentials();
  // On Azure VMs cloud-init sets PERSONAS_AGENT_CLOUD=azure (and the identity's client id): custom
  // metrics of the VM in Azure Monitor with the VM's managed identity, and the Log Analytics table
  // when the Logs Ingestion variables are set.
  let publisher: MetricPublisher[];
  try {
    publisher = agentPublishers(config, process.env, { logger, credentials });
  } catch (error) {
    logger.error("cannot start: environment unusable", { reason: (error as Error).message });
    process.exit(EXIT_CONFIG);
  }
  const agent = new TelemetryAgent({ config, publisher, logger });
  process.on("SIGHUP", () => {
    const parameter = agent.config.configParameter;
    const { region, endpoint } = agent.config.publish;
    void (parameter === undefined
      ? agent.reload(() => readFile(path, "utf8"), path)
      : agent.reload(
          () => new SsmParameterReader({ region, endpoint, credentials }).get(parameter),
          `ssm:${parameter}`,
        ));
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    void agent.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error("stop failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  agent.start();
}

void main(process.argv.slice(2));
