import { describe, expect, it } from "vitest";
import type { Persona } from "../../src/pdl/model.js";
import { parsePersona } from "../../src/pdl/parse.js";
import { PersonaRepository } from "../../src/repository/repository.js";
import { OverrideConflictError } from "../../src/resolve/errors.js";
import { defineMapping } from "../../src/resolve/mapping.js";
import {
  OVERRIDE_FIELD_NAMES,
  OVERRIDE_FIELDS,
  overrideFieldName,
  readOverride,
  readTriggerThreshold,
  unknownFieldHint,
} from "../../src/resolve/overrides.js";
import { createResolutionContext, resolveInstance } from "../../src/resolve/resolve.js";

const FIELD_LIST =
  "overridable fields: cpu, memory, networkBandwidth, family, architecture, size, maxCpu, maxMemory, maxSize, maxActionsPerHour, triggers.<id>.threshold";

describe("Override fields", () => {
  it("lists each overridable field with the persona path it sets and an example value", () => {
    // Act
    const fields = OVERRIDE_FIELDS.map(({ name, path, example }) => ({ name, path, example }));

    // Assess
    expect(fields).toEqual([
      { name: "cpu", path: "base.cpu", example: "16 cores" },
      { name: "memory", path: "base.memoryGiB", example: "64 GB" },
      { name: "networkBandwidth", path: "base.networkGbps", example: "25 Gbps" },
      { name: "family", path: "base.family", example: "c7i" },
      { name: "architecture", path: "base.architecture", example: "arm64" },
      { name: "size", path: "base.size", example: "m7i.2xlarge" },
      { name: "maxCpu", path: "bounds.maxCpu", example: "32 cores" },
      { name: "maxMemory", path: "bounds.maxMemoryGiB", example: "128 GB" },
      { name: "maxSize", path: "bounds.maxSize", example: "m7i.8xlarge" },
      { name: "maxActionsPerHour", path: "bounds.maxActionsPerHour", example: "6" },
    ]);
    expect(OVERRIDE_FIELD_NAMES.join(", ")).toBe(FIELD_LIST.replace("overridable fields: ", ""));
  });

  it.each([
    ["Memory", "memory"],
    ["max_cpu", "maxCpu"],
    ["MAX-ACTIONS-PER-HOUR", "maxActionsPerHour"],
    ["network_bandwidth", "networkBandwidth"],
    ["triggers.cpu-high.threshold", "triggers.cpu-high.threshold"],
    ["trigger.cpu-high.threshold", "triggers.cpu-high.threshold"],
    ["triggers.ab.threshold", "triggers.ab.threshold"],
    ["TRIGGERS.Cpu_High.THRESHOLD", "triggers.Cpu_High.threshold"],
  ])("names '%s' canonically as '%s'", (written, canonical) => {
    expect(overrideFieldName(written)).toBe(canonical);
  });

  it.each([
    "colour",
    "xtriggers.cpu-high.threshold",
    "triggers.cpu-high.thresholdx",
    "triggers.-cpu.threshold",
    "triggers.a.b.threshold",
    "triggers..threshold",
    "triggers.cpu high.threshold",
  ])("does not recognise '%s' as an override field", (written) => {
    expect(overrideFieldName(written)).toBeUndefined();
  });

  it("suggests the nearest field for a misspelt name and always lists the overridable fields", () => {
    expect(unknownFieldHint("memroy")).toBe(`did you mean 'memory'? ${FIELD_LIST}`);
    expect(unknownFieldHint("zzz")).toBe(FIELD_LIST);
  });
});

