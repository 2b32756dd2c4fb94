/** Where this package is installed (or checked out), and its version: for the CLI and the program loader. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PersonasError } from "./errors.js";

interface PackageManifest {
  root: string;
  version: string;
}

let found: PackageManifest | undefined;

/**
 * The nearest `package.json` named `pulumi-personas` above this module: the same lookup works from
 * `src/` (tests), `dist/` (an installed package) and a development bundle in `.cache/`.
 */
function manifest(): PackageManifest {
  if (found) return found;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, "package.json"), "utf8");
    } catch {
      // no package.json in this folder: keep walking up
    }
    if (text !== undefined) {
      const parsed = JSON.parse(text) as { name?: string; version?: string };
      if (parsed.name === "pulumi-personas") {
        found = { root: dir, version: parsed.version ?? "0.0.0" };
        return found;
      }
    }
    if (dirname(dir) === dir)
      throw new PersonasError(
        "PACKAGE_LAYOUT",
        `cannot find pulumi-personas' package.json above ${__dirname}; reinstall the package`,
      );
  }
}

/** The folder holding this package's package.json. */
export function packageRoot(): string {
  return manifest().root;
}

/** The package's version, as `personas --version` prints it. */
export function packageVersion(): string {
  return manifest().version;
}
