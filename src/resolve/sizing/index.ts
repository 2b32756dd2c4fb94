/**
 * The instance sizing catalog: AWS instance types and Azure VM sizes with reference prices, the
 * cheapest-size selection that turns a persona's base configuration into a size, and scaling inside
 * a family for "Scale up to 16 cores" actions. Pure data and functions: no cloud SDK, no Pulumi.
 * Sources, dates and rules are in docs/sizing.md.
 *
 * @example
 * ```ts
 * import { scaleWithinFamily, selectSize } from "./resolve/sizing/index.js";
 *
 * const baseline = selectSize({ cloud: "aws", vcpu: 8, memoryGiB: 32 }, { families: ["c7i", "m7i"] });
 * baseline.choice.name; // "m7i.2xlarge"
 * scaleWithinFamily(baseline.choice.name, { vcpu: 16 }).to.name; // "m7i.4xlarge"
 * ```
 */
import { indexFor, requireFamily, requireSize } from "./catalog-index.js";
import type { Cloud, InstanceSize } from "./types.js";

export {
  type BaselineOptions,
  type BaselineRequest,
  type BaselineSize,
  baselineSize,
  explicitSizeOverBound,
} from "./baseline.js";
export { AWS_SIZES, AZURE_SIZES, CATALOG_SOURCE, SIZE_CATALOG } from "./catalog.js";
export {
  InvalidCatalogError,
  InvalidSizingRequestError,
  NoMatchingSizeError,
  ScaleTargetError,
  SizingError,
  UnknownSizeError,
  type UnmetRequirement,
} from "./errors.js";
export { type ScaleOptions, type ScaleResult, type ScaleTarget, scaleWithinFamily } from "./scale.js";
export {
  describeSize,
  type NetworkBasis,
  type SelectSizeOptions,
  type SizeRequest,
  type SizeSelection,
  selectSize,
} from "./select.js";
export type { Architecture, Cloud, InstanceSize, SizeCategory } from "./types.js";

/**
 * The catalog entry for a size name (case-insensitive).
 *
 * @param catalog - the catalog to look in; @default SIZE_CATALOG
 * @throws {@link UnknownSizeError} when the name is not in the catalog; the message suggests the nearest name.
 * @example
 * ```ts
 * findSize("c7i.2xlarge").pricePerHour; // 0.357
 * findSize("standard_d8s_v5").name; // "Standard_D8s_v5"
 * ```
 */
export function findSize(name: string, catalog?: readonly InstanceSize[]): InstanceSize {
  return requireSize(indexFor(catalog), name);
}

/**
 * The sizes of one family, smallest first (by vCPU, then memory).
 *
 * @param catalog - the catalog to look in; @default SIZE_CATALOG
 * @throws {@link UnknownSizeError} when the cloud has no such family.
 * @example
 * ```ts
 * familySizes("aws", "t4g").map((s) => s.name); // ["t4g.large", "t4g.xlarge", "t4g.2xlarge"]
 * ```
 */
export function familySizes(
  cloud: Cloud,
  family: string,
  catalog?: readonly InstanceSize[],
): readonly InstanceSize[] {
  return requireFamily(indexFor(catalog), cloud, family).sizes;
}

/**
 * The family names the catalog has for a cloud, sorted.
 *
 * @param catalog - the catalog to look in; @default SIZE_CATALOG
 * @example
 * ```ts
 * listFamilies("azure"); // ["Bsv2", "Dasv5", "Dsv5", "Esv5", "Fsv2"]
 * ```
 */
export function listFamilies(cloud: Cloud, catalog?: readonly InstanceSize[]): readonly string[] {
  return indexFor(catalog).familyNamesByCloud.get(cloud) ?? [];
}
