/**
 * The input cap: persona, mapping and test texts are refused above a size before any parser sees
 * them (issue 13, finding 7). Parsing cost grows much faster than input size for some YAML shapes,
 * so the check is on bytes, made before reading where the size is known (a file's stat, an S3
 * object's ContentLength) and while reading where it is not.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { InputTooLargeError } from "./errors.js";

/** The default cap on one persona or mapping input: 1 MiB, far above any real persona (a few KB). */
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;

/** Options shared by every reader of persona and mapping inputs. */
export interface InputLimitOptions {
  /**
   * The largest input accepted, in bytes; larger inputs are an {@link InputTooLargeError}.
   * @default DEFAULT_MAX_INPUT_BYTES (1 MiB)
   */
  maxInputBytes?: number;
}

/**
 * The cap an options object asks for, checked to be a positive whole number.
 * @internal
 */
export function inputLimit(options: InputLimitOptions | undefined): number {
  const limit = options?.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`maxInputBytes must be a positive whole number of bytes, not ${limit}`);
  return limit;
}

/**
 * The UTF-8 size of `text` when it is above `limit`, else undefined. Cheap for small texts: a
 * string of n UTF-16 units is at most 3n bytes, so only long strings are measured.
 * @internal
 */
export function oversize(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  return bytes > limit ? bytes : undefined;
}

/**
 * Throws {@link InputTooLargeError} when `text` is above the cap.
 * @example
 * requireInputSize(text, "mapping.yaml", { maxInputBytes: 65_536 });
 */
export function requireInputSize(text: string, file: string, options?: InputLimitOptions): void {
  const limit = inputLimit(options);
  const bytes = oversize(text, limit);
  if (bytes !== undefined) throw new InputTooLargeError(file, bytes, limit);
}

/**
 * Reads a UTF-8 file, refusing it by its size (one `fstat`) before reading a byte of it.
 * @throws {@link InputTooLargeError} above the cap; the file system's errors as they are.
 * @example
 * const text = readInputFile("personas/HighTraffic/1.3.0.yaml");
 */
export function readInputFile(path: string, options?: InputLimitOptions): string {
  const limit = inputLimit(options);
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size > limit) throw new InputTooLargeError(path, size, limit);
    // Read until the end or past the cap: a file that grew after the stat is still never read whole.
    const chunks: Buffer[] = [];
    let read = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - read));
      const n = readSync(fd, chunk, 0, chunk.length, read);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      read += n;
      if (read > limit) throw new InputTooLargeError(path, limit, limit, { atLeast: true });
    }
    return Buffer.concat(chunks, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
