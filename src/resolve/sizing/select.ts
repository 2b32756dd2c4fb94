import { type CatalogIndex, type FamilyIndex, indexFor, requireFamily } from "./catalog-index.js";
import {
  InvalidSizingRequestError,
  NoMatchingSizeError,
  type SizingError,
  UnknownSizeError,
  type UnmetRequirement,
} from "./errors.js";
import type { Architecture, Cloud, InstanceSize, SizeCategory } from "./types.js";

/** What a persona's base configuration needs from a size. */
export interface SizeRequest {
  /** The cloud to choose from. */
  readonly cloud: Cloud;
  /**
   * The fewest vCPUs the size may have.
   * @default 0
   */
  readonly vcpu?: number;
  /**
   * The least memory the size may have, in GiB.
   * @default 0
   */
  readonly memoryGiB?: number;
  /**
   * The least network bandwidth the size may have, in Gbps (compared as `networkBasis` says).
   * @default 0
   */
  readonly networkGbps?: number;
}

/** How `networkGbps` is compared: the sustained figure (AWS baseline) or the burst peak. */
export type NetworkBasis = "sustained" | "peak";

/** Filters and preferences for {@link selectSize}. */
export interface SelectSizeOptions {
  /**
   * Only these families (or this one family) are considered, e.g. `"c7i"` or `["c7i", "m7i"]`.
   * @default every family of the cloud
   */
  readonly families?: string | readonly string[];
  /**
   * Families to prefer, most preferred first: the cheapest match in the first listed family that
   * has one wins; when none of them has a match, the cheapest match overall wins.
   * @default no preference
   */
  readonly preferFamilies?: readonly string[];
  /**
   * Only sizes with this processor architecture are considered.
   * @default either architecture
   */
  readonly architecture?: Architecture;
  /**
   * Categories left out. By default burstable sizes are, because a persona's sustained load would
   * drain their CPU credits and throttle them, except families named in `families` or
   * `preferFamilies`; pass `[]` to allow every category, or a list to leave out exactly those.
   * @default ["burstable"], sparing families named in `families` or `preferFamilies`
   */
  readonly excludeCategories?: readonly SizeCategory[];
  /**
   * Which figure `networkGbps` is compared against: `"sustained"` is the guaranteed baseline,
   * `"peak"` the "up to" figure of burstable-network sizes.
   * @default "sustained"
   */
  readonly networkBasis?: NetworkBasis;
  /**
   * The catalog to choose from; selections are memoised per catalog array.
   * @default SIZE_CATALOG
   */
  readonly catalog?: readonly InstanceSize[];
}

/** The outcome of {@link selectSize}. */
export interface SizeSelection {
  /** The chosen size. */
  readonly choice: InstanceSize;
  /** The size that would have been chosen next, if any other size matched. */
  readonly runnerUp: InstanceSize | undefined;
  /** How many sizes matched in the choice's preference tier (all matches without `preferFamilies`). */
  readonly candidates: number;
  /** Why the choice was made, in one sentence, e.g. for `personas explain`. */
  readonly reason: string;
}

const DEFAULT_EXCLUDED: readonly SizeCategory[] = Object.freeze(["burstable"]);
/** Enough for every distinct request a large fleet makes; cleared wholesale when full. */
const MAX_MEMOISED = 50_000;

type Memo = SizeSelection | { readonly failure: () => SizingError };

/** Distinguishes "not given" from "" and [] so they never share a memo entry. */
function optionKey(value: string | readonly string[] | undefined): string {
  if (value === undefined) return "-";
  return typeof value === "string" ? `s${value}` : `a${value.join("\u0000")}`;
}

/**
 * Chooses the cheapest size that meets the request's vCPU, memory and network minimums, after
 * the family, architecture and category filters. Ties are broken by fewer vCPUs, then less memory,
 * then name, so the same request always gets the same answer. Results are memoised by request and
 * options, so repeated requests cost a map look-up; the returned objects are frozen and shared.
 *
 * @throws {@link NoMatchingSizeError} when no size meets the request; the message names the unmet
 *   requirement and the largest size available.
 * @throws {@link UnknownSizeError} when a family in `families` or `preferFamilies` is not in the catalog.
 * @throws {@link InvalidSizingRequestError} when a minimum is negative or not a number.
 * @example
 * ```ts
 * const { choice, reason } = selectSize({ cloud: "aws", vcpu: 8, memoryGiB: 32, networkGbps: 10 });
 * // choice.name === "c7g.8xlarge"
 * // reason === "c7g.8xlarge at $1.16/h: cheapest of 39 aws sizes with >= 8 vCPU, >= 32 GiB,
 * //   >= 10 Gbps (burstable excluded); runner-up m7g.8xlarge at $1.3056/h"
 * selectSize({ cloud: "aws", vcpu: 8, memoryGiB: 16 }, { families: "c7i" }).choice.name; // "c7i.2xlarge"
 * ```
 */
