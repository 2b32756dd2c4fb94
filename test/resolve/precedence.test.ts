/**
 * Mapping precedence as users rely on it: which rules match (glob keys and values, repeated tags),
 * the order overrides apply in, the memos that must never mix two instances' results, the error
 * texts of every refusal (pinned exactly) and the errors that are bugs, not mapping problems.
 * Written against the surviving mutants of `npm run mutation -- mapping-precedence` (issue 19);
 * the survivors left are explained in docs/mutation-survivors.json.
 */
import { describe, expect, it } from "vitest";
import { RepositoryError } from "../../src/repository/errors.js";
import { PersonaRepository } from "../../src/repository/repository.js";
import {
  InvalidOverrideValueError,
  MappingValidationError,
  OverrideConflictError,
  OverrideNotAllowedError,
  RuleConflictError,
  UnknownOverrideFieldError,
} from "../../src/resolve/errors.js";
import { defineMapping, type MappingDocument } from "../../src/resolve/mapping.js";
import { createResolutionContext, resolveFleet, resolveInstance } from "../../src/resolve/resolve.js";
import { thrown } from "../support/thrown.js";

const repository = PersonaRepository.fromSources([
  {
    file: "Web/1.0.0.yaml",
    text: `Name: Web
Version: "1.0.0"
BaseConfiguration:
  CPU: 4 cores
  Memory: 16 GB
TelemetryTriggers:
  - Condition: CPU Load > 80% for 5 minutes
    Action: Scale up to 8 cores
  - Condition: Memory Utilization > 85% for 10 minutes
    Action: Scale up to 8 cores
Bounds:
  MaxCPU: 32 cores
  MaxMemory: 64 GB
`,
  },
  {
    file: "Child/1.0.0.yaml",
    text: `Name: Child\nVersion: "1.0.0"\nExtends: Web@^1\nBaseConfiguration:\n  CPU: 8 cores\n`,
  },
  // A persona file may set a base above its own bounds (the repository accepts it; sizing refuses it).
  {
    file: "Hot/1.0.0.yaml",
    text: `Name: Hot\nVersion: "1.0.0"\nBaseConfiguration:\n  CPU: 64 cores\nBounds:\n  MaxCPU: 32 cores\n`,
  },
  { file: "Api/1.0.0.yaml", text: `Name: Api\nVersion: "1.0.0"\nBaseConfiguration:\n  CPU: 2 cores\n` },
  {
    file: "Big/1.0.0.yaml",
    text: `Name: Big\nVersion: "1.0.0"\nBaseConfiguration:\n  Size: m7i.48xlarge\nBounds:\n  MaxCPU: 32 cores\n`,
  },
]);

function context(rules: MappingDocument["rules"], extra: Partial<MappingDocument> = {}) {
  return createResolutionContext(repository, defineMapping({ ...extra, rules }, { file: "mapping.yaml" }));
}

