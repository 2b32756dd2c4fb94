/**
 * Shell quoting: the one function through which every value reaches a script the library renders
 * (user data, the orchestrator's Run Command script, the agent's install snippet). Values come from
 * persona files, mapping files and component arguments, which people other than the stack's owner
 * write; quoted, none of them can change the structure of the script.
 */
import { UnsafeShellValueError } from "./errors.js";

/**
 * Quotes a value as one POSIX shell word: single quotes, with each `'` written as `'\''`. Inside
 * single quotes the shell expands nothing (no `$`, backquote, glob or history expansion), so the
 * word is the value byte for byte.
 *
 * @throws UnsafeShellValueError when the value holds a NUL byte, which no shell word can carry.
 * @example
 * ```ts
 * shellQuote("nginx-1.2; curl x | sh"); // "'nginx-1.2; curl x | sh'"
 * shellQuote("it's");                   // "'it'\\''s'"
 * ```
 */
export function shellQuote(value: string): string {
  if (value.includes("\0"))
    throw new UnsafeShellValueError(
      `A value for a shell script holds a NUL byte (${JSON.stringify(value.slice(0, 40))}), which no shell word can carry; remove it.`,
    );
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes each value and joins them with spaces: the words of one command line. */
export function shellWords(values: readonly string[]): string {
  return values.map(shellQuote).join(" ");
}
