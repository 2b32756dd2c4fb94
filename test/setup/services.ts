/**
 * Vitest global setup: starts the loopback services the integration tests need (moto, the AWS API
 * emulator) and stops them by PID afterwards. Tests read the endpoint with `inject("motoEndpoint")`.
 *
 * On a machine without `moto_server`, the moto-backed tests are skipped with a plain note; under CI
 * (`CI=true`) a missing moto is an error, so CI can never pass by skipping them.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:PORT` of the moto server, or "" when moto is not installed. */
    motoEndpoint: string;
  }
}

const MOTO_INSTALL_HINT = "install it with `pip install 'moto[server]'` (moto 5.x) and re-run `npm test`";

let moto: ChildProcess | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = spawnSync("moto_server", ["--help"], { stdio: "ignore" });
  if (found.error || found.status !== 0) {
    if (process.env.CI === "true") {
      throw new Error(
        `moto_server is not installed, and CI must run the moto integration tests: ${MOTO_INSTALL_HINT}`,
      );
    }
    process.stderr.write(
      `\nNOTE: moto_server was not found, so the AWS integration tests are SKIPPED; ${MOTO_INSTALL_HINT}.\n\n`,
    );
    project.provide("motoEndpoint", "");
    return async () => {};
  }
  const port = await freePort();
  moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(endpoint);
  project.provide("motoEndpoint", endpoint);
  return async () => {
    if (moto?.pid !== undefined && moto.exitCode === null) process.kill(moto.pid, "SIGTERM");
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(endpoint: string): Promise<void> {
  // Bounded: moto starts in well under a second here; 15 s means something is wrong.
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok || response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within 15 s`);
}