describe("Rule matching", () => {
  const globs = () =>
    context(
      [
        { id: "team", match: { "team/*": "payments" }, persona: "Api@^1" },
        { id: "web", match: { role: "web*" }, persona: "Web@^1" },
      ],
      { defaultPersona: "Child@^1" },
    );

  it.each([
    { tags: { "team/owner": "search" }, rule: "defaultPersona", why: "a glob key whose value differs" },
    {
      tags: { role: "payments" },
      rule: "defaultPersona",
      why: "the value under a key the glob does not match",
    },
    { tags: { role: "db" }, rule: "defaultPersona", why: "a value the glob does not match" },
    { tags: { "team/owner": "payments" }, rule: "team", why: "a glob key and its exact value" },
    { tags: { role: "webserver" }, rule: "web", why: "a value the glob matches" },
  ])("matches $rule for $why", ({ tags, rule }) => {
    expect(resolveInstance({ id: "i-1", tags }, globs()).rule.id).toBe(rule);
  });

  it("matches a glob-key rule once when two tags satisfy it, reporting the first", () => {
    const resolved = resolveInstance(
      { id: "i-1", tags: { "team/owner": "payments", "team/billing": "payments" } },
      globs(),
    );
    expect(resolved.rule).toEqual({ id: "team", priority: 0, matchedTags: ["team/owner=payments"] });
  });

  it("reports the tag values a pattern matched, beside the rule's exact tags", () => {
    const ctx = context([{ id: "web", match: { env: "prod", role: "web-*" }, persona: "Web@^1" }]);
    expect(
      resolveInstance({ id: "i-1", tags: { env: "prod", role: "web-7" } }, ctx).rule.matchedTags,
    ).toEqual(["env=prod", "role=web-7"]);
    expect(
      resolveInstance({ id: "i-2", tags: { env: "prod", role: "web-9" } }, ctx).rule.matchedTags,
    ).toEqual(["env=prod", "role=web-9"]);
  });

  it("shares one frozen rule result between instances chosen by a rule of exact tags", () => {
    const ctx = context([{ id: "web", match: { role: "web" }, persona: "Web@^1", overriding: true }]);
    const a = resolveInstance({ id: "i-1", tags: { role: "web" } }, ctx);
    const b = resolveInstance({ id: "i-2", tags: { role: "web", env: "dev" } }, ctx);
    expect(a.rule).toEqual({ id: "web", priority: 0, matchedTags: ["role=web"], overriding: true });
    expect(b.rule).toBe(a.rule);
    expect(Object.isFrozen(a.rule)).toBe(true);
  });

  it("marks an overriding rule of patterns as overriding", () => {
    const ctx = context([{ id: "web", match: { role: "web-*" }, persona: "Web@^1", overriding: true }]);
    expect(resolveInstance({ id: "i-1", tags: { role: "web-1" } }, ctx).rule).toEqual({
      id: "web",
      priority: 0,
      matchedTags: ["role=web-1"],
      overriding: true,
    });
  });

  it("reports the persona's own fields as 'persona' when the first rule in precedence chooses it", () => {
    const ctx = context([{ id: "web", match: { role: "web" }, persona: "Web@^1" }], {
      defaultPersona: "Api@^1",
    });
    const resolved = resolveInstance({ id: "i-1", tags: { role: "web" } }, ctx);
    expect(resolved.provenance["base.cpu"]).toEqual({
      source: "persona",
      persona: "Web",
      version: "1.0.0",
      file: "Web/1.0.0.yaml",
    });
  });

  it("keeps each persona's provenance apart when one context resolves a rule's persona and then the default", () => {
    const ctx = context([{ id: "web", match: { role: "web" }, persona: "Web@^1" }], {
      defaultPersona: "Api@^1",
    });
    const web = resolveInstance({ id: "i-1", tags: { role: "web" } }, ctx);
    const fallback = resolveInstance({ id: "i-2", tags: { role: "db" } }, ctx);
    expect([web.provenance["base.cpu"], fallback.provenance["base.cpu"]]).toEqual([
      { source: "persona", persona: "Web", version: "1.0.0", file: "Web/1.0.0.yaml" },
      { source: "default", persona: "Api", version: "1.0.0", file: "Api/1.0.0.yaml" },
    ]);
  });

  it("reports fields an ancestor set as 'extends', and the persona's own as 'persona'", () => {
    const ctx = context([{ id: "child", match: { role: "web" }, persona: "Child@^1" }]);
    const resolved = resolveInstance({ id: "i-1", tags: { role: "web" } }, ctx);
    expect([resolved.provenance["base.cpu"], resolved.provenance["base.memoryGiB"]]).toEqual([
      { source: "persona", persona: "Child", version: "1.0.0", file: "Child/1.0.0.yaml" },
      { source: "extends", persona: "Web", version: "1.0.0", file: "Web/1.0.0.yaml" },
    ]);
  });
});

