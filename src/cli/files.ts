/** Expanding the CLI's file and folder arguments. */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputTooLargeError } from "../pdl/errors.js";
import { type InputLimitOptions, readInputFile as readCappedFile } from "../pdl/input.js";
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
 * Reads a file the user named, refusing it above the input cap (`PERSONAS_MAX_INPUT_BYTES`, 1 MiB by
 * default) before reading it: an `InputTooLargeError`. An unreadable path is a usage error in words
 * (no such file, a folder, permission denied) with the next step, never a raw errno.
 * @param what what the file is, for the message ("persona file", "mapping file")
 */
export function readInputFile(path: string, what = "file"): string {
  const limits = cliInputLimits();
  try {
    return readCappedFile(path, limits);
  } catch (error) {
    if (error instanceof InputTooLargeError) throw error;
    throw new UsageError(unreadable(path, what, error), { cause: error });
  }
}

/** The environment variable that raises (or lowers) the input cap of every `personas` command. */
export const MAX_INPUT_BYTES_VARIABLE = "PERSONAS_MAX_INPUT_BYTES";

/**
 * The input cap of the CLI: `PERSONAS_MAX_INPUT_BYTES` when set, else the library's default (1 MiB).
 * @throws {@link UsageError} when the variable is not a positive whole number.
 */
export function cliInputLimits(
  env: Readonly<Record<string, string | undefined>> = process.env,
): InputLimitOptions {
  const written = env[MAX_INPUT_BYTES_VARIABLE];
  if (written === undefined || written === "") return {};
  const value = Number(written);
  if (!/^\d+$/.test(written.trim()) || !Number.isSafeInteger(value) || value < 1)
    throw new UsageError(
      `${MAX_INPUT_BYTES_VARIABLE} must be a positive whole number of bytes, not '${written}'; unset it for the default of 1 MiB`,
    );
  return { maxInputBytes: value };
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
