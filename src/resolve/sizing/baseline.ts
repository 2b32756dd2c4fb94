import { indexFor, requireSize } from "./catalog-index.js";
import { InvalidSizingRequestError } from "./errors.js";
import { selectSize } from "./select.js";
import type { Architecture, Cloud, InstanceSize } from "./types.js";

/**
 * What a persona says about its size: its BaseConfiguration (`Persona["base"]`) and, for an explicit
 * size, its bounds (`Persona["bounds"]`). Structural, so the catalog needs nothing from pdl.
 */
export interface BaselineRequest {
  readonly base: {
    readonly cpu?: number | undefined;
    readonly memoryGiB?: number | undefined;
    readonly networkGbps?: number | undefined;
    readonly family?: string | undefined;
    readonly architecture?: Architecture | undefined;
    readonly size?: string | undefined;
  };
  readonly bounds?:
    | {
        readonly maxCpu?: number | undefined;
        readonly maxMemoryGiB?: number | undefined;
        readonly maxSize?: string | undefined;
      }
    | undefined;
  /**
   * How errors name the persona, e.g. `HighTraffic@1.3.0`.
   * @default "the persona"
   */
  readonly subject?: string | undefined;
}

/** Options of {@link baselineSize}. */
export interface BaselineOptions {
  /**
   * The architecture to choose from when the persona names none (a fleet's AMI fixes it).
   * @default either architecture
   */
  readonly architecture?: Architecture | undefined;
  /**
   * The catalog to choose from.
   * @default SIZE_CATALOG
   */
  readonly catalog?: readonly InstanceSize[];
}

/** The size a persona starts at on one cloud, and why. */
export interface BaselineSize {
  readonly cloud: Cloud;
  /** The catalog's name of the size, e.g. `m7g.2xlarge`. */
  readonly name: string;
  /** One sentence for `personas explain`. */
  readonly reason: string;
  /** The size that would have been chosen next, when the choice was the cheapest fit. */
  readonly runnerUp?: string;
}

/**
 * The size a persona is deployed at (and simulated from) on `cloud`: its explicit `base.size`,
 * checked against the cloud and the persona's bounds, else the cheapest catalog size that meets its
 * BaseConfiguration. The one place that decides this: resolution, the components, `personas plan`,
 * `explain`, `simulate` and `test` all call it, so the simulator starts where the deployment does.
 *
 * Rules (docs/sizing.md, docs/mapping.md): NetworkBandwidth is compared with the clouds' "up to"
 * figure, as their size tables print it; `family` is a preference on its own cloud (a family of the
 * other cloud is noted in the reason and not used; a family neither cloud has is an error).
 *
 * @throws {@link UnknownSizeError} when `base.size` or `base.family` is not in the catalog.
 * @throws {@link InvalidSizingRequestError} when `base.size` is another cloud's size or above the bounds.
 * @throws {@link NoMatchingSizeError} when no size meets the BaseConfiguration.
 * @example
 * ```ts
 * baselineSize({ base: { cpu: 8, memoryGiB: 32, networkGbps: 10 } }, "aws").name; // "m7g.2xlarge"
 * ```
 */
export function baselineSize(
  request: BaselineRequest,
  cloud: Cloud,
  options: BaselineOptions = {},
): BaselineSize {
  const { base } = request;
  const subject = request.subject ?? "the persona";
  const catalog = options.catalog;
  if (base.size !== undefined) {
    const explicit = requireSize(indexFor(catalog), base.size);
    const overBound = explicitSizeOverBound(request, catalog);
    if (overBound !== undefined)
      throw new InvalidSizingRequestError(
        `${subject} sets size ${overBound}. Choose a size within the bounds, or raise them.`,
      );
    if (explicit.cloud !== cloud)
      throw new InvalidSizingRequestError(
        `${subject} sets size ${explicit.name}, a ${explicit.cloud} size; it cannot be placed on ${cloud}. Remove the size, or override it for ${cloud} instances.`,
      );
    return Object.freeze({
      cloud,
      name: explicit.name,
      reason: `${explicit.name}: set explicitly by base.size`,
    });
  }
  let note = "";
  const index = indexFor(catalog);
  const sameFamily = (f: string) => f.toLowerCase() === base.family?.toLowerCase();
  const family =
    base.family === undefined ? undefined : (index.familyNamesByCloud.get(cloud) ?? []).find(sameFamily);
  if (base.family !== undefined && family === undefined) {
    const other: Cloud = cloud === "aws" ? "azure" : "aws";
    // A family of the other cloud is a preference that does not apply here; anything else is a typo,
    // reported by selectSize with the nearest family name.
    if (!(index.familyNamesByCloud.get(other) ?? []).some(sameFamily))
      selectSize({ cloud }, { preferFamilies: [base.family], ...(catalog ? { catalog } : {}) });
    note = ` (family ${base.family} is an ${other} family, not used on ${cloud})`;
  }
  const architecture = base.architecture ?? options.architecture;
  const selection = selectSize(
    {
      cloud,
      ...(base.cpu === undefined ? {} : { vcpu: base.cpu }),
      ...(base.memoryGiB === undefined ? {} : { memoryGiB: base.memoryGiB }),
      ...(base.networkGbps === undefined ? {} : { networkGbps: base.networkGbps }),
    },
    {
      // NetworkBandwidth reads like the clouds' own size tables ("up to 12.5 Gbps"): the seed's
      // 8 cores / 32 GB / 10 Gbps is an 8-vCPU size, not a 32-vCPU one that sustains 10 Gbps.
      networkBasis: "peak",
      ...(family === undefined ? {} : { preferFamilies: [family] }),
      ...(architecture === undefined ? {} : { architecture }),
      ...(catalog ? { catalog } : {}),
    },
  );
  return Object.freeze({
    cloud,
    name: selection.choice.name,
    reason: `${selection.reason}${note}`,
    ...(selection.runnerUp ? { runnerUp: selection.runnerUp.name } : {}),
  });
}

/**
 * Which bound an explicit `base.size` breaks, as `m7i.48xlarge (192 vCPU, 768 GiB), above
 * bounds.maxCpu (32 vCPU)`, or undefined when it fits or names no size. A size is an override like
 * cpu and memory: without this check a `persona:size` tag would buy any instance the catalog has
 * (issue 13, finding 6).
 *
 * @throws {@link UnknownSizeError} when the size or `maxSize` is not in the catalog.
 */
export function explicitSizeOverBound(
  request: BaselineRequest,
  catalog?: readonly InstanceSize[],
): string | undefined {
  const { bounds } = request;
  if (request.base.size === undefined || bounds === undefined) return undefined;
  const chosen = requireSize(indexFor(catalog), request.base.size);
  const { maxCpu, maxMemoryGiB, maxSize } = bounds;
  const what = `${chosen.name} (${chosen.vcpu} vCPU, ${chosen.memoryGiB} GiB)`;
  if (maxCpu !== undefined && chosen.vcpu > maxCpu) return `${what}, above bounds.maxCpu (${maxCpu} vCPU)`;
  if (maxMemoryGiB !== undefined && chosen.memoryGiB > maxMemoryGiB)
    return `${what}, above bounds.maxMemory (${maxMemoryGiB} GiB)`;
  if (maxSize !== undefined) {
    const max = requireSize(indexFor(catalog), maxSize);
    if (max.cloud === chosen.cloud && (chosen.vcpu > max.vcpu || chosen.memoryGiB > max.memoryGiB))
      return `${what}, above bounds.maxSize (${max.name}: ${max.vcpu} vCPU, ${max.memoryGiB} GiB)`;
  }
  return undefined;
}
