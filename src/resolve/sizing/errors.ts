import { PersonasError } from "../../errors.js";
import type { Cloud, InstanceSize } from "./types.js";

/** The base of every error the sizing catalog throws; catch it to handle them all. */
export class SizingError extends PersonasError {}

/**
 * Thrown when a size or family name is not in the catalog (for example a typo in a persona's
 * `InstanceType`, a family preference or a `maxSize` bound).
 */
export class UnknownSizeError extends SizingError {
  /** The name that was looked up. */
  readonly lookedUp: string;
  /** Whether a size or a family name was looked up. */
  readonly kind: "size" | "family";
  /** The nearest known name, when one is close enough to suggest. */
  readonly suggestion: string | undefined;

  constructor(kind: "size" | "family", lookedUp: string, suggestion: string | undefined, message: string) {
    super("SIZING_UNKNOWN_NAME", message);
    this.kind = kind;
    this.lookedUp = lookedUp;
    this.suggestion = suggestion;
  }
}

/** Thrown when a sizing request or scale target is malformed (negative numbers, conflicting keys). */
export class InvalidSizingRequestError extends SizingError {
  constructor(message: string) {
    super("SIZING_INVALID_REQUEST", message);
  }
}

/** Thrown when a catalog passed in `options.catalog` is inconsistent (duplicate names, mixed families). */
export class InvalidCatalogError extends SizingError {
  constructor(message: string) {
    super("SIZING_INVALID_CATALOG", message);
  }
}

/**
 * Why no size matched: a requirement no size meets on its own, `combination` when each requirement
 * is met by some size but none meets all, or `filters` when the family, architecture and category
 * filters leave no size at all.
 */
export type UnmetRequirement = "vcpu" | "memoryGiB" | "networkGbps" | "combination" | "filters";

/**
 * Thrown by `selectSize` when no size meets the request. `unmet` lists what failed and `largest` is
 * the biggest size left after the filters, measured by the first unmet requirement.
 */
export class NoMatchingSizeError extends SizingError {
  /** The cloud that was searched. */
  readonly cloud: Cloud;
  /** What could not be met: every requirement no size meets on its own, else `combination` or `filters`. */
  readonly unmet: readonly UnmetRequirement[];
  /** The largest size left after the filters, if any was left. */
  readonly largest: InstanceSize | undefined;

  constructor(
    cloud: Cloud,
    unmet: readonly UnmetRequirement[],
    largest: InstanceSize | undefined,
    message: string,
  ) {
    super("SIZING_NO_MATCH", message);
    this.cloud = cloud;
    this.unmet = unmet;
    this.largest = largest;
  }
}

/**
 * Thrown by `scaleWithinFamily` when the target cannot be reached inside the current size's family:
 * no size is big enough, the size needed is above a bound, or a named size is in another family.
 * The message lists what the family can do.
 */
export class ScaleTargetError extends SizingError {
  /** The size scaling started from. */
  readonly from: InstanceSize;
  /** Why the target is out of reach. */
  readonly problem: "too-large" | "above-bound" | "other-family";

  constructor(from: InstanceSize, problem: "too-large" | "above-bound" | "other-family", message: string) {
    super("SIZING_SCALE_TARGET", message);
    this.from = from;
    this.problem = problem;
  }
}
