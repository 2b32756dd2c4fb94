/**
 * The persona repository: persona files by name and version, `Extends` chains resolved across
 * files, and a content digest for every persona. Loaded once, then read many times: look-ups and
 * merged chains are memoised.
 *
 * @example
 * ```ts
 * const repository = PersonaRepository.fromDirectory("personas");
 * repository.get("HighTraffic@^1.2").version; // "1.3.0"
 * const resolved = repository.resolve("HighTraffic@latest");
 * resolved.persona.software.map((s) => s.name); // ["Nginx", "Prometheus Node Exporter", "Redis", "Prometheus"]
 * resolved.chain.map((e) => `${e.name}@${e.version}`); // ["HighTraffic@1.3.0", "WebBase@1.1.0"]
 * ```
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { type Diagnostic, formatDiagnostic, SourceMap } from "../pdl/diagnostics.js";
import { type InputLimitOptions, readInputFile } from "../pdl/input.js";
import { Persona } from "../pdl/model.js";
import { validatePersonaText } from "../pdl/parse.js";
import { nearest } from "../pdl/suggest.js";
import { contentDigest } from "./digest.js";
import {
  DuplicatePersonaVersionError,
  ExtendsChainError,
  NoMatchingVersionError,
  PersonaNotFoundError,
  RepositoryError,
  RepositoryValidationError,
} from "./errors.js";
import { mergeChain } from "./merge.js";
import { type PersonaReference, parseReference, pickVersion, sortVersions } from "./reference.js";

/** One persona version held by a repository. */
export interface RepositoryEntry {
  /** The persona's name. */
  readonly name: string;
  /** Its semantic version. */
  readonly version: string;
  /** The validated persona as written (not merged with its parents); frozen. */
  readonly persona: Persona;
  /** `sha256:<hex>` of the persona's canonical JSON; see docs/repository.md. */
  readonly digest: string;
  /** Where it was read from: a path, an `s3://` URL, or `<object>`. */
  readonly file: string;
  /** The source text, when it was read from text. */
  readonly source?: string;
}

/** A persona with its `Extends` chain merged in. */
export interface ResolvedChain {
  /** The persona the reference chose. */
  readonly entry: RepositoryEntry;
  /** The merged persona (parents first, the persona's own settings last); frozen. */
  readonly persona: Persona;
  /** `sha256:<hex>` of the merged persona's canonical JSON. */
  readonly digest: string;
  /** The chain, the persona first and its furthest ancestor last. */
  readonly chain: readonly RepositoryEntry[];
  /** Leaf path (e.g. `base.cpu`) → index into `chain` of the member that set it. */
  readonly origins: ReadonlyMap<string, number>;
}

/** A persona file's text and name, as `fromSources` takes them. */
export interface PersonaSource {
  /** Path or URL, used in messages and provenance. */
  readonly file: string;
  /** The file's text (seed notation or structured YAML/JSON). */
  readonly text: string;
}

/** A top-level file with this name in a persona directory is a mapping, not a persona. */
const MAPPING_FILE = /^mapping\.ya?ml$/i;
const PERSONA_FILE = /\.(ya?ml|json)$/i;

/** A read-only set of persona versions; build one with the static constructors. */
export class PersonaRepository {
  private readonly byName = new Map<string, Map<string, RepositoryEntry>>();
  private readonly sortedVersions = new Map<string, readonly string[]>();
  private readonly picks = new Map<string, RepositoryEntry | RepositoryError>();
  private readonly chains = new Map<string, ResolvedChain | RepositoryError>();