export function selectSize(request: SizeRequest, options: SelectSizeOptions = {}): SizeSelection {
  const index = indexFor(options.catalog);
  const key = `${request.cloud}|${request.vcpu}|${request.memoryGiB}|${request.networkGbps}|${optionKey(
    options.families,
  )}|${optionKey(options.preferFamilies)}|${options.architecture}|${optionKey(
    options.excludeCategories,
  )}|${options.networkBasis}`;
  let memo = index.selections.get(key) as Memo | undefined;
  if (memo === undefined) {
    memo = memoisable(index, request, options);
    if (index.selections.size >= MAX_MEMOISED) index.selections.clear();
    index.selections.set(key, memo);
  }
  if ("failure" in memo) throw memo.failure();
  return memo;
}

/** Computes a selection; a request that fails is remembered as a recipe for a fresh error, so it fails fast. */
function memoisable(index: CatalogIndex, request: SizeRequest, options: SelectSizeOptions): Memo {
  try {
    return computeSelection(index, request, options);
  } catch (error) {
    if (error instanceof UnknownSizeError) {
      const { kind, lookedUp, suggestion, message } = error;
      return { failure: () => new UnknownSizeError(kind, lookedUp, suggestion, message) };
    }
    if (error instanceof InvalidSizingRequestError) {
      const { message } = error;
      return { failure: () => new InvalidSizingRequestError(message) };
    }
    throw error;
  }
}

function minimum(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidSizingRequestError(`${name} must be a number >= 0; received ${String(value)}.`);
  }
  return value;
}

interface Requirements {
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly networkGbps: number;
  readonly peak: boolean;
}

function network(size: InstanceSize, peak: boolean): number {
  return peak ? size.networkPeakGbps : size.networkGbps;
}

function describeRequirements(req: Requirements): string {
  const parts: string[] = [];
  if (req.vcpu > 0) parts.push(`>= ${req.vcpu} vCPU`);
  if (req.memoryGiB > 0) parts.push(`>= ${req.memoryGiB} GiB`);
  if (req.networkGbps > 0) parts.push(`>= ${req.networkGbps} Gbps${req.peak ? " peak" : ""}`);
  return parts.length === 0 ? "no minimums" : parts.join(", ");
}

/** `c7i.2xlarge (8 vCPU, 16 GiB, 3.125 Gbps up to 12.5)`. */
export function describeSize(size: InstanceSize): string {
  const burst = size.networkBurst ? ` up to ${size.networkPeakGbps}` : "";
  return `${size.name} (${size.vcpu} vCPU, ${size.memoryGiB} GiB, ${size.networkGbps} Gbps${burst})`;
}

function computeSelection(index: CatalogIndex, request: SizeRequest, options: SelectSizeOptions): Memo {
  const cloud = request.cloud;
  if (cloud !== "aws" && cloud !== "azure") {
    throw new InvalidSizingRequestError(`cloud must be "aws" or "azure"; received ${String(cloud)}.`);
  }
  const req: Requirements = {
    vcpu: minimum("vcpu", request.vcpu),
    memoryGiB: minimum("memoryGiB", request.memoryGiB),
    networkGbps: minimum("networkGbps", request.networkGbps),
    peak: (options.networkBasis ?? "sustained") === "peak",
  };
  if (
    options.networkBasis !== undefined &&
    options.networkBasis !== "sustained" &&
    options.networkBasis !== "peak"
  ) {
    throw new InvalidSizingRequestError(
      `networkBasis must be "sustained" or "peak"; received ${String(options.networkBasis)}.`,
    );
  }
  const restrictTo =
    options.families === undefined
      ? undefined
      : (typeof options.families === "string" ? [options.families] : options.families).map((f) =>
          requireFamily(index, cloud, f),
        );
  const preferred = (options.preferFamilies ?? []).map((f) => requireFamily(index, cloud, f));
  const allowedFamilies = restrictTo === undefined ? undefined : new Set(restrictTo.map((f) => f.name));
  const excluded = options.excludeCategories ?? DEFAULT_EXCLUDED;
  // The default exclusion yields to intent: a family named in `families` or `preferFamilies` stays in.
  const exempt = new Set(
    options.excludeCategories === undefined ? [...(restrictTo ?? []), ...preferred].map((f) => f.name) : [],
  );
  const eligible = (index.sizesByCloud.get(cloud) ?? []).filter(
    (s) =>
      (allowedFamilies === undefined || allowedFamilies.has(s.family)) &&
      (options.architecture === undefined || s.architecture === options.architecture),
  );
  const pool = eligible.filter((s) => !excluded.includes(s.category) || exempt.has(s.family));
  const removed = excluded.filter((c) => eligible.some((s) => s.category === c && !exempt.has(s.family)));
  const kept = [...exempt].filter((f) =>
    eligible.some((s) => s.family === f && excluded.includes(s.category)),
  );
  const exclusion =
    removed.length === 0
      ? undefined
      : `${removed.join(", ")} excluded${kept.length === 0 ? "" : ` except ${kept.join(", ")}`}`;
  const filters = describeFilters(restrictTo, options.architecture, exclusion);

  if (pool.length === 0) {
    const message = `No ${cloud} size passes the filters (${filters.join("; ")}); loosen the families, architecture or excluded categories.`;
    return { failure: () => new NoMatchingSizeError(cloud, ["filters"], undefined, message) };
  }

  const matches = pool.filter(
    (s) => s.vcpu >= req.vcpu && s.memoryGiB >= req.memoryGiB && network(s, req.peak) >= req.networkGbps,
  );
  if (matches.length === 0) return noMatch(cloud, pool, req, filters);

  const rank = (s: InstanceSize): number => {
    const position = preferred.findIndex((f) => f.name === s.family);
    return position === -1 ? preferred.length : position;
  };
  // The pool is already in selection order, and a stable sort keeps it within each preference tier.
  if (preferred.length > 0) matches.sort((a, b) => rank(a) - rank(b));

  const choice = matches[0]!;
  const runnerUp = matches[1];
  const tier = rank(choice);
  const candidates = preferred.length === 0 ? matches.length : matches.filter((s) => rank(s) === tier).length;
  const preference = describePreference(preferred, choice);
  const annotations = [...(preference === undefined ? [] : [preference]), ...filters];
  const annotation = annotations.length === 0 ? "" : ` (${annotations.join("; ")})`;
  const next =
    runnerUp === undefined ? "no runner-up" : `runner-up ${runnerUp.name} at $${runnerUp.pricePerHour}/h`;
  const reason =
    `${choice.name} at $${choice.pricePerHour}/h: cheapest of ${candidates} ${cloud} ` +
    `${candidates === 1 ? "size" : "sizes"} with ${describeRequirements(req)}${annotation}; ${next}`;
  return Object.freeze({ choice, runnerUp, candidates, reason });
}

