/**
 * Software stack entries: "Nginx (latest version)", "Redis (caching)", "PostgreSQL 16", "nginx=1.24".
 * The text in parentheses is a version when it reads like one ("latest", "version 1.24", "v1.24"),
 * otherwise a note. No version means `latest`: the distribution's current package.
 */
import type { SoftwarePackage } from "./model.js";
import { ok, type Parsed, problem } from "./result.js";

const ENTRY =
  /^([A-Za-z0-9][\w.+-]*(?: [A-Za-z][\w.+-]*)*?)(?:\s*[ =@]\s*v?(\d[\w.*+~-]*))?(?:\s*\((.+)\))?$/;
const VERSION_NOTE = /^(?:latest(?: version)?|(?:version|v)\s*(\d[\w.*+~-]*))$/i;

/** Parses one software entry phrase. */
export function parseSoftwarePhrase(text: string): Parsed<SoftwarePackage> {
  const match = ENTRY.exec(text.trim());
  if (!match) {
    return problem(
      `cannot read software entry '${text.trim()}'`,
      "write '<Name>', '<Name> <version>' or '<Name> (<note>)', e.g. 'Nginx (latest version)'",
    );
  }
  const [, name, version, parenthesised] = match;
  const fromNote = parenthesised === undefined ? undefined : VERSION_NOTE.exec(parenthesised.trim());
  if (fromNote && version !== undefined) {
    return problem(
      `software entry '${text.trim()}' gives its version twice`,
      "keep either the version after the name or the one in parentheses",
    );
  }
  const pinned = version ?? (fromNote ? (fromNote[1] ?? "latest") : "latest");
  const entry: SoftwarePackage = { name: name!, version: pinned };
  if (parenthesised !== undefined && !fromNote) entry.note = parenthesised.trim();
  return ok(entry);
}
