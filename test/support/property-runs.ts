/**
 * How many cases a property test generates: `runs` in `npm test`; under `npm run mutation` a tenth
 * of it, at least 100 (so that the shares of interesting cases the tests assert still hold).
 * Mutation testing runs a mutant's covering tests once per mutant, in code instrumented for mutant
 * switching (many times slower in the tight loops of the CIDR and alarm code); its score is then
 * measured with fewer generated cases than `npm test` runs: a lower bound.
 * @example
 * fc.assert(fc.property(arbitrary, check), { numRuns: propertyRuns(300) });
 */
export function propertyRuns(runs: number): number {
  return process.env.PERSONAS_MUTATION_MODULE === undefined ? runs : Math.max(100, Math.ceil(runs / 10));
}
