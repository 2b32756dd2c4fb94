/**
 * Precomputed look-up structures over a catalog: sizes by name, families with their sizes in
 * ascending order, each cloud's sizes in selection order, and the selection memo. Built once per
 * catalog array (held weakly, so a discarded custom catalog is collected with its index).
 */
import { SIZE_CATALOG } from "./catalog.js";
import { InvalidCatalogError, UnknownSizeError } from "./errors.js";
import type { Architecture, Cloud, InstanceSize, SizeCategory } from "./types.js";

/** A family with its sizes from smallest to largest (vCPU, then memory, then price, then name). */
export interface FamilyIndex {
  readonly name: string;
  readonly cloud: Cloud;
  readonly category: SizeCategory;
  readonly architecture: Architecture;
  readonly sizes: readonly InstanceSize[];
}

export interface CatalogIndex {
  /** Sizes by lower-cased name. */
  readonly sizesByName: ReadonlyMap<string, InstanceSize>;
  /** Families by lower-cased name. */
  readonly familiesByName: ReadonlyMap<string, FamilyIndex>;
  /** Each cloud's sizes in selection order: price, then vCPU, then memory, then name. */
  readonly sizesByCloud: ReadonlyMap<Cloud, readonly InstanceSize[]>;
  /** Each cloud's family names, sorted. */
  readonly familyNamesByCloud: ReadonlyMap<Cloud, readonly string[]>;
  /** Memoised selections by request key; values are results or a recipe for the error to throw. */
  readonly selections: Map<string, unknown>;
}

const CLOUDS: readonly Cloud[] = ["aws", "azure"];
const indexes = new WeakMap<readonly InstanceSize[], CatalogIndex>();

/** Plain code-unit order, so results never depend on the host's locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Selection order: cheapest first; ties broken by fewer vCPU, less memory, then name. */
export function compareForSelection(a: InstanceSize, b: InstanceSize): number {
  return (
    a.pricePerHour - b.pricePerHour ||
    a.vcpu - b.vcpu ||
    a.memoryGiB - b.memoryGiB ||
    compareNames(a.name, b.name)
  );
}

/** Size order inside a family: smallest first. */
export function compareWithinFamily(a: InstanceSize, b: InstanceSize): number {
  return (
    a.vcpu - b.vcpu ||
    a.memoryGiB - b.memoryGiB ||
    a.pricePerHour - b.pricePerHour ||
    compareNames(a.name, b.name)
  );
}

/** The index of `catalog`, built on first use. */
export function indexFor(catalog: readonly InstanceSize[] = SIZE_CATALOG): CatalogIndex {
  let index = indexes.get(catalog);
  if (index === undefined) {
    index = buildIndex(catalog);
    indexes.set(catalog, index);
  }
  return index;
}

function isPositive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

function checkEntry(entry: InstanceSize, position: number): void {
  const where = `catalog entry ${position} (${String(entry.name)})`;
  if (!CLOUDS.includes(entry.cloud)) {
    throw new InvalidCatalogError(
      `${where}: cloud must be "aws" or "azure"; received ${String(entry.cloud)}.`,
    );
  }
  for (const key of ["vcpu", "memoryGiB", "pricePerHour"] as const) {
    if (!isPositive(entry[key])) {
      throw new InvalidCatalogError(`${where}: ${key} must be a number > 0; received ${String(entry[key])}.`);
    }
  }
  if (!(Number.isFinite(entry.networkGbps) && entry.networkGbps >= 0)) {
    throw new InvalidCatalogError(
      `${where}: networkGbps must be a number >= 0; received ${entry.networkGbps}.`,
    );
  }
  if (!(Number.isFinite(entry.networkPeakGbps) && entry.networkPeakGbps >= entry.networkGbps)) {
    throw new InvalidCatalogError(
      `${where}: networkPeakGbps must be >= networkGbps (${entry.networkGbps}); received ${entry.networkPeakGbps}.`,
    );
  }
}