describe("readOverride", () => {
  it.each([
    ["cpu", "16 cores", "cpu", "base.cpu", 16],
    ["cpu", "1 cores", "cpu", "base.cpu", 1],
    ["cpu", "448 cores", "cpu", "base.cpu", 448],
    ["MaxCPU", "32 cores", "maxCpu", "bounds.maxCpu", 32],
    ["maxActionsPerHour", 6, "maxActionsPerHour", "bounds.maxActionsPerHour", 6],
    ["maxActionsPerHour", "1", "maxActionsPerHour", "bounds.maxActionsPerHour", 1],
    ["maxActionsPerHour", "3600", "maxActionsPerHour", "bounds.maxActionsPerHour", 3600],
    ["memory", "64 GB", "memory", "base.memoryGiB", 64],
    ["memory", "0.5 GB", "memory", "base.memoryGiB", 0.5],
    ["memory", "24576 GB", "memory", "base.memoryGiB", 24576],
    ["Max-Memory", "128 GB", "maxMemory", "bounds.maxMemoryGiB", 128],
    ["networkBandwidth", "25 Gbps", "networkBandwidth", "base.networkGbps", 25],
    ["network_bandwidth", "500 Mbps", "networkBandwidth", "base.networkGbps", 0.5],
    ["networkBandwidth", "400 Gbps", "networkBandwidth", "base.networkGbps", 400],
    ["family", "c7i", "family", "base.family", "c7i"],
    ["family", "C7I", "family", "base.family", "c7i"],
    ["family", "dsv5", "family", "base.family", "Dsv5"],
    ["architecture", "arm64", "architecture", "base.architecture", "arm64"],
    ["architecture", "x86_64", "architecture", "base.architecture", "x86_64"],
    ["size", "M7I.2XLARGE", "size", "base.size", "m7i.2xlarge"],
    ["maxSize", "m7i.8xlarge", "maxSize", "bounds.maxSize", "m7i.8xlarge"],
  ])(
    "reads %s: %s as %s = %s in the model's unit, keeping the value as written",
    (field, value, name, path, read) => {
      expect(readOverride(field, value)).toEqual({
        ok: true,
        value: { field: name, path, value: read, written: String(value) },
      });
    },
  );

  it.each([
    ["cpu", "0 cores", "CPU '0 cores' must be a whole number from 1 to 448", "write e.g. '16 cores'"],
    ["cpu", "449 cores", "CPU '449 cores' must be a whole number from 1 to 448", "write e.g. '16 cores'"],
    ["cpu", "2.5 cores", "CPU '2.5 cores' must be a whole number from 1 to 448", "write e.g. '16 cores'"],
    [
      "cpu",
      "lots",
      "expected a number of vCPUs such as '8 cores', received 'lots'",
      "write a number followed by one of: cores, vCPUs",
    ],
    ["max_cpu", "0", "MaxCPU '0' must be a whole number from 1 to 448", "write e.g. '32 cores'"],
    [
      "maxActionsPerHour",
      "3601",
      "MaxActionsPerHour '3601' must be a whole number from 1 to 3600",
      "write e.g. '6'",
    ],
    ["maxActionsPerHour", 0, "MaxActionsPerHour '0' must be a whole number from 1 to 3600", "write e.g. '6'"],
    ["memory", "0 GB", "Memory '0 GB' must be above 0 and at most 24576 GB", "write e.g. '64 GB'"],
    ["memory", "-1 GB", "Memory '-1 GB' must be above 0 and at most 24576 GB", "write e.g. '64 GB'"],
    ["memory", "24577 GB", "Memory '24577 GB' must be above 0 and at most 24576 GB", "write e.g. '64 GB'"],
    [
      "memory",
      "lots",
      "expected a memory size such as '32 GB', received 'lots'",
      "write a number followed by one of: GB, GiB, MB, MiB, TB, TiB",
    ],
    [
      "maxMemory",
      "30000 GB",
      "MaxMemory '30000 GB' must be above 0 and at most 24576 GB",
      "write e.g. '128 GB'",
    ],
    [
      "networkBandwidth",
      "0 Gbps",
      "NetworkBandwidth '0 Gbps' must be above 0 and at most 400 Gbps",
      "write e.g. '25 Gbps'",
    ],
    [
      "networkBandwidth",
      "401 Gbps",
      "NetworkBandwidth '401 Gbps' must be above 0 and at most 400 Gbps",
      "write e.g. '25 Gbps'",
    ],
    [
      "networkBandwidth",
      "fast",
      "expected a bandwidth such as '10 Gbps', received 'fast'",
      "write a number followed by one of: Gbps, Mbps, Kbps",
    ],
    [
      "family",
      "c7x",
      "unknown instance family 'c7x'",
      "did you mean 'c7g'? families: c6i, c7g, c7i, m6i, m7g, m7i, r6i, r7g, r7i, t3, t4g, Bsv2, Dasv5, Dsv5, Esv5, Fsv2",
    ],
    ["colour", "red", "'colour' cannot be overridden", FIELD_LIST],
    ["memroy", "8 GB", "'memroy' cannot be overridden", `did you mean 'memory'? ${FIELD_LIST}`],
    ["xtriggers.a.threshold", "1", "'xtriggers.a.threshold' cannot be overridden", FIELD_LIST],
    ["triggers.a.thresholds", "1", "'triggers.a.thresholds' cannot be overridden", FIELD_LIST],
  ])("refuses %s: %s, saying what is wrong and what to write", (field, value, message, hint) => {
    expect(readOverride(field, value)).toEqual({ ok: false, message, hint });
  });

  it.each([
    ["memory", "expected a memory size, received NaN", "write e.g. '64 GB'"],
    ["networkBandwidth", "expected a bandwidth, received Infinity", "write e.g. '25 Gbps'"],
  ])(
    "refuses a non-finite number for %s, adding an example where the unit reader gives none",
    (field, message, hint) => {
      const value = field === "memory" ? Number.NaN : Number.POSITIVE_INFINITY;
      expect(readOverride(field, value)).toEqual({ ok: false, message, hint });
    },
  );

  it.each([
    ["ARM64", "architecture 'ARM64' must be 'x86_64' or 'arm64'"],
    ["i386", "architecture 'i386' must be 'x86_64' or 'arm64'"],
  ])("refuses architecture %s: only the two exact names are architectures", (value, message) => {
    expect(readOverride("architecture", value)).toEqual({ ok: false, message });
  });

  it.each(["size", "maxSize"])(
    "refuses an unknown instance size for %s with the catalog's message, as a clause without its full stop",
    (field) => {
      expect(readOverride(field, "m7i.huge")).toEqual({
        ok: false,
        message: 'Unknown instance size "m7i.huge". The catalog\'s sizes are listed in docs/sizing.md',
      });
    },
  );

  it.each(["70%", "250ms", " -1.5 ms ", "+5", "1.55 Gbps", ".55", "0.5", "10 req/s"])(
    "takes trigger threshold '%s' as written, to be checked against the persona's trigger later",
    (value) => {
      expect(readOverride("triggers.cpu-high.threshold", value)).toEqual({
        ok: true,
        value: {
          field: "triggers.cpu-high.threshold",
          path: "triggers.cpu-high.condition.threshold",
          value,
          written: value,
        },
      });
    },
  );

  it("sets the trigger's condition threshold also when the field is written in the singular", () => {
    expect(readOverride("trigger.cpu-high.threshold", "70%")).toMatchObject({
      ok: true,
      value: { path: "triggers.cpu-high.condition.threshold", value: "70%" },
    });
  });

  it.each(["seventy", "1.", "70%!", "v70%", "70% x", "1..5", "--1", "70 % %!", ""])(
    "refuses trigger threshold '%s', which is not a number with a unit",
    (value) => {
      expect(readOverride("triggers.cpu-high.threshold", value)).toEqual({
        ok: false,
        message: `threshold '${value}' is not a number with a unit`,
        hint: "write e.g. '70%' or '250ms'",
      });
    },
  );
});