describe("Override order and conflicts", () => {
  it("applies the higher-priority rule's value when two rules of equal specificity set one field", () => {
    const ctx = context([
      { id: "web", match: { role: "web" }, persona: "Web@^1" },
      { id: "premium", match: { tier: "premium" }, overrides: { memory: "32 GB" } },
      { id: "urgent", match: { queue: "urgent" }, overrides: { memory: "48 GB" }, priority: 5 },
    ]);
    const resolved = resolveInstance(
      { id: "i-1", tags: { role: "web", tier: "premium", queue: "urgent" } },
      ctx,
    );
    expect(resolved.persona.base.memoryGiB).toBe(48);
    expect(resolved.provenance["base.memoryGiB"]).toMatchObject({ source: "rule", rule: "urgent" });
  });

  it("accepts two rules at the same precedence that set one field to the same value", () => {
    const ctx = context([
      { id: "web", match: { role: "web" }, persona: "Web@^1" },
      { id: "premium", match: { tier: "premium" }, overrides: { memory: "32 GB" } },
      { id: "big", match: { size: "big" }, overrides: { memory: "32 GB" } },
    ]);
    const resolved = resolveInstance({ id: "i-1", tags: { role: "web", tier: "premium", size: "big" } }, ctx);
    expect(resolved.persona.base.memoryGiB).toBe(32);
  });

  it("names both rules and the field of an override conflict", () => {
    const ctx = context([
      { id: "web", match: { role: "web" }, persona: "Web@^1" },
      { id: "premium", match: { tier: "premium" }, overrides: { memory: "32 GB" } },
      { id: "big", match: { size: "big" }, overrides: { memory: "48 GB" } },
    ]);
    const error = thrown(() =>
      resolveInstance({ id: "i-1", tags: { role: "web", tier: "premium", size: "big" } }, ctx),
    ) as OverrideConflictError;
    expect(error).toBeInstanceOf(OverrideConflictError);
    expect([error.rules, error.field, error.instanceId]).toEqual([["premium", "big"], "memory", "i-1"]);
  });

  it("names both rules of a persona conflict, with every tag each matched", () => {
    const ctx = context([
      { id: "web", match: { role: "web", env: "prod" }, persona: "Web@^1" },
      { id: "api", match: { tier: "premium", zone: "a" }, persona: "Api@^1" },
    ]);
    const error = thrown(() =>
      resolveInstance({ id: "i-1", tags: { role: "web", env: "prod", tier: "premium", zone: "a" } }, ctx),
    ) as RuleConflictError;
    expect(error).toBeInstanceOf(RuleConflictError);
    expect(error.rules).toEqual(["web", "api"]);
    expect(error.message).toBe(
      "Instance 'i-1' is claimed by two personas at the same precedence (priority 0, specificity 6): rule 'web' (mapping.yaml rules[0]) chooses Web@^1 by role=web, env=prod; rule 'api' (mapping.yaml rules[1]) chooses Api@^1 by tier=premium, zone=a. Give one rule a higher priority, or make its match more specific.",
    );
  });

  it("overrides the threshold of the trigger named, not the persona's first", () => {
    const ctx = context([
      {
        id: "web",
        match: { role: "web" },
        persona: "Web@^1",
        overrides: { "triggers.memory-utilization-above.threshold": "70%" },
      },
    ]);
    const triggers = resolveInstance({ id: "i-1", tags: { role: "web" } }, ctx).persona.triggers;
    expect(triggers.map((t) => [t.id, t.condition.threshold])).toEqual([
      ["cpu-utilization-above", 80],
      ["memory-utilization-above", 70],
    ]);
  });
});

