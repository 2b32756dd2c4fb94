/**
 * The fields a mapping rule or a `persona:<field>` tag may override, and how their values are read.
 * Values use the PDL's units: `memory: 64 GB`, `cpu: 16 cores`, `networkBandwidth: 25 Gbps`,
 * `triggers.cpu-utilization-above.threshold: 70%`.
 */
import type { Persona } from "../pdl/model.js";
import { ok, type Parsed, problem } from "../pdl/result.js";
import { didYouMean } from "../pdl/suggest.js";
import { type Dimension, parseQuantity } from "../pdl/units.js";
import { UnknownSizeError } from "./sizing/errors.js";
import { findSize, listFamilies } from "./sizing/index.js";

/** One overridable field. */
export interface OverrideField {
  /** The name used in mappings and tags (camelCase; matched without regard to case, `-` or `_`). */
  readonly name: string;
  /** The persona path it sets, e.g. `base.memoryGiB`. */
  readonly path: string;
  /** What a value looks like, for messages. */
  readonly example: string;
  /** Reads a value into the model's unit. */
  readonly read: (value: string | number) => Parsed<string | number>;
}

/** A parsed override: the field, the value in the model's unit, and the value as written. */
export interface OverrideValue {
  readonly field: string;
  readonly path: string;
  readonly value: string | number;
  readonly written: string;
}

function whole(dimension: Dimension, label: string, min: number, max: number, example: string) {
  return (value: string | number): Parsed<number> => {
    const parsed = parseQuantity(value, dimension);
    if (!parsed.ok) return parsed;
    if (!Number.isInteger(parsed.value) || parsed.value < min || parsed.value > max)
      return problem(
        `${label} '${value}' must be a whole number from ${min} to ${max}`,
        `write e.g. '${example}'`,
      );
    return parsed;
  };
}

function positive(dimension: Dimension, label: string, max: number, unit: string, example: string) {
  return (value: string | number): Parsed<number> => {
    const parsed = parseQuantity(value, dimension);
    if (!parsed.ok) return { ...parsed, hint: parsed.hint ?? `write e.g. '${example}'` };
    if (parsed.value <= 0 || parsed.value > max)
      return problem(
        `${label} '${value}' must be above 0 and at most ${max} ${unit}`,
        `write e.g. '${example}'`,
      );
    return parsed;
  };
}

function sizeName(value: string | number): Parsed<string> {
  try {
    return ok(findSize(String(value)).name);
  } catch (error) {
    // A problem is a clause the caller ends (`…: <problem>.`); the catalog's message is a sentence.
    if (error instanceof UnknownSizeError) return problem(error.message.replace(/\.$/, ""));
    throw error;
  }
}

function familyName(value: string | number): Parsed<string> {
  const families = [...listFamilies("aws"), ...listFamilies("azure")];
  const text = String(value);
  const found = families.find((f) => f.toLowerCase() === text.toLowerCase());
  return found === undefined
    ? problem(
        `unknown instance family '${text}'`,
        `${didYouMean(text, families)}families: ${families.join(", ")}`,
      )
    : ok(found);
}

/**
 * The overridable base and bounds fields.
 * @internal
 */
export const OVERRIDE_FIELDS: readonly OverrideField[] = [
  { name: "cpu", path: "base.cpu", example: "16 cores", read: whole("cpu", "CPU", 1, 448, "16 cores") },
  {
    name: "memory",
    path: "base.memoryGiB",
    example: "64 GB",
    read: positive("memory", "Memory", 24576, "GB", "64 GB"),
  },
  {
    name: "networkBandwidth",
    path: "base.networkGbps",
    example: "25 Gbps",
    read: positive("bandwidth", "NetworkBandwidth", 400, "Gbps", "25 Gbps"),
  },
  { name: "family", path: "base.family", example: "c7i", read: familyName },
  {
    name: "architecture",
    path: "base.architecture",
    example: "arm64",
    read: (value) =>
      value === "x86_64" || value === "arm64"
        ? ok(value)
        : problem(`architecture '${value}' must be 'x86_64' or 'arm64'`),
  },
  { name: "size", path: "base.size", example: "m7i.2xlarge", read: sizeName },
  {
    name: "maxCpu",
    path: "bounds.maxCpu",
    example: "32 cores",
    read: whole("cpu", "MaxCPU", 1, 448, "32 cores"),
  },
  {
    name: "maxMemory",
    path: "bounds.maxMemoryGiB",
    example: "128 GB",
    read: positive("memory", "MaxMemory", 24576, "GB", "128 GB"),
  },
  { name: "maxSize", path: "bounds.maxSize", example: "m7i.8xlarge", read: sizeName },
  {
    name: "maxActionsPerHour",
    path: "bounds.maxActionsPerHour",
    example: "6",
    read: whole("count", "MaxActionsPerHour", 1, 3600, "6"),
  },
];