  /**
   * Holds `entries`. The same name and version twice is allowed only with the same digest.
   * @throws {@link DuplicatePersonaVersionError} when two entries claim one version with different content.
   */
  constructor(entries: Iterable<RepositoryEntry>) {
    for (const entry of entries) {
      let versions = this.byName.get(entry.name);
      if (!versions) {
        versions = new Map();
        this.byName.set(entry.name, versions);
      }
      const existing = versions.get(entry.version);
      if (existing && existing.digest !== entry.digest) {
        throw new DuplicatePersonaVersionError(
          `${entry.name}@${entry.version}`,
          [existing.file, entry.file],
          [existing.digest, entry.digest],
        );
      }
      if (!existing) versions.set(entry.version, Object.freeze(entry));
    }
    for (const [name, versions] of this.byName)
      this.sortedVersions.set(name, Object.freeze(sortVersions(versions.keys())));
  }

  /**
   * Reads every `.yaml`, `.yml` and `.json` file under `dir` (recursively, skipping dot files and a
   * top-level `mapping.yaml`) as one persona each.
   * @throws {@link RepositoryValidationError} with every problem of every file, when any is invalid or has no `Version`.
   * @throws {@link DuplicatePersonaVersionError} when two files claim one version with different content.
   * @throws {@link InputTooLargeError} when a file is above `options.maxInputBytes` (1 MiB by default), before it is read.
   */
  static fromDirectory(dir: string, options: InputLimitOptions = {}): PersonaRepository {
    const files = personaFiles(dir);
    return PersonaRepository.fromSources(
      files.map((file) => ({ file, text: readInputFile(file, options) })),
      options,
    );
  }

  /**
   * Parses persona texts.
   * @throws {@link RepositoryValidationError} with every problem of every text at once.
   * @throws {@link DuplicatePersonaVersionError} when two texts claim one version with different content.
   */
  static fromSources(sources: readonly PersonaSource[], options: InputLimitOptions = {}): PersonaRepository {
    const entries: RepositoryEntry[] = [];
    const problems: { diagnostic: Diagnostic; text: string | undefined }[] = [];
    for (const { file, text } of sources) {
      const outcome = validatePersonaText(text, { file, ...options });
      for (const diagnostic of outcome.diagnostics)
        if (diagnostic.severity === "error")
          // An oversized text is not quoted back: its first line alone may be megabytes.
          problems.push({ diagnostic, text: diagnostic.code === "input-too-large" ? undefined : text });
      if (!outcome.valid || !outcome.persona) continue;
      const persona = outcome.persona;
      if (persona.version === undefined) {
        problems.push({
          text,
          diagnostic: {
            severity: "error",
            code: "missing-version",
            message: `persona '${persona.name}' has no Version; every persona in a repository needs one`,
            hint: `add 'Version: "1.0.0"' (quoted) at the top of the file`,
            file,
            line: 1,
            column: 1,
            length: 1,
            path: "version",
          },
        });
        continue;
      }
      entries.push(makeEntry(persona, file, text));
    }
    if (problems.length > 0) {
      const files = new Set(problems.map((p) => p.diagnostic.file)).size;
      const report = problems
        .map((p) => formatDiagnostic(p.diagnostic, p.text === undefined ? undefined : new SourceMap(p.text)))
        .join("\n");
      throw new RepositoryValidationError(
        `${problems.length} error${problems.length === 1 ? "" : "s"} in ${files} persona file${files === 1 ? "" : "s"}\n${report}`,
        problems.map((p) => p.diagnostic),
      );
    }
    return new PersonaRepository(entries);
  }

  /**
   * Holds personas defined in TypeScript (e.g. with `definePersona`); each needs a `version`.
   * @throws {@link RepositoryValidationError} when a persona has no version.
   */
  static fromPersonas(personas: readonly Persona[], file = "<object>"): PersonaRepository {
    const missing = personas.filter((p) => p.version === undefined).map((p) => p.name);
    if (missing.length > 0)
      throw new RepositoryValidationError(
        `persona${missing.length === 1 ? "" : "s"} ${missing.map((n) => `'${n}'`).join(", ")} ha${missing.length === 1 ? "s" : "ve"} no version; every persona in a repository needs one`,
        [],
      );
    return new PersonaRepository(personas.map((persona) => makeEntry(persona, file)));
  }

