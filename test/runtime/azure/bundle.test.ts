import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTION_APP_BOUNDARIES, MAX_DEQUEUE_COUNT } from "../../../src/runtime/azure/contract.js";

interface Built {
  app: string;
  file: string;
  bytes: number;
  inputs: Record<string, { bytesInOutput: number }>;
}

describe("Azure Function App bundles (scripts/build-azure-runtime.mjs)", () => {
  let outdir: string;
  let built: Built[];

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), "personas-azure-bundles-"));
    const script = "../../../scripts/build-azure-runtime.mjs";
    const { buildAzureRuntime } = (await import(script)) as {
      buildAzureRuntime: (o: { outdir: string }) => Promise<Built[]>;
    };
    built = await buildAzureRuntime({ outdir });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("builds one package per identity boundary, each within the 300 kB budget", () => {
    expect(built.map((b) => b.app)).toEqual([...FUNCTION_APP_BOUNDARIES].sort());
    for (const b of built) expect(`${b.app} ${b.bytes <= 300 * 1024}`).toBe(`${b.app} true`);
  });

  it("carries no storage or identity SDK: storage and ARM go through the runtime's own REST clients", () => {
    for (const b of built) {
      const sdks = Object.keys(b.inputs).filter((p) =>
        /node_modules[\\/]@azure[\\/](storage-|data-tables|identity|arm-)/.test(p),
      );
      expect(sdks).toEqual([]);
    }
  });

  it("writes the host.json that moves a message to the poison queue after the contract's attempts, and a package.json naming the bundle", () => {
    for (const b of built) {
      const host = JSON.parse(readFileSync(join(outdir, b.app, "host.json"), "utf8")) as {
        extensions: { queues: { maxDequeueCount: number } };
      };
      expect(host.extensions.queues.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
      expect(JSON.parse(readFileSync(join(outdir, b.app, "package.json"), "utf8"))).toEqual({
        name: `personas-${b.app}`,
        main: "index.js",
      });
    }
  });
});
