/**
 * The structured form (camelCase keys, explicit objects, numbers in canonical units) and TypeScript
 * definitions are other spellings of the same language: they normalise to the same `Persona`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PersonaValidationError } from "../../src/pdl/errors.js";
import { Persona } from "../../src/pdl/model.js";
import {
  definePersona,
  parsePersona,
  validatePersonaObject,
  validatePersonaText,
} from "../../src/pdl/parse.js";
import { HIGH_TRAFFIC, SEED_FILE, STRUCTURED_FILE } from "./fixtures.js";

describe("the structured form of HighTraffic", () => {
  const structured = readFileSync(STRUCTURED_FILE, "utf8");

  it("normalises to exactly the model of the seed notation", () => {
    // Prepare
    const seed = parsePersona(readFileSync(SEED_FILE, "utf8"), { file: "HighTraffic.yaml" });

    // Act
    const persona = parsePersona(structured, { file: "examples/structured/HighTraffic.yaml" });

    // Assess
    expect(persona).toEqual(seed);
    expect(persona).toEqual(HIGH_TRAFFIC);
  });

  it("takes its name from 'name:', not from the file", () => {
    const persona = parsePersona(structured, { file: "somewhere/else.yaml" });

    expect(persona.name).toBe("HighTraffic");
  });

  it("reports the undeclared feature with the structured spelling of its path", () => {
    const outcome = validatePersonaText(structured, { file: "HighTraffic.yaml" });

    expect(outcome.diagnostics).toEqual([
      {
        severity: "warning",
        code: "undeclared-feature",
        message:
          "feature 'cdn-caching' is not declared under Features, so switching it only records its state",
        hint: "add a Features entry named 'cdn-caching' with Activate and Deactivate scripts to make it do something",
        file: "HighTraffic.yaml",
        line: 25,
        column: 13,
        length: 48,
        path: "telemetryTriggers[1].action",
      },
    ]);
  });

  it("accepts the same persona as JSON", () => {
    // Prepare: JSON is YAML; the structured form written as one JSON object.
    const json = JSON.stringify({
      name: "HighTraffic",
      baseConfiguration: { cpu: 8, memory: "32 GB", networkBandwidth: "10 Gbps" },
      softwareStack: ["Nginx (latest version)", "Redis (caching)", "Prometheus (metrics collection)"],
      telemetryTriggers: [
        { condition: "CPU Load > 80% for 5 minutes", action: "Scale up to 16 cores" },
        {
          condition: { metric: "Network Latency", operator: "above", threshold: "100ms" },
          action: "Activate CDN caching",
        },
      ],
      externalDataSources: [
        {
          url: "https://threatintel.example.com/latest_ips",
          frequency: "5m",
          action: { kind: "firewall", mode: "block" },
        },
      ],
    });

    // Act / Assess
    expect(parsePersona(json, { file: "HighTraffic.json" })).toEqual(HIGH_TRAFFIC);
  });
});

describe("definePersona", () => {
  it("builds the HighTraffic model from a TypeScript object in the structured form", () => {
    // Act
    const persona = definePersona({
      name: "HighTraffic",
      baseConfiguration: { cpu: 8, memory: 32, networkBandwidth: 10 },
      softwareStack: [
        { name: "Nginx", version: "latest" },
        { name: "Redis", note: "caching" },
        { name: "Prometheus", note: "metrics collection" },
      ],
      telemetryTriggers: [
        {
          condition: { metric: "cpu-utilization", operator: ">", threshold: 80, for: "5 minutes" },
          action: { kind: "scale", cpu: 16 },
        },
        {
          condition: { metric: "network-latency", operator: ">", threshold: 100 },
          action: { kind: "activate-feature", feature: "cdn-caching" },
        },
      ],
      externalDataSources: [
        {
          url: "https://threatintel.example.com/latest_ips",
          frequency: 300,
          action: { kind: "firewall", mode: "block" },
        },
      ],
    });

    // Assess
    expect(persona).toEqual(HIGH_TRAFFIC);
    expect(Persona.safeParse(persona).success).toBe(true);
  });

  it("accepts phrases inside the object, like a file does", () => {
    const persona = definePersona({
      name: "Web",
      baseConfiguration: { cpu: 2, memory: "4 GB" },
      telemetryTriggers: [{ condition: "CPU Load > 80% for 5 minutes", action: "Scale up to 4 cores" }],
    });

    expect(persona).toEqual({
      name: "Web",
      base: { cpu: 2, memoryGiB: 4 },
      software: [],
      features: [],
      triggers: [
        {
          id: "cpu-utilization-above",
          condition: {
            metric: "cpu-utilization",
            operator: ">",
            threshold: 80,
            unit: "%",
            window: { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
            missingData: "missing",
          },
          response: "cpu-utilization-above",
        },
      ],
      sources: [],
      responses: [{ id: "cpu-utilization-above", actions: [{ kind: "scale", cpu: 4 }], inline: true }],
      bounds: {},
    });
  });

  it("throws PersonaValidationError with diagnostics located by path", () => {
    // Act
    const attempt = () =>
      definePersona({
        name: "Web",
        baseConfiguration: { cpu: 0 },
        telemetryTriggers: [{ condition: "CPU Load > 120%", action: "Scale up to 4 cores" }],
      });

    // Assess
    expect(attempt).toThrow(PersonaValidationError);
    const error = (() => {
      try {
        attempt();
      } catch (caught) {
        return caught as PersonaValidationError;
      }
      throw new Error("definePersona did not throw");
    })();
    expect(error.file).toBe("<object>");
    expect(error.diagnostics.map((d) => [d.path, d.message])).toEqual([
      ["baseConfiguration.cpu", "CPU '0' must be a whole number of cores from 1 to 448"],
      ["telemetryTriggers[0].condition", "CPU utilization threshold 120% is outside 0%–100%"],
    ]);
  });

  it("reads seed-notation keys in objects too", () => {
    const outcome = validatePersonaObject({
      Name: "Web",
      BaseConfiguration: { CPU: "2 cores" },
    });

    expect(outcome.valid).toBe(true);
    expect(outcome.persona?.base).toEqual({ cpu: 2 });
  });
});
