/**
 * Vitest global setup: checks the programs the integration tests need (moto, Azurite, openssl) and
 * tells the workers which are present. It starts no server: each worker starts its own emulator on a
 * port of its own (test/support/emulator.ts), so tests can run on any number of workers without
 * sharing state.
 *
 * Locally, a missing program skips the tests that need it, with a note. Under CI (`CI=true`) it fails
 * the run with one line naming every missing program, so CI can never pass by skipping them.
 */
import { spawnSync } from "node:child_process";
import type { TestProject } from "vitest/node";

/** A program some tests need, how to detect it and how to install it. */
interface Prerequisite {
  readonly command: readonly [string, ...string[]];
  readonly needed: string;
  readonly install: string;
}

export const PREREQUISITES = {
  moto: {
    command: ["moto_server", "--help"],
    needed: "the AWS integration tests against moto",
    install: "`pip install 'moto[server]'` (moto 5.x)",
  },
  azurite: {
    // The npm devDependency (test/support/azurite.ts starts node_modules/.bin/azurite).
    command: ["node_modules/.bin/azurite", "--version"],
    needed: "the Azure runtime tests against Azurite (tables, queues, blobs)",
    install: "`npm ci` (azurite is a devDependency, 3.35)",
  },
  openssl: {
    command: ["openssl", "version"],
    needed: "the feed fetcher's TLS tests (certificate and vetted-address checks)",
    install: "`apt-get install openssl`",
  },
} as const satisfies Record<string, Prerequisite>;

export type PrerequisiteName = keyof typeof PREREQUISITES;

declare module "vitest" {
  export interface ProvidedContext {
    /** Which prerequisite programs are installed on this machine. */
    prerequisites: Record<PrerequisiteName, boolean>;
  }
}

export default function setup(project: TestProject): void {
  const present = {} as Record<PrerequisiteName, boolean>;
  for (const [name, { command }] of Object.entries(PREREQUISITES) as [PrerequisiteName, Prerequisite][]) {
    const [program, ...args] = command;
    const run = spawnSync(program, args, { stdio: "ignore", timeout: 30_000 });
    present[name] = run.error === undefined && run.status === 0;
  }
  const missing = (Object.keys(present) as PrerequisiteName[]).filter((name) => !present[name]);
  if (missing.length > 0 && process.env.CI === "true") {
    const list = missing.map(
      (name) => `${PREREQUISITES[name].command[0]} (install with ${PREREQUISITES[name].install})`,
    );
    throw new Error(`CI must run every test, but these programs are missing: ${list.join("; ")}.`);
  }
  for (const name of missing) {
    const { command, needed, install } = PREREQUISITES[name];
    process.stderr.write(
      `\nNOTE: ${command[0]} was not found, so ${needed} are SKIPPED; install it with ${install}.\n`,
    );
  }
  project.provide("prerequisites", present);
}
