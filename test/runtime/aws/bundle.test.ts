/**
 * The shipped bundles: each handler builds to one file that loads with only the AWS SDK outside
 * it, and zod (with its unused parts stubbed out) still validates and explains events.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// Inside the checkout, so the bundles resolve @aws-sdk/* from node_modules as Lambda resolves its own.
mkdirSync(".cache", { recursive: true });
const outdir = mkdtempSync(join(".cache", "runtime-bundles-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("responder bundles", () => {
  it("builds one bundle per responder kind and the orchestrator, each exporting a handler", () => {
    const run = spawnSync(process.execPath, ["scripts/build-runtime.mjs", "--outdir", outdir, "--json"], {
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    const built = JSON.parse(run.stdout) as { kind: string }[];
    expect(built.map((b) => b.kind)).toEqual([
      "feature",
      "firewall",
      "invoke-function",
      "isolate",
      "notify",
      "orchestrator",
      "run-command",
      "scale",
      "shift-persona",
      "traffic",
      "value-feed",
    ]);
    const load = createRequire(resolve("package.json"));
    for (const { kind } of built)
      expect(typeof load(resolve(outdir, `${kind}.js`)).handler, kind).toBe("function");
  });

  it("rejects an unexpected event with zod's explanation inside the bundle", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      FLEET_BUCKET: "b",
      STATE_TABLE: "t",
      FLEET_NAME: "web",
      STACK_NAME: "prod",
      AWS_REGION: "us-east-1",
    });
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      const { handler } = createRequire(resolve("package.json"))(resolve(outdir, "notify.js"));
      await expect(handler({ source: "aws.cloudwatch" })).rejects.toThrow(
        "Rejected an event that is not a valid CloudWatch alarm event (alarmArn: Invalid input: expected string, received undefined; alarmData: Invalid input: expected object, received undefined); nothing was done.",
      );
    } finally {
      process.stdout.write = write;
      process.env = saved;
    }
  });
});
