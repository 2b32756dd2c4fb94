import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { bundleAgent } from "../../src/agent/bundle.js";
import { motoClientConfig, motoEndpoint, noMoto } from "../support/moto.js";

interface Run {
  readonly code: number | null;
  readonly lines: { level: string; msg: string; [field: string]: unknown }[];
}

/**
 * Runs the bundled agent with `config`; sends SIGTERM `runMs` after it logged "agent started" (its
 * signal handlers are installed by then: on a loaded machine Node's start-up alone can outlast a
 * timer started at spawn, and SIGTERM then kills the process before it can handle it), unless it
 * exits first.
 */
function runAgent(file: string, config: string, runMs: number): Promise<Run> {
  mkdirSync(".cache/test-agent", { recursive: true });
  writeFileSync(".cache/test-agent/config.json", config);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, "--config", ".cache/test-agent/config.json"], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (timer === undefined && out.includes('"agent started"')) {
        timer = setTimeout(() => child.kill("SIGTERM"), runMs);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({
        code,
        lines: out
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      });
    });
  });
}

describe("bundleAgent", () => {
  it("leaves the AWS SDK out: the agent signs its own requests", async () => {
    const file = await bundleAgent({ outfile: ".cache/test-agent/personas-agent.cjs" });

    const text = readFileSync(file, "utf8");

    expect(text).not.toMatch(/@aws-sdk|@smithy|CloudWatchClient|SSMClient/);
    expect(text).toContain("Action=PutMetricData");
    expect(text).toContain("AmazonSSM.GetParameter");
  });

  it("builds one file that refuses a bad configuration with exit status 78 and the reason", async () => {
    const file = await bundleAgent({ outfile: ".cache/test-agent/personas-agent.cjs" });

    const run = await runAgent(file, '{"version": 1}', 10_000);

    expect(run.code).toBe(78);
    expect(run.lines.map((l) => [l.level, l.msg, l.reason])).toEqual([
      [
        "error",
        "cannot start: configuration unusable",
        "The agent configuration from .cache/test-agent/config.json is invalid (1 problem); fix it and send SIGHUP to reload:\n" +
          "  - metrics: required, expected array",
      ],
    ]);
  });
});

describe.skipIf(noMoto)("the bundled agent against moto", () => {
  it("runs, and on SIGTERM publishes what it measured before exiting 0", async () => {
    const file = await bundleAgent({ outfile: ".cache/test-agent/personas-agent.cjs" });
    const config = {
      version: 1,
      dimensions: { InstanceId: "i-bundle" },
      probes: { targets: [{ name: "closed", kind: "tcp", host: "127.0.0.1", port: 9, timeoutMs: 500 }] },
      metrics: [{ name: "ProbeFailures", signal: "probe.failures", period: 10 }],
      publish: { region: "us-east-1", endpoint: motoEndpoint },
    };

    const run = await runAgent(file, JSON.stringify(config), 2_000);

    expect(run.code).toBe(0);
    expect(run.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(["agent started", "stopping", "agent stopped"]),
    );
    const stopped = run.lines.find((l) => l.msg === "agent stopped")!;
    expect(stopped.sent).toBeGreaterThanOrEqual(1);
    expect(stopped).toMatchObject({ buffered: 0, dropped: 0 });
  });
});

describe.skipIf(noMoto)("the bundled agent's reload from SSM", () => {
  it("reads the configuration parameter on SIGHUP and applies it", async () => {
    // Prepare: the first configuration names a parameter holding a second one
    const file = await bundleAgent({ outfile: ".cache/test-agent/personas-agent.cjs" });
    const parameter = "/personas/bundle-test/agent";
    const base = {
      version: 1,
      dimensions: { InstanceId: "i-bundle-ssm" },
      probes: { targets: [{ name: "closed", kind: "tcp", host: "127.0.0.1", port: 9, timeoutMs: 500 }] },
      publish: { region: "us-east-1", endpoint: motoEndpoint },
      configParameter: parameter,
    };
    const first = { ...base, metrics: [{ name: "ProbeFailures", signal: "probe.failures", period: 10 }] };
    const second = {
      ...base,
      metrics: [
        { name: "ProbeFailures", signal: "probe.failures", period: 10 },
        { name: "NetworkLatency", signal: "probe.latency", period: 10 },
      ],
    };
    const ssm = new SSMClient(motoClientConfig());
    await ssm.send(
      new PutParameterCommand({
        Name: parameter,
        Value: JSON.stringify(second),
        Type: "String",
        Overwrite: true,
      }),
    );
    mkdirSync(".cache/test-agent", { recursive: true });
    writeFileSync(".cache/test-agent/config-ssm.json", JSON.stringify(first));

    // Act: SIGHUP once started, SIGTERM once reloaded (or after 15 s)
    const child = spawn(process.execPath, [file, "--config", ".cache/test-agent/config-ssm.json"], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    const deadline = setTimeout(() => child.kill("SIGTERM"), 15_000);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (chunk.includes('"agent started"')) child.kill("SIGHUP");
      if (chunk.includes('"configuration reloaded"') || chunk.includes('"configuration rejected')) {
        child.kill("SIGTERM");
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    clearTimeout(deadline);
    await ssm.send(new DeleteParameterCommand({ Name: parameter }));
    ssm.destroy();

    // Assess
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { msg: string; [field: string]: unknown });
    expect(code).toBe(0);
    expect(lines.find((l) => l.msg === "configuration reloaded")).toMatchObject({
      level: "info",
      source: `ssm:${parameter}`,
      metrics: 2,
    });
  });
});
