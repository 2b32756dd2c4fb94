/** Persona references: `Name`, `Name@latest`, `Name@^1.2`, `Name@1.3.0`. */
import semver from "semver";
import { InvalidReferenceError } from "./errors.js";

/** A parsed persona reference. */
export interface PersonaReference {
  /** The persona's name. */
  readonly name: string;
  /** A semver range, or `latest` (the highest release version). */
  readonly range: string;
}

const REFERENCE = /^([A-Za-z][\w-]*)(?:@(.+))?$/;

/**
 * Reads `Name` or `Name@range`; a missing range means `latest`.
 * @throws {@link InvalidReferenceError} when the name or the range cannot be read.
 * @example
 * ```ts
 * parseReference("HighTraffic@^1.2"); // { name: "HighTraffic", range: "^1.2" }
 * parseReference("HighTraffic"); // { name: "HighTraffic", range: "latest" }
 * ```
 */
export function parseReference(reference: string): PersonaReference {
  const match = REFERENCE.exec(reference.trim());
  if (!match) {
    throw new InvalidReferenceError(
      reference,
      `Cannot read the persona reference '${reference}': write a name, optionally followed by @ and a version range, e.g. 'HighTraffic@^1.2' or 'HighTraffic@latest'.`,
    );
  }
  const range = (match[2] ?? "latest").trim();
  if (range !== "latest" && semver.validRange(range) === null) {
    throw new InvalidReferenceError(
      reference,
      `Cannot read the version range '${range}' of '${reference}': use a semver range such as '^1.2', '~1.2.3', '>=1.0.0 <2.0.0', an exact version '1.3.0', or 'latest'.`,
    );
  }
  return { name: match[1]!, range };
}

/** `Name@range`, the way references are written. */
export function formatReference(reference: PersonaReference): string {
  return `${reference.name}@${reference.range}`;
}

/**
 * The highest of `versions` (valid semver strings) that `range` admits, or undefined. `latest`
 * admits every release version (not pre-releases); a range admits pre-releases only as semver says.
 * @internal
 */
export function pickVersion(versions: readonly string[], range: string): string | undefined {
  if (range === "latest") return semver.maxSatisfying([...versions], "*") ?? undefined;
  return semver.maxSatisfying([...versions], range) ?? undefined;
}

/**
 * Versions sorted ascending by semver precedence.
 * @internal
 */
export function sortVersions(versions: Iterable<string>): string[] {
  return [...versions].sort(semver.compare);
}
