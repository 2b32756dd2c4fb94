/**
 * Field paths of a persona, as provenance and overrides name them: `base.cpu`, `bounds.maxCpu`,
 * `software.Nginx.version`, `triggers.cpu-utilization-above.condition.threshold`,
 * `responses.threatintel-example-com.actions[0].mode`. Items of keyed lists are named by their id
 * (software by its name), so a path means the same thing in a parent and in its child.
 */
import type { Persona } from "../pdl/model.js";

/** The persona sections that are lists of items keyed by `id`. */
export const KEYED_SECTIONS = ["features", "triggers", "sources", "responses"] as const;
export type KeyedSection = (typeof KEYED_SECTIONS)[number];

/** The key of a list item: its id, or a software package's name. */
export function itemKey(section: string, item: unknown): string {
  const record = item as { id?: string; name?: string };
  return section === "software" ? String(record.name) : String(record.id);
}

/**
 * Every leaf (a value that is not an object or a list) of a persona with its path. Empty lists and
 * objects are left out. Order follows the persona.
 */
export function leafPaths(persona: Persona): [path: string, value: unknown][] {
  const out: [string, unknown][] = [];
  for (const [section, value] of Object.entries(persona)) {
    if (section === "software" || (KEYED_SECTIONS as readonly string[]).includes(section)) {
      for (const item of value as unknown[]) walk(`${section}.${itemKey(section, item)}`, item, out);
    } else walk(section, value, out);
  }
  return out;
}

/** Appends the leaves under `value` at `path` to `out`. */
export function walk(path: string, value: unknown, out: [string, unknown][]): void {
  if (value === null || typeof value !== "object") {
    if (value !== undefined) out.push([path, value]);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      walk(`${path}[${index}]`, item, out);
    });
    return;
  }
  for (const [key, member] of Object.entries(value)) walk(`${path}.${key}`, member, out);
}