describe("Instance override tags", () => {
  const tagged = (extra: Partial<MappingDocument> = {}) =>
    context([{ id: "web", match: { role: "web" }, persona: "Web@^1" }], {
      instanceOverrides: ["memory", "cpu", "size"],
      ...extra,
    });

  it("applies every override tag of an instance", () => {
    const resolved = resolveInstance(
      { id: "i-1", tags: { role: "web", "persona:cpu": "8", "persona:memory": "32 GB" } },
      tagged(),
    );
    expect(resolved.persona.base).toEqual({ cpu: 8, memoryGiB: 32 });
  });

  it("applies override tags to an instance the default persona covers, by the mapping's instanceOverrides", () => {
    const ctx = context([], { defaultPersona: "Web@^1", instanceOverrides: ["memory"] });
    const resolved = resolveInstance({ id: "i-1", tags: { "persona:memory": "32 GB" } }, ctx);
    expect(resolved.persona.base.memoryGiB).toBe(32);
    expect(() => resolveInstance({ id: "i-2", tags: { "persona:cpu": "8" } }, ctx)).toThrow(
      new OverrideNotAllowedError(
        "i-2",
        { "persona:cpu": "8" },
        "cpu",
        "Instance 'i-2' has tag 'persona:cpu=8', but mapping.yaml does not let instances override 'cpu' (allowed: memory). Add 'cpu' to instanceOverrides in mapping.yaml, or remove the tag.",
      ),
    );
  });

  it("lists every field the mapping allows when it refuses one", () => {
    const act = () => resolveInstance({ id: "i-1", tags: { role: "web", "persona:maxCpu": "8" } }, tagged());
    expect(act).toThrow(OverrideNotAllowedError);
    expect(act).toThrow(
      "Instance 'i-1' has tag 'persona:maxCpu=8', but mapping.yaml does not let instances override 'maxCpu' (allowed: memory, cpu, size). Add 'maxCpu' to instanceOverrides in mapping.yaml, or remove the tag.",
    );
  });

  it("refuses a trigger threshold set by a tag as a field instances cannot override", () => {
    const act = () =>
      resolveInstance(
        { id: "i-1", tags: { role: "web", "persona:triggers.cpu-utilization-above.threshold": "70%" } },
        tagged(),
      );
    expect(act).toThrow(UnknownOverrideFieldError);
    expect(act).toThrow(
      "Instance 'i-1' has tag 'persona:triggers.cpu-utilization-above.threshold=70%', but 'triggers.cpu-utilization-above.threshold' is not a field instances can override; overridable fields: cpu, memory, networkBandwidth, family, architecture, size, maxCpu, maxMemory, maxSize, maxActionsPerHour. Fix or remove the tag.",
    );
  });

  it("reports a value without a hint as it is, ending the sentence once", () => {
    // The catalog's message is a sentence of its own; it used to end in "docs/sizing.md..".
    const act = () =>
      resolveInstance({ id: "i-1", tags: { role: "web", "persona:size": "m7i.huge" } }, tagged());
    expect(act).toThrow(InvalidOverrideValueError);
    expect(thrown(act).message).toBe(
      "Instance 'i-1' has tag 'persona:size=m7i.huge': Unknown instance size \"m7i.huge\". The catalog's sizes are listed in docs/sizing.md.",
    );
  });

  it("reports the first invalid tag in key order, whatever order the tags were written in", () => {
    const ctx = tagged();
    const forwards = thrown(() =>
      resolveInstance(
        { id: "i-1", tags: { role: "web", "persona:cpu": "0", "persona:memory": "0 GB" } },
        ctx,
      ),
    );
    const backwards = thrown(() =>
      resolveInstance(
        { id: "i-1", tags: { "persona:memory": "0 GB", "persona:cpu": "0", role: "web" } },
        ctx,
      ),
    );
    expect((forwards as InvalidOverrideValueError).field).toBe("cpu");
    expect(backwards.message).toBe(forwards.message);
  });

  it("reads each tag value afresh: two instances with different values get different personas", () => {
    const ctx = tagged();
    const small = resolveInstance({ id: "i-1", tags: { role: "web", "persona:memory": "32 GB" } }, ctx);
    const large = resolveInstance({ id: "i-2", tags: { role: "web", "persona:memory": "48 GB" } }, ctx);
    expect([small.persona.base.memoryGiB, large.persona.base.memoryGiB]).toEqual([32, 48]);
    expect(large.ref.digest).not.toBe(small.ref.digest);
  });

  it("records the tag as each instance wrote it, though two spellings give the same persona", () => {
    const ctx = tagged();
    const spaced = resolveInstance({ id: "i-1", tags: { role: "web", "persona:memory": "32 GB" } }, ctx);
    const tight = resolveInstance({ id: "i-2", tags: { role: "web", "persona:memory": "32GB" } }, ctx);
    expect(tight.persona).toBe(spaced.persona);
    expect([spaced.provenance["base.memoryGiB"]!.tag, tight.provenance["base.memoryGiB"]!.tag]).toEqual([
      "persona:memory=32 GB",
      "persona:memory=32GB",
    ]);
  });
});

