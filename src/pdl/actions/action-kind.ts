/**
 * The action catalog's interface. Every action a persona can take is one module in this folder: its
 * structured schema (which is also its normalised model), the phrases it understands, where it may
 * be used, and how it is reverted when a trigger clears. Cloud permissions and executors for a kind
 * live beside the cloud code (src/aws, src/runtime/aws), keyed by the same `kind`.
 */
import type { z } from "zod";
import type { Parsed } from "../result.js";

/** Where an action may appear. */
export type ActionContext = "trigger" | "list-source" | "value-source";

/** One action kind of the closed catalog. */
export interface ActionKind<A extends { kind: string }> {
  /** The discriminator, e.g. `scale`. */
  readonly kind: A["kind"];
  /** Structured form and normalised model of this kind (a strict zod object with `kind`). */
  readonly schema: z.ZodType<A>;
  /** Accepted phrase forms, shown when a phrase is not understood. */
  readonly forms: readonly string[];
  /** Where the action makes sense; elsewhere it is a validation error. */
  readonly contexts: readonly ActionContext[];
  /**
   * Parses a phrase (already trimmed, original case). Returns undefined when the phrase is not of
   * this kind, and a problem when it is of this kind but invalid ("Scale up to 0 cores").
   */
  parsePhrase(phrase: string): Parsed<A> | undefined;
  /** The canonical phrase for an action, e.g. "Scale up to 16 cores". */
  describe(action: A): string;
  /** The action that undoes `action` when its trigger clears, or undefined when it cannot be undone. */
  revert(action: A): { kind: string } | undefined;
}

/** Turns a display name into an id: "CDN caching" → "cdn-caching". */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** A case-insensitive anchored pattern. */
export function phrase(pattern: string): RegExp {
  return new RegExp(`^${pattern}$`, "i");
}
