/** Expanding the CLI's file and folder arguments. */
import { readdirSync, readFileSync, statSync } from "node:fs";
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
      throw new UsageError(unreadable(path, "file or folder", error), { cause: error });
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

/**
 * Reads a file the user named. An unreadable path is a usage error in words (no such file, a folder,
 * permission denied) with the next step, never a raw errno.
 * @param what what the file is, for the message ("persona file", "mapping file")
 */
export function readInputFile(path: string, what = "file"): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(unreadable(path, what, error), { cause: error });
  }
}

function unreadable(path: string, what: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return `no ${what} at '${path}'; check the path`;
    case "EISDIR":
      return `'${path}' is a folder; name a ${what} in it`;
    case "EACCES":
    case "EPERM":
      return `cannot read '${path}': permission denied`;
    default:
      return `cannot read '${path}': ${code ?? String(error)}`;
  }
}
