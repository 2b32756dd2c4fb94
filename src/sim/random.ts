/**
 * A small seeded pseudo-random generator (mulberry32), so scenarios and simulations are
 * reproducible: the same seed gives the same numbers on every machine. Not for cryptography.
 */

/** A seeded source of numbers in [0, 1) and a few helpers on top. */
export class SeededRandom {
  private state: number;

  /**
   * @param seed any 32-bit integer; equal seeds give equal sequences.
   * @example
   * const random = new SeededRandom(42);
   * random.next(); // 0.6011037519201636, on every run
   */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A number in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A normally distributed number (Box-Muller) with the given mean and standard deviation. */
  normal(mean: number, deviation: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + deviation * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
