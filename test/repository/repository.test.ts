import { describe, expect, it } from "vitest";
import { parsePersona } from "../../src/pdl/parse.js";
import { canonicalJson, contentDigest } from "../../src/repository/digest.js";
import {
  DuplicatePersonaVersionError,
  ExtendsChainError,
  InvalidReferenceError,
  NoMatchingVersionError,
  PersonaNotFoundError,
  RepositoryValidationError,
} from "../../src/repository/errors.js";
import { PersonaRepository } from "../../src/repository/repository.js";

function persona(
  name: string,
  version: string,
  body = "BaseConfiguration:\n  CPU: 2 cores\n",
): { file: string; text: string } {
  return { file: `${name}-${version}.yaml`, text: `Name: ${name}\nVersion: "${version}"\n${body}` };
}

describe("PersonaRepository look-ups", () => {
  const repository = PersonaRepository.fromDirectory("personas");

  it("lists the embedded personas and their versions, ignoring the directory's mapping.yaml", () => {
    expect(repository.names()).toEqual(["ApiServer", "BatchWorker", "HighTraffic", "LockedDown", "WebBase"]);
    expect(repository.versions("HighTraffic")).toEqual(["1.2.0", "1.3.0"]);
    expect(repository.list().map((e) => `${e.name}@${e.version} ${e.file}`)).toContain(
      "HighTraffic@1.2.0 personas/HighTraffic/1.2.0.yaml",
    );
  });

  it.each([
    ["HighTraffic@^1.2", "1.3.0"],
    ["HighTraffic@~1.2.0", "1.2.0"],
    ["HighTraffic@latest", "1.3.0"],
    ["HighTraffic", "1.3.0"],
    ["HighTraffic@1.2.0", "1.2.0"],
    ["HighTraffic@>=1.0.0 <1.3.0", "1.2.0"],
    ["WebBase@^1.0", "1.1.0"],
    ["WebBase@1.0.x", "1.0.0"],
  ])("resolves %s to version %s", (reference, version) => {
    expect(repository.get(reference).version).toBe(version);
  });

  it.each([
    [
      "HighTrafic@^1",
      PersonaNotFoundError,
      "The repository has no persona 'HighTrafic' (did you mean 'HighTraffic'?); it has ApiServer, BatchWorker, HighTraffic, LockedDown, WebBase.",
    ],
    [
      "HighTraffic@^2",
      NoMatchingVersionError,
      "The repository has no version of 'HighTraffic' matching '^2'; it has 1.2.0, 1.3.0. Change the range or publish a matching version.",
    ],
    [
      "HighTraffic@one",
      InvalidReferenceError,
      "Cannot read the version range 'one' of 'HighTraffic@one': use a semver range such as '^1.2', '~1.2.3', '>=1.0.0 <2.0.0', an exact version '1.3.0', or 'latest'.",
    ],
    [
      "9Lives",
      InvalidReferenceError,
      "Cannot read the persona reference '9Lives': write a name, optionally followed by @ and a version range, e.g. 'HighTraffic@^1.2' or 'HighTraffic@latest'.",
    ],
  ])("refuses %s with a message naming the fix", (reference, type, message) => {
    expect(() => repository.get(reference)).toThrow(type);
    expect(() => repository.get(reference)).toThrow(message);
  });
});

