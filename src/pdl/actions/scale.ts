import { z } from "zod";
import { ok, problem } from "../result.js";
import { parseQuantity } from "../units.js";
import { type ActionKind, phrase } from "./action-kind.js";

/**
 * Resize the instance to a target: a vCPU count or memory size (the smallest size of the same
 * family that meets it), a named size, or back to the persona's baseline. Targets, not steps:
 * alarm actions fire once per state change, so "up to 16 cores" is idempotent.
 */
export const ScaleAction = z
  .strictObject({
    kind: z.literal("scale"),
    /** Target vCPU count. */
    cpu: z.int().min(1).max(448).optional(),
    /** Target memory in GiB. */
    memoryGiB: z.number().positive().max(24576).optional(),
    /** A named size in the instance's family, e.g. `c7i.4xlarge` or `Standard_D16s_v5`. */
    size: z
      .string()
      .regex(/^[A-Za-z0-9][\w.-]*$/)
      .optional(),
    /** Back to the size the persona's BaseConfiguration selects. */
    baseline: z.literal(true).optional(),
  })
  .refine((a) => [a.cpu, a.memoryGiB, a.size, a.baseline].filter((v) => v !== undefined).length === 1, {
    message: "a scale action needs exactly one target: cpu, memoryGiB, size or baseline",
  });
export type ScaleAction = z.infer<typeof ScaleAction>;

const CPU_TARGET = phrase(String.raw`(?:scale|resize)(?: up| down)? to (\d+(?:\.\d+)?)\s*(cores?|v?cpus?)`);
const MEMORY_TARGET = phrase(
  String.raw`(?:scale|resize)(?: up| down)?(?: memory| ram)? to (\d+(?:\.\d+)?\s*[a-z]+)(?: (?:of )?(?:memory|ram))?`,
);
const SIZE_TARGET = phrase(String.raw`(?:scale|resize)(?: up| down)? to (?:size )?([a-z][\w-]*[._][\w.]+)`);
const BASELINE_TARGET = phrase(String.raw`(?:scale|resize)(?: back| down)? to (?:the )?baseline(?: size)?`);

export const scale: ActionKind<ScaleAction> = {
  kind: "scale",
  schema: ScaleAction,
  forms: ["Scale up to <N> cores", "Scale up to <N> GB memory", "Scale to <size>", "Scale back to baseline"],
  contexts: ["trigger", "value-source"],
  parsePhrase(text) {
    if (BASELINE_TARGET.test(text)) return ok({ kind: "scale", baseline: true });
    const cpu = CPU_TARGET.exec(text);
    if (cpu) {
      const cores = Number(cpu[1]);
      if (!Number.isInteger(cores) || cores < 1 || cores > 448) {
        return problem(`cannot scale to ${cpu[1]} cores`, "use a whole number of cores from 1 to 448");
      }
      return ok({ kind: "scale", cpu: cores });
    }
    const memory = MEMORY_TARGET.exec(text);
    if (memory) {
      const size = parseQuantity(memory[1]!, "memory");
      if (!size.ok) return size;
      if (size.value <= 0 || size.value > 24576) {
        return problem(`cannot scale to ${memory[1]} of memory`, "use a size above 0 and at most 24576 GB");
      }
      return ok({ kind: "scale", memoryGiB: size.value });
    }
    const named = SIZE_TARGET.exec(text);
    if (named) return ok({ kind: "scale", size: named[1]! });
    return undefined;
  },
  describe(action) {
    if (action.cpu !== undefined) return `Scale up to ${action.cpu} cores`;
    if (action.memoryGiB !== undefined) return `Scale up to ${action.memoryGiB} GB memory`;
    if (action.size !== undefined) return `Scale to ${action.size}`;
    return "Scale back to baseline";
  },
  revert(action) {
    return action.baseline ? undefined : { kind: "scale", baseline: true };
  },
};
