/**
 * Responder bundle sizes: builds every handler the way `scripts/build-runtime.mjs` ships them
 * (minified, Node 20, AWS SDK external) and reports each bundle's size, how much of it is zod,
 * and whether it meets the 100 KB target. The 1,000,000-line feed figures are in the
 * `feeds` section (bench/feeds.bench.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fmt, machineLine, writeSection } from "./support.js";

interface Built {
  kind: string;
  bytes: number;
  zodBytes: number;
}

const TARGET = 100 * 1000;

function main(): void {
  const outdir = mkdtempSync(join(tmpdir(), "personas-runtime-"));
  try {
    const run = spawnSync(process.execPath, ["scripts/build-runtime.mjs", "--outdir", outdir, "--json"], {
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`build-runtime failed: ${run.stderr}`);
    const built = JSON.parse(run.stdout) as Built[];
    const rows = built.map(
      (b) =>
        `| ${b.kind} | ${fmt(b.bytes / 1000, 1)} | ${fmt(b.zodBytes / 1000, 1)} | ${fmt((b.bytes - b.zodBytes) / 1000, 1)} | ${b.bytes <= TARGET ? "yes" : "no"} |`,
    );
    const largest = Math.max(...built.map((b) => b.bytes));
    writeSection(
      "runtime",
      [
        "## AWS responder bundles",
        "",
        machineLine().replace("`npm run bench`", "`npm run bench runtime`"),
        "",
        "One bundle per handler (`scripts/build-runtime.mjs`): esbuild, minified, target node20, CommonJS, `@aws-sdk/*` external (the nodejs20.x runtime provides it). zod's locales, JSON Schema conversion and JIT compiler are stubbed out.",
        "",
        "| handler | bundle (kB) | of which zod (kB) | our code (kB) | <= 100 kB |",
        "| --- | ---: | ---: | ---: | :---: |",
        ...rows,
        "",
        `Largest bundle: ${fmt(largest / 1000, 1)} kB against the 100 kB target. zod alone (validating the manifest with the plan's \`FleetManifest\` schema, and the events) is ${fmt(built[0]!.zodBytes / 1000, 1)} kB of every bundle, so the target is out of reach while the runtime validates with zod; see docs/runtime-aws.md.`,
      ].join("\n"),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main();
