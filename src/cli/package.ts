/** Files shipped with the package, as the CLI shows them. */
import { isAbsolute, join, relative } from "node:path";
import { packageRoot } from "../package-root.js";

/**
 * A file shipped with the package (`examples/HighTraffic.yaml`), shown relative to the working
 * directory when it lies inside it, so output reads the same in the repository and once installed.
 */
export function packagedFile(...parts: string[]): string {
  const absolute = join(packageRoot(), ...parts);
  const shown = relative(process.cwd(), absolute);
  return shown.startsWith("..") || isAbsolute(shown) ? absolute : shown;
}
