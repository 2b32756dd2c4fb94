/**
 * The package as a Pulumi user meets it: `npm pack` (which builds), the tarball installed into a
 * fresh project laid out like `pulumi new aws-typescript` (its stock tsconfig, TypeScript 5), a
 * program using PersonaFleet, the shipped examples and the README's Pulumi snippet type-checked (each
 * copied as it is), and the CLI run from the installed package.
 *
 * The tarball is unpacked into the project's node_modules and its dependencies are linked from this
 * repository's node_modules (the same versions `npm ci` installed), so the test never reaches a
 * registry.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import semver from "semver";
import { beforeAll, describe, expect, it } from "vitest";
import { exportedSurface, surfaceText } from "../support/api-surface.js";

const repository = process.cwd();

// The tsconfig.json `pulumi new aws-typescript` writes, verbatim.
const STOCK_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { createResolutionContext, parseMapping, PersonaRepository } from "pulumi-personas";
import { PersonaFleet, resolveWith } from "pulumi-personas/aws";

const mapping = parseMapping("rules:\\n  - id: web\\n    match: { role: web }\\n    persona: HighTraffic@~1.2.0\\n");
const context = createResolutionContext(PersonaRepository.fromDirectory("node_modules/pulumi-personas/personas"), mapping);
// A web ACL the platform team owns elsewhere (a stack reference output, in real life).
const webAclArn = pulumi.output("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d-4e5f-6789-abcd-ef0123456789");

export const web = new PersonaFleet("web", {
  ami: "ami-0123456789abcdef0",
  os: "ubuntu",
  architecture: "arm64",
  resolve: resolveWith(context),
  instances: [{ name: "web-1", tags: { role: "web" } }, { name: "web-2", tags: { role: "web" } }],
  firewall: { webAclArn },
});
`;

let project = "";
let installed = "";

/** The examples that are Pulumi projects. */
const EXAMPLES = readdirSync("examples").filter((entry) =>
  existsSync(join("examples", entry, "Pulumi.yaml")),
);

/** The README's TypeScript snippet under "In a Pulumi program", verbatim. */
function readmeSnippet(): string {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("## In a Pulumi program"));
  const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (snippet === undefined) throw new Error("README.md has no ```ts block under '## In a Pulumi program'");
  return snippet;
}