describe("readTriggerThreshold", () => {
  const web = parsePersona(
    `Name: Web\nVersion: "1.0.0"\nBaseConfiguration:\n  CPU: 4 cores\nTelemetryTriggers:\n  - Condition: CPU Load > 80% for 5 minutes\n    Action: Scale up to 8 cores\n  - Condition: Network Latency > 250ms for 5 minutes\n    Action: Scale up to 8 cores\n`,
  );
  const [cpu, latency] = web.triggers as [Persona["triggers"][number], Persona["triggers"][number]];
  /** The same persona with one trigger whose threshold is in `unit`, to reach each unit's reading. */
  const withUnit = (unit: string): Persona => ({
    ...web,
    triggers: [{ ...cpu, id: "t", condition: { ...cpu.condition, unit } }],
  });

  it("reads the threshold in the unit of the trigger's metric", () => {
    expect([cpu.id, cpu.condition.unit, latency.id, latency.condition.unit]).toEqual([
      "cpu-utilization-above",
      "%",
      "network-latency-above",
      "ms",
    ]);
    expect(readTriggerThreshold(web, cpu.id, "70%")).toEqual({ ok: true, value: 70 });
    expect(readTriggerThreshold(web, latency.id, "300ms")).toEqual({ ok: true, value: 300 });
    expect(readTriggerThreshold(web, latency.id, "0.3 s")).toEqual({ ok: true, value: 300 });
    expect(readTriggerThreshold(withUnit("Gbps"), "t", "500 Mbps")).toEqual({ ok: true, value: 0.5 });
    expect(readTriggerThreshold(withUnit(""), "t", "12")).toEqual({ ok: true, value: 12 });
    // A unit the table does not know is read as a count.
    expect(readTriggerThreshold(withUnit("requests"), "t", "12")).toEqual({ ok: true, value: 12 });
  });

  it("refuses a threshold in another unit than the trigger's metric", () => {
    expect(readTriggerThreshold(web, cpu.id, "70 ms")).toEqual({
      ok: false,
      message: "expected a percentage, received '70 ms' ('ms' measures times)",
      hint: "use one of: %",
    });
  });

  it("names the persona and its triggers, with a suggestion, for a trigger it does not have", () => {
    expect(readTriggerThreshold(web, "network-latency-abov", "1")).toEqual({
      ok: false,
      unknownTrigger: true,
      message: "Web@1.0.0 has no trigger 'network-latency-abov'",
      hint: "did you mean 'network-latency-above'? its triggers are: cpu-utilization-above, network-latency-above",
    });
    expect(readTriggerThreshold({ ...web, triggers: [] }, "x", "1")).toEqual({
      ok: false,
      unknownTrigger: true,
      message: "Web@1.0.0 has no trigger 'x'",
      hint: "its triggers are: none",
    });
    expect(
      readTriggerThreshold({ ...web, version: undefined } as unknown as Persona, "x", "1"),
    ).toMatchObject({
      message: "Web@? has no trigger 'x'",
    });
  });
});

