/**
 * Mapping files: rules that turn instance tags into a persona (name and version range), with
 * overrides. YAML with positions in every error, or the same object in TypeScript.
 *
 * ```yaml
 * defaultPersona: WebBase@^1          # optional: instances no rule claims get this
 * instanceOverrides: [memory]         # fields `persona:<field>=<value>` tags may set (default none)
 * rules:
 *   - id: web
 *     match: { role: web }            # every listed tag must match: exact, glob (web-*), { regex: ... }
 *     persona: HighTraffic@^1.2
 *   - id: premium-memory
 *     match: { tier: premium }
 *     overrides: { memory: 64 GB }    # applies to whichever persona was chosen
 * ```
 *
 * Precedence (docs/mapping.md): priority (higher first), then specificity (more specific first),
 * then rule order (earlier first).
 */
import { z } from "zod";
import { type Diagnostic, SourceMap, sortDiagnostics } from "../pdl/diagnostics.js";
import { type InputLimitOptions, requireInputSize } from "../pdl/input.js";
import { type IssueVocabulary, issueDiagnostics } from "../pdl/issues.js";
import { type Locator, locator } from "../pdl/locate.js";
import { type Path, pathKey, readYaml, type SourceDocument } from "../pdl/source.js";
import { type PersonaReference, parseReference } from "../repository/reference.js";
import { MappingValidationError } from "./errors.js";
import { type OverrideValue, overrideFieldName, readOverride, unknownFieldHint } from "./overrides.js";

const PatternInput = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.strictObject({ exact: z.string() }),
  z.strictObject({ glob: z.string() }),
  z.strictObject({ regex: z.string() }),
]);

const RuleInput = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*$/, "a rule id uses letters, digits, '.', '-' and '_'")
    .optional(),
  description: z.string().optional(),
  match: z.record(z.string(), PatternInput),
  persona: z.string().optional(),
  priority: z.int().min(-1000).max(1000).optional(),
  overrides: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  instanceOverrides: z.array(z.string()).optional(),
  overriding: z.boolean().optional(),
});

/** The shape of a mapping document (camelCase keys). */
export const MappingDocument = z.strictObject({
  description: z.string().optional(),
  defaultPersona: z.string().optional(),
  instanceOverrides: z.array(z.string()).optional(),
  overrideTagPrefix: z.string().min(1).optional(),
  runtimeVersions: z.boolean().optional(),
  rules: z.array(RuleInput),
});
export type MappingDocument = z.input<typeof MappingDocument>;

/** How a tag key or value is matched. */
export type TagPattern =
  | { readonly kind: "exact"; readonly text: string }
  | { readonly kind: "any"; readonly text: "*" }
  | { readonly kind: "glob" | "regex"; readonly text: string; readonly regex: RegExp };

/** One condition of a rule: a tag whose key and value match. */
export interface TagCondition {
  readonly key: TagPattern;
  readonly value: TagPattern;
}

/**
 * Specificity points per condition (docs/mapping.md): exact 3, glob or regex 2, any value 1; a key pattern costs 1.
 * @internal
 */
export function conditionSpecificity(condition: TagCondition): number {
  const value = condition.value.kind === "exact" ? 3 : condition.value.kind === "any" ? 1 : 2;
  return value - (condition.key.kind === "exact" ? 0 : 1);
}

/**
 * Where a rule's parts are written, for messages.
 * @internal
 */
export interface RuleLocation {
  /** `mapping.yaml:12` when the rule came from text. */
  readonly at: string;
}

/** A validated rule. */
export interface MappingRule {
  /** The rule's id (written, or `rule-<n>` by position). */
  readonly id: string;
  /** 0-based position in the file. */
  readonly index: number;
  readonly description?: string;
  /** Every condition must hold. */
  readonly match: readonly TagCondition[];
  /** The persona this rule chooses, if it chooses one. */
  readonly persona?: PersonaReference & { readonly text: string };
  /** @default 0 */
  readonly priority: number;
  /** Sum of the conditions' specificity. */
  readonly specificity: number;
  /** Overrides applied when the rule matches. */
  readonly overrides: readonly OverrideValue[];
  /** Fields instances matched by this rule may override with tags; replaces the mapping's list. */
  readonly instanceOverrides?: readonly string[];
  /**
   * The persona this rule chooses stays in force over a run-time persona shift (a quarantine rule):
   * while it matches, the orchestrator ignores `persona:active`. Present only when true.
   */
  readonly overriding?: true;
  /** Where the rule is written: `file:line`, or `rules[3]` for objects. */
  readonly at: string;
}

