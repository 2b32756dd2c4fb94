/**
 * Vitest global setup: builds the personas agent bundle into `.cache/agent/personas-agent.cjs`, the
 * file the AWS components upload to the stack's bucket when no `dist/` build exists (a source
 * checkout). Built once per run, before any test file loads.
 */
import { bundleAgent } from "../../src/agent/bundle.js";

export default async function setup(): Promise<void> {
  await bundleAgent({ outfile: ".cache/agent/personas-agent.cjs" });
}
