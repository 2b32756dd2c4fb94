/**
 * The PDL front end: text or objects → `Persona`, with every problem reported at once.
 *
 * @example
 * ```ts
 * import { parsePersona } from "pulumi-personas/pdl";
 * const persona = parsePersona(readFileSync("HighTraffic.yaml", "utf8"), { file: "HighTraffic.yaml" });
 * persona.triggers[0].condition.window; // { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 }
 * ```
 */
import { basename } from "node:path";
import type { z } from "zod";
import { type Diagnostic, SourceMap, sortDiagnostics } from "./diagnostics.js";
import { displayKey, keysAt, PersonaDocument } from "./document.js";
import { InputTooLargeError, PersonaValidationError } from "./errors.js";
import { type InputLimitOptions, inputLimit, oversize, requireInputSize } from "./input.js";
import { flattenIssues, type IssueVocabulary, issueDiagnostics } from "./issues.js";
import { describeValue, type Locator, locator } from "./locate.js";
import type { Persona } from "./model.js";
import { normalise } from "./normalise.js";
import { type Path, pathKey, readYaml } from "./source.js";

/** Options of the PDL parser. */
export interface ParseOptions extends InputLimitOptions {
  /**
   * File name used in diagnostics and, when the document has no `Name`, for the persona's name
   * (its base name up to the first dot: `HighTraffic.yaml` → `HighTraffic`).
   * @default "<input>"
   */
  file?: string;
  /** The persona's name when the document has none; overrides the name taken from `file`. */
  name?: string;
}

/** The outcome of validation: a persona when there are no errors, and every diagnostic. */
export interface ValidationResult {
  persona: Persona | undefined;
  diagnostics: Diagnostic[];
  /** True when no diagnostic is an error. */
  valid: boolean;
}

/**
 * An oversized input as one located diagnostic (at the file's start), so it is reported like any other problem.
 * @internal
 */
export function inputTooLargeDiagnostic(error: InputTooLargeError): Diagnostic {
  return {
    severity: "error",
    code: "input-too-large",
    message: error.message,
    file: error.file,
    line: 1,
    column: 1,
    length: 1,
    path: "",
  };
}

/**
 * Parses and validates a persona document (seed notation or structured YAML/JSON). Never throws;
 * problems are returned as diagnostics sorted by position.
 */
export function validatePersonaText(text: string, options: ParseOptions = {}): ValidationResult {
  const file = options.file ?? "<input>";
  const limit = inputLimit(options);
  const bytes = oversize(text, limit);
  if (bytes !== undefined) {
    // Refused before the YAML parser sees it: parsing cost is not bounded by the input's size.
    return result(undefined, [inputTooLargeDiagnostic(new InputTooLargeError(file, bytes, limit))]);
  }
  const source = readYaml(text);
  const locate = locator(file, new SourceMap(text), source);
  if (source.problems.length > 0) {
    return result(
      undefined,
      source.problems.map((p) => locate.span(p.span, p.code, p.message, p.hint)),
    );
  }
  return validateData(source.data, { ...options, file }, locate, source.style);
}

/**
 * Validates a persona given as a JavaScript object (structured or seed-notation keys), e.g. from a
 * TypeScript program. Diagnostics carry paths instead of line numbers.
 */
export function validatePersonaObject(value: unknown, options: ParseOptions = {}): ValidationResult {
  const file = options.file ?? "<object>";
  return validateData(
    normaliseKeysOfObject(value),
    { ...options, file },
    locator(file, undefined, undefined),
    "camel",
  );
}

/**
 * Parses a persona document and returns the normalised model.
 * @throws {PersonaValidationError} with every diagnostic when the document has errors.
 * @throws {InputTooLargeError} when the text is above `maxInputBytes` (1 MiB by default), before parsing.
 */
export function parsePersona(text: string, options: ParseOptions = {}): Persona {
  requireInputSize(text, options.file ?? "<input>", options);
  const outcome = validatePersonaText(text, options);
  if (!outcome.valid || !outcome.persona)
    throw new PersonaValidationError(options.file ?? "<input>", outcome.diagnostics, text);
  return outcome.persona;
}

