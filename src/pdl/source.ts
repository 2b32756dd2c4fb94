/**
 * Reading YAML with positions: turns a YAML document into plain data with canonical (camelCase)
 * keys, and remembers where every value and key came from so diagnostics can point at them.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { canonicalKey } from "./document.js";
import { readYamlFast } from "./fast-yaml.js";

/** A path into a document: keys and array indexes. */
export type Path = readonly (string | number)[];

/** Character range [start, end) in the source text. */
export interface Span {
  start: number;
  end: number;
}

/** Plain data read from YAML, with the spans of its values and keys. */
export interface SourceDocument {
  data: unknown;
  /** Span of the value at each path (key: `pathKey(path)`). */
  valueSpans: Map<string, Span>;
  /** Span of the key that introduces each path. */
  keySpans: Map<string, Span>;
  /** The key as written, for each path whose key was renamed to its canonical spelling. */
  writtenKeys: Map<string, string>;
  /** "pascal" when the document writes keys in PascalCase (seed notation), else "camel". */
  style: "pascal" | "camel";
  /** YAML syntax errors and duplicate keys, already located. */
  problems: { message: string; hint?: string; span: Span; code: string }[];
}

/** Joins a path into a map key / display string: `telemetryTriggers[0].condition`. */
export function pathKey(path: Path): string {
  let out = "";
  for (const step of path) out += typeof step === "number" ? `[${step}]` : out === "" ? step : `.${step}`;
  return out;
}

/** Parses YAML text; never throws (syntax problems are returned located). */
export function readYaml(text: string): SourceDocument {
  // Most persona files are plain block YAML: read those directly, the library does the rest.
  return readYamlFast(text) ?? readYamlWithLibrary(text);
}

/**
 * {@link readYaml} through the `yaml` library, for any YAML (the fast reader's reference).
 * @internal
 */
export function readYamlWithLibrary(text: string): SourceDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const source: SourceDocument = {
    data: undefined,
    valueSpans: new Map(),
    keySpans: new Map(),
    writtenKeys: new Map(),
    style: "camel",
    problems: [],
  };
  for (const error of document.errors) {
    source.problems.push({
      code: "yaml-syntax",
      message: `YAML syntax error: ${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      hint: "check indentation, colons after keys, and quotes around text containing ': ' or '#'",
      span: { start: error.pos[0], end: Math.max(error.pos[1], error.pos[0] + 1) },
    });
  }
  if (source.problems.length > 0) return source;
  const root = document.contents;
  if (isMap(root)) {
    const first = root.items[0]?.key;
    if (isScalar(first) && typeof first.value === "string" && /^[A-Z]/.test(first.value))
      source.style = "pascal";
  }
  try {
    nodesLeft = MAX_NODES;
    source.data = root === null ? null : convert(root as Node, [], source, document, 0);
  } catch (error) {
    // The yaml library throws on alias bombs and unresolvable aliases: report them, don't crash.
    source.problems.push({
      code: "yaml-syntax",
      message: `YAML error: ${error instanceof Error ? error.message : String(error)}`,
      span: { start: 0, end: 1 },
    });
  }
  return source;
}

const MAX_DEPTH = 64;
/** Aliases can multiply a small text into a huge tree ("billion laughs"); refuse past this many nodes. */
const MAX_NODES = 100_000;
let nodesLeft = MAX_NODES;

function convert(
  node: Node,
  path: Path,
  source: SourceDocument,
  document: ReturnType<typeof parseDocument>,
  depth: number,
): unknown {
  if (depth > MAX_DEPTH) throw new Error(`nesting deeper than ${MAX_DEPTH} levels`);
  if (--nodesLeft < 0) throw new Error(`more than ${MAX_NODES} values (are aliases expanding recursively?)`);
  if (isAlias(node)) {
    const target = node.resolve(document);
    return target === undefined ? null : convert(target as Node, path, source, document, depth + 1);
  }
  if (node.range) source.valueSpans.set(pathKey(path), { start: node.range[0], end: node.range[1] });
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const seen = new Map<string, string>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const written = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const key = canonicalKey(written) ?? written;
      const childPath = [...path, key];
      const childKey = pathKey(childPath);
      const keySpan = keyNode?.range ? { start: keyNode.range[0], end: keyNode.range[1] } : undefined;
      if (keySpan) source.keySpans.set(childKey, keySpan);
      if (written !== key) source.writtenKeys.set(childKey, written);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        source.problems.push({
          code: "duplicate-key",
          message:
            earlier === written ? `key '${written}' appears twice` : `key '${written}' repeats '${earlier}'`,
          hint: "keep one of them",
          span: keySpan ?? { start: 0, end: 1 },
        });
        continue;
      }
      seen.set(key, written);
      Object.defineProperty(out, key, {
        value:
          pair.value === null ? null : convert(pair.value as Node, childPath, source, document, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (isSeq(node)) {
    return node.items.map((item, index) =>
      item === null ? null : convert(item as Node, [...path, index], source, document, depth + 1),
    );
  }
  if (isScalar(node)) return node.value;
  return null;
}