/** A validated mapping. */
export interface Mapping {
  /** The file it came from, or `<object>`. */
  readonly file: string;
  readonly description?: string;
  readonly rules: readonly MappingRule[];
  /** The persona for instances no rule chooses one for. */
  readonly defaultPersona?: PersonaReference & { readonly text: string };
  /** Fields `persona:<field>` tags may override, unless a rule says otherwise. */
  readonly instanceOverrides: readonly string[];
  /** The prefix of per-instance override tags. @default "persona:" */
  readonly overrideTagPrefix: string;
  /**
   * The orchestrator may apply persona digests the stack did not deploy (published versions, shift
   * targets). Without it, it applies only the digests in the stack's fleet manifest. Present only when true.
   */
  readonly runtimeVersions?: true;
  /** Locates a path of the mapping document in its file (for errors found later, e.g. unknown personas). */
  readonly locate: (path: Path, code: string, message: string, hint?: string) => Diagnostic;
  /** The source text, when read from text. */
  readonly text?: string;
}

/** Options of {@link parseMapping}. */
export interface MappingOptions extends InputLimitOptions {
  /** File name in diagnostics and provenance. @default "<input>" (text) or "<object>" */
  file?: string;
}

/**
 * Parses and validates a mapping file.
 * @throws {@link MappingValidationError} with every problem at once.
 * @throws {@link InputTooLargeError} when the text is above `maxInputBytes` (1 MiB by default), before parsing.
 * @example
 * ```ts
 * const mapping = parseMapping(readFileSync("mapping.yaml", "utf8"), { file: "mapping.yaml" });
 * mapping.rules[0].persona; // { name: "HighTraffic", range: "^1.2", text: "HighTraffic@^1.2" }
 * ```
 */
export function parseMapping(text: string, options: MappingOptions = {}): Mapping {
  const file = options.file ?? "<input>";
  requireInputSize(text, file, options);
  const source = readYaml(text);
  const locate = locator(file, new SourceMap(text), source);
  if (source.problems.length > 0) {
    throw new MappingValidationError(
      file,
      sortDiagnostics(source.problems.map((p) => locate.span(p.span, p.code, p.message, p.hint))),
      text,
    );
  }
  return validate(source.data, file, locate, text, source);
}

/**
 * Validates a mapping written in TypeScript.
 * @throws {@link MappingValidationError} with every problem at once (paths instead of lines).
 * @example
 * ```ts
 * const mapping = defineMapping({ rules: [{ id: "web", match: { role: "web" }, persona: "HighTraffic@^1.2" }] });
 * ```
 */
export function defineMapping(document: MappingDocument, options: MappingOptions = {}): Mapping {
  const file = options.file ?? "<object>";
  return validate(document, file, locator(file, undefined, undefined), undefined, undefined);
}

// --- validation ----------------------------------------------------------------------------------

