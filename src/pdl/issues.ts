/**
 * zod issues → located diagnostics: the one routine every YAML format the package reads (persona
 * files, mapping files) turns schema failures into `file:line:col` problems with a next step.
 * What differs between formats is their vocabulary (which keys exist where, how a path is
 * written, what a union accepts), passed in; the wording is the same everywhere.
 */
import type { z } from "zod";
import type { Diagnostic } from "./diagnostics.js";
import { describeValue, type Locator, typeName } from "./locate.js";
import { type Path, pathKey } from "./source.js";
import { didYouMean } from "./suggest.js";

type Issue = z.core.$ZodIssue;

/**
 * What a format tells the routine about itself.
 * @internal
 */
export interface IssueVocabulary {
  /** The keys an object at `path` accepts, as users write them (for unknown keys and suggestions). */
  keysAt(path: Path): readonly string[];
  /**
   * A path as users read it (seed-notation personas capitalise their keys).
   * @default the path as the schema names it (`rules[0].match`)
   */
  display?(path: Path): string;
  /**
   * What a union at `path` accepts, in words, when the value fits none of its forms; without it,
   * the branch the user meant is reported (the one whose type matched).
   */
  union?(path: Path): { expected: string; hint: string } | undefined;
}

/**
 * Every diagnostic of a failed parse, in the order zod reported the issues.
 * @internal
 */
export function issueDiagnostics(
  issues: readonly Issue[],
  data: unknown,
  locate: Locator,
  vocabulary: IssueVocabulary,
): Diagnostic[] {
  return flattenIssues(issues, vocabulary).flatMap((issue) => diagnosticsOf(issue, data, locate, vocabulary));
}

/**
 * Unions (phrase or object) report a failure per branch; keep the branch the user meant: the one
 * whose type matched (its problems are deeper than a type mismatch at the union itself).
 * @internal
 */
export function flattenIssues(issues: readonly Issue[], vocabulary?: IssueVocabulary): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    if (
      issue.code !== "invalid_union" ||
      issue.errors.length === 0 ||
      vocabulary?.union?.(issue.path as Path) !== undefined
    ) {
      out.push(issue);
      continue;
    }
    const branches = issue.errors.map((branch) =>
      branch.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue),
    );
    const typeMismatch = (branch: Issue[]) =>
      branch.length === 1 &&
      branch[0]!.code === "invalid_type" &&
      branch[0]!.path.length === issue.path.length;
    const meant = branches.filter((b) => !typeMismatch(b));
    if (meant.length === 0) {
      const expected = [...new Set(branches.map((b) => (b[0] as { expected?: string }).expected ?? "value"))];
      out.push({ ...branches[0]![0]!, expected: expected.join(" or ") } as Issue);
    } else {
      // Prefer the branch with the fewest problems: the closest fit.
      const best = [...meant].sort((a, b) => a.length - b.length)[0]!;
      out.push(
        ...flattenIssues(
          best.map((i) => withEveryAllowedValue(i, meant)),
          vocabulary,
        ),
      );
    }
  }
  return out;
}

/**
 * A discriminator that no branch accepts (`kind: scael`) fails in every branch with one allowed
 * value each; the user needs all of them, not just the closest branch's.
 */
function withEveryAllowedValue(issue: Issue, branches: Issue[][]): Issue {
  if (issue.code !== "invalid_value") return issue;
  const key = pathKey(issue.path as Path);
  const values = branches.flatMap((branch) =>
    branch.flatMap((i) => (i.code === "invalid_value" && pathKey(i.path as Path) === key ? i.values : [])),
  );
  return { ...issue, values: [...new Set(values)] };
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[step as string];
  }
  return current;
}

function diagnosticsOf(
  issue: Issue,
  data: unknown,
  locate: Locator,
  vocabulary: IssueVocabulary,
): Diagnostic[] {
  const path = issue.path as Path;
  const display = (p: Path) => vocabulary.display?.(p) ?? pathKey(p);
  const where = display(path);
  const field = path.length === 0 ? "the document" : `'${where}'`;
  switch (issue.code) {
    case "unrecognized_keys": {
      // One diagnostic per key keeps positions exact and gives each its own suggestion.
      const allowed = vocabulary.keysAt(path);
      return issue.keys.map((key) => {
        // A known key in the wrong place was renamed to its canonical spelling; show it as written.
        const written = locate.written([...path, key]) ?? key;
        return locate.key(
          [...path, key],
          "unknown-key",
          `unknown key '${written}'${path.length ? ` in '${where}'` : ""}`,
          `${didYouMean(written, allowed)}allowed keys: ${allowed.join(", ")}`,
        );
      });
    }
    case "invalid_type": {
      const received = valueAt(data, path);
      if (received === undefined) {
        const parent = path.slice(0, -1);
        const key = display(path).split(".").pop() ?? String(path[path.length - 1]);
        return [
          locate.path(
            parent,
            "missing-key",
            `missing required key '${key}'${path.length > 1 ? ` in '${display(parent)}'` : ""}`,
            `add '${key}: ...'`,
          ),
        ];
      }
      return [
        locate.path(
          path,
          "wrong-type",
          `${field}: expected ${typeName(issue.expected)}, received ${describeValue(received)}`,
          hintFor(issue.expected),
        ),
      ];
    }
    case "invalid_value": {
      const received = valueAt(data, path);
      return [
        locate.path(
          path,
          "invalid-value",
          `${field}: expected one of ${issue.values.map((v) => `'${String(v)}'`).join(", ")}, received ${describeValue(received)}`,
          `${didYouMean(String(received), issue.values.map(String))}`.trim() || undefined,
        ),
      ];
    }
    case "invalid_union": {
      const accepted = vocabulary.union?.(path);
      if (accepted)
        return [
          locate.path(
            path,
            "invalid-pattern",
            `${field}: expected ${accepted.expected}, received ${describeValue(valueAt(data, path))}`,
            accepted.hint,
          ),
        ];
      return [locate.path(path, "invalid-union", `${field}: ${issue.message}`)];
    }
    default:
      return [locate.path(path, issue.code.replace(/_/g, "-"), `${field}: ${issue.message}`)];
  }
}

function hintFor(expected: string): string | undefined {
  if (expected.includes("string") && expected.includes("number"))
    return "write a number, or text with a unit such as '32 GB'";
  if (expected === "array") return "write a list: one '- item' per line";
  if (expected === "object" || expected === "record")
    return "write a mapping: 'Key: value' lines indented under this key";
  if (expected === "string") return "quote the value";
  return undefined;
}