function buildIndex(catalog: readonly InstanceSize[]): CatalogIndex {
  const sizesByName = new Map<string, InstanceSize>();
  const familySizes = new Map<string, InstanceSize[]>();
  catalog.forEach((entry, position) => {
    checkEntry(entry, position);
    const key = entry.name.toLowerCase();
    if (sizesByName.has(key)) {
      throw new InvalidCatalogError(`catalog lists ${entry.name} twice; size names must be unique.`);
    }
    sizesByName.set(key, entry);
    const familyKey = entry.family.toLowerCase();
    const members = familySizes.get(familyKey);
    if (members === undefined) {
      familySizes.set(familyKey, [entry]);
      return;
    }
    const first = members[0]!;
    for (const field of ["cloud", "category", "architecture"] as const) {
      if (entry[field] !== first[field]) {
        throw new InvalidCatalogError(
          `catalog family ${entry.family} mixes ${field}s: ${first.name} is ${first[field]}, ${entry.name} is ${entry[field]}.`,
        );
      }
    }
    members.push(entry);
  });

  const familiesByName = new Map<string, FamilyIndex>();
  for (const [key, members] of familySizes) {
    const first = members[0]!;
    familiesByName.set(key, {
      name: first.family,
      cloud: first.cloud,
      category: first.category,
      architecture: first.architecture,
      sizes: Object.freeze([...members].sort(compareWithinFamily)),
    });
  }

  const sizesByCloud = new Map<Cloud, readonly InstanceSize[]>();
  const familyNamesByCloud = new Map<Cloud, readonly string[]>();
  for (const cloud of CLOUDS) {
    sizesByCloud.set(
      cloud,
      Object.freeze(catalog.filter((s) => s.cloud === cloud).sort(compareForSelection)),
    );
    const names = [...familiesByName.values()].filter((f) => f.cloud === cloud).map((f) => f.name);
    familyNamesByCloud.set(cloud, Object.freeze(names.sort(compareNames)));
  }
  return { sizesByName, familiesByName, sizesByCloud, familyNamesByCloud, selections: new Map() };
}

/** Edit distance, case-insensitive; used only to suggest a name after a miss. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** The closest of `names` to `wanted`, if it is close enough to be a plausible typo. */
export function nearestName(wanted: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const distance = editDistance(wanted, name);
    if (
      distance < bestDistance ||
      (distance === bestDistance && best !== undefined && compareNames(name, best) < 0)
    ) {
      best = name;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(wanted.length / 3)) ? best : undefined;
}

/** The size called `name` (case-insensitive), or an {@link UnknownSizeError} naming the nearest one. */
export function requireSize(index: CatalogIndex, name: string): InstanceSize {
  const size = index.sizesByName.get(name.toLowerCase());
  if (size !== undefined) return size;
  const suggestion = nearestName(
    name,
    [...index.sizesByName.values()].map((s) => s.name),
  );
  const hint = suggestion === undefined ? "" : ` Did you mean ${suggestion}?`;
  throw new UnknownSizeError(
    "size",
    name,
    suggestion,
    `Unknown instance size "${name}".${hint} The catalog's sizes are listed in docs/sizing.md.`,
  );
}

/** The family called `name` in `cloud` (case-insensitive), or an {@link UnknownSizeError}. */
export function requireFamily(index: CatalogIndex, cloud: Cloud, name: string): FamilyIndex {
  const known = index.familyNamesByCloud.get(cloud) ?? [];
  const family = index.familiesByName.get(name.toLowerCase());
  if (family !== undefined && family.cloud === cloud) return family;
  if (family !== undefined) {
    throw new UnknownSizeError(
      "family",
      name,
      undefined,
      `Family "${name}" is an ${family.cloud} family, not ${cloud}; ${cloud} families are ${known.join(", ")}.`,
    );
  }
  const suggestion = nearestName(name, known);
  const hint = suggestion === undefined ? "" : ` Did you mean ${suggestion}?`;
  throw new UnknownSizeError(
    "family",
    name,
    suggestion,
    `Unknown ${cloud} family "${name}".${hint} ${cloud} families are ${known.join(", ")}.`,
  );
}
