/**
 * Mapping rules that can match nothing, found from the mapping alone (`personas validate --mapping`).
 * A mapping does not know the fleet's tags, so only what no tag on any instance can satisfy is certain;
 * a tag key that looks like a misspelling of another rule's key is reported as likely. All are
 * warnings: the mapping still loads. The rules are listed in docs/mapping.md ("Rules that can match nothing").
 */
import type { Diagnostic } from "../pdl/diagnostics.js";
import { editDistance } from "../pdl/suggest.js";
import type { Mapping, MappingRule, TagPattern } from "./mapping.js";

/**
 * The longest tag key and value any supported cloud accepts: AWS allows keys of 128 and values of
 * 256 Unicode characters ("Tag restrictions", Amazon EC2 User Guide: Tag your Amazon EC2 resources),
 * Azure tag names of 512 and values of 256 characters ("Use tags to organize your Azure resources",
 * Limitations). A pattern that needs more than this matches no tag on either cloud.
 */
export const TAG_LIMITS = Object.freeze({ keyCharacters: 512, valueCharacters: 256 });

/**
 * Warnings for the rules of `mapping` that can match nothing, each located at the tag key it is about:
 *
 * - `unmatchable-rule`: a key starting with the override prefix (`persona:` by default; such tags
 *   never take part in matching), an empty key, or a key or value pattern that needs more characters
 *   than any cloud allows in a tag ({@link TAG_LIMITS});
 * - `misspelt-tag-key`: an exact key no other rule uses that differs from a key other rules use only
 *   in case, by two swapped neighbouring letters, or by one edit (two for keys over 5 characters):
 *   tag keys are case-sensitive, so `Role` never matches `role`. When that key, too, has one rule,
 *   the later rule's key is the one reported.
 *
 * @example
 * ```ts
 * const mapping = parseMapping("rules:\n  - { id: web, match: { role: web }, persona: A }\n  - { id: api, match: { rloe: api }, persona: B }\n");
 * unmatchableRules(mapping)[0]?.message; // "rule 'api' matches tag key 'rloe', which no other rule uses; did you mean 'role' (used by rule web)? ..."
 * ```
 */
export function unmatchableRules(mapping: Mapping): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const rulesByKey = new Map<string, string[]>();
  for (const rule of mapping.rules)
    for (const { key } of rule.match)
      if (key.kind === "exact") rulesByKey.set(key.text, [...(rulesByKey.get(key.text) ?? []), rule.id]);
  const warn = (rule: MappingRule, key: string, code: string, message: string, hint: string) =>
    warnings.push({
      ...mapping.locate(["rules", rule.index, "match", key], code, message, hint),
      severity: "warning",
    });
  for (const rule of mapping.rules) {
    for (const { key, value } of rule.match) {
      const never = neverMatches(key, value, mapping.overrideTagPrefix);
      if (never !== undefined) {
        warn(
          rule,
          key.text,
          "unmatchable-rule",
          `rule '${rule.id}' can match nothing: ${never}`,
          "correct the tag key or value, or remove the rule",
        );
        continue;
      }
      if (key.kind !== "exact" || rulesByKey.get(key.text)!.some((id) => id !== rule.id)) continue;
      const near = nearKey(key.text, [...rulesByKey.keys()]);
      if (near === undefined) continue;
      const users = rulesByKey.get(near)!;
      // Of two near keys, the one fewer rules use is the likely typo; on a tie, the later rule's.
      const lastUser = mapping.rules.find((r) => r.id === users[users.length - 1])!;
      if (users.length === 1 && lastUser.index > rule.index) continue;
      warn(
        rule,
        key.text,
        "misspelt-tag-key",
        `rule '${rule.id}' matches tag key '${key.text}', which no other rule uses; did you mean '${near}' (used by rule${users.length === 1 ? "" : "s"} ${users.join(", ")})? Tag keys are case-sensitive, and unless an instance has a '${key.text}' tag the rule matches nothing`,
        `write '${near}', or ignore this warning if your instances do carry '${key.text}'`,
      );
    }
  }
  return warnings;
}

/** Why no tag can satisfy this condition, or undefined when some tag could. */
function neverMatches(key: TagPattern, value: TagPattern, prefix: string): string | undefined {
  if (key.kind === "exact" && key.text === "")
    return "its tag key is empty, and every cloud requires at least one character";
  const keyLiteral = literalPrefix(key);
  if (keyLiteral !== undefined && keyLiteral.startsWith(prefix))
    return `tag key '${key.text}' starts with the override prefix '${prefix}', and such tags never take part in matching`;
  const keyLength = minimumLength(key);
  if (keyLength > TAG_LIMITS.keyCharacters)
    return `tag key '${abbreviate(key.text)}' needs ${keyLength} characters; no cloud allows more than ${TAG_LIMITS.keyCharacters}`;
  const valueLength = minimumLength(value);
  if (valueLength > TAG_LIMITS.valueCharacters)
    return `the value of tag '${abbreviate(key.text)}' needs ${valueLength} characters; no cloud allows more than ${TAG_LIMITS.valueCharacters}`;
  return undefined;
}

/** The text every tag the pattern matches starts with (exact text, or a glob up to its first wildcard). */
function literalPrefix(pattern: TagPattern): string | undefined {
  if (pattern.kind === "exact") return pattern.text;
  if (pattern.kind === "glob") return pattern.text.slice(0, pattern.text.search(/[*?]/));
  return undefined;
}

/** The fewest characters a matching tag has: exact text, or a glob's characters other than `*`. */
function minimumLength(pattern: TagPattern): number {
  if (pattern.kind === "exact") return [...pattern.text].length;
  if (pattern.kind === "glob") return [...pattern.text.replace(/\*/g, "")].length;
  return 0;
}

function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** A key other rules use that `key` is likely a misspelling of: same letters in another case, or at most two edits away. */
function nearKey(key: string, keys: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const other of keys) {
    if (other === key) continue;
    const distance =
      other.toLowerCase() === key.toLowerCase() || oneSwapApart(key, other) ? 0 : editDistance(key, other);
    if (distance < bestDistance) {
      best = other;
      bestDistance = distance;
    }
  }
  // Two edits on a short key would call unrelated keys (role, zone) misspellings of each other.
  const allowed = key.length <= 5 ? 1 : 2;
  return bestDistance <= allowed ? best : undefined;
}

/** `rloe` and `role`: the same letters with one pair of neighbours swapped. */
function oneSwapApart(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const differ: number[] = [];
  for (let i = 0; i < a.length && differ.length <= 2; i++) if (a[i] !== b[i]) differ.push(i);
  const [i, j] = differ;
  return differ.length === 2 && j === i! + 1 && a[i!] === b[j] && a[j] === b[i!];
}
