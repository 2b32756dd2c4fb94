/**
 * Explanations of resolved personas for people: one row per field, or per item (a trigger, a
 * package) when all of its fields came from the same place.
 */
import { shortDigest } from "../repository/digest.js";
import type { FieldProvenance, ResolvedPersona } from "./resolve.js";

/** One row of an explanation. */
export interface ExplanationRow {
  /** A field path (`base.cpu`) or an item path (`triggers.cpu-utilization-above`). */
  field: string;
  /** The value, or a short summary of the item. */
  value: string;
  /** Where it came from (`persona`, `extends`, `rule`, `tag`, `default`). */
  source: FieldProvenance["source"];
  /** The persona, file, rule or tag, in words. */
  from: string;
}

/**
 * Describes a provenance: `HighTraffic@1.3.0 (personas/HighTraffic/1.3.0.yaml)`, `premium-memory (tier=premium)`, `persona:cpu=16`.
 * @internal
 */
export function describeProvenance(provenance: FieldProvenance): string {
  switch (provenance.source) {
    case "rule":
      return `${provenance.rule} (${provenance.tag})`;
    case "tag":
      return String(provenance.tag);
    default:
      return `${provenance.persona}@${provenance.version}${provenance.file ? ` (${provenance.file})` : ""}`;
  }
}

const ITEM_SECTIONS = new Set(["software", "features", "triggers", "sources", "responses"]);

/**
 * The rows of an explanation, in persona order. Items whose fields all share a provenance are one
 * row; otherwise each field of the item is a row.
 */
export function explanationRows(resolved: ResolvedPersona): ExplanationRow[] {
  const rows: ExplanationRow[] = [];
  const items = new Map<string, { paths: string[]; value: unknown }>();
  const itemOrder: string[] = [];
  const persona = resolved.persona as unknown as Record<string, unknown>;
  for (const section of Object.keys(persona)) {
    const value = persona[section];
    if (ITEM_SECTIONS.has(section)) {
      for (const item of value as { id?: string; name?: string }[]) {
        const key = `${section}.${section === "software" ? item.name : item.id}`;
        items.set(key, { paths: [], value: item });
        itemOrder.push(key);
      }
    }
  }
  const byItem = new Map<string, string>();
  for (const path of Object.keys(resolved.provenance)) {
    const item = itemOrder.find((key) => path.startsWith(`${key}.`) || path.startsWith(`${key}[`));
    if (item) {
      items.get(item)!.paths.push(path);
      byItem.set(path, item);
    }
  }
  const emitted = new Set<string>();
  for (const [path, provenance] of Object.entries(resolved.provenance)) {
    const item = byItem.get(path);
    if (item === undefined) {
      rows.push({
        field: path,
        value: formatValue(valueAt(persona, path)),
        source: provenance.source,
        from: describeProvenance(provenance),
      });
      continue;
    }
    if (emitted.has(item)) continue;
    const { paths, value } = items.get(item)!;
    const first = resolved.provenance[paths[0]!]!;
    if (paths.every((p) => resolved.provenance[p] === first)) {
      emitted.add(item);
      rows.push({
        field: item,
        value: summarise(item, value),
        source: first.source,
        from: describeProvenance(first),
      });
    } else {
      rows.push({
        field: path,
        value: formatValue(valueAt(persona, path, item, value)),
        source: provenance.source,
        from: describeProvenance(provenance),
      });
    }
  }
  return rows;
}

function valueAt(
  persona: Record<string, unknown>,
  path: string,
  item?: string,
  itemValue?: unknown,
): unknown {
  let current: unknown = item ? itemValue : persona;
  const rest = item ? path.slice(item.length) : path;
  for (const step of rest.match(/[^.[\]]+/g) ?? [])
    current = (current as Record<string, unknown> | undefined)?.[step];
  return current;
}

function formatValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function summarise(item: string, value: unknown): string {
  const v = value as Record<string, unknown>;
  if (item.startsWith("software.")) return `${v.version}${v.note ? ` (${v.note})` : ""}`;
  if (item.startsWith("triggers.")) {
    const c = v.condition as {
      metric: string;
      operator: string;
      threshold: number;
      unit: string;
      window: { periodSeconds: number; evaluationPeriods: number; datapointsToAlarm: number };
    };
    const w = c.window;
    return `${c.metric} ${c.operator} ${c.threshold}${c.unit} (${w.datapointsToAlarm} of ${w.evaluationPeriods} × ${w.periodSeconds}s) → ${v.response}`;
  }
  if (item.startsWith("features.")) return `initial ${v.initial}`;
  if (item.startsWith("sources.")) return `${v.url} every ${v.frequencySeconds}s → ${v.response}`;
  if (item.startsWith("responses.")) return (v.actions as { kind: string }[]).map((a) => a.kind).join(", ");
  return formatValue(value);
}

/**
 * The header lines of a text explanation: instance, persona, rule and size.
 * @internal
 */
export function explanationHeader(resolved: ResolvedPersona): string[] {
  const lines = [
    `instance  ${resolved.instance.id} (${Object.entries(resolved.instance.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")})`,
    `persona   ${resolved.ref.name}@${resolved.ref.version} ${shortDigest(resolved.ref.digest)}${resolved.ref.file ? ` (${resolved.ref.file})` : ""}`,
    `rule      ${resolved.rule.id}${resolved.rule.matchedTags.length ? ` (priority ${resolved.rule.priority}, matched ${resolved.rule.matchedTags.join(", ")})` : " (no rule matched)"}`,
  ];
  if (resolved.size)
    lines.push(`size      ${resolved.size.cloud} ${resolved.size.name}: ${resolved.size.reason}`);
  return lines;
}

/**
 * Formats rows as an aligned text table with a header.
 * @internal
 */
export function formatTable(rows: readonly ExplanationRow[]): string {
  const header: ExplanationRow = { field: "field", value: "value", source: "persona", from: "from" };
  const all = [header, ...rows];
  const cells = all.map((r, i) => [r.field, r.value, i === 0 ? "source" : r.source, r.from]);
  const widths = [0, 1, 2].map((c) => Math.max(...cells.map((row) => row[c]!.length)));
  return cells
    .map((row) =>
      row
        .map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
