/** Expanding the CLI's file and folder arguments. */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./errors.js";

const PERSONA_FILE = /\.(ya?ml|json)$/i;

/** Files named directly, plus every .yaml/.yml/.json file under named folders (sorted, recursive). */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch (error) {
      throw new UsageError(
        `cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        { cause: error },
      );
    }
    if (stats.isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (PERSONA_FILE.test(entry.name)) out.push(full);
  }
  return out;
}
