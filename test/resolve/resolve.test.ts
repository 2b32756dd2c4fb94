import { beforeEach, describe, expect, it } from "vitest";
import { PersonaRepository } from "../../src/repository/repository.js";
import {
  InvalidOverrideValueError,
  MappingValidationError,
  NoPersonaMatchError,
  OverrideConflictError,
  OverrideNotAllowedError,
  RuleConflictError,
  UnknownOverrideFieldError,
} from "../../src/resolve/errors.js";
import { defineMapping, type MappingDocument, parseMapping } from "../../src/resolve/mapping.js";
import {
  createResolutionContext,
  type ResolutionContext,
  resolveFleet,
  resolveInstance,
} from "../../src/resolve/resolve.js";
import { selectSize } from "../../src/resolve/sizing/select.js";

const repository = PersonaRepository.fromSources(
  ["Web", "Api", "Batch", "Locked"].flatMap((name) => [
    {
      file: `${name}/1.0.0.yaml`,
      text: `Name: ${name}\nVersion: "1.0.0"\nBaseConfiguration:\n  CPU: 4 cores\n  Memory: 16 GB\nTelemetryTriggers:\n  - Condition: CPU Load > 80% for 5 minutes\n    Action: Scale up to 8 cores\nBounds:\n  MaxCPU: 32 cores\n`,
    },
    {
      file: `${name}/2.0.0.yaml`,
      text: `Name: ${name}\nVersion: "2.0.0"\nBaseConfiguration:\n  CPU: 8 cores\n`,
    },
  ]),
);

function context(rules: MappingDocument["rules"], extra: Partial<MappingDocument> = {}) {
  return createResolutionContext(repository, defineMapping({ ...extra, rules }, { file: "mapping.yaml" }));
}

describe("Rule precedence", () => {
  it.each([
    {
      when: "only one rule matches",
      rules: [
        { id: "web", match: { role: "web" }, persona: "Web@^1" },
        { id: "api", match: { role: "api" }, persona: "Api@^1" },
      ],
      tags: { role: "api" },
      chosen: ["api", "Api@1.0.0", ["role=api"]],
    },
    {
      when: "priority beats specificity",
      rules: [
        { id: "exact-two", match: { role: "web", env: "prod" }, persona: "Web@^1" },
        { id: "flagged", match: { security: "*" }, persona: "Locked@^1", priority: 10 },
      ],
      tags: { role: "web", env: "prod", security: "flagged" },
      chosen: ["flagged", "Locked@1.0.0", ["security=flagged"]],
    },
    {
      when: "specificity beats rule order (two exact tags > one)",
      rules: [
        { id: "web", match: { role: "web" }, persona: "Web@^1" },
        { id: "web-prod", match: { role: "web", env: "prod" }, persona: "Api@^1" },
      ],
      tags: { role: "web", env: "prod" },
      chosen: ["web-prod", "Api@1.0.0", ["role=web", "env=prod"]],
    },
    {
      when: "an exact value beats a glob (specificity 3 > 2)",
      rules: [
        { id: "glob", match: { role: "web*" }, persona: "Api@^1" },
        { id: "exact", match: { role: "web" }, persona: "Web@^1" },
      ],
      tags: { role: "web" },
      chosen: ["exact", "Web@1.0.0", ["role=web"]],
    },
    {
      when: "a regex matches like a glob and ranks like one",
      rules: [{ id: "numbered", match: { name: { regex: "^web-\\d+$" } }, persona: "Web@^2" }],
      tags: { name: "web-42" },
      chosen: ["numbered", "Web@2.0.0", ["name=web-42"]],
    },
    {
      when: "equal precedence, same persona: the earlier rule is reported",
      rules: [
        { id: "by-role", match: { role: "web" }, persona: "Web@^1" },
        { id: "by-team", match: { team: "shop" }, persona: "Web@^1" },
      ],
      tags: { role: "web", team: "shop" },
      chosen: ["by-role", "Web@1.0.0", ["role=web"]],
    },
    {
      when: "a glob key matches any key of its form",
      rules: [{ id: "team-tag", match: { "team/*": "payments" }, persona: "Batch@^1" }],
      tags: { "team/owner": "payments" },
      chosen: ["team-tag", "Batch@1.0.0", ["team/owner=payments"]],
    },
    {
      when: "a rule needs every tag it lists",
      rules: [
        { id: "web-prod", match: { role: "web", env: "prod" }, persona: "Api@^1" },
        { id: "web", match: { role: "web" }, persona: "Web@^1" },
      ],
      tags: { role: "web", env: "dev" },
      chosen: ["web", "Web@1.0.0", ["role=web"]],
    },
    {
      when: "no rule matches and the mapping has a default persona",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1" }],
      extra: { defaultPersona: "Batch@^2" },
      tags: { role: "db" },
      chosen: ["defaultPersona", "Batch@2.0.0", []],
    },
  ])("$when", ({ rules, tags, chosen, extra }) => {
    // Act
    const resolved = resolveInstance({ id: "i-1", tags }, context(rules as MappingDocument["rules"], extra));

    // Assess
    expect([
      resolved.rule.id,
      `${resolved.ref.name}@${resolved.ref.version}`,
      resolved.rule.matchedTags,
    ]).toEqual(chosen);
  });
});

