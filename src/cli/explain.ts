/**
 * `personas explain`: which persona an instance gets, in which version, with which overrides, and
 * why: one row per field (or per item when all of it came from one place) with its source.
 */
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { PersonasError } from "../errors.js";
import { defaultPersonaDirectory, PersonaRepository } from "../repository/repository.js";
import { explanationHeader, explanationRows, formatTable } from "../resolve/explain.js";
import { parseMapping } from "../resolve/mapping.js";
import { createResolutionContext, type InstanceTags, resolveFleet } from "../resolve/resolve.js";
import type { Cloud } from "../resolve/sizing/types.js";
import { UsageError } from "./errors.js";
import { cliInputLimits, readInputFile } from "./files.js";
import type { CommandResult } from "./main.js";

/** Options of {@link explainCommand}. */
export interface ExplainOptions {
  /** `key=value,key=value` tags of one instance. */
  tags?: string;
  /** The instance's id with `tags`. @default "instance" */
  id?: string;
  /** A YAML or JSON file of instances: a list of `{ id, tags }`, or a mapping of id → tags. */
  instanceFile?: string;
  /** The mapping file. @default the embedded `personas/mapping.yaml` */
  mapping?: string;
  /** The persona directory. @default the embedded `personas/` */
  personas?: string;
  /** Also choose a size on this cloud. */
  cloud?: Cloud;
  /** Output format. */
  format: "text" | "json";
}

/** Resolves the instances and prints the explanation; exit 1 when any instance cannot be resolved. */
export function explainCommand(options: ExplainOptions): CommandResult {
  if ((options.tags === undefined) === (options.instanceFile === undefined))
    throw new UsageError("needs exactly one of --tags key=value,... and --instance-file <file>");
  const instances =
    options.tags !== undefined
      ? [{ id: options.id ?? "instance", tags: parseTags(options.tags) }]
      : readInstances(options.instanceFile!);
  const directory = options.personas ?? defaultPersonaDirectory();
  const mappingFile = options.mapping ?? join(directory, "mapping.yaml");
  const mapping = parseMapping(readInputFile(mappingFile, "mapping file"), { file: mappingFile });
  const context = createResolutionContext(
    PersonaRepository.fromDirectory(directory, cliInputLimits()),
    mapping,
  );
  const outcome = resolveFleet(
    instances,
    context,
    options.cloud === undefined ? {} : { cloud: options.cloud },
  );
  const exitCode = outcome.failures.length === 0 ? 0 : 1;
  if (options.format === "json") {
    const report = {
      resolved: outcome.resolved,
      failures: outcome.failures.map(({ instance, error }) => ({
        instance,
        error: { name: error.name, code: error.code, message: error.message },
      })),
    };
    return { exitCode, stdout: `${JSON.stringify(report, null, 2)}\n` };
  }
  const blocks = outcome.resolved.map((resolved) =>
    [...explanationHeader(resolved), "", formatTable(explanationRows(resolved))].join("\n"),
  );
  for (const { instance, error } of outcome.failures) blocks.push(`✘ ${instance.id}: ${error.message}`);
  return { exitCode, stdout: `${blocks.join("\n\n")}\n` };
}

/** `role=web,tier=premium` → `{ role: "web", tier: "premium" }`; a value may contain `=`. */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const at = part.indexOf("=");
    if (at <= 0) throw new UsageError(`cannot read the tag '${part}': write key=value, separated by commas`);
    tags[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return tags;
}

function readInstances(file: string): InstanceTags[] {
  let data: unknown;
  try {
    data = parseYaml(readInputFile(file, "instance file"));
  } catch (error) {
    if (error instanceof PersonasError) throw error;
    throw new UsageError(`cannot read the instance file '${file}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  const entries: [unknown, unknown][] = Array.isArray(data)
    ? data.map((item, index) => [
        (item as { id?: unknown })?.id ?? `#${index + 1}`,
        (item as { tags?: unknown })?.tags,
      ])
    : data !== null && typeof data === "object"
      ? Object.entries(data)
      : [];
  if (entries.length === 0)
    throw new UsageError(
      `the instance file '${file}' has no instances: write a list of '{ id, tags }' or a mapping of id → tags`,
    );
  return entries.map(([id, tags]) => {
    if (tags === null || typeof tags !== "object" || Array.isArray(tags))
      throw new UsageError(`instance '${String(id)}' in '${file}' has no tags mapping`);
    return {
      id: String(id),
      tags: Object.fromEntries(
        Object.entries(tags as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      ),
    };
  });
}