describe("Override rules at the same precedence", () => {
  const repository = PersonaRepository.fromSources([
    {
      file: "Web/1.0.0.yaml",
      text: `Name: Web\nVersion: "1.0.0"\nBaseConfiguration:\n  CPU: 4 cores\n  Memory: 16 GB\n`,
    },
  ]);
  const rules = [
    { id: "web", match: { role: "web" }, persona: "Web@^1" },
    { id: "a", match: { a: "1" }, overrides: { memory: "64 GB" } },
    { id: "b", match: { b: "1" }, overrides: { cpu: "8 cores" } },
    { id: "c", match: { c: "1" }, overrides: { memory: "65536 MB" } },
    { id: "d", match: { d: "1" }, overrides: { Memory: "32 GB" }, priority: 5 },
  ];
  const context = createResolutionContext(repository, defineMapping({ rules }, { file: "mapping.yaml" }));

  it("does not count one value written in two units as a conflict", () => {
    const resolved = resolveInstance({ id: "i-1", tags: { role: "web", a: "1", b: "1", c: "1" } }, context);
    expect([resolved.persona.base.memoryGiB, resolved.persona.base.cpu]).toEqual([64, 8]);
  });

  it("lets the higher-priority rule win over two lower rules", () => {
    const resolved = resolveInstance({ id: "i-1", tags: { role: "web", a: "1", c: "1", d: "1" } }, context);
    expect(resolved.persona.base.memoryGiB).toBe(32);
  });

  it("names the field and both rules when the first and the last of three rules disagree", () => {
    const overlapping = createResolutionContext(
      repository,
      defineMapping(
        {
          rules: [
            rules[0]!,
            rules[1]!,
            rules[2]!,
            { id: "e", match: { e: "1" }, overrides: { memory: "128 GB" } },
          ],
        },
        { file: "mapping.yaml" },
      ),
    );
    let thrown: unknown;
    try {
      resolveInstance({ id: "i-1", tags: { role: "web", a: "1", b: "1", e: "1" } }, overlapping);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OverrideConflictError);
    expect(thrown).toMatchObject({ field: "memory", rules: ["a", "e"] });
  });
});
