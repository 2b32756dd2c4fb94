/**
 * The agent's entry point, bundled by esbuild into one file: `node agent.cjs --config <file>`.
 * SIGHUP re-reads the configuration (the SSM parameter it names, else the file); SIGTERM and SIGINT
 * publish what was measured and exit.
 */
import { readFile } from "node:fs/promises";
import { TelemetryAgent } from "./agent.js";
import { CloudWatchPublisher } from "./cloudwatch.js";
import { type AgentConfig, parseAgentConfig } from "./config.js";
import { jsonLineLogger } from "./logger.js";

/** Exit status for an unusable configuration (sysexits EX_CONFIG); the unit does not restart on it. */
export const EXIT_CONFIG = 78;

async function readParameter(config: AgentConfig, name: string): Promise<string> {
  // Loaded only when used, so an agent without a parameter never pays for the SSM client.
  const { SSMClient, GetParameterCommand } = await import("@aws-sdk/client-ssm");
  const client = new SSMClient({
    maxAttempts: 3,
    ...(config.publish.region === undefined ? {} : { region: config.publish.region }),
    ...(config.publish.endpoint === undefined ? {} : { endpoint: config.publish.endpoint }),
  });
  try {
    const result = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = result.Parameter?.Value;
    if (value === undefined) throw new Error(`SSM parameter ${name} has no value`);
    return value;
  } finally {
    client.destroy();
  }
}

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
  const publisher = new CloudWatchPublisher({
    ...(config.publish.region === undefined ? {} : { region: config.publish.region }),
    ...(config.publish.endpoint === undefined ? {} : { endpoint: config.publish.endpoint }),
  });
  const agent = new TelemetryAgent({ config, publisher, logger });
  process.on("SIGHUP", () => {
    const parameter = agent.config.configParameter;
    void (parameter === undefined
      ? agent.reload(() => readFile(path, "utf8"), path)
      : agent.reload(() => readParameter(agent.config, parameter), `ssm:${parameter}`));
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    void agent.stop().then(
      () => {
        publisher.destroy();
        process.exit(0);
      },
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