describe("Conflicts and failures", () => {
  it.each([
    {
      when: "two personas claim one instance at the same precedence",
      rules: [
        { id: "web", match: { role: "web" }, persona: "Web@^1" },
        { id: "premium", match: { tier: "premium" }, persona: "Api@^1" },
      ],
      tags: { role: "web", tier: "premium" },
      type: RuleConflictError,
      message:
        "Instance 'i-1' is claimed by two personas at the same precedence (priority 0, specificity 3): rule 'web' (mapping.yaml rules[0]) chooses Web@^1 by role=web; rule 'premium' (mapping.yaml rules[1]) chooses Api@^1 by tier=premium. Give one rule a higher priority, or make its match more specific.",
    },
    {
      when: "two versions of one persona claim one instance at the same precedence",
      rules: [
        { id: "v1", match: { role: "web" }, persona: "Web@^1" },
        { id: "v2", match: { env: "prod" }, persona: "Web@^2" },
      ],
      tags: { role: "web", env: "prod" },
      type: RuleConflictError,
      message:
        "Instance 'i-1' is claimed by two personas at the same precedence (priority 0, specificity 3): rule 'v1' (mapping.yaml rules[0]) chooses Web@^1 by role=web; rule 'v2' (mapping.yaml rules[1]) chooses Web@^2 by env=prod. Give one rule a higher priority, or make its match more specific.",
    },
    {
      when: "two override rules set one field differently at the same precedence",
      rules: [
        { id: "web", match: { role: "web" }, persona: "Web@^1" },
        { id: "premium", match: { tier: "premium" }, overrides: { memory: "64 GB" } },
        { id: "big", match: { size: "big" }, overrides: { memory: "128 GB" } },
      ],
      tags: { role: "web", tier: "premium", size: "big" },
      type: OverrideConflictError,
      message:
        "Instance 'i-1': rules 'premium' (tier=premium) and 'big' (size=big) set memory to different values (64 GB, 128 GB) at the same precedence (priority 0, specificity 3). Give one rule a higher priority.",
    },
    {
      // Three override rules: the conflicting two are not neighbours (issue 19's surviving mutant
      // compared only adjacent rules).
      when: "the first and third of three override rules set one field differently at the same precedence",
      rules: [
        { id: "web", match: { role: "web" }, persona: "Web@^1" },
        { id: "premium", match: { tier: "premium" }, overrides: { memory: "64 GB" } },
        { id: "fast", match: { speed: "fast" }, overrides: { cpu: "16 cores" } },
        { id: "big", match: { size: "big" }, overrides: { memory: "128 GB" } },
      ],
      tags: { role: "web", tier: "premium", speed: "fast", size: "big" },
      type: OverrideConflictError,
      message:
        "Instance 'i-1': rules 'premium' (tier=premium) and 'big' (size=big) set memory to different values (64 GB, 128 GB) at the same precedence (priority 0, specificity 3). Give one rule a higher priority.",
    },
    {
      when: "no rule matches and there is no default persona",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1" }],
      tags: { role: "db", env: "prod" },
      type: NoPersonaMatchError,
      message:
        "No mapping rule chooses a persona for instance 'i-1' (tags: env=prod, role=db), and mapping.yaml has no defaultPersona. Add a rule whose match these tags satisfy, or set 'defaultPersona: Name@range' in mapping.yaml.",
    },
    {
      when: "an instance overrides a field the mapping does not allow",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1" }],
      extra: { instanceOverrides: ["memory"] },
      tags: { role: "web", "persona:cpu": "16" },
      type: OverrideNotAllowedError,
      message:
        "Instance 'i-1' has tag 'persona:cpu=16', but mapping.yaml does not let instances override 'cpu' (allowed: memory). Add 'cpu' to instanceOverrides in mapping.yaml, or remove the tag.",
    },
    {
      when: "a rule's own instanceOverrides replace the mapping's",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1", instanceOverrides: [] }],
      extra: { instanceOverrides: ["memory"] },
      tags: { role: "web", "persona:memory": "32 GB" },
      type: OverrideNotAllowedError,
      message:
        "Instance 'i-1' has tag 'persona:memory=32 GB', but rule 'web' (mapping.yaml rules[0]) does not let instances override 'memory' (allowed: none). Add 'memory' to instanceOverrides in rule 'web' (mapping.yaml rules[0]), or remove the tag.",
    },
    {
      when: "an instance overrides an unknown field",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1" }],
      extra: { instanceOverrides: ["memory"] },
      tags: { role: "web", "persona:memroy": "32 GB" },
      type: UnknownOverrideFieldError,
      message:
        "Instance 'i-1' has tag 'persona:memroy=32 GB', but 'memroy' is not a field instances can override; did you mean 'memory'? overridable fields: cpu, memory, networkBandwidth, family, architecture, size, maxCpu, maxMemory, maxSize, maxActionsPerHour. Fix or remove the tag.",
    },
    {
      when: "an override tag has the wrong unit",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1" }],
      extra: { instanceOverrides: ["memory"] },
      tags: { role: "web", "persona:memory": "64 cores" },
      type: InvalidOverrideValueError,
      message:
        "Instance 'i-1' has tag 'persona:memory=64 cores': expected a memory size, received '64 cores' ('cores' measures vCPUs); use one of: GB, GiB, MB, MiB, TB, TiB.",
    },
    {
      when: "an override breaks the persona's bounds",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1", overrides: { cpu: "64 cores" } }],
      tags: { role: "web" },
      type: InvalidOverrideValueError,
      message:
        "Instance 'i-1': after rule 'web', Web@1.0.0 would have 64 vCPU (base.cpu) above its bound of 32 vCPU (bounds.maxCpu). Lower the override, or raise the bound with an override of maxCpu.",
    },
    {
      when: "a rule overrides the threshold of a trigger the persona does not have",
      rules: [
        { id: "web", match: { role: "web" }, persona: "Web@^1" },
        { id: "eager", match: { tier: "premium" }, overrides: { "triggers.cpu-above.threshold": "70%" } },
      ],
      tags: { role: "web", tier: "premium" },
      type: UnknownOverrideFieldError,
      message:
        "Instance 'i-1': rule 'eager' overrides triggers.cpu-above.threshold, but Web@1.0.0 has no trigger 'cpu-above'; its triggers are: cpu-utilization-above.",
    },
    {
      when: "a trigger threshold override has the metric's wrong unit",
      rules: [
        { id: "web", match: { role: "web" }, persona: "Web@^1" },
        {
          id: "eager",
          match: { tier: "premium" },
          overrides: { "triggers.cpu-utilization-above.threshold": "70ms" },
        },
      ],
      tags: { role: "web", tier: "premium" },
      type: InvalidOverrideValueError,
      message:
        "Instance 'i-1': rule 'eager' overrides triggers.cpu-utilization-above.threshold: expected a percentage, received '70ms' ('ms' measures times); use one of: %.",
    },
  ])("$when", ({ rules, tags, type, message, extra }) => {
    const ctx = context(rules as MappingDocument["rules"], extra);
    const act = () => resolveInstance({ id: "i-1", tags }, ctx);
    expect(act).toThrow(type);
    expect(act).toThrow(message);
  });
});