/**
 * Defines a persona in TypeScript with the structured form, validated like a file.
 * @throws {PersonaValidationError} when the definition has errors.
 * @example
 * ```ts
 * const web = definePersona({
 *   name: "Web",
 *   baseConfiguration: { cpu: 2, memory: "4 GB" },
 *   telemetryTriggers: [{ condition: "CPU Load > 80% for 5 minutes", action: "Scale up to 4 cores" }],
 * });
 * ```
 */
export function definePersona(
  definition: z.input<typeof PersonaDocument>,
  options: ParseOptions = {},
): Persona {
  const outcome = validatePersonaObject(definition, options);
  if (!outcome.valid || !outcome.persona)
    throw new PersonaValidationError(options.file ?? "<object>", outcome.diagnostics);
  return outcome.persona;
}

function result(persona: Persona | undefined, diagnostics: Diagnostic[]): ValidationResult {
  const sorted = sortDiagnostics(diagnostics);
  const valid = !sorted.some((d) => d.severity === "error");
  return { persona: valid ? persona : undefined, diagnostics: sorted, valid };
}

function nameFromFile(file: string): string | undefined {
  if (file.startsWith("<")) return undefined;
  const stem = basename(file).split(".")[0];
  return stem === undefined || stem === "" ? undefined : stem;
}

function validateData(
  data: unknown,
  options: ParseOptions & { file: string },
  locate: Locator,
  style: "pascal" | "camel",
): ValidationResult {
  const diagnostics: Diagnostic[] = [];
  if (data === null || data === undefined || typeof data !== "object" || Array.isArray(data)) {
    diagnostics.push(
      locate.path(
        [],
        "not-a-persona",
        `a persona document must be a mapping of sections, received ${describeValue(data)}`,
        "start with sections such as 'BaseConfiguration:' and 'TelemetryTriggers:'",
      ),
    );
    return result(undefined, diagnostics);
  }
  const shape = PersonaDocument.safeParse(data);
  const broken = new Set<string>();
  if (!shape.success) {
    const vocabulary: IssueVocabulary = {
      keysAt: (path) => keysAt(path).map((k) => displayKey(k, style)),
      display: (path) => displayPath(pathKey(path), style),
    };
    diagnostics.push(...issueDiagnostics(shape.error.issues, data, locate, vocabulary));
    for (const issue of flattenIssues(shape.error.issues)) {
      // An unknown section leaves the known ones intact: keep checking them, so every problem shows.
      if (issue.code === "unrecognized_keys" && issue.path.length === 0) continue;
      // Leave out the item (array element or section) containing the problem from the semantic pass.
      broken.add(pathKey(issue.path.slice(0, typeof issue.path[1] === "number" ? 2 : 1) as Path));
    }
  }
  const document = (shape.success ? shape.data : withoutBrokenSections(data, broken)) as PersonaDocument;
  const skip = (path: Path) => broken.has(pathKey(path)) || broken.has(pathKey(path.slice(0, 1)));
  let persona: Persona | undefined;
  if (!broken.has("")) {
    persona = normalise(
      document,
      options.name ?? nameFromFile(options.file),
      (path, code, message, hint, severity = "error") => {
        diagnostics.push({ ...locate.path(path, code, message, hint), severity });
      },
      skip,
    );
  }
  return result(
    persona,
    diagnostics.map((d) => ({ ...d, path: displayPath(d.path, style) })),
  );
}

/** The document without its top-level values of the wrong shape, so the semantic pass can read the rest. */
function withoutBrokenSections(data: object, broken: ReadonlySet<string>): object {
  return Object.fromEntries(Object.entries(data).filter(([key]) => !broken.has(key)));
}

/** `telemetryTriggers[0].condition` → `TelemetryTriggers[0].Condition` in seed-notation documents. */
function displayPath(path: string, style: "pascal" | "camel"): string {
  if (style === "camel") return path;
  return path.replace(
    /(^|\.)([a-zA-Z]\w*)/g,
    (_, dot: string, key: string) => `${dot}${displayKey(key, style)}`,
  );
}

// --- positions -----------------------------------------------------------------------------------

/** Objects from TypeScript may use seed-notation keys too; canonicalise them like YAML keys. */
function normaliseKeysOfObject(value: unknown): unknown {
  const source = readYaml(JSON.stringify(value ?? null) ?? "null");
  return source.problems.length === 0 ? source.data : value;
}