function validate(
  data: unknown,
  file: string,
  locate: Locator,
  text: string | undefined,
  source: SourceDocument | undefined,
): Mapping {
  const diagnostics: Diagnostic[] = [];
  const fail = () => {
    throw new MappingValidationError(file, sortDiagnostics(diagnostics), text);
  };
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    diagnostics.push(
      locate.path(
        [],
        "not-a-mapping",
        "a mapping document must be a mapping with a 'rules' list",
        "start with 'rules:'",
      ),
    );
    fail();
  }
  if (source) restoreTagKeys(data as Record<string, unknown>, source);
  const shape = MappingDocument.safeParse(data);
  if (!shape.success) {
    diagnostics.push(...issueDiagnostics(shape.error.issues, data, locate, MAPPING_VOCABULARY));
    fail();
  }
  const document = shape.data!;
  const rules: MappingRule[] = [];
  const ids = new Map<string, number>();
  document.rules.forEach((input, index) => {
    const path: Path = ["rules", index];
    const id = input.id ?? `rule-${index + 1}`;
    const earlier = ids.get(id);
    if (earlier !== undefined)
      diagnostics.push(
        locate.path(
          [...path, "id"],
          "duplicate-rule",
          `rule id '${id}' is used twice (also rules[${earlier}])`,
          "give each rule its own id",
        ),
      );
    ids.set(id, index);
    const match: TagCondition[] = [];
    for (const [key, pattern] of Object.entries(input.match)) {
      const keyPattern = compilePattern(key, true);
      const valuePattern = compilePattern(pattern, false);
      if (!keyPattern.ok)
        diagnostics.push(
          locate.key([...path, "match", key], "invalid-pattern", keyPattern.message, keyPattern.hint),
        );
      if (!valuePattern.ok)
        diagnostics.push(
          locate.path([...path, "match", key], "invalid-pattern", valuePattern.message, valuePattern.hint),
        );
      if (keyPattern.ok && valuePattern.ok)
        match.push({ key: keyPattern.pattern, value: valuePattern.pattern });
    }
    if (Object.keys(input.match).length === 0)
      diagnostics.push(
        locate.path(
          [...path, "match"],
          "empty-match",
          `rule '${id}' matches no tags`,
          "list at least one tag, e.g. 'match: { role: web }'; use 'defaultPersona' for instances no rule claims",
        ),
      );
    let persona: MappingRule["persona"];
    if (input.persona !== undefined) {
      try {
        persona = { ...parseReference(input.persona), text: input.persona };
      } catch (error) {
        diagnostics.push(locate.path([...path, "persona"], "invalid-reference", (error as Error).message));
      }
    }
    const overrides: OverrideValue[] = [];
    for (const [field, value] of Object.entries(input.overrides ?? {})) {
      const read = readOverride(field, value);
      if (read.ok) overrides.push(read.value);
      else {
        const known = overrideFieldName(field) !== undefined;
        diagnostics.push(
          known
            ? locate.path(
                [...path, "overrides", field],
                "invalid-override",
                `override '${field}': ${read.message}`,
                read.hint,
              )
            : locate.key(
                [...path, "overrides", field],
                "unknown-override",
                `'${field}' cannot be overridden`,
                unknownFieldHint(field),
              ),
        );
      }
    }
    if (input.persona === undefined && input.overrides === undefined)
      diagnostics.push(
        locate.path(
          path,
          "empty-rule",
          `rule '${id}' neither chooses a persona nor overrides anything`,
          "add 'persona: Name@range' or 'overrides: { memory: 64 GB }'",
        ),
      );
    const instanceOverrides = fieldList(
      input.instanceOverrides,
      [...path, "instanceOverrides"],
      locate,
      diagnostics,
    );
    const rule: MappingRule = {
      id,
      index,
      ...(input.description === undefined ? {} : { description: input.description }),
      match,
      ...(persona === undefined ? {} : { persona }),
      priority: input.priority ?? 0,
      specificity: match.reduce((sum, c) => sum + conditionSpecificity(c), 0),
      overrides,
      ...(instanceOverrides === undefined ? {} : { instanceOverrides }),
      ...(input.overriding === true ? { overriding: true as const } : {}),
      at: lineOf(locate, path),
    };
    rules.push(rule);
  });
  let defaultPersona: Mapping["defaultPersona"];
  if (document.defaultPersona !== undefined) {
    try {
      defaultPersona = { ...parseReference(document.defaultPersona), text: document.defaultPersona };
    } catch (error) {
      diagnostics.push(locate.path(["defaultPersona"], "invalid-reference", (error as Error).message));
    }
  }
  const instanceOverrides =
    fieldList(document.instanceOverrides, ["instanceOverrides"], locate, diagnostics) ?? [];
  if (diagnostics.some((d) => d.severity === "error")) fail();
  return Object.freeze({
    file,
    ...(document.description === undefined ? {} : { description: document.description }),
    rules: Object.freeze(rules),
    ...(defaultPersona === undefined ? {} : { defaultPersona }),
    instanceOverrides,
    overrideTagPrefix: document.overrideTagPrefix ?? "persona:",
    ...(document.runtimeVersions === true ? { runtimeVersions: true as const } : {}),
    locate: locate.path,
    ...(text === undefined ? {} : { text }),
  });
}