  /** The persona names, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** The versions of a persona, ascending; empty when the repository does not have it. */
  versions(name: string): readonly string[] {
    return this.sortedVersions.get(name) ?? [];
  }

  /** Every entry, by name then version. */
  list(): RepositoryEntry[] {
    return this.names().flatMap((name) => this.versions(name).map((v) => this.byName.get(name)!.get(v)!));
  }

  /**
   * The highest version of a persona that a reference admits.
   * @param reference - `Name`, `Name@latest` or `Name@<semver range>`, or a parsed reference.
   * @throws {@link PersonaNotFoundError} when the repository has no persona of that name.
   * @throws {@link NoMatchingVersionError} when no version is in the range.
   * @throws {@link InvalidReferenceError} when the reference cannot be read.
   */
  get(reference: string | PersonaReference): RepositoryEntry {
    const ref = typeof reference === "string" ? parseReference(reference) : reference;
    const key = `${ref.name}@${ref.range}`;
    let pick = this.picks.get(key);
    if (pick === undefined) {
      pick = this.pick(ref);
      this.picks.set(key, pick);
    }
    if (pick instanceof RepositoryError) throw rebuild(pick);
    return pick;
  }

  /**
   * The persona a reference chooses, merged with its `Extends` chain, with its digest. Memoised.
   * @throws {@link ExtendsChainError} when a parent is missing or the chain loops.
   * @throws the errors of {@link PersonaRepository.get} for the reference itself.
   */
  resolve(reference: string | PersonaReference): ResolvedChain {
    const entry = this.get(reference);
    const key = `${entry.name}@${entry.version}`;
    let chain = this.chains.get(key);
    if (chain === undefined) {
      try {
        chain = this.buildChain(entry);
      } catch (error) {
        if (!(error instanceof RepositoryError)) throw error;
        chain = error;
      }
      this.chains.set(key, chain);
    }
    if (chain instanceof RepositoryError) throw rebuild(chain);
    return chain;
  }

  /** Resolves every persona version's chain and returns every problem found (none: an empty list). */
  check(): RepositoryError[] {
    const problems: RepositoryError[] = [];
    for (const entry of this.list()) {
      try {
        this.resolve({ name: entry.name, range: entry.version });
      } catch (error) {
        if (error instanceof RepositoryError) problems.push(error);
        else throw error;
      }
    }
    return problems;
  }

  private pick(ref: PersonaReference): RepositoryEntry | RepositoryError {
    const versions = this.byName.get(ref.name);
    if (!versions) {
      const suggestion = nearest(ref.name, this.byName.keys());
      return new PersonaNotFoundError(
        ref.name,
        `The repository has no persona '${ref.name}'${suggestion ? ` (did you mean '${suggestion}'?)` : ""}; it has ${listOr(this.names(), "no personas")}.`,
      );
    }
    const available = this.versions(ref.name);
    const version = pickVersion(available, ref.range);
    if (version === undefined) {
      return new NoMatchingVersionError(
        ref.name,
        ref.range,
        available,
        `The repository has no version of '${ref.name}' matching '${ref.range}'; it has ${available.join(", ")}. Change the range or publish a matching version.`,
      );
    }
    return versions.get(version)!;
  }

