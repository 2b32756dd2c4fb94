import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bundleAgent } from "../../src/agent/index.js";
import { motoEndpoint, noMoto } from "../support/moto.js";

interface Run {
  readonly code: number | null;
  readonly lines: { level: string; msg: string; [field: string]: unknown }[];
}

/** Runs the bundled agent with `config`; sends SIGTERM after `runMs` unless it exits first. */
function runAgent(file: string, config: string, runMs: number): Promise<Run> {
  mkdirSync(".cache/test-agent", { recursive: true });
  writeFileSync(".cache/test-agent/config.json", config);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, "--config", ".cache/test-agent/config.json"], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), runMs);
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
