/**
 * Units and quantities of the PDL.
 *
 * Memory: `GB` and `GiB` both mean 2^30 bytes (as the clouds size instance memory: an AWS
 * "32 GiB" instance is what people call "32 GB"); `MB`/`MiB` are 1/1024 of that, `TB`/`TiB` 1024×.
 * Bandwidth: decimal, as network links are sold: 1 Gbps = 1000 Mbps.
 */
import { ok, type Parsed, problem } from "./result.js";

/** The physical dimension of a quantity; each metric and setting expects one. */
export type Dimension = "percent" | "duration" | "memory" | "bandwidth" | "cpu" | "count" | "time";

/** A number and the unit written after it (lower-cased, may be empty). */
interface RawQuantity {
  value: number;
  unit: string;
  /** The unit as written, for messages. */
  written: string;
}

const QUANTITY = /^\s*([+-]?(?:\d+(?:\.\d+)?|\.\d+))\s*([a-zA-Z%/]*)\s*$/;

function splitQuantity(text: string): RawQuantity | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  return { value: Number(match[1]), unit: match[2]!.toLowerCase(), written: match[2]! };
}

/** Unit spellings per dimension, with the factor to the dimension's canonical unit. */
const UNITS: Record<Dimension, { canonical: string; factors: Record<string, number> }> = {
  percent: { canonical: "%", factors: { "%": 1, percent: 1, pct: 1 } },
  duration: {
    canonical: "seconds",
    factors: {
      s: 1,
      sec: 1,
      secs: 1,
      second: 1,
      seconds: 1,
      m: 60,
      min: 60,
      mins: 60,
      minute: 60,
      minutes: 60,
      h: 3600,
      hr: 3600,
      hrs: 3600,
      hour: 3600,
      hours: 3600,
      d: 86400,
      day: 86400,
      days: 86400,
    },
  },
  time: {
    canonical: "ms",
    factors: { ms: 1, millisecond: 1, milliseconds: 1, s: 1000, sec: 1000, second: 1000, seconds: 1000 },
  },
  memory: {
    canonical: "GiB",
    factors: { gb: 1, gib: 1, g: 1, mb: 1 / 1024, mib: 1 / 1024, tb: 1024, tib: 1024 },
  },
  bandwidth: {
    canonical: "Gbps",
    factors: { gbps: 1, "gbit/s": 1, mbps: 1e-3, "mbit/s": 1e-3, kbps: 1e-6, bps: 1e-9 },
  },
  cpu: { canonical: "vCPU", factors: { "": 1, core: 1, cores: 1, vcpu: 1, vcpus: 1, cpu: 1, cpus: 1 } },
  count: { canonical: "", factors: { "": 1 } },
};

/** The usual spellings of each dimension's units, for hints (every spelling in UNITS is accepted). */
const DISPLAY_UNITS: Record<Dimension, string> = {
  percent: "%",
  duration: "seconds (s), minutes (m), hours (h), days (d)",
  time: "ms, s",
  memory: "GB, GiB, MB, MiB, TB, TiB",
  bandwidth: "Gbps, Mbps, Kbps",
  cpu: "cores, vCPUs",
  count: "a plain number",
};

/** What a dimension's units measure, for "wrong unit" messages. */
const MEASURES: Record<Dimension, string> = {
  percent: "percentages",
  duration: "durations",
  time: "times",
  memory: "memory sizes",
  bandwidth: "bandwidth",
  cpu: "vCPUs",
  count: "counts",
};

/**
 * Human list of the units accepted for a dimension, for hints.
 * @internal
 */
export function acceptedUnits(dimension: Dimension): string {
  return DISPLAY_UNITS[dimension];
}

/**
 * Canonical unit name of a dimension (`GiB`, `Gbps`, `%`, `ms`, `seconds`, `vCPU`).
 * @internal
 */
export function canonicalUnit(dimension: Dimension): string {
  return UNITS[dimension].canonical;
}

/**
 * Which dimension a unit spelling belongs to, for "wrong unit" messages.
 * @internal
 */
export function dimensionOfUnit(unit: string): Dimension | undefined {
  const lower = unit.toLowerCase();
  for (const dimension of ["percent", "memory", "bandwidth", "time", "duration", "cpu"] as const) {
    if (lower !== "" && Object.hasOwn(UNITS[dimension].factors, lower)) return dimension;
  }
  return undefined;
}

const DIMENSION_NAMES: Record<Dimension, string> = {
  percent: "a percentage",
  duration: "a duration",
  time: "a time",
  memory: "a memory size",
  bandwidth: "a bandwidth",
  cpu: "a number of vCPUs",
  count: "a count",
};

/**
 * Parses `text` (e.g. "32 GB", "80%", "5 minutes") or a plain number (already in the canonical unit)
 * as a quantity of `dimension`, returning the value in the canonical unit.
 * @internal
 */
export function parseQuantity(text: string | number, dimension: Dimension): Parsed<number> {
  const spec = UNITS[dimension];
  if (typeof text === "number") {
    return Number.isFinite(text)
      ? ok(text)
      : problem(`expected ${DIMENSION_NAMES[dimension]}, received ${text}`);
  }
  const raw = splitQuantity(text);
  if (!raw) {
    return problem(
      `expected ${DIMENSION_NAMES[dimension]} such as ${example(dimension)}, received '${text}'`,
      `write a number followed by one of: ${acceptedUnits(dimension)}`,
    );
  }
  // Own keys only: a unit spelt "constructor" must not find Object.prototype's member.
  const factor = Object.hasOwn(spec.factors, raw.unit) ? spec.factors[raw.unit] : undefined;
  if (factor === undefined) {
    const other = dimensionOfUnit(raw.unit);
    const why = other ? `'${raw.written}' measures ${MEASURES[other]}` : `unknown unit '${raw.written}'`;
    return problem(
      `expected ${DIMENSION_NAMES[dimension]}, received '${text.trim()}' (${why})`,
      `use one of: ${acceptedUnits(dimension)}`,
    );
  }
  return ok(roundTiny(raw.value * factor));
}

/** Keeps 1/1024 multiples exact-looking (0.5 GiB stays 0.5) without float noise like 0.30000000000000004. */
function roundTiny(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

function example(dimension: Dimension): string {
  switch (dimension) {
    case "percent":
      return "'80%'";
    case "duration":
      return "'5 minutes'";
    case "time":
      return "'100ms'";
    case "memory":
      return "'32 GB'";
    case "bandwidth":
      return "'10 Gbps'";
    case "cpu":
      return "'8 cores'";
    case "count":
      return "'1000'";
  }
}

/**
 * Formats seconds back as the largest whole unit: 300 → "5 minutes", 90 → "90 seconds".
 * @internal
 */
export function formatDuration(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds % 86400 === 0) return plural(seconds / 86400, "day");
  if (seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  if (seconds % 60 === 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}
