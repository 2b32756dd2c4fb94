/**
 * Per-period aggregation: statistic sets (what CloudWatch stores) and the nearest-rank percentile.
 */

/** The four numbers CloudWatch keeps per datapoint; averages are `sum / sampleCount`. */
export interface StatisticSet {
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
}

/**
 * A statistic set holding one value (counts and rates are published this way).
 * @internal
 */
export function singleValue(value: number): StatisticSet {
  return { sampleCount: 1, sum: value, minimum: value, maximum: value };
}

/**
 * Nearest-rank percentile of `values` (unsorted), e.g. `percentile([..], 90)`; undefined when empty.
 * Nearest rank returns a value that was measured, never an interpolation.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * The samples of one period. Keeps at most `capacity` values for percentiles (a period of 60 s with
 * 100 targets every second is 6,000); the statistic set always covers every sample.
 * @internal
 */
export class PeriodSamples {
  private values: number[] = [];
  private count = 0;
  private total = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  constructor(private readonly capacity = 10_000) {}

  add(value: number): void {
    this.count++;
    this.total += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.values.length < this.capacity) this.values.push(value);
  }

  get sampleCount(): number {
    return this.count;
  }

  /** The statistic set, or undefined when the period had no samples. */
  statisticSet(): StatisticSet | undefined {
    if (this.count === 0) return undefined;
    return { sampleCount: this.count, sum: this.total, minimum: this.min, maximum: this.max };
  }

  percentile(p: number): number | undefined {
    return percentile(this.values, p);
  }
}
