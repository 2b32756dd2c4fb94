/** A value or a problem description; phrase parsers return this so every problem can be collected. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; hint?: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function problem<T = never>(message: string, hint?: string): Parsed<T> {
  return hint === undefined ? { ok: false, message } : { ok: false, message, hint };
}