describe("Overrides and provenance", () => {
  // Built before each test, not while the file is collected: a mutant that makes building the
  // context throw must fail tests (a collection error reports none; docs/testing.md).
  let ctx: ResolutionContext;
  beforeEach(() => {
    ctx = createResolutionContext(repository, overridesMapping());
  });
  const overridesMapping = () =>
    parseMapping(
      `defaultPersona: Batch@^1
instanceOverrides: [memory, cpu]
rules:
  - id: web
    match: { role: web }
    persona: Web@^1
  - id: premium-memory
    match: { tier: premium }
    overrides: { memory: 64 GB }
  - id: premium-web
    match: { role: web, tier: premium }
    overrides: { Memory: 96 GB, triggers.cpu-utilization-above.threshold: 70% }
  - id: api-only
    match: { tier: premium }
    persona: Api@^1
    priority: -1
    overrides: { cpu: 16 cores }
`,
      { file: "mapping.yaml" },
    );

  it("applies rule overrides lowest precedence first, then the instance's tags, and records where each came from", () => {
    // Act
    const resolved = resolveInstance(
      { id: "web-1", tags: { role: "web", tier: "premium", "persona:cpu": "12" } },
      ctx,
    );

    // Assess
    expect(resolved.persona.base).toEqual({ cpu: 12, memoryGiB: 96 });
    expect(resolved.persona.triggers[0]!.condition.threshold).toBe(70);
    expect(resolved.provenance["base.cpu"]).toEqual({
      source: "tag",
      tag: "persona:cpu=12",
      detail: "cpu: 12",
    });
    expect(resolved.provenance["base.memoryGiB"]).toEqual({
      source: "rule",
      rule: "premium-web",
      tag: "role=web,tier=premium",
      detail: "memory: 96 GB",
    });
    expect(resolved.provenance["triggers.cpu-utilization-above.condition.threshold"]).toEqual({
      source: "rule",
      rule: "premium-web",
      tag: "role=web,tier=premium",
      detail: "triggers.cpu-utilization-above.threshold: 70%",
    });
    expect(resolved.provenance["triggers.cpu-utilization-above.condition.operator"]).toEqual({
      source: "persona",
      persona: "Web",
      version: "1.0.0",
      file: "Web/1.0.0.yaml",
    });
    expect(resolved.provenance["bounds.maxCpu"]).toEqual({
      source: "persona",
      persona: "Web",
      version: "1.0.0",
      file: "Web/1.0.0.yaml",
    });
    expect(resolved.rule).toEqual({ id: "web", priority: 0, matchedTags: ["role=web"] });
    expect(resolved.ref).toEqual({
      name: "Web",
      version: "1.0.0",
      digest: resolved.ref.digest,
      file: "Web/1.0.0.yaml",
    });
  });

  it("ignores the overrides of a rule that chooses another persona", () => {
    const resolved = resolveInstance({ id: "web-2", tags: { role: "web", tier: "premium" } }, ctx);
    expect(resolved.persona.base.cpu).toBe(4);
  });

  it("marks the default persona's own fields as 'default'", () => {
    const resolved = resolveInstance({ id: "db-1", tags: { role: "db" } }, ctx);
    expect(resolved.rule).toEqual({
      id: "defaultPersona",
      priority: Number.NEGATIVE_INFINITY,
      matchedTags: [],
    });
    expect(resolved.provenance["base.cpu"]).toEqual({
      source: "default",
      persona: "Batch",
      version: "1.0.0",
      file: "Batch/1.0.0.yaml",
    });
  });

  it("shares merged personas, digests and provenance between instances with the same overrides", () => {
    const a = resolveInstance({ id: "web-3", tags: { role: "web", tier: "premium", env: "prod" } }, ctx);
    const b = resolveInstance({ id: "web-4", tags: { role: "web", tier: "premium", env: "dev" } }, ctx);
    const plain = resolveInstance({ id: "web-5", tags: { role: "web" } }, ctx);
    expect(b.persona).toBe(a.persona);
    expect(b.provenance).toBe(a.provenance);
    expect(b.ref.digest).toBe(a.ref.digest);
    expect(plain.ref.digest).toBe(repository.resolve("Web@^1").digest);
    expect(plain.ref.digest).not.toBe(a.ref.digest);
    expect(Object.isFrozen(a.persona.base)).toBe(true);
  });

  it("chooses a size on the cloud asked for, with the reason and the runner-up", () => {
    const resolved = resolveInstance({ id: "web-6", tags: { role: "web" } }, ctx, { cloud: "aws" });
    expect(resolved.size).toEqual({
      cloud: "aws",
      name: "m7g.xlarge",
      reason: selectSize({ cloud: "aws", vcpu: 4, memoryGiB: 16 }, { networkBasis: "peak" }).reason,
      runnerUp: "m6i.xlarge",
    });
    expect(resolved.size!.reason).toMatch(
      /^m7g\.xlarge at \$0\.1632\/h: cheapest of \d+ aws sizes with >= 4 vCPU, >= 16 GiB \(burstable excluded\); runner-up m6i\.xlarge at \$0\.192\/h$/,
    );
  });

  it("keeps a persona's family preference on its cloud and says when it does not apply", () => {
    // Prepare
    const compute = PersonaRepository.fromSources([
      {
        file: "C.yaml",
        text: 'Name: C\nVersion: "1.0.0"\nBaseConfiguration: { CPU: 16 cores, Memory: 32 GB, Family: c7i }\n',
      },
    ]);
    const ctx = createResolutionContext(compute, defineMapping({ defaultPersona: "C", rules: [] }));

    // Act
    const aws = resolveInstance({ id: "c-1", tags: {} }, ctx, { cloud: "aws" });
    const azure = resolveInstance({ id: "c-1", tags: {} }, ctx, { cloud: "azure" });

    // Assess
    expect(aws.size!.name).toBe("c7i.4xlarge");
    expect(aws.size!.reason).toContain("(preferred family c7i; burstable excluded)");
    expect(azure.size!.name).toBe(selectSize({ cloud: "azure", vcpu: 16, memoryGiB: 32 }).choice.name);
    expect(azure.size!.reason).toMatch(/ \(family c7i is an aws family, not used on azure\)$/);
  });

  it("resolves a fleet, collecting each failing instance with its error instead of stopping", () => {
    // Prepare
    const strict = context([{ id: "web", match: { role: "web" }, persona: "Web@^1" }]);

    // Act
    const { resolved, failures } = resolveFleet(
      [
        { id: "web-1", tags: { role: "web" } },
        { id: "db-1", tags: { role: "db" } },
        { id: "web-2", tags: { role: "web" } },
        { id: "cache-1", tags: {} },
      ],
      strict,
    );

    // Assess
    expect(resolved.map((r) => r.instance.id)).toEqual(["web-1", "web-2"]);
    expect(failures.map((f) => [f.instance.id, f.error.code])).toEqual([
      ["db-1", "RESOLVE_NO_MATCH"],
      ["cache-1", "RESOLVE_NO_MATCH"],
    ]);
    expect(failures[1]!.error.message).toContain("instance 'cache-1' (tags: none)");
  });
});

