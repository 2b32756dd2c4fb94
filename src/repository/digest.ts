/**
 * Content digests: sha256 over a canonical JSON form (object keys sorted, no whitespace), so two
 * personas with the same meaning have the same digest whatever key order or formatting their
 * files used.
 */
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level and `undefined` members left out.
 * @internal
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    return text === undefined ? "null" : text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${parts.join(",")}}`;
}

/**
 * The digest of a value: `sha256:` and the hex sha256 of its canonical JSON.
 * @example
 * ```ts
 * contentDigest({ b: 1, a: 2 }) === contentDigest({ a: 2, b: 1 }); // true
 * ```
 */
export function contentDigest(value: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(value)).digest("hex")}`;
}

/**
 * The first 12 hex digits of a digest, for tables.
 * @internal
 */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}