function node(args: string[], cwd = project) {
  return spawnSync(process.execPath, args, { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
}

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), "personas-install-"));
  execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: repository, stdio: "pipe" });
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`);

  project = join(work, "web");
  const modules = join(project, "node_modules");
  mkdirSync(modules, { recursive: true });
  execFileSync("tar", ["-xzf", join(work, tarball), "-C", modules]);
  installed = join(modules, "pulumi-personas");
  renameSync(join(modules, "package"), installed);
  for (const entry of readdirSync(join(repository, "node_modules"))) {
    if (entry === ".bin" || entry === "pulumi-personas" || entry === "typescript") continue;
    symlinkSync(join(repository, "node_modules", entry), join(modules, entry));
  }
  // The stock template pins TypeScript 5.
  symlinkSync(join(repository, "node_modules", "typescript-5"), join(modules, "typescript"));

  writeFileSync(
    join(project, "Pulumi.yaml"),
    "name: web\nruntime:\n  name: nodejs\ndescription: A persona fleet\n",
  );
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "web",
      main: "index.ts",
      dependencies: { "pulumi-personas": `file:../${tarball}` },
    }),
  );
  writeFileSync(join(project, "index.ts"), PROGRAM);

  // The examples and the README snippet, copied as they are (nothing of this repository around them),
  // type-checked in the same program with the stock options (each example's tsconfig is asserted to be them).
  for (const example of EXAMPLES)
    cpSync(join("examples", example), join(project, example), { recursive: true });
  writeFileSync(join(project, "readme.ts"), readmeSnippet());
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify(
      {
        ...STOCK_TSCONFIG,
        files: [...STOCK_TSCONFIG.files, "readme.ts", ...EXAMPLES.map((e) => `${e}/index.ts`)],
      },
      null,
      4,
    ),
  );
}, 600_000);

describe("the packed package in a stock Pulumi TypeScript project", () => {
  it("type-checks a PersonaFleet program, the examples and the README's Pulumi snippet under the template's tsconfig (moduleResolution node)", () => {
    const tsc = node([join(project, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."]);
    expect(`${tsc.stdout}${tsc.stderr}`).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("ships declarations without zod's types, so no tsconfig change is needed", () => {
    const declarations = execFileSync("find", [join(installed, "dist"), "-name", "*.d.ts"], {
      encoding: "utf8",
    })
      .trim()
      .split("\n");
    expect(declarations.length).toBeGreaterThan(100);
    const mentioningZod = declarations.filter((file) => /from "zod/.test(readFileSync(file, "utf8")));
    expect(mentioningZod).toEqual([]);
  });

  it("publishes exactly the pinned API: the built declarations and the run-time modules of every entry point", () => {
    const pinned = exportedSurface();
    expect(surfaceText(exportedSurface(installed, true))).toBe(surfaceText(pinned));
    const load = createRequire(join(project, "index.ts"));
    for (const [subpath, names] of pinned) {
      const specifier = subpath === "." ? "pulumi-personas" : `pulumi-personas${subpath.slice(1)}`;
      const values = names.filter((n) => n.value).map((n) => n.name);
      expect(Object.keys(load(specifier) as object).sort(), specifier).toEqual(values.sort());
    }
  });

  it("publishes no declarations of internal modules (the CLI, the responder runtime)", () => {
    expect(existsSync(join(installed, "dist", "cli", "main.d.ts"))).toBe(false);
    expect(existsSync(join(installed, "dist", "runtime", "aws", "context.d.ts"))).toBe(false);
    expect(readFileSync(join(installed, "dist", "pdl", "parse.d.ts"), "utf8")).not.toContain(
      "inputTooLargeDiagnostic",
    );
  });

  it("plans the project directory with the installed CLI, writing nothing into the project", () => {
    const plan = node([join(installed, "dist", "cli", "main.js"), "plan", "."]);
    expect(plan.stderr).toBe("");
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain("personas:aws:PersonaFleet web\n");
    expect(plan.stdout).toContain("  2 × aws:ec2/instance:Instance\n");
    expect(existsSync(join(project, ".cache"))).toBe(false);
  });

  it("finds every responder bundle the components deploy inside the installed package", () => {
    const contract = createRequire(__filename)(join(installed, "dist", "aws", "contract.js")) as {
      DEFAULT_RESPONDER_CODE_DIRECTORY: string;
      responderCodePath(kind: string, directory: string): string;
    };
    const kinds = readdirSync(join(repository, "src", "runtime", "aws", "handlers")).map((f) =>
      f.replace(/\.ts$/, ""),
    );
    expect(kinds.length).toBeGreaterThan(5);
    for (const kind of kinds) {
      const path = resolve(contract.responderCodePath(kind, contract.DEFAULT_RESPONDER_CODE_DIRECTORY));
      expect(path.startsWith(`${installed}${sep}`), path).toBe(true);
      expect(existsSync(path), path).toBe(true);
    }
  });

  it("runs the demo from the installed package in any directory", () => {
    const out = join(project, "report");
    const demo = node([join(installed, "dist", "cli", "main.js"), "demo", "--out", out]);
    expect(demo.stderr).toBe("");
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain("1. Validate the seed persona");
    expect(existsSync(join(out, "index.html"))).toBe(true);
  });

  it.each(EXAMPLES)(
    "ships examples/%s as a standalone project: a version range, the stock tsconfig",
    (example) => {
      const manifest = JSON.parse(readFileSync(join("examples", example, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      };
      const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
      const range = manifest.dependencies["pulumi-personas"];
      expect(range !== undefined && semver.validRange(range) !== null, `pulumi-personas: ${range}`).toBe(
        true,
      );
      expect(semver.satisfies(version, range!)).toBe(true);
      expect(JSON.parse(readFileSync(join("examples", example, "tsconfig.json"), "utf8"))).toEqual(
        STOCK_TSCONFIG,
      );
      const files = execFileSync("find", [join("examples", example), "-type", "f"], { encoding: "utf8" });
      const pointingBack = files
        .trim()
        .split("\n")
        .filter((file) => /\.\.\/\.\.\/|\/src\//.test(readFileSync(file, "utf8")));
      expect(pointingBack).toEqual([]);
    },
  );

  it("prints its version", () => {
    const version = node([join(installed, "dist", "cli", "main.js"), "--version"]);
    expect(version.stdout).toBe(
      `${(JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version}\n`,
    );
  });
});
