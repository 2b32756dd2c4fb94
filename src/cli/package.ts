/** Where the installed (or checked-out) package is, and its version. */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";

interface PackageManifest {
  root: string;
  version: string;
}

let found: PackageManifest | undefined;

/**
 * The nearest `package.json` named `pulumi-personas` above this module: the same lookup works from
 * `src/` (tests), `dist/` (an installed package) and the development bundle in `.cache/`.
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
    if (dirname(dir) === dir) throw new Error(`cannot find pulumi-personas' package.json above ${__dirname}`);
  }
}

/** The package's version, as `personas --version` prints it. */
export function packageVersion(): string {
  return manifest().version;
}

/**
 * A file shipped with the package (`examples/HighTraffic.yaml`), shown relative to the working
 * directory when it lies inside it, so output reads the same in the repository and once installed.
 */
export function packagedFile(...parts: string[]): string {
  const absolute = join(manifest().root, ...parts);
  const shown = relative(process.cwd(), absolute);
  return shown.startsWith("..") || isAbsolute(shown) ? absolute : shown;
}
