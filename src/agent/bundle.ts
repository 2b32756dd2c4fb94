/**
 * Builds the agent into one self-contained CommonJS file (node built-ins and zod/mini; no AWS SDK:
 * the agent signs its own CloudWatch and SSM requests), the file the AWS components ship to instances.
 */
import { join } from "node:path";

/** Options of {@link bundleAgent}. */
export interface BundleAgentOptions {
  /** Output file. @default ".cache/agent/personas-agent.cjs" */
  readonly outfile?: string;
  /** The repository root holding `src/agent/main.ts`. @default process.cwd() */
  readonly root?: string;
  /** Minify the output (smaller, less memory to parse). @default true */
  readonly minify?: boolean;
}

/**
 * Bundles `src/agent/main.ts` with esbuild (a build-time dependency, imported only here) and returns
 * the output path.
 *
 * @example
 * ```ts
 * const file = await bundleAgent({ outfile: "dist/agent/personas-agent.cjs" });
 * ```
 */
export async function bundleAgent(options: BundleAgentOptions = {}): Promise<string> {
  const outfile = options.outfile ?? ".cache/agent/personas-agent.cjs";
  const { build } = await import("esbuild");
  const entry = join(options.root ?? process.cwd(), "src", "agent", "main.ts");
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    minify: options.minify ?? true,
    legalComments: "none",
    // `import("node:https")` becomes a lazy require(): a real dynamic import would load Node's ESM
    // loader, about 1 MiB more for nothing.
    supported: { "dynamic-import": false },
    logLevel: "warning",
  });
  return outfile;
}