const TRIGGER_THRESHOLD = /^triggers?\.([a-z0-9][\w-]*)\.threshold$/i;
const looseName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, "");
const BY_LOOSE_NAME = new Map(OVERRIDE_FIELDS.map((f) => [looseName(f.name), f]));

/** Every override field name, for messages. */
export const OVERRIDE_FIELD_NAMES: readonly string[] = [
  ...OVERRIDE_FIELDS.map((f) => f.name),
  "triggers.<id>.threshold",
];

/**
 * The canonical name of an override field (`Memory` → `memory`, `triggers.X.threshold` kept), or
 * undefined when it is not overridable.
 * @internal
 */
export function overrideFieldName(written: string): string | undefined {
  const trigger = TRIGGER_THRESHOLD.exec(written);
  if (trigger) return `triggers.${trigger[1]}.threshold`;
  return BY_LOOSE_NAME.get(looseName(written))?.name;
}

/**
 * "did you mean" and the list of fields, for an unknown field.
 * @internal
 */
export function unknownFieldHint(written: string): string {
  return `${didYouMean(
    written,
    OVERRIDE_FIELDS.map((f) => f.name),
  )}overridable fields: ${OVERRIDE_FIELD_NAMES.join(", ")}`;
}

/**
 * Reads an override value of a base or bounds field. Trigger thresholds are read against the
 * chosen persona with {@link readTriggerThreshold}, since their unit is the trigger's metric's.
 * @internal
 */
export function readOverride(field: string, value: string | number): Parsed<OverrideValue> {
  const written = String(value);
  const trigger = TRIGGER_THRESHOLD.exec(field);
  if (trigger) {
    // The unit is checked against the persona; here only that it is a number with an optional unit.
    return /^\s*[+-]?(?:\d+(?:\.\d+)?|\.\d+)\s*[a-zA-Z%/]*\s*$/.test(written)
      ? ok({ field, path: `triggers.${trigger[1]}.condition.threshold`, value: written, written })
      : problem(`threshold '${written}' is not a number with a unit`, "write e.g. '70%' or '250ms'");
  }
  const spec = BY_LOOSE_NAME.get(looseName(field));
  if (!spec) return problem(`'${field}' cannot be overridden`, unknownFieldHint(field));
  const read = spec.read(value);
  if (!read.ok) return read;
  return ok({ field: spec.name, path: spec.path, value: read.value, written });
}

const UNIT_DIMENSIONS: Record<string, Dimension> = {
  "%": "percent",
  ms: "time",
  Gbps: "bandwidth",
  "": "count",
};

/** Reads a trigger threshold override against the persona's trigger; the message names the persona's triggers when the id is unknown. */
export function readTriggerThreshold(
  persona: Persona,
  triggerId: string,
  written: string,
): Parsed<number> | { ok: false; unknownTrigger: true; message: string; hint: string } {
  const trigger = persona.triggers.find((t) => t.id === triggerId);
  if (!trigger) {
    const ids = persona.triggers.map((t) => t.id);
    return {
      ok: false,
      unknownTrigger: true,
      message: `${persona.name}@${persona.version ?? "?"} has no trigger '${triggerId}'`,
      hint: `${didYouMean(triggerId, ids)}its triggers are: ${ids.join(", ") || "none"}`,
    };
  }
  const dimension = UNIT_DIMENSIONS[trigger.condition.unit] ?? "count";
  return parseQuantity(written, dimension);
}
