/**
 * `json`: a JSON document whose addresses are picked by one or more JSON paths such as
 * `$.data[*].ip` or `$.prefixes[*].ipv4Prefix`. Supported steps: `.name`, `['name']`, `["name"]`,
 * `[n]`, `[*]` and `.*`. A path that finds nothing in an element is not an error (feeds often
 * mix IPv4 and IPv6 objects); a selected value that is not an address string is rejected.
 */
import * as z from "zod/mini";
import { FeedParseError } from "../errors.js";
import type { FeedCollector, FeedFormat } from "./types.js";

/** One step of a compiled JSON path. */
type Step =
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "all" };

/**
 * Compiles a JSON path; returns the steps, or a sentence saying what is wrong.
 * @example
 * compileJsonPath("$.data[*].ip"); // [{ kind: "key", key: "data" }, { kind: "all" }, { kind: "key", key: "ip" }]
 */
export function compileJsonPath(path: string): Step[] | string {
  if (!path.startsWith("$")) return `a JSON path starts with "$", e.g. "$.data[*].ip"; received "${path}"`;
  const steps: Step[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === ".") {
      if (path[i + 1] === "*") {
        steps.push({ kind: "all" });
        i += 2;
        continue;
      }
      const m = /^[A-Za-z0-9_$-]+/.exec(path.slice(i + 1));
      if (m === null) return `expected a key name after "." at position ${i + 1} of "${path}"`;
      steps.push({ kind: "key", key: m[0] });
      i += 1 + m[0].length;
    } else if (c === "[") {
      const close = path.indexOf("]", i);
      if (close < 0) return `missing "]" after position ${i} of "${path}"`;
      const inner = path.slice(i + 1, close).trim();
      if (inner === "*") steps.push({ kind: "all" });
      else if (/^\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ kind: "key", key: inner.slice(1, -1) });
      else return `"[${inner}]" in "${path}" is not [*], [n] or ['name']`;
      i = close + 1;
    } else {
      return `unexpected "${c}" at position ${i} of "${path}"; use .name, [n], [*] or ['name']`;
    }
  }
  return steps;
}

const jsonPath = z.string().check(
  z.superRefine((path, ctx) => {
    const compiled = compileJsonPath(path);
    if (typeof compiled === "string") ctx.addIssue({ code: "custom", message: compiled, input: path });
  }),
);

/** Options of the `json` format. */
export const jsonFormatOptions = z.strictObject({
  /** The format name. */
  name: z.literal("json"),
  /** One JSON path, or several whose selections are combined (e.g. separate IPv4 and IPv6 lists). */
  path: z.union([jsonPath, z.array(jsonPath).check(z.minLength(1))]),
});
/** Options of the `json` format. */
export type jsonFormatOptions = z.infer<typeof jsonFormatOptions>;

/** The `json` format. */
export const jsonFormat: FeedFormat<jsonFormatOptions> = {
  name: "json",
  description: "A JSON document; one or more JSON paths such as `$.data[*].ip` select the address strings.",
  options: jsonFormatOptions,
  parse(text: string, options: jsonFormatOptions, collector: FeedCollector): void {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new FeedParseError("json", `The feed is not valid JSON (${(error as Error).message}).`, {
        cause: error,
      });
    }
    const paths = typeof options.path === "string" ? [options.path] : options.path;
    for (const path of paths) {
      const steps = compileJsonPath(path);
      if (typeof steps === "string") throw new FeedParseError("json", `Invalid JSON path: ${steps}.`);
      const trail: (string | number)[] = [];
      const visit = (node: unknown, depth: number): void => {
        if (depth === steps.length) {
          collector.acceptValue(node, () => formatTrail(trail));
          return;
        }
        const step = steps[depth]!;
        if (step.kind === "key") {
          if (
            node !== null &&
            typeof node === "object" &&
            !Array.isArray(node) &&
            Object.hasOwn(node, step.key)
          ) {
            trail.push(step.key);
            visit((node as Record<string, unknown>)[step.key], depth + 1);
            trail.pop();
          }
        } else if (step.kind === "index") {
          if (Array.isArray(node) && step.index < node.length) {
            trail.push(step.index);
            visit(node[step.index], depth + 1);
            trail.pop();
          }
        } else if (Array.isArray(node)) {
          for (let k = 0; k < node.length; k++) {
            trail.push(k);
            visit(node[k], depth + 1);
            trail.pop();
          }
        } else if (node !== null && typeof node === "object") {
          for (const [key, value] of Object.entries(node)) {
            trail.push(key);
            visit(value, depth + 1);
            trail.pop();
          }
        }
      };
      visit(document, 0);
    }
  },
};

function formatTrail(trail: readonly (string | number)[]): string {
  let out = "$";
  for (const step of trail) {
    out +=
      typeof step === "number"
        ? `[${step}]`
        : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(step)
          ? `.${step}`
          : `['${step}']`;
  }
  return out;
}
