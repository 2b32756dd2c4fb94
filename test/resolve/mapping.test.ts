import { describe, expect, it } from "vitest";
import { defaultRepository } from "../../src/repository/repository.js";
import { MappingValidationError } from "../../src/resolve/errors.js";
import { defineMapping, parseMapping } from "../../src/resolve/mapping.js";
import { createResolutionContext, resolveInstance } from "../../src/resolve/resolve.js";

function problems(text: string): string {
  try {
    parseMapping(text, { file: "mapping.yaml" });
  } catch (error) {
    if (error instanceof MappingValidationError) return error.message;
    throw error;
  }
  throw new Error("the mapping was accepted");
}

describe("parseMapping", () => {
  it("reads rules: patterns, references, priorities, specificity, overrides in model units", () => {
    // Act
    const mapping = parseMapping(
      `defaultPersona: WebBase
instanceOverrides: [Memory, cpu]
rules:
  - id: web
    match: { role: web, Name: "web-*", generation: { regex: "^g[12]$" }, owner: "*", literal: { exact: "a*b" } }
    persona: HighTraffic@^1.2
    priority: 10
    overrides: { Memory: 64 GB, NetworkBandwidth: 500 Mbps, MaxCPU: 32 cores }
  - match: { tier: premium }
    overrides: { size: M7I.2XLARGE }
`,
      { file: "mapping.yaml" },
    );

    // Assess
    const [web, second] = mapping.rules;
    expect(mapping.defaultPersona).toEqual({ name: "WebBase", range: "latest", text: "WebBase" });
    expect(mapping.instanceOverrides).toEqual(["memory", "cpu"]);
    expect(mapping.overrideTagPrefix).toBe("persona:");
    expect(web!.persona).toEqual({ name: "HighTraffic", range: "^1.2", text: "HighTraffic@^1.2" });
    expect(web!.match.map((c) => [c.key.text, c.value.kind, c.value.text])).toEqual([
      ["role", "exact", "web"],
      ["Name", "glob", "web-*"],
      ["generation", "regex", "^g[12]$"],
      ["owner", "any", "*"],
      ["literal", "exact", "a*b"],
    ]);
    expect(web!.specificity).toBe(3 + 2 + 2 + 1 + 3);
    expect(web!.priority).toBe(10);
    expect(web!.at).toBe("mapping.yaml:4");
    expect(web!.overrides.map((o) => [o.field, o.path, o.value])).toEqual([
      ["memory", "base.memoryGiB", 64],
      ["networkBandwidth", "base.networkGbps", 0.5],
      ["maxCpu", "bounds.maxCpu", 32],
    ]);
    expect(second!.id).toBe("rule-2");
    expect(second!.overrides).toEqual([
      { field: "size", path: "base.size", value: "m7i.2xlarge", written: "M7I.2XLARGE" },
    ]);
  });

  it("words schema problems as persona files do: every unknown key, and a wrong type with its fix", () => {
    const text = `rules:
  - id: web
    match: { role: web }
    persona: HighTraffic
    prioirty: 5
    overides: {}
  - id: db
    match: [role, db]
    persona: WebBase
`;
    expect(problems(text)).toBe(
      [
        "mapping.yaml: 3 errors in mapping",
        "mapping.yaml:5:5: error: unknown key 'prioirty' in 'rules[0]'",
        "    5 |     prioirty: 5",
        "      |     ^^^^^^^^",
        "  hint: did you mean 'priority'? allowed keys: id, description, match, persona, priority, overrides, instanceOverrides, overriding",
        "mapping.yaml:6:5: error: unknown key 'overides' in 'rules[0]'",
        "    6 |     overides: {}",
        "      |     ^^^^^^^^",
        "  hint: did you mean 'overrides'? allowed keys: id, description, match, persona, priority, overrides, instanceOverrides, overriding",
        "mapping.yaml:8:12: error: 'rules[1].match': expected a mapping, received a list",
        "    8 |     match: [role, db]",
        "      |            ^^^^^^^^^^",
        "  hint: write a mapping: 'Key: value' lines indented under this key",
      ].join("\n"),
    );
  });

  it("reports every problem at once, located, with the fix", () => {
    const text = `instanceOverrides: [memory, triggers.x.threshold]
rules:
  - id: web
    match: { role: web, name: { regex: "web-(" } }
    persona: HighTraffic@^^1
    overides: { memory: 64 GB }
  - id: web
    match: {}
    overrides: { memroy: 64 GB, cpu: 64 GB }
  - id: nothing
    match: { role: db }
`;
    expect(problems(text)).toBe(
      [
        "mapping.yaml: 1 error in mapping",
        "mapping.yaml:6:5: error: unknown key 'overides' in 'rules[0]'",
        "    6 |     overides: { memory: 64 GB }",
        "      |     ^^^^^^^^",
        "  hint: did you mean 'overrides'? allowed keys: id, description, match, persona, priority, overrides, instanceOverrides, overriding",
      ].join("\n"),
    );
    expect(problems(text.replace("    overides: { memory: 64 GB }\n", ""))).toBe(
      [
        "mapping.yaml: 8 errors in mapping",
        "mapping.yaml:1:29: error: 'triggers.x.threshold' cannot be overridden per instance",
        "    1 | instanceOverrides: [memory, triggers.x.threshold]",
        "      |                             ^^^^^^^^^^^^^^^^^^^^",
        "  hint: overridable fields: cpu, memory, networkBandwidth, family, architecture, size, maxCpu, maxMemory, maxSize, maxActionsPerHour",
        "mapping.yaml:4:31: error: tag value regular expression /web-(/ does not compile: /web-(/u: Unterminated group",
        '    4 |     match: { role: web, name: { regex: "web-(" } }',
        "      |                               ^^^^^^^^^^^^^^^^^^",
        "  hint: regular expressions use JavaScript syntax and match anywhere unless anchored with ^ and $",
        "mapping.yaml:5:14: error: Cannot read the version range '^^1' of 'HighTraffic@^^1': use a semver range such as '^1.2', '~1.2.3', '>=1.0.0 <2.0.0', an exact version '1.3.0', or 'latest'.",
        "    5 |     persona: HighTraffic@^^1",
        "      |              ^^^^^^^^^^^^^^^",
        "mapping.yaml:6:9: error: rule id 'web' is used twice (also rules[0])",
        "    6 |   - id: web",
        "      |         ^^^",
        "  hint: give each rule its own id",
        "mapping.yaml:7:12: error: rule 'web' matches no tags",
        "    7 |     match: {}",
        "      |            ^^",
        "  hint: list at least one tag, e.g. 'match: { role: web }'; use 'defaultPersona' for instances no rule claims",
        "mapping.yaml:8:18: error: 'memroy' cannot be overridden",
        "    8 |     overrides: { memroy: 64 GB, cpu: 64 GB }",
        "      |                  ^^^^^^",
        "  hint: did you mean 'memory'? overridable fields: cpu, memory, networkBandwidth, family, architecture, size, maxCpu, maxMemory, maxSize, maxActionsPerHour, triggers.<id>.threshold",
        "mapping.yaml:8:38: error: override 'cpu': expected a number of vCPUs, received '64 GB' ('GB' measures memory sizes)",
        "    8 |     overrides: { memroy: 64 GB, cpu: 64 GB }",
        "      |                                      ^^^^^",
        "  hint: use one of: cores, vCPUs",
        "mapping.yaml:9:5: error: rule 'nothing' neither chooses a persona nor overrides anything",
        "    9 |   - id: nothing",
        "      |     ^",
        "  hint: add 'persona: Name@range' or 'overrides: { memory: 64 GB }'",
      ].join("\n"),
    );
  });

  it("reports shape problems like persona files: wrong types, missing keys, bad patterns", () => {
    expect(problems("rules:\n  - match: { role: [web] }\n    priority: high\n")).toBe(
      [
        "mapping.yaml: 2 errors in mapping",
        "mapping.yaml:2:20: error: 'rules[0].match.role': expected a tag value pattern, received a list",
        "    2 |   - match: { role: [web] }",
        "      |                    ^^^^^",
        "  hint: write 'web' (exact), 'web-*' (glob), '*' (any value), { regex: '^web-[0-9]+$' } or { exact: 'a*b' }",
        "mapping.yaml:3:15: error: 'rules[0].priority': expected a number, received the text 'high'",
        "    3 |     priority: high",
        "      |               ^^^^",
      ].join("\n"),
    );
    expect(problems("defaultPersona: Web\n")).toBe(
      [
        "mapping.yaml: 1 error in mapping",
        "mapping.yaml:1:1: error: missing required key 'rules'",
        "    1 | defaultPersona: Web",
        "      | ^",
        "  hint: add 'rules: ...'",
      ].join("\n"),
    );
  });
});

