/** Expanding the CLI's file and folder arguments. */
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { InputTooLargeError } from "../pdl/errors.js";
import { type InputLimitOptions, readInputFile as readCappedFile } from "../pdl/input.js";
import { UsageError } from "./errors.js";

/**
 * The kinds of file the commands read from a folder. A file named on the command line is always read
 * as the command's kind (its errors are reported); in a folder each command takes only its own kind,
 * so `validate personas/` does not read `mapping.yaml` as a persona, nor `test examples/` a persona as
 * a test. The rules are in `personas validate --help` and docs/mapping.md.
 */
export type FileKind = "persona" | "mapping" | "test";

const DATA_FILE = /\.(ya?ml|json)$/i;
/** Persona test files: `*.test.yaml` / `*.test.yml` (docs/simulation.md). */
export const TEST_FILE = /\.test\.ya?ml$/i;
/** Files of the tools around a Pulumi project, never personas or mappings. */
const PROJECT_FILE =
  /^(package(-lock)?\.json|tsconfig(\..*)?\.json|biome\.json|Pulumi(\..*)?\.ya?ml|PulumiPolicy\.ya?ml)$/i;
/** Top-level keys only a persona has (package.json also has name, version and description). */
const PERSONA_KEYS = new Set([
  "Name",
  "Version",
  "Description",
  "extends",
  "Extends",
  "baseConfiguration",
  "BaseConfiguration",
  "softwareStack",
  "SoftwareStack",
  "features",
  "Features",
  "telemetryTriggers",
  "TelemetryTriggers",
  "externalDataSources",
  "ExternalDataSources",
  "automatedResponses",
  "AutomatedResponses",
  "bounds",
  "Bounds",
]);

/**
 * The kind of a data file found in a folder, from its name and top-level keys: `*.test.yaml` is a
 * test; a project file (package.json, tsconfig.json, Pulumi.yaml, ...) is nothing; a document whose top
 * level has `rules` is a mapping; one with a persona section is a persona. A file that is not valid
 * YAML counts as a persona, so `validate` reports its syntax error instead of skipping it.
 */
export function fileKindOf(name: string, text: string): FileKind | undefined {
  if (TEST_FILE.test(name)) return "test";
  if (PROJECT_FILE.test(name)) return undefined;
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch {
    // Broken YAML: the persona validator reports where (a deliberate fall-through, not a swallowed error).
    return "persona";
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  if (keys.includes("rules")) return "mapping";
  return keys.some((key) => PERSONA_KEYS.has(key)) ? "persona" : undefined;
}

/** The files {@link expandPaths} found, and those it left out of folders because they are another kind. */
export interface ExpandedPaths {
  readonly files: string[];
  /** Data files in the named folders that are not of the kind asked for. */
  readonly skipped: string[];
}

/**
 * Files named directly, plus the files of `kind` under named folders (sorted, recursive; hidden
 * entries and node_modules left out).
 */
export function expandPaths(paths: readonly string[], kind: FileKind): ExpandedPaths {
  const files: string[] = [];
  const skipped: string[] = [];
  for (const path of paths) {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch (error) {
      throw new UsageError(unreadable(path, "file or folder", error), { cause: error });
    }
    if (!stats.isDirectory()) {
      files.push(path);
      continue;
    }
    for (const file of walk(path)) {
      const name = basename(file);
      // Test files are told by name alone; other kinds by their top-level keys.
      const found =
        kind === "test" || TEST_FILE.test(name) || PROJECT_FILE.test(name)
          ? fileKindOf(name, "")
          : kindOfContent(file, name, kind);
      (found === kind ? files : skipped).push(file);
    }
  }
  return { files, skipped };
}

/** The kind of a file by its content; an oversized file counts as `kind`, so the command reports it. */
function kindOfContent(file: string, name: string, kind: FileKind): FileKind | undefined {
  try {
    return fileKindOf(name, readInputFile(file, `${kind} file`));
  } catch (error) {
    if (error instanceof InputTooLargeError) return kind;
    throw error;
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (DATA_FILE.test(entry.name)) out.push(full);
  }
  return out;
}

/** `, skipped 2 files of other kinds (package.json, mapping.yaml)`, or "" when none was. */
export function skippedNote(skipped: readonly string[]): string {
  if (skipped.length === 0) return "";
  const names = skipped.slice(0, 5).join(", ") + (skipped.length > 5 ? ", ..." : "");
  return `skipped ${skipped.length} file${skipped.length === 1 ? "" : "s"} of other kinds (${names})`;
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
