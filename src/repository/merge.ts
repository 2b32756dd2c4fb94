/**
 * `Extends`: a child persona over its parent. The rules (documented in docs/repository.md):
 * - `name`, `version`, `extends` are the child's; `description` is the child's if it has one;
 * - `base` and `bounds` merge field by field, the child's field winning;
 * - software merges by package name (case-insensitive), features, triggers, sources and
 *   responses by id: a child item replaces the parent's item of the same key in place, new items
 *   follow the parent's.
 */
import type { Persona } from "../pdl/model.js";
import { itemKey, KEYED_SECTIONS, walk } from "./paths.js";

/** Where each part of a merged persona came from: an index into the chain (0 = the persona itself). */
export interface MergedPersona {
  readonly persona: Persona;
  /** Leaf path → index of the chain member that set it. */
  readonly origins: ReadonlyMap<string, number>;
}

type Origins = {
  scalar: Map<string, number>;
  base: Map<string, number>;
  bounds: Map<string, number>;
  items: Map<string, Map<string, number>>;
};

/**
 * Merges a chain, child first: `chain[0]` extends `chain[1]` extends `chain[2]` ...
 * @example
 * ```ts
 * mergeChain([highTraffic, webBase]).persona.software.map((s) => s.name); // ["Nginx", "Prometheus Node Exporter", "Redis", "Prometheus"]
 * ```
 */
export function mergeChain(chain: readonly Persona[]): MergedPersona {
  const origins: Origins = { scalar: new Map(), base: new Map(), bounds: new Map(), items: new Map() };
  let merged: Persona | undefined;
  for (let index = chain.length - 1; index >= 0; index--) {
    const persona = chain[index]!;
    merged =
      merged === undefined ? record(persona, index, origins) : mergeTwo(merged, persona, index, origins);
  }
  if (merged === undefined) throw new Error("mergeChain needs at least one persona");
  return { persona: merged, origins: leafOrigins(merged, origins) };
}

function record(persona: Persona, index: number, origins: Origins): Persona {
  for (const key of ["name", "version", "description", "extends"] as const)
    if (persona[key] !== undefined) origins.scalar.set(key, index);
  for (const key of Object.keys(persona.base)) origins.base.set(key, index);
  for (const key of Object.keys(persona.bounds)) origins.bounds.set(key, index);
  for (const section of ["software", ...KEYED_SECTIONS] as const) {
    const map = new Map<string, number>();
    for (const item of persona[section]) map.set(itemKey(section, item).toLowerCase(), index);
    origins.items.set(section, map);
  }
  return persona;
}

function mergeTwo(parent: Persona, child: Persona, index: number, origins: Origins): Persona {
  const merged: Persona = {
    name: child.name,
    base: { ...parent.base, ...child.base },
    software: mergeItems("software", parent.software, child.software, index, origins),
    features: mergeItems("features", parent.features, child.features, index, origins),
    triggers: mergeItems("triggers", parent.triggers, child.triggers, index, origins),
    sources: mergeItems("sources", parent.sources, child.sources, index, origins),
    responses: mergeItems("responses", parent.responses, child.responses, index, origins),
    bounds: { ...parent.bounds, ...child.bounds },
  };
  origins.scalar.set("name", index);
  if (child.version !== undefined) {
    merged.version = child.version;
    origins.scalar.set("version", index);
  } else origins.scalar.delete("version");
  const description = child.description ?? parent.description;
  if (description !== undefined) merged.description = description;
  if (child.description !== undefined) origins.scalar.set("description", index);
  if (child.extends !== undefined) {
    merged.extends = child.extends;
    origins.scalar.set("extends", index);
  } else origins.scalar.delete("extends");
  for (const key of Object.keys(child.base)) origins.base.set(key, index);
  for (const key of Object.keys(child.bounds)) origins.bounds.set(key, index);
  return merged;
}

function mergeItems<T>(
  section: string,
  parent: readonly T[],
  child: readonly T[],
  index: number,
  origins: Origins,
): T[] {
  const out = [...parent];
  const positions = new Map<string, number>();
  out.forEach((item, at) => {
    positions.set(itemKey(section, item).toLowerCase(), at);
  });
  const sectionOrigins = origins.items.get(section)!;
  for (const item of child) {
    const key = itemKey(section, item).toLowerCase();
    const at = positions.get(key);
    if (at === undefined) {
      positions.set(key, out.length);
      out.push(item);
    } else out[at] = item;
    sectionOrigins.set(key, index);
  }
  return out;
}

function leafOrigins(persona: Persona, origins: Origins): Map<string, number> {
  const out = new Map<string, number>();
  const leaves: [string, unknown][] = [];
  const add = (path: string, value: unknown, origin: number) => {
    leaves.length = 0;
    walk(path, value, leaves);
    for (const [leaf] of leaves) out.set(leaf, origin);
  };
  for (const [key, origin] of origins.scalar)
    if (persona[key as "name"] !== undefined) add(key, persona[key as "name"], origin);
  for (const [key, value] of Object.entries(persona.base))
    add(`base.${key}`, value, origins.base.get(key) ?? 0);
  for (const [key, value] of Object.entries(persona.bounds))
    add(`bounds.${key}`, value, origins.bounds.get(key) ?? 0);
  for (const section of ["software", ...KEYED_SECTIONS] as const) {
    const sectionOrigins = origins.items.get(section)!;
    for (const item of persona[section]) {
      const key = itemKey(section, item);
      add(`${section}.${key}`, item, sectionOrigins.get(key.toLowerCase()) ?? 0);
    }
  }
  return out;
}