function fieldList(
  fields: readonly string[] | undefined,
  path: Path,
  locate: Locator,
  diagnostics: Diagnostic[],
) {
  if (fields === undefined) return undefined;
  const out: string[] = [];
  fields.forEach((field, index) => {
    const name = overrideFieldName(field);
    if (name === undefined || name.startsWith("triggers."))
      diagnostics.push(
        locate.path(
          [...path, index],
          "unknown-override",
          `'${field}' cannot be overridden per instance`,
          unknownFieldHint(field).replace(", triggers.<id>.threshold", ""),
        ),
      );
    else out.push(name);
  });
  return out;
}

type Compiled = { ok: true; pattern: TagPattern } | { ok: false; message: string; hint?: string };

/**
 * A plain string is exact, unless it contains `*` or `?` (a glob; `*` alone matches any value);
 * `{ exact }`, `{ glob }` and `{ regex }` say so explicitly. Numbers and booleans are exact.
 */
function compilePattern(input: z.infer<typeof PatternInput>, isKey: boolean): Compiled {
  if (typeof input === "number" || typeof input === "boolean")
    return { ok: true, pattern: { kind: "exact", text: String(input) } };
  if (typeof input === "string") {
    if (input === "*") return { ok: true, pattern: { kind: "any", text: "*" } };
    if (/[*?]/.test(input))
      return { ok: true, pattern: { kind: "glob", text: input, regex: globRegex(input) } };
    return { ok: true, pattern: { kind: "exact", text: input } };
  }
  if ("exact" in input) return { ok: true, pattern: { kind: "exact", text: input.exact } };
  if ("glob" in input)
    return { ok: true, pattern: { kind: "glob", text: input.glob, regex: globRegex(input.glob) } };
  try {
    return { ok: true, pattern: { kind: "regex", text: input.regex, regex: new RegExp(input.regex, "u") } };
  } catch (error) {
    return {
      ok: false,
      message: `${isKey ? "tag key" : "tag value"} regular expression /${input.regex}/ does not compile: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`,
      hint: "regular expressions use JavaScript syntax and match anywhere unless anchored with ^ and $",
    };
  }
}

/** `web-*` → /^web-.*$/; `?` is one character; everything else is literal. */
function globRegex(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "su");
}

/** Tag keys in `match` are data, not PDL keys: put back the spelling the file used. */
function restoreTagKeys(data: Record<string, unknown>, source: SourceDocument): void {
  const rules = data.rules;
  if (!Array.isArray(rules)) return;
  rules.forEach((rule, index) => {
    const match = (rule as Record<string, unknown> | null)?.match;
    if (match === null || typeof match !== "object" || Array.isArray(match)) return;
    const restored: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(match)) {
      const path = pathKey(["rules", index, "match", key]);
      const written = source.writtenKeys.get(path) ?? key;
      restored[written] = value;
      if (written !== key) {
        const target = pathKey(["rules", index, "match", written]);
        for (const spans of [source.valueSpans, source.keySpans]) {
          const span = spans.get(path);
          if (span) spans.set(target, span);
        }
      }
    }
    (rule as Record<string, unknown>).match = restored;
  });
}

const KEYS_AT: Record<string, readonly string[]> = {
  "": Object.keys(MappingDocument.shape),
  rule: Object.keys(RuleInput.shape),
};

/** What the mapping format tells the shared issue routine: its keys and what a tag pattern may be. */
const MAPPING_VOCABULARY: IssueVocabulary = {
  keysAt: (path) => KEYS_AT[path.length === 0 ? "" : "rule"] ?? [],
  union: () => ({
    expected: "a tag value pattern",
    hint: "write 'web' (exact), 'web-*' (glob), '*' (any value), { regex: '^web-[0-9]+$' } or { exact: 'a*b' }",
  }),
};

// --- positions -----------------------------------------------------------------------------------

function lineOf(locate: Locator, path: Path): string {
  const d = locate.path(path, "", "");
  return d.line === 0 ? `${d.file} ${d.path}` : `${d.file}:${d.line}`;
}
