/**
 * How many cases a property test generates: `runs` in `npm test`; a tenth of it (at least 20) under
 * `npm run mutation`, which runs a mutant's covering tests once per mutant in code instrumented for
 * mutant switching (many times slower in the tight loops of the CIDR and alarm code). A mutation
 * score is then measured with fewer generated cases than `npm test` runs: a lower bound.
 * @example
 * fc.assert(fc.property(arbitrary, check), { numRuns: propertyRuns(300) });
 */
export function propertyRuns(runs: number): number {
  return process.env.PERSONAS_MUTATION_MODULE === undefined ? runs : Math.max(20, Math.ceil(runs / 10));
}