describe("Memos shared between instances", () => {
  const rules: MappingDocument["rules"] = [
    { id: "web", match: { role: "web" }, persona: "Web@^1" },
    { id: "premium", match: { tier: "premium" }, overrides: { memory: "32 GB" } },
    { id: "gold", match: { tier: "gold" }, overrides: { memory: "32 GB" } },
    { id: "huge", match: { tier: "huge" }, overrides: { memory: "48 GB" } },
  ];

  it("never gives one instance the persona another rule's overrides made", () => {
    const ctx = context(rules);
    const premium = resolveInstance({ id: "i-1", tags: { role: "web", tier: "premium" } }, ctx);
    const huge = resolveInstance({ id: "i-2", tags: { role: "web", tier: "huge" } }, ctx);
    expect([premium.persona.base.memoryGiB, huge.persona.base.memoryGiB]).toEqual([32, 48]);
  });

  it("shares the persona between rules with the same overrides, and keeps each rule in its provenance", () => {
    const ctx = context(rules);
    const premium = resolveInstance({ id: "i-1", tags: { role: "web", tier: "premium" } }, ctx);
    const gold = resolveInstance({ id: "i-2", tags: { role: "web", tier: "gold" } }, ctx);
    expect(gold.persona).toBe(premium.persona);
    expect(gold.ref).toBe(premium.ref);
    expect([premium.provenance["base.memoryGiB"], gold.provenance["base.memoryGiB"]]).toEqual([
      { source: "rule", rule: "premium", tag: "tier=premium", detail: "memory: 32 GB" },
      { source: "rule", rule: "gold", tag: "tier=gold", detail: "memory: 32 GB" },
    ]);
  });

  it("keeps each merged persona, provenance and size while other instances resolve in between", () => {
    const ctx = context(rules);
    const first = resolveInstance({ id: "i-1", tags: { role: "web", tier: "premium" } }, ctx, {
      cloud: "aws",
    });
    resolveInstance({ id: "i-2", tags: { role: "web", tier: "huge" } }, ctx, { cloud: "aws" });
    resolveInstance({ id: "i-3", tags: { role: "web" } }, ctx, { cloud: "aws" });
    const again = resolveInstance({ id: "i-4", tags: { role: "web", tier: "premium" } }, ctx, {
      cloud: "aws",
    });
    expect(again.persona).toBe(first.persona);
    expect(again.provenance).toBe(first.provenance);
    expect(again.size).toBe(first.size);
  });
});

describe("Bounds after overrides", () => {
  it.each([
    {
      when: "a rule raises memory above MaxMemory",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1", overrides: { memory: "128 GB" } }],
      tags: { role: "web" },
      field: "memory",
      message:
        "Instance 'i-1': after rule 'web', Web@1.0.0 would have 128 GiB (base.memoryGiB) above its bound of 64 GiB (bounds.maxMemoryGiB). Lower the override, or raise the bound with an override of maxMemory.",
    },
    {
      when: "a rule lowers MaxCPU below the persona's CPU",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1", overrides: { maxCpu: "2 cores" } }],
      tags: { role: "web" },
      field: "maxCpu",
      message:
        "Instance 'i-1': after rule 'web', Web@1.0.0 would have 4 vCPU (base.cpu) above its bound of 2 vCPU (bounds.maxCpu). Lower the override, or raise the bound with an override of maxCpu.",
    },
    {
      when: "a tag raises CPU above MaxCPU after an unrelated rule override",
      rules: [
        { id: "web", match: { role: "web" }, persona: "Web@^1" },
        { id: "fast", match: { net: "fast" }, overrides: { networkBandwidth: "25 Gbps" } },
      ],
      extra: { instanceOverrides: ["cpu"] },
      tags: { role: "web", net: "fast", "persona:cpu": "64" },
      field: "cpu",
      message:
        "Instance 'i-1': after tag 'persona:cpu=64', Web@1.0.0 would have 64 vCPU (base.cpu) above its bound of 32 vCPU (bounds.maxCpu). Lower the override, or raise the bound with an override of maxCpu.",
    },
    {
      when: "a tag's size is above MaxCPU after an unrelated rule override",
      rules: [
        { id: "web", match: { role: "web" }, persona: "Web@^1", overrides: { networkBandwidth: "25 Gbps" } },
      ],
      extra: { instanceOverrides: ["size"] },
      tags: { role: "web", "persona:size": "m7i.48xlarge" },
      field: "size",
      message:
        "Instance 'i-1': after tag 'persona:size=m7i.48xlarge', Web@1.0.0 would run on m7i.48xlarge (192 vCPU, 768 GiB), above bounds.maxCpu (32 vCPU). Choose a size within the bounds, or raise the bound with an override.",
    },
    {
      when: "a rule lowers MaxMemory below a tag's size",
      rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1", overrides: { maxMemory: "16 GB" } }],
      extra: { instanceOverrides: ["size"] },
      tags: { role: "web", "persona:size": "m7i.2xlarge" },
      field: "maxMemory",
      message:
        "Instance 'i-1': after rule 'web', Web@1.0.0 would run on m7i.2xlarge (8 vCPU, 32 GiB), above bounds.maxMemory (16 GiB). Choose a size within the bounds, or raise the bound with an override.",
    },
    {
      when: "the persona's own CPU is above its bound and an override changes something else",
      rules: [
        { id: "hot", match: { role: "hot" }, persona: "Hot@^1", overrides: { networkBandwidth: "25 Gbps" } },
      ],
      tags: { role: "hot" },
      field: "cpu",
      message:
        "Instance 'i-1': after an override, Hot@1.0.0 would have 64 vCPU (base.cpu) above its bound of 32 vCPU (bounds.maxCpu). Lower the override, or raise the bound with an override of maxCpu.",
    },
    {
      when: "the persona's own size is above its bounds and an override changes something else",
      rules: [
        { id: "big", match: { role: "big" }, persona: "Big@^1", overrides: { networkBandwidth: "25 Gbps" } },
      ],
      tags: { role: "big" },
      field: "size",
      message:
        "Instance 'i-1': after an override, Big@1.0.0 would run on m7i.48xlarge (192 vCPU, 768 GiB), above bounds.maxCpu (32 vCPU). Choose a size within the bounds, or raise the bound with an override.",
    },
  ])("refuses when $when, naming who", ({ rules, extra, tags, field, message }) => {
    const ctx = context(rules as MappingDocument["rules"], extra);
    const error = thrown(() => resolveInstance({ id: "i-1", tags }, ctx)) as InvalidOverrideValueError;
    expect(error).toBeInstanceOf(InvalidOverrideValueError);
    expect([error.field, error.message]).toEqual([field, message]);
  });
});

