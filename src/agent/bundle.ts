/**
 * Builds the agent into one self-contained CommonJS file (node built-ins and zod/mini; no AWS SDK:
 * the agent signs its own CloudWatch and SSM requests), the file the AWS components ship to instances.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The bundled agent on the machine running the Pulumi program. */
export interface AgentBundle {
  /** Its path. */
  path: string;
  /** Lower-case hex SHA-256 of its bytes. */
  sha256: string;
  /** Its size in bytes. */
  bytes: number;
}

/**
 * Where the package keeps the bundled agent: `dist/agent` once built, `.cache/agent` in a source checkout.
 * @internal
 */
export function defaultAgentBundlePaths(): string[] {
  // src/agent and dist/agent both sit two levels below the package root.
  const root = join(__dirname, "..", "..");
  return [
    join(root, "dist", "agent", "personas-agent.cjs"),
    join(root, ".cache", "agent", "personas-agent.cjs"),
  ];
}

/**
 * The bundled agent at `path`, or at the first default place that has one; `looked` lists the places
 * when there is none (each cloud's components turn that into their own error).
 * @internal
 */
export function findAgentBundle(path?: string): AgentBundle | { looked: string[] } {
  const candidates = path === undefined ? defaultAgentBundlePaths() : [path];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) return { looked: candidates };
  const bytes = readFileSync(found);
  return { path: found, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
}

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