describe("Extends chains", () => {
  it("merges a multi-level chain: fields by field, items by key, the child winning, with origins", () => {
    // Prepare
    const repository = PersonaRepository.fromSources([
      persona(
        "Base",
        "1.0.0",
        "BaseConfiguration:\n  CPU: 2 cores\n  Memory: 4 GB\nSoftwareStack:\n  - Nginx (latest version)\n  - Node Exporter 1.8\nBounds:\n  MaxCPU: 64 cores\n",
      ),
      persona(
        "Web",
        "1.1.0",
        "Extends: Base@^1\nBaseConfiguration:\n  Memory: 8 GB\nSoftwareStack:\n  - Nginx 1.24\nTelemetryTriggers:\n  - Condition: CPU Load > 80% for 5 minutes\n    Action: Scale up to 8 cores\n",
      ),
      persona(
        "Shop",
        "2.0.0",
        "Extends: Web@^1\nDescription: the shop\nTelemetryTriggers:\n  - Condition: CPU Load > 80% for 5 minutes\n    Action: Scale up to 16 cores\nBounds:\n  MaxCPU: 32 cores\n",
      ),
    ]);

    // Act
    const resolved = repository.resolve("Shop");

    // Assess
    expect(resolved.chain.map((e) => `${e.name}@${e.version}`)).toEqual([
      "Shop@2.0.0",
      "Web@1.1.0",
      "Base@1.0.0",
    ]);
    expect(resolved.persona.name).toBe("Shop");
    expect(resolved.persona.version).toBe("2.0.0");
    expect(resolved.persona.extends).toBe("Web@^1");
    expect(resolved.persona.base).toEqual({ cpu: 2, memoryGiB: 8 });
    expect(resolved.persona.bounds).toEqual({ maxCpu: 32 });
    expect(resolved.persona.software).toEqual([
      { name: "Nginx", version: "1.24" },
      { name: "Node Exporter", version: "1.8" },
    ]);
    expect(resolved.persona.triggers.map((t) => t.id)).toEqual(["cpu-utilization-above"]);
    expect(resolved.persona.responses[0]!.actions).toEqual([{ kind: "scale", cpu: 16 }]);
    expect(
      Object.fromEntries(
        [...resolved.origins].filter(
          ([path]) => !path.startsWith("triggers.") && !path.startsWith("responses."),
        ),
      ),
    ).toEqual({
      name: 0,
      version: 0,
      description: 0,
      extends: 0,
      "base.cpu": 2,
      "base.memoryGiB": 1,
      "bounds.maxCpu": 0,
      "software.Nginx.name": 1,
      "software.Nginx.version": 1,
      "software.Node Exporter.name": 2,
      "software.Node Exporter.version": 2,
    });
    expect(resolved.origins.get("triggers.cpu-utilization-above.condition.threshold")).toBe(0);
    expect(resolved.digest).toBe(contentDigest(resolved.persona));
    expect(Object.isFrozen(resolved.persona.base)).toBe(true);
  });

  it("reports a cycle with the whole loop and its files", () => {
    // Prepare
    const repository = PersonaRepository.fromSources([
      persona("A", "1.0.0", "Extends: B\n"),
      persona("B", "1.0.0", "Extends: C@^1\n"),
      persona("C", "1.0.0", "Extends: A@1.0.0\n"),
    ]);

    // Act
    const act = () => repository.resolve("A");

    // Assess
    expect(act).toThrow(ExtendsChainError);
    expect(act).toThrow(
      "Extends cycle: A@1.0.0 → B@1.0.0 → C@1.0.0 → A@1.0.0 (A-1.0.0.yaml, B-1.0.0.yaml, C-1.0.0.yaml); a persona cannot extend itself, directly or through its parents. Remove one of these Extends.",
    );
  });

  it("reports a missing parent two levels down, naming the chain", () => {
    // Prepare
    const repository = PersonaRepository.fromSources([
      persona("Shop", "1.0.0", "Extends: Web@^1\n"),
      persona("Web", "1.2.0", "Extends: WebBase@^3\n"),
      persona("WebBase", "1.0.0"),
    ]);

    // Act
    let error: unknown;
    try {
      repository.resolve("Shop");
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ExtendsChainError);
    expect((error as ExtendsChainError).chain).toEqual(["Shop@1.0.0", "Web@1.2.0", "WebBase@^3"]);
    expect((error as Error).message).toBe(
      "Web@1.2.0 (Web-1.2.0.yaml) extends 'WebBase@^3', which cannot be found: The repository has no version of 'WebBase' matching '^3'; it has 1.0.0. Change the range or publish a matching version. Chain: Shop@1.0.0 → Web@1.2.0 → WebBase@^3.",
    );
  });

  it("check() lists every broken chain and nothing for the embedded personas", () => {
    const broken = PersonaRepository.fromSources([
      persona("A", "1.0.0", "Extends: Gone\n"),
      persona("B", "1.0.0", "Extends: B\n"),
    ]);
    expect(broken.check().map((e) => e.code)).toEqual([
      "REPOSITORY_EXTENDS_MISSING",
      "REPOSITORY_EXTENDS_CYCLE",
    ]);
    expect(PersonaRepository.fromDirectory("personas").check()).toEqual([]);
  });
});