describe("Mapping checks when the context is built", () => {
  it("refuses an unresolvable defaultPersona, pointing at it", () => {
    const error = thrown(() =>
      createResolutionContext(
        repository,
        defineMapping({ defaultPersona: "Webb@^1", rules: [] }, { file: "m.yaml" }),
      ),
    ) as MappingValidationError;
    expect(error).toBeInstanceOf(MappingValidationError);
    expect(error.diagnostics.map((d) => [d.code, d.path, d.message])).toEqual([
      [
        "unknown-persona",
        "defaultPersona",
        "defaultPersona 'Webb@^1': The repository has no persona 'Webb' (did you mean 'Web'?); it has Api, Big, Child, Hot, Web.",
      ],
    ]);
  });

  it("gives a rule's unresolvable persona the code unknown-persona at the rule's persona", () => {
    const error = thrown(() =>
      context([{ id: "web", match: { role: "web" }, persona: "Webb@^1" }]),
    ) as MappingValidationError;
    expect(error.diagnostics.map((d) => [d.code, d.path])).toEqual([["unknown-persona", "rules[0].persona"]]);
  });

  it("builds a context whose override rules choose no persona", () => {
    const ctx = context([{ id: "premium", match: { tier: "premium" }, overrides: { memory: "32 GB" } }], {
      defaultPersona: "Web@^1",
    });
    expect(resolveInstance({ id: "i-1", tags: { tier: "premium" } }, ctx).persona.base.memoryGiB).toBe(32);
  });

  it.each([
    {
      which: "a rule's persona",
      document: { rules: [{ id: "web", match: { role: "web" }, persona: "Web@^1" }] },
    },
    { which: "the defaultPersona", document: { defaultPersona: "Web@^1", rules: [] } },
  ])("lets an error that is not a repository error through, when reading $which", ({ document }) => {
    // A bug (here a broken repository) is not a mapping problem: it must not become a diagnostic.
    const broken = Object.create(repository) as PersonaRepository;
    broken.resolve = () => {
      throw new TypeError("repository bug");
    };
    const act = () => createResolutionContext(broken, defineMapping(document as MappingDocument));
    expect(act).toThrow(TypeError);
    expect(act).toThrow("repository bug");
  });

  it("reports a repository error of the defaultPersona as a diagnostic, not as the error itself", () => {
    const act = () =>
      createResolutionContext(
        repository,
        defineMapping({ defaultPersona: "Api@^3", rules: [] }, { file: "m.yaml" }),
      );
    expect(act).toThrow(MappingValidationError);
    expect(thrown(act)).not.toBeInstanceOf(RepositoryError);
  });
});

describe("resolveFleet", () => {
  it("throws an error that is not a PersonasError instead of collecting it", () => {
    const ctx = context([{ id: "web", match: { role: "web" }, persona: "Web@^1" }]);
    const broken = Object.create(ctx) as typeof ctx;
    broken.resolve = () => {
      throw new TypeError("resolver bug");
    };
    expect(() => resolveFleet([{ id: "i-1", tags: { role: "web" } }], broken)).toThrow("resolver bug");
  });
});
