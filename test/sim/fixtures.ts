/** Shared plans and telemetry builders for the simulator's specifications. */

import { readFileSync } from "node:fs";
import { parsePersona } from "../../src/pdl/parse.js";
import { type PersonaPlan, planPersona } from "../../src/plan/plan.js";
import { contentDigest } from "../../src/repository/digest.js";
import { regularSeries, type Telemetry } from "../../src/sim/telemetry.js";

/** Plans persona text under a fixed reference. */
export function planOf(text: string, file = "Persona.yaml"): PersonaPlan {
  const persona = parsePersona(text, { file });
  return planPersona({
    persona,
    ref: { name: persona.name, version: "1.0.0", digest: contentDigest(persona) },
  });
}

/** The seed persona, examples/HighTraffic.yaml, as written. */
export const seedPlan = planOf(readFileSync("examples/HighTraffic.yaml", "utf8"), "HighTraffic.yaml");

/** One-minute series by metric id; `null` is a missing sample. */
export function minutes(
  series: Record<string, readonly (number | null)[]>,
  extra: Partial<Telemetry> = {},
): Telemetry {
  const metrics = Object.fromEntries(
    Object.entries(series).map(([id, values]) => [id, regularSeries(values, 60)]),
  );
  const longest = Math.max(...Object.values(series).map((v) => v.length));
  return { durationSeconds: longest * 60, metrics, ...extra };
}

/** `count` copies of `value`. */
export function repeat<T>(value: T, count: number): T[] {
  return new Array<T>(count).fill(value);
}
