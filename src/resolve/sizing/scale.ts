import { type CatalogIndex, compareNames, type FamilyIndex, indexFor, requireSize } from "./catalog-index.js";
import { InvalidSizingRequestError, ScaleTargetError } from "./errors.js";
import type { InstanceSize } from "./types.js";

/**
 * Where to scale to: the smallest size in the family with at least `vcpu` vCPUs or `memoryGiB`
 * GiB, or a named `size` of the same family. Targets are absolute: a target below the current size
 * scales down (as reverting to a baseline does).
 */
export type ScaleTarget =
  | { readonly vcpu: number }
  | { readonly memoryGiB: number }
  | { readonly size: string };

/** Limits a scaling action may not cross, and the catalog to scale in. */
export interface ScaleOptions {
  /**
   * The most vCPUs the resulting size may have.
   * @default no limit
   */
  readonly maxVcpu?: number;
  /**
   * The most memory the resulting size may have, in GiB.
   * @default no limit
   */
  readonly maxMemoryGiB?: number;
  /**
   * The largest size allowed, in the same family: the result may have no more vCPUs and no more
   * memory than it.
   * @default no limit
   */
  readonly maxSize?: string;
  /**
   * The catalog to scale in.
   * @default SIZE_CATALOG
   */
  readonly catalog?: readonly InstanceSize[];
}

/** The outcome of {@link scaleWithinFamily}. */
export interface ScaleResult {
  /** The size scaling started from. */
  readonly from: InstanceSize;
  /** The size to change to; the same object as `from` when no change is needed. */
  readonly to: InstanceSize;
  /** `up` or `down` by vCPU then memory, or `none` when `to` is `from`. */
  readonly direction: "up" | "down" | "none";
  /** Why `to` was chosen, in one sentence. */
  readonly reason: string;
}

interface Bound {
  readonly fits: (size: InstanceSize) => boolean;
  readonly description: string;
}

/**
 * Finds the size to move to inside the current size's family: "Scale up to 16 cores" on a
 * c7i.2xlarge becomes c7i.4xlarge. Where a family mixes memory-per-vCPU shapes (Azure Bsv2), sizes
 * of the current shape are preferred, so scaling CPU does not silently shrink memory per core.
 *
 * @throws {@link ScaleTargetError} when the family has no size big enough, the size needed is above
 *   a bound, or a named size is in another family; the message lists the sizes that are possible.
 * @throws {@link UnknownSizeError} when `currentSize`, a target size or `maxSize` is not in the catalog.
 * @throws {@link InvalidSizingRequestError} when the target or a bound is malformed.
 * @example
 * ```ts
 * scaleWithinFamily("c7i.2xlarge", { vcpu: 16 }).to.name; // "c7i.4xlarge"
 * scaleWithinFamily("c7i.4xlarge", { size: "c7i.2xlarge" }).direction; // "down"
 * scaleWithinFamily("c7i.2xlarge", { vcpu: 64 }, { maxVcpu: 32 }); // throws ScaleTargetError
 * ```
 */
export function scaleWithinFamily(
  currentSize: string,
  target: ScaleTarget,
  options: ScaleOptions = {},
): ScaleResult {
  const index = indexFor(options.catalog);
  const from = requireSize(index, currentSize);
  const family = index.familiesByName.get(from.family.toLowerCase())!;
  const bound = boundFor(index, family, options);
  const kind = targetKind(target);

  if (kind === "size") {
    const wanted = requireSize(index, (target as { size: string }).size);
    const prefix = `Cannot scale ${from.name} to ${wanted.name}`;
    if (wanted.family !== from.family) {
      throw new ScaleTargetError(
        from,
        "other-family",
        `${prefix}: ${wanted.name} is in family ${wanted.family}, not ${family.name}; ${family.name} sizes are ${names(family.sizes)}.`,
      );
    }
    if (bound !== undefined && !bound.fits(wanted)) {
      throw new ScaleTargetError(
        from,
        "above-bound",
        `${prefix}: ${wanted.name} (${wanted.vcpu} vCPU, ${wanted.memoryGiB} GiB) is above the bound of ${bound.description}; ${withinBound(family, bound, names)}.`,
      );
    }
    return result(from, wanted, `${wanted.name} was named`);
  }

  const dimension = kind === "vcpu" ? VCPU : MEMORY;
  const wanted = positive(kind, (target as Record<string, unknown>)[kind]);
  const goal = `>= ${wanted} ${dimension.unit}`;
  const prefix = `Cannot scale ${from.name} to ${goal}`;
  const big = family.sizes.filter((s) => dimension.of(s) >= wanted);
  if (big.length === 0) {
    throw new ScaleTargetError(
      from,
      "too-large",
      `${prefix}: ${family.name} has ${distinct(family.sizes, dimension)} ${dimension.unit} sizes.`,
    );
  }
  const least = Math.min(...big.map(dimension.of));
  const smallest = big.filter((s) => dimension.of(s) === least);
  const to = closestShape(from, smallest);
  const shape =
    smallest.length === 1
      ? ""
      : to.memoryGiB / to.vcpu === from.memoryGiB / from.vcpu
        ? " of the same shape"
        : " of the nearest shape";
  if (bound !== undefined && !bound.fits(to)) {
    throw new ScaleTargetError(
      from,
      "above-bound",
      `${prefix}: the smallest ${family.name} size with ${goal} is ${to.name} (${to.vcpu} vCPU, ${to.memoryGiB} GiB), above the bound of ${bound.description}; ${withinBound(family, bound, (sizes) => `${distinct(sizes, dimension)} ${dimension.unit} sizes`)}.`,
    );
  }
  return result(from, to, `${to.name} is the smallest ${family.name} size${shape} with ${goal}`);
}