describe("Repository integrity", () => {
  it("refuses two files claiming one version with different content", () => {
    const act = () =>
      PersonaRepository.fromSources([
        { file: "a/Web.yaml", text: 'Name: Web\nVersion: "1.0.0"\nBaseConfiguration: { CPU: 2 cores }\n' },
        { file: "b/Web.yaml", text: 'Name: Web\nVersion: "1.0.0"\nBaseConfiguration: { CPU: 4 cores }\n' },
      ]);
    expect(act).toThrow(DuplicatePersonaVersionError);
    expect(act).toThrow(
      /^Web@1\.0\.0 is defined twice with different content: a\/Web\.yaml \(sha256:[0-9a-f]{64}\) and b\/Web\.yaml \(sha256:[0-9a-f]{64}\); a published version never changes, so give one of them a new Version\.$/,
    );
  });

  it("accepts the same version twice when only the formatting differs", () => {
    const repository = PersonaRepository.fromSources([
      { file: "a/Web.yaml", text: 'Name: Web\nVersion: "1.0.0"\nBaseConfiguration: { CPU: 2 cores }\n' },
      { file: "b/Web.yaml", text: '# copy\nversion: "1.0.0"\nname: Web\nbaseConfiguration:\n    cpu: 2\n' },
    ]);
    expect(repository.list().map((e) => e.file)).toEqual(["a/Web.yaml"]);
  });

  it("reports every invalid file and every missing Version at once, located", () => {
    const act = () =>
      PersonaRepository.fromSources([
        { file: "NoVersion.yaml", text: "BaseConfiguration:\n  CPU: 2 cores\n" },
        { file: "Bad.yaml", text: 'Version: "1.0.0"\nBaseConfiguration:\n  CPU: 0 cores\n' },
      ]);
    expect(act).toThrow(RepositoryValidationError);
    expect(act).toThrow(
      [
        "2 errors in 2 persona files",
        "NoVersion.yaml:1:1: error: persona 'NoVersion' has no Version; every persona in a repository needs one",
        "    1 | BaseConfiguration:",
        "      | ^",
        `  hint: add 'Version: "1.0.0"' (quoted) at the top of the file`,
        "Bad.yaml:3:8: error: CPU '0 cores' must be a whole number of cores from 1 to 448",
        "    3 |   CPU: 0 cores",
        "      |        ^^^^^^^",
        "  hint: write e.g. '8 cores'",
      ].join("\n"),
    );
  });
});

describe("Digests", () => {
  const seed = `Name: Web
Version: "1.0.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
SoftwareStack:
    - Nginx (latest version)
TelemetryTriggers:
    - Condition: CPU Load > 80% for 5 minutes
      Action: Scale up to 16 cores
`;
  const reordered = `# the same persona, keys in another order and another notation
telemetryTriggers:
  - action: { kind: scale, cpu: 16 }
    condition: { threshold: 80%, operator: ">", metric: cpu-utilization, for: 5 minutes }
softwareStack: [{ version: latest, name: Nginx }]
baseConfiguration: { memory: 32, cpu: 8 }
version: "1.0.0"
name: Web
`;

  it("is the same across key order, notation and formatting", () => {
    const a = PersonaRepository.fromSources([{ file: "a.yaml", text: seed }]).get("Web");
    const b = PersonaRepository.fromSources([{ file: "b.yaml", text: reordered }]).get("Web");
    expect(b.persona).toEqual(a.persona);
    expect(b.digest).toBe(a.digest);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("changes when any value changes", () => {
    const a = PersonaRepository.fromSources([{ file: "a.yaml", text: seed }]).get("Web");
    const b = PersonaRepository.fromSources([{ file: "b.yaml", text: seed.replace("80%", "81%") }]).get(
      "Web",
    );
    expect(b.digest).not.toBe(a.digest);
  });

  it("is sha256 over canonical JSON: keys sorted at every level, undefined members left out", () => {
    expect(canonicalJson({ b: [2, { d: 1, c: undefined, a: "x" }], a: null })).toBe(
      '{"a":null,"b":[2,{"a":"x","d":1}]}',
    );
    expect(contentDigest({ a: 1 })).toBe(
      // fixture-guard: the digest function's output, pinned
      "sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862",
    );
  });

  it("of a merged persona differs from its own file's, and is stable across loads", () => {
    const first = PersonaRepository.fromDirectory("personas").resolve("HighTraffic@^1.3");
    const second = PersonaRepository.fromDirectory("personas").resolve("HighTraffic@^1.3");
    expect(first.digest).toBe(second.digest);
    expect(first.digest).not.toBe(first.entry.digest);
    expect(first.entry.persona).toEqual(parsePersona(first.entry.source!, { file: first.entry.file }));
  });
});