function describeFilters(
  families: readonly FamilyIndex[] | undefined,
  architecture: Architecture | undefined,
  exclusion: string | undefined,
): string[] {
  const parts: string[] = [];
  if (families !== undefined) {
    parts.push(`${families.length === 1 ? "family" : "families"} ${families.map((f) => f.name).join(", ")}`);
  }
  if (architecture !== undefined) parts.push(`${architecture} only`);
  if (exclusion !== undefined) parts.push(exclusion);
  return parts;
}

function describePreference(preferred: readonly FamilyIndex[], choice: InstanceSize): string | undefined {
  if (preferred.length === 0) return undefined;
  if (preferred.some((f) => f.name === choice.family)) return `preferred family ${choice.family}`;
  return `no preferred family (${preferred.map((f) => f.name).join(", ")}) has a match`;
}

const DIMENSIONS = [
  { key: "vcpu", label: "vCPU", unit: "vCPU", of: (s: InstanceSize) => s.vcpu },
  { key: "memoryGiB", label: "memory", unit: "GiB", of: (s: InstanceSize) => s.memoryGiB },
  { key: "networkGbps", label: "network", unit: "Gbps", of: (s: InstanceSize) => s.networkGbps },
] as const;

function noMatch(
  cloud: Cloud,
  pool: readonly InstanceSize[],
  req: Requirements,
  filters: readonly string[],
): Memo {
  const value = (s: InstanceSize, key: (typeof DIMENSIONS)[number]["key"]): number =>
    key === "networkGbps" ? network(s, req.peak) : s[key];
  const unmetDimensions = DIMENSIONS.filter((d) => !pool.some((s) => value(s, d.key) >= req[d.key]));
  // "Largest" is measured along the first requirement that failed, then the others, then name.
  const order = [...unmetDimensions, ...DIMENSIONS.filter((d) => !unmetDimensions.includes(d))];
  const largest = pool.reduce((best, s) => {
    for (const d of order) {
      const diff = value(s, d.key) - value(best, d.key);
      if (diff !== 0) return diff > 0 ? s : best;
    }
    return s.name < best.name ? s : best;
  });
  const unmet: UnmetRequirement[] =
    unmetDimensions.length === 0 ? ["combination"] : unmetDimensions.map((d) => d.key);
  const why =
    unmetDimensions.length === 0
      ? "each requirement is met by some size, but no size meets all of them"
      : `no size has ${unmetDimensions.map((d) => `>= ${req[d.key]} ${d.unit}${d.key === "networkGbps" && req.peak ? " peak" : ""}`).join(" or ")}`;
  const measure = unmetDimensions.length === 0 ? "" : ` by ${order[0]!.label}`;
  const scope = filters.length === 0 ? "" : ` (${filters.join("; ")})`;
  const message =
    `No ${cloud} size meets ${describeRequirements(req)}${scope}: ${why}; ` +
    `the largest${measure} is ${describeSize(largest)}.`;
  return { failure: () => new NoMatchingSizeError(cloud, unmet, largest, message) };
}