describe("defineMapping", () => {
  it("validates the same object in TypeScript, with paths instead of lines", () => {
    const act = () =>
      defineMapping({ rules: [{ id: "web", match: { role: "web" }, overrides: { memory: "lots" } }] });
    expect(act).toThrow(MappingValidationError);
    expect(act).toThrow(
      "<object>: 1 error in mapping\n<object>:0:0: error: override 'memory': expected a memory size such as '32 GB', received 'lots'\n  hint: write a number followed by one of: GB, GiB, MB, MiB, TB, TiB",
    );
  });
});

describe("Overriding rules and run-time versions (issue 13, finding 2 and 9)", () => {
  it("reads 'overriding' on a rule and 'runtimeVersions' on the mapping, and reports the rule as overriding", () => {
    // Prepare
    const mapping = parseMapping(
      `runtimeVersions: true\nrules:\n  - id: quarantine\n    match: { quarantine: "true" }\n    persona: LockedDown@^1\n    priority: 100\n    overriding: true\n  - id: web\n    match: { role: web }\n    persona: HighTraffic@^1\n`,
      { file: "mapping.yaml" },
    );

    // Act
    const context = createResolutionContext(defaultRepository(), mapping);
    const quarantined = resolveInstance({ id: "i-1", tags: { role: "web", quarantine: "true" } }, context);
    const web = resolveInstance({ id: "i-2", tags: { role: "web" } }, context);

    // Assess
    expect(mapping.runtimeVersions).toBe(true);
    expect(mapping.rules.map((r) => [r.id, r.overriding])).toEqual([
      ["quarantine", true],
      ["web", undefined],
    ]);
    expect(quarantined.rule).toEqual({
      id: "quarantine",
      priority: 100,
      matchedTags: ["quarantine=true"],
      overriding: true,
    });
    expect(web.rule).toEqual({ id: "web", priority: 0, matchedTags: ["role=web"] });
  });

  it("refuses an 'overriding' that is not a boolean", () => {
    expect(() =>
      parseMapping(`rules:\n  - match: { a: b }\n    persona: WebBase\n    overriding: yes please\n`, {
        file: "mapping.yaml",
      }),
    ).toThrow(MappingValidationError);
  });
});