describe("ResolutionContext", () => {
  it("refuses a mapping naming personas the repository cannot resolve, pointing at each rule", () => {
    const text = `rules:
  - id: web
    match: { role: web }
    persona: Webb@^1
  - id: api
    match: { role: api }
    persona: Api@^3
`;
    const act = () => createResolutionContext(repository, parseMapping(text, { file: "mapping.yaml" }));
    expect(act).toThrow(MappingValidationError);
    expect(act).toThrow(
      [
        "mapping.yaml: 2 errors in mapping",
        "mapping.yaml:4:14: error: rule 'web' chooses 'Webb@^1': The repository has no persona 'Webb' (did you mean 'Web'?); it has Api, Batch, Locked, Web.",
        "    4 |     persona: Webb@^1",
        "      |              ^^^^^^^",
        "mapping.yaml:7:14: error: rule 'api' chooses 'Api@^3': The repository has no version of 'Api' matching '^3'; it has 1.0.0, 2.0.0. Change the range or publish a matching version.",
        "    7 |     persona: Api@^3",
        "      |              ^^^^^^",
      ].join("\n"),
    );
  });
});

describe("Explicit sizes respect Bounds (issue 13, finding 6)", () => {
  const sizeContext = (overrides: Record<string, string> = {}) =>
    context([{ id: "web", match: { role: "web" }, persona: "Web@^1", overrides }], {
      instanceOverrides: ["size"],
    });

  it("refuses a persona:size tag above MaxCPU (m7i.48xlarge, 192 vCPU, under MaxCPU 32)", () => {
    // Prepare: Web@1.0.0 has MaxCPU 32 cores; the mapping lets instances set their size.
    const resolution = sizeContext();
    // Act / Assess
    expect(() =>
      resolveInstance({ id: "i-1", tags: { role: "web", "persona:size": "m7i.48xlarge" } }, resolution, {
        cloud: "aws",
      }),
    ).toThrow(
      new InvalidOverrideValueError(
        "i-1",
        { role: "web", "persona:size": "m7i.48xlarge" },
        "size",
        "Instance 'i-1': after tag 'persona:size=m7i.48xlarge', Web@1.0.0 would run on m7i.48xlarge (192 vCPU, 768 GiB), above bounds.maxCpu (32 vCPU). Choose a size within the bounds, or raise the bound with an override.",
      ),
    );
  });

  it("refuses a size above maxMemory set by a rule", () => {
    const resolution = sizeContext({ maxMemory: "16 GB" });
    expect(() =>
      resolveInstance({ id: "i-1", tags: { role: "web", "persona:size": "m7i.2xlarge" } }, resolution),
    ).toThrow(/would run on m7i\.2xlarge \(8 vCPU, 32 GiB\), above bounds\.maxMemory \(16 GiB\)\./);
  });

  it("refuses a size above maxSize", () => {
    const resolution = sizeContext({ maxSize: "m7i.2xlarge" });
    expect(() =>
      resolveInstance({ id: "i-1", tags: { role: "web", "persona:size": "m7i.4xlarge" } }, resolution),
    ).toThrow(
      /would run on m7i\.4xlarge \(16 vCPU, 64 GiB\), above bounds\.maxSize \(m7i\.2xlarge: 8 vCPU, 32 GiB\)\./,
    );
  });

  it("accepts a size within every bound", () => {
    const resolution = sizeContext({ maxSize: "m7i.2xlarge" });
    const resolved = resolveInstance(
      { id: "i-1", tags: { role: "web", "persona:size": "m7i.2xlarge" } },
      resolution,
      { cloud: "aws" },
    );
    expect(resolved.size?.name).toBe("m7i.2xlarge");
  });

  it("refuses a persona file whose own size is above its bounds when sizing", () => {
    const own = PersonaRepository.fromSources([
      {
        file: "Big/1.0.0.yaml",
        text: `Name: Big\nVersion: "1.0.0"\nBaseConfiguration:\n  Size: m7i.48xlarge\nBounds:\n  MaxCPU: 32 cores\n`,
      },
    ]);
    const resolution = createResolutionContext(own, defineMapping({ defaultPersona: "Big", rules: [] }));
    expect(() => resolveInstance({ id: "i-1", tags: {} }, resolution, { cloud: "aws" })).toThrow(
      "Big@1.0.0 sets size m7i.48xlarge (192 vCPU, 768 GiB), above bounds.maxCpu (32 vCPU). Choose a size within the bounds, or raise them.",
    );
  });
});