interface Dimension {
  readonly unit: string;
  readonly of: (size: InstanceSize) => number;
}
const VCPU: Dimension = { unit: "vCPU", of: (s) => s.vcpu };
const MEMORY: Dimension = { unit: "GiB", of: (s) => s.memoryGiB };

function targetKind(target: ScaleTarget): "vcpu" | "memoryGiB" | "size" {
  const given = (["vcpu", "memoryGiB", "size"] as const).filter(
    (k) => (target as Record<string, unknown>)[k] !== undefined,
  );
  if (given.length !== 1) {
    const received = given.length === 0 ? "none of them" : given.join(" and ");
    throw new InvalidSizingRequestError(
      `A scale target needs exactly one of vcpu, memoryGiB or size; received ${received}.`,
    );
  }
  const kind = given[0]!;
  if (kind === "size" && typeof (target as { size: unknown }).size !== "string") {
    throw new InvalidSizingRequestError(
      `A scale target's size must be a size name; received ${String((target as { size: unknown }).size)}.`,
    );
  }
  return kind;
}

function positive(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidSizingRequestError(`${name} must be a number > 0; received ${String(value)}.`);
  }
  return value;
}

function boundFor(index: CatalogIndex, family: FamilyIndex, options: ScaleOptions): Bound | undefined {
  const checks: Array<(size: InstanceSize) => boolean> = [];
  const parts: string[] = [];
  if (options.maxVcpu !== undefined) {
    const max = positive("maxVcpu", options.maxVcpu);
    checks.push((s) => s.vcpu <= max);
    parts.push(`at most ${max} vCPU`);
  }
  if (options.maxMemoryGiB !== undefined) {
    const max = positive("maxMemoryGiB", options.maxMemoryGiB);
    checks.push((s) => s.memoryGiB <= max);
    parts.push(`at most ${max} GiB`);
  }
  if (options.maxSize !== undefined) {
    const max = requireSize(index, options.maxSize);
    if (max.family !== family.name) {
      throw new InvalidSizingRequestError(
        `maxSize ${max.name} is in family ${max.family}, not ${family.name}; a bound must name a ${family.name} size.`,
      );
    }
    checks.push((s) => s.vcpu <= max.vcpu && s.memoryGiB <= max.memoryGiB);
    parts.push(`at most ${max.name}`);
  }
  if (checks.length === 0) return undefined;
  return { fits: (s) => checks.every((check) => check(s)), description: parts.join(" and ") };
}

/** Among equally small sizes, the one whose memory per vCPU is nearest the current size's; then the cheapest. */
function closestShape(from: InstanceSize, sizes: readonly InstanceSize[]): InstanceSize {
  const shape = (s: InstanceSize) => Math.abs(Math.log(s.memoryGiB / s.vcpu / (from.memoryGiB / from.vcpu)));
  return sizes.reduce((best, s) => {
    const diff =
      shape(s) - shape(best) || s.pricePerHour - best.pricePerHour || compareNames(s.name, best.name);
    return diff < 0 ? s : best;
  });
}

function result(from: InstanceSize, to: InstanceSize, why: string): ScaleResult {
  const diff = to.vcpu - from.vcpu || to.memoryGiB - from.memoryGiB || to.pricePerHour - from.pricePerHour;
  const direction = to === from ? "none" : diff > 0 ? "up" : "down";
  const reason =
    direction === "none"
      ? `${from.name} stays: ${why}`
      : `${from.name} -> ${to.name} (scale ${direction}): ${why}`;
  return Object.freeze({ from, to, direction, reason });
}

function names(sizes: readonly InstanceSize[]): string {
  return sizes.map((s) => s.name).join(", ");
}

function distinct(sizes: readonly InstanceSize[], dimension: Dimension): string {
  return [...new Set(sizes.map(dimension.of))].sort((a, b) => a - b).join(", ");
}

function withinBound(
  family: FamilyIndex,
  bound: Bound,
  list: (sizes: readonly InstanceSize[]) => string,
): string {
  const inside = family.sizes.filter(bound.fits);
  return inside.length === 0
    ? `no ${family.name} size is within the bound`
    : `within the bound ${family.name} has ${list(inside)}`;
}
