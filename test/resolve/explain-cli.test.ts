import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import { shortDigest } from "../../src/repository/digest.js";
import { PersonaRepository } from "../../src/repository/repository.js";
import { parseMapping } from "../../src/resolve/mapping.js";
import { createResolutionContext, type ResolvedPersona, resolveInstance } from "../../src/resolve/resolve.js";

const repository = PersonaRepository.fromDirectory("personas");

describe("personas explain", () => {
  it("prints the persona, rule and a provenance table for --tags, using the embedded mapping", () => {
    // Act
    const result = run(["explain", "--tags", "role=web,tier=premium", "--id", "web-1"]);

    // Assess
    const digest = resolveInstance(
      { id: "web-1", tags: { role: "web", tier: "premium" } },
      createResolutionContext(
        repository,
        parseMapping(
          "rules: [{ match: { role: web }, persona: HighTraffic@^1.2 }, { match: { tier: premium }, overrides: { memory: 64 GB } }]",
        ),
      ),
    ).ref.digest;
    const lines = result.stdout.split("\n").map((line) => line.trimEnd());
    expect(result.exitCode).toBe(0);
    expect(lines.slice(0, 4)).toEqual([
      "instance  web-1 (role=web, tier=premium)",
      `persona   HighTraffic@1.3.0 ${shortDigest(digest)} (personas/HighTraffic/1.3.0.yaml)`,
      "rule      web (priority 0, matched role=web)",
      "",
    ]);
    expect(lines[4]).toMatch(/^field +value +source +from$/);
    const row = (field: string) => lines.find((line) => line.startsWith(`${field} `))?.split(/ {2,}/);
    expect(row("base.cpu")).toEqual([
      "base.cpu",
      "8",
      "persona",
      "HighTraffic@1.3.0 (personas/HighTraffic/1.3.0.yaml)",
    ]);
    expect(row("base.memoryGiB")).toEqual(["base.memoryGiB", "64", "rule", "premium-memory (tier=premium)"]);
    expect(row("bounds.maxMemoryGiB")).toEqual([
      "bounds.maxMemoryGiB",
      "256",
      "extends",
      "WebBase@1.1.0 (personas/WebBase/1.1.0.yaml)",
    ]);
    expect(row("software.Nginx")).toEqual([
      "software.Nginx",
      "latest",
      "extends",
      "WebBase@1.1.0 (personas/WebBase/1.1.0.yaml)",
    ]);
    expect(row("triggers.cpu-utilization-above")).toEqual([
      "triggers.cpu-utilization-above",
      "cpu-utilization > 80% (5 of 5 × 60s) → cpu-utilization-above",
      "persona",
      "HighTraffic@1.3.0 (personas/HighTraffic/1.3.0.yaml)",
    ]);
  });

  it("adds the size and why with --cloud", () => {
    const result = run(["explain", "--tags", "role=worker-video", "--cloud", "aws"]);
    expect(result.stdout).toContain(
      "size      aws c7i.4xlarge: c7i.4xlarge at $0.714/h: cheapest of 6 aws sizes with >= 16 vCPU, >= 32 GiB (preferred family c7i; burstable excluded); runner-up c7i.8xlarge at $1.428/h\n",
    );
  });

  it("prints machine-readable resolutions with --format json", () => {
    // Act
    const result = run(["explain", "--tags", "role=web,tier=premium", "--format", "json"]);
    const report = JSON.parse(result.stdout) as { resolved: ResolvedPersona[]; failures: unknown[] };

    // Assess
    const [resolved] = report.resolved;
    expect(result.exitCode).toBe(0);
    expect(report.failures).toEqual([]);
    expect(resolved!.instance).toEqual({ id: "instance", tags: { role: "web", tier: "premium" } });
    expect(resolved!.ref).toMatchObject({
      name: "HighTraffic",
      version: "1.3.0",
      file: "personas/HighTraffic/1.3.0.yaml",
    });
    expect(resolved!.rule).toEqual({ id: "web", priority: 0, matchedTags: ["role=web"] });
    expect(resolved!.persona.base).toEqual({ cpu: 8, memoryGiB: 64, networkGbps: 10 });
    expect(resolved!.provenance["base.memoryGiB"]).toEqual({
      source: "rule",
      rule: "premium-memory",
      tag: "tier=premium",
      detail: "memory: 64 GB",
    });
  });

  it("explains every instance of --instance-file and exits 1 naming those that cannot be resolved", () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), "personas-explain-"));
    const file = join(dir, "fleet.yaml");
    writeFileSync(
      file,
      "web-1: { role: web }\nodd-1: { role: web, 'persona:memroy': 8 GB }\nq-1: { role: api, security: quarantined }\n",
    );

    // Act
    const result = run(["explain", "--instance-file", file, "--mapping", "examples/mappings/web-fleet.yaml"]);

    // Assess
    const heads = result.stdout.split("\n").filter((line) => /^(instance|rule|✘)/.test(line));
    expect(result.exitCode).toBe(1);
    expect(heads).toEqual([
      "instance  web-1 (role=web)",
      "rule      web (priority 0, matched role=web)",
      "instance  q-1 (role=api, security=quarantined)",
      "rule      quarantine (priority 100, matched security=quarantined)",
      "✘ odd-1: Instance 'odd-1' has tag 'persona:memroy=8 GB', but 'memroy' is not a field instances can override; did you mean 'memory'? overridable fields: cpu, memory, networkBandwidth, family, architecture, size, maxCpu, maxMemory, maxSize, maxActionsPerHour. Fix or remove the tag.",
    ]);
  });

  it("explains the example instance file against the example mapping", () => {
    const result = run([
      "explain",
      "--instance-file",
      "examples/mappings/instances.yaml",
      "--mapping",
      "examples/mappings/web-fleet.yaml",
      "--format",
      "json",
    ]);
    const report = JSON.parse(result.stdout) as { resolved: ResolvedPersona[] };
    expect(report.resolved.map((r) => [r.instance.id, `${r.ref.name}@${r.ref.version}`, r.rule.id])).toEqual([
      ["web-1", "HighTraffic@1.3.0", "web"],
      ["web-2", "HighTraffic@1.3.0", "web"],
      ["web-legacy-1", "HighTraffic@1.2.0", "legacy-web"],
      ["api-1", "ApiServer@2.0.0", "api"],
      ["worker-7", "BatchWorker@1.0.0", "batch"],
      ["web-9", "LockedDown@1.0.0", "quarantine"],
      ["bastion", "WebBase@1.1.0", "defaultPersona"],
    ]);
    expect(
      report.resolved[0]!.persona.triggers.find((t) => t.id === "cpu-utilization-above")!.condition.threshold,
    ).toBe(70);
    expect(report.resolved[1]!.persona.base.cpu).toBe(16);
  });

  it.each([
    [
      ["explain"],
      "personas explain: needs exactly one of --tags key=value,... and --instance-file <file> (see 'personas explain --help')",
    ],
    [
      ["explain", "--tags", "role"],
      "personas explain: cannot read the tag 'role': write key=value, separated by commas (see 'personas explain --help')",
    ],
    [
      ["explain", "--tags", "role=web", "--cloud", "gcp"],
      "personas explain: --cloud must be 'aws' or 'azure', not 'gcp' (see 'personas explain --help')",
    ],
  ])("refuses bad usage with exit 2: %j", (argv, message) => {
    const result = run(argv);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`${message}\n`);
  });
});
