/**
 * Loading a user's Pulumi program in this process, the way the Pulumi CLI's Node.js host does, so
 * `personas plan` can run it under the mock engine: a project directory is read through its
 * `Pulumi.yaml` (`main`) and `package.json` (`main`), TypeScript is compiled file by file with the
 * project's own `typescript`, and nothing is written into the project.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { PersonasError } from "../errors.js";
import { packageRoot } from "../package-root.js";

/** The program cannot be found or loaded: the message says where and what to do. */
export class ProgramLoadError extends PersonasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PROGRAM_LOAD", message, options);
  }
}

/**
 * The entry file of a Pulumi program: `input` itself when it is a file; for a directory, its
 * `Pulumi.yaml`'s `main` (a file or folder, relative to the project), then that folder's
 * `package.json` `main`, then `index.ts` or `index.js`.
 *
 * @example
 * ```ts
 * programEntry("infra/");  // "/abs/infra/index.ts"
 * ```
 */
export function programEntry(input: string): string {
  const path = resolve(input);
  if (!existsSync(path))
    throw new ProgramLoadError(`no Pulumi program or project at '${input}'; check the path`);
  if (!statSync(path).isDirectory()) return path;
  let folder = path;
  const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(path, f)).find(existsSync);
  if (projectFile) {
    const project = parseYaml(readFileSync(projectFile, "utf8")) as { main?: unknown } | null;
    if (typeof project?.main === "string") {
      const main = resolve(path, project.main);
      if (!existsSync(main))
        throw new ProgramLoadError(
          `${projectFile}: main '${project.main}' does not exist; fix the path in Pulumi.yaml`,
        );
      if (!statSync(main).isDirectory()) return main;
      folder = main;
    }
  }
  const manifestFile = join(folder, "package.json");
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { main?: unknown };
    if (typeof manifest.main === "string" && existsSync(resolve(folder, manifest.main)))
      return resolve(folder, manifest.main);
  }
  const index = ["index.ts", "index.js"].map((f) => join(folder, f)).find(existsSync);
  if (!index)
    throw new ProgramLoadError(
      `'${input}' has no program: expected Pulumi.yaml's main, package.json's main, index.ts or index.js`,
    );
  return index;
}

interface TypeScriptApi {
  transpileModule(
    source: string,
    options: { compilerOptions: Record<string, unknown>; fileName: string },
  ): { outputText: string };
  ModuleKind: { CommonJS: number };
  ScriptTarget: { ES2022: number };
}

type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as {
  _resolveFilename: ResolveFilename;
  _extensions: Record<string, (module: { _compile(code: string, file: string): void }, file: string) => void>;
};

let installedFor: string | undefined;

/**
 * Makes `require` understand the program: `.ts` files are transpiled with the project's TypeScript
 * (as the Pulumi host does with ts-node), `./x.js` finds `./x.ts`, and `pulumi-personas` resolves to
 * the installed package or, in a checkout of this repository, to this copy of it.
 */
function installHooks(projectDir: string): void {
  if (installedFor !== undefined) return;
  installedFor = projectDir;
  const ts = loadTypeScript(projectDir);
  moduleInternals._extensions[".ts"] = (module, file) => {
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
      },
    });
    module._compile(outputText, file);
  };
  const original = moduleInternals._resolveFilename;
  // This copy of the package: its compiled dist/ when that is what runs, else its sources.
  const built = __filename.startsWith(join(packageRoot(), "dist"));
  const ownRoot = join(packageRoot(), built ? "dist" : "src");
  const ownExtension = built ? "js" : "ts";
  moduleInternals._resolveFilename = (request, parent, ...rest) => {
    try {
      return original(request, parent, ...rest);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
      if (request.startsWith(".") && request.endsWith(".js"))
        return original(`${request.slice(0, -3)}.ts`, parent, ...rest);
      const own =
        /^pulumi-personas(?:\/(aws|azure|pdl|repository|resolve|plan|sim|agent|policy|feeds))?$/.exec(
          request,
        );
      if (own) {
        const area = own[1] === "feeds" ? "runtime/feeds" : own[1];
        return join(ownRoot, ...(area ? [area] : []), `index.${ownExtension}`);
      }
      throw error;
    }
  };
}

function loadTypeScript(projectDir: string): TypeScriptApi {
  for (const from of [join(projectDir, "package.json"), __filename]) {
    try {
      return createRequire(from)("typescript") as TypeScriptApi;
    } catch {
      // not installed there: try the next place
    }
  }
  throw new ProgramLoadError(
    `cannot load TypeScript to compile the program in ${projectDir}; install it there (npm install --save-dev typescript)`,
  );
}

/**
 * A function that runs the program at `input` (a file or a Pulumi project directory) in this process.
 * Call it under the mock engine ({@link planOffline}); nothing is written to disk.
 *
 * @example
 * ```ts
 * const resources = await planOffline(loadProgram("infra/"));
 * ```
 */
export function loadProgram(input: string): () => void {
  const entry = programEntry(input);
  installHooks(dirname(entry));
  const project = `${dirname(entry)}${sep}`;
  return () => {
    // Each call runs the program: forget the project's own modules (not its node_modules), which an
    // earlier call left in require's cache, or a second plan in this process would register nothing.
    for (const file of Object.keys(require.cache))
      if (file.startsWith(project) && !file.slice(project.length).split(sep).includes("node_modules"))
        delete require.cache[file];
    createRequire(entry)(entry);
  };
}
