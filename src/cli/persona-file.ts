/**
 * A persona file named on the command line, as `plan`, `simulate`, `test` and `validate` all read it.
 * One rule for a persona without `Version` (docs in `personas validate --help` and README "The CLI"):
 * it is planned, simulated and tested as version {@link UNVERSIONED}, `validate` warns, and a
 * repository (a `--personas` folder, `publish`) refuses it. Its `Extends` is resolved either way.
 */
import type { Diagnostic } from "../pdl/diagnostics.js";
import type { Persona } from "../pdl/model.js";
import { parsePersona } from "../pdl/parse.js";
import type { PlanInput } from "../plan/plan.js";
import { contentDigest } from "../repository/digest.js";
import { mergeChain } from "../repository/merge.js";
import { defaultRepository, PersonaRepository } from "../repository/repository.js";
import { cliInputLimits, readInputFile } from "./files.js";

/** The version of a persona file that has no `Version`. */
export const UNVERSIONED = "0.0.0";

/**
 * Reads and validates a persona file and merges its `Extends` chain from the persona folder (the
 * embedded `personas/` when none is given). A persona without `Version` gets {@link UNVERSIONED}.
 *
 * @param personaDir - where `Extends` parents are looked up; @default the embedded personas/
 * @throws {PersonaValidationError} when the file is not a valid persona.
 * @throws {RepositoryError} when a parent cannot be found.
 * @example
 * ```ts
 * loadPersonaFile("examples/HighTraffic.yaml").ref; // { name: "HighTraffic", version: "0.0.0", digest: "sha256:…" }
 * ```
 */
export function loadPersonaFile(path: string, personaDir?: string | undefined): PlanInput {
  const written = parsePersona(readInputFile(path, "persona file"), { file: path, ...cliInputLimits() });
  let persona: Persona = written;
  if (written.extends !== undefined) {
    const repository =
      personaDir !== undefined
        ? PersonaRepository.fromDirectory(personaDir, cliInputLimits())
        : defaultRepository();
    const parents = repository.resolve(written.extends).chain.map((entry) => entry.persona);
    persona = mergeChain([written, ...parents]).persona;
  }
  return {
    persona,
    ref: { name: persona.name, version: written.version ?? UNVERSIONED, digest: contentDigest(persona) },
  };
}

/**
 * The warning `personas validate` gives a persona without `Version`, at its `Name` line when it has
 * one (where the Version belongs), else at the first line.
 */
export function missingVersionWarning(persona: Persona, file: string, text: string): Diagnostic {
  const lines = text.split("\n");
  const nameLine = lines.findIndex((line) => /^["']?[Nn]ame["']?\s*:/.test(line));
  const line = nameLine === -1 ? 1 : nameLine + 1;
  return {
    severity: "warning",
    code: "missing-version",
    message: `persona '${persona.name}' has no Version: plan, simulate and test treat it as ${UNVERSIONED}, and a persona repository refuses it`,
    hint: `add 'Version: "1.0.0"' (quoted) next to its Name`,
    file,
    line,
    column: 1,
    length: nameLine === -1 ? 1 : lines[nameLine]!.trimEnd().length,
    path: "version",
  };
}
