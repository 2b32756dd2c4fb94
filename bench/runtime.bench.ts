/**
 * Responder bundle sizes: builds every handler the way `scripts/build-runtime.mjs` ships them
 * (minified, Node 20, AWS SDK external) and reports each bundle's size, how much of it is zod,
 * and whether it meets the issue's 100 KB target. The 1,000,000-line feed figures are in the
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
  classicZod: boolean;
}

/** The orchestrator is issue 9's function, not a responder; the target is the responders'. */
const NOT_A_RESPONDER = new Set(["orchestrator"]);

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
        `| ${NOT_A_RESPONDER.has(b.kind) ? `${b.kind} (not a responder)` : b.kind} | ${fmt(b.bytes / 1000, 1)} | ${fmt(b.zodBytes / 1000, 1)} | ${b.classicZod ? "classic + mini" : "mini"} | ${fmt((b.bytes - b.zodBytes) / 1000, 1)} | ${b.bytes <= TARGET ? "yes" : "no"} |`,
    );
    const responders = built.filter((b) => !NOT_A_RESPONDER.has(b.kind));
    const largest = responders.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    const over = responders.filter((b) => b.bytes > TARGET);
    const verdict =
      over.length === 0
        ? "every responder meets the target."
        : `over the target: ${over.map((b) => `${b.kind}${b.classicZod ? " (classic zod, through src/runtime/feeds/formats)" : ""}`).join(", ")}.`;
    writeSection(
      "runtime",
      [
        "## AWS responder bundles",
        "",
        machineLine().replace("`npm run bench`", "`npm run bench runtime`"),
        "",
        "One bundle per handler (`scripts/build-runtime.mjs`): esbuild, minified, target node20, CommonJS, `@aws-sdk/*` external (the nodejs20.x runtime provides it). zod's locales, JSON Schema conversion and JIT compiler are stubbed out. The responders validate events and the manifest with zod/mini; the PDL's and src/runtime/feeds' modules are marked side-effect free, so code a responder never calls (the manifest builder's use of the PDL) stays out.",
        "",
        "| handler | bundle (kB) | of which zod (kB) | zod flavour | our code (kB) | <= 100 kB |",
        "| --- | ---: | ---: | --- | ---: | :---: |",
        ...rows,
        "",
        `Largest responder: ${largest.kind}, ${fmt(largest.bytes / 1000, 1)} kB against the 100 kB target; ${verdict} See docs/runtime-aws.md.`,
      ].join("\n"),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main();