  private buildChain(entry: RepositoryEntry): ResolvedChain {
    const chain: RepositoryEntry[] = [entry];
    const seen = new Set<string>([`${entry.name}@${entry.version}`]);
    let current = entry;
    while (current.persona.extends !== undefined) {
      const links = chain.map((e) => `${e.name}@${e.version}`);
      let parent: RepositoryEntry;
      try {
        parent = this.get(current.persona.extends);
      } catch (error) {
        if (!(error instanceof RepositoryError)) throw error;
        throw new ExtendsChainError(
          "missing-parent",
          [...links, current.persona.extends],
          `${current.name}@${current.version} (${current.file}) extends '${current.persona.extends}', which cannot be found: ${error.message} Chain: ${[...links, current.persona.extends].join(" → ")}.`,
          { cause: error },
        );
      }
      const key = `${parent.name}@${parent.version}`;
      if (seen.has(key)) {
        const loop = [...links, key];
        throw new ExtendsChainError(
          "cycle",
          loop,
          `Extends cycle: ${loop.join(" → ")} (${chain.map((e) => e.file).join(", ")}); a persona cannot extend itself, directly or through its parents. Remove one of these Extends.`,
        );
      }
      seen.add(key);
      chain.push(parent);
      current = parent;
    }
    const merged = mergeChain(chain.map((e) => e.persona));
    const persona = deepFreeze(merged.persona);
    return Object.freeze({
      entry,
      persona,
      digest: chain.length === 1 ? entry.digest : contentDigest(persona),
      chain: Object.freeze(chain),
      origins: merged.origins,
    });
  }
}

/**
 * The embedded default repository: the `personas/` directory shipped with the package.
 * @throws the errors of {@link PersonaRepository.fromDirectory}.
 */
export function defaultRepository(): PersonaRepository {
  return PersonaRepository.fromDirectory(defaultPersonaDirectory());
}

/** The `personas/` directory shipped with the package, relative to the working directory when inside it. */
export function defaultPersonaDirectory(): string {
  let dir = __dirname;
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(dir, "personas");
    if (existsSync(join(dir, "package.json")) && existsSync(candidate)) {
      const shown = relative(process.cwd(), candidate);
      return shown.startsWith("..") || isAbsolute(shown) ? candidate : shown;
    }
    dir = dirname(dir);
  }
  throw new RepositoryValidationError(
    `cannot find the embedded 'personas' directory above ${__dirname}; pass a persona directory explicitly`,
    [],
  );
}

/**
 * Builds an entry: validates the persona against the model and digests it.
 * @internal
 */
export function makeEntry(persona: Persona, file: string, source?: string): RepositoryEntry {
  const frozen = deepFreeze(Persona.parse(persona));
  const entry: RepositoryEntry = {
    name: frozen.name,
    version: frozen.version ?? "",
    persona: frozen,
    digest: contentDigest(frozen),
    file,
    ...(source === undefined ? {} : { source }),
  };
  return entry;
}

function personaFiles(dir: string): string[] {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(dir);
  } catch (error) {
    throw new RepositoryValidationError(
      `cannot read the persona directory '${dir}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      [],
      { cause: error },
    );
  }
  if (!stats.isDirectory()) return [dir];
  const out: string[] = [];
  const visit = (current: string, top: boolean) => {
    for (const item of readdirSync(current, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      if (item.name.startsWith(".") || item.name === "node_modules") continue;
      const full = join(current, item.name);
      if (item.isDirectory()) visit(full, false);
      else if (PERSONA_FILE.test(item.name) && !(top && MAPPING_FILE.test(item.name))) out.push(full);
    }
  };
  visit(dir, true);
  return out;
}

function listOr(items: readonly string[], none: string): string {
  return items.length === 0 ? none : items.join(", ");
}

/** Memoised failures are thrown as fresh errors, so each throw has its own stack. */
function rebuild(error: RepositoryError): RepositoryError {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as RepositoryError;
  Object.assign(copy, error);
  Object.defineProperty(copy, "message", { value: error.message, writable: true, configurable: true });
  Object.defineProperty(copy, "stack", {
    value: new Error(error.message).stack?.replace(/^Error/, error.name),
    writable: true,
    configurable: true,
  });
  if (error.cause !== undefined)
    Object.defineProperty(copy, "cause", { value: error.cause, writable: true, configurable: true });
  return copy;
}

/**
 * Freezes a value and everything in it.
 * @internal
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
