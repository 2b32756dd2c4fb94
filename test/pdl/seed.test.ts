/**
 * The seed's `HighTraffic` example (examples/HighTraffic.yaml, copied verbatim from the seed) is the
 * first specification of the PDL: it must parse as written and normalise to this exact model.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Persona } from "../../src/pdl/model.js";
import { parsePersona, validatePersonaText } from "../../src/pdl/parse.js";
import { HIGH_TRAFFIC, SEED_FILE } from "./fixtures.js";

describe("the seed's HighTraffic persona", () => {
  const text = readFileSync(SEED_FILE, "utf8");

  it("is the seed's example verbatim", () => {
    // Prepare / Act: the example file. Assess: the seed's lines, unchanged.
    expect(text.split("\n").slice(0, 4)).toEqual([
      "BaseConfiguration:",
      "    CPU: 8 cores",
      "    Memory: 32 GB",
      "    NetworkBandwidth: 10 Gbps",
    ]);
    expect(text).toContain(
      "    - Condition: CPU Load > 80% for 5 minutes\n      Action: Scale up to 16 cores\n",
    );
    expect(text).toContain(
      '    - URL: "https://threatintel.example.com/latest_ips"\n      Frequency: 5 minutes\n      Action: Update firewall rules to block malicious IPs',
    );
  });

  it("normalises to the exact HighTraffic model, named after its file", () => {
    // Act
    const persona = parsePersona(text, { file: "examples/HighTraffic.yaml" });

    // Assess
    expect(persona).toEqual(HIGH_TRAFFIC);
    expect(Persona.safeParse(persona).success).toBe(true);
  });

  it("has a 5-of-5 one-minute window for 'for 5 minutes' and one datapoint without 'for'", () => {
    const persona = parsePersona(text, { file: "HighTraffic.yaml" });

    expect(persona.triggers.map((t) => t.condition.window)).toEqual([
      { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
      { periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1 },
    ]);
  });

  it("is valid with one warning: the CDN caching feature is not declared", () => {
    // Act
    const outcome = validatePersonaText(text, { file: "HighTraffic.yaml" });

    // Assess
    expect(outcome.valid).toBe(true);
    expect(outcome.persona).toEqual(HIGH_TRAFFIC);
    expect(outcome.diagnostics).toEqual([
      {
        severity: "warning",
        code: "undeclared-feature",
        message:
          "feature 'cdn-caching' is not declared under Features, so switching it only records its state",
        hint: "add a Features entry named 'cdn-caching' with Activate and Deactivate scripts to make it do something",
        file: "HighTraffic.yaml",
        line: 15,
        column: 15,
        length: 20,
        path: "TelemetryTriggers[1].Action",
      },
    ]);
  });

  it("takes its name from the Name option over the file name", () => {
    const persona = parsePersona(text, { file: "HighTraffic.yaml", name: "WebFrontEnd" });

    expect(persona.name).toBe("WebFrontEnd");
  });
});
