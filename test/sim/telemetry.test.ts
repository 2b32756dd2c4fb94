import { describe, expect, it } from "vitest";
import { TelemetryFormatError } from "../../src/sim/errors.js";
import { parseSeriesNotation } from "../../src/sim/persona-test.js";
import {
  aggregatePeriods,
  parseDuration,
  readTelemetryCsv,
  readTelemetryJson,
} from "../../src/sim/telemetry.js";

describe("readTelemetryCsv", () => {
  it("reads a wide CSV with metric aliases, value-feed columns and missing cells", () => {
    const telemetry = readTelemetryCsv(
      "time,CPU Load,network-latency,value:threat-level\n0,50,20,1\n1m,92,,\n120,_,30,5\n",
      { file: "t.csv" },
    );

    expect(Array.from(telemetry.metrics["cpu-utilization"]!.values)).toEqual([50, 92, Number.NaN]);
    expect(Array.from(telemetry.metrics["network-latency"]!.times)).toEqual([0, 60, 120]);
    expect(Array.from(telemetry.values!["threat-level"]!.values)).toEqual([1, Number.NaN, 5]);
    expect(telemetry.durationSeconds).toBe(180);
  });

  it("turns ISO timestamps into seconds from the first row", () => {
    const telemetry = readTelemetryCsv("time,cpu\n2026-01-01T10:00:00Z,50\n2026-01-01T10:01:00Z,60\n");

    expect(Array.from(telemetry.metrics["cpu-utilization"]!.times)).toEqual([0, 60]);
  });

  it("names the line and column of a bad cell, an unknown metric and unsorted rows", () => {
    expect(() => readTelemetryCsv("time,cpu\n0,fast\n", { file: "t.csv" })).toThrow(
      new TelemetryFormatError(
        "t.csv:2:2",
        "'fast' is not a number (leave the cell empty for a missing sample)",
      ),
    );
    expect(() => readTelemetryCsv("time,cpu temperature\n0,1\n", { file: "t.csv" })).toThrow(
      "t.csv:1:2: unknown metric 'cpu temperature'; use a catalog id such as cpu-utilization, network-latency, error-rate (see docs/pdl.md)",
    );
    expect(() => readTelemetryCsv("time,cpu\n60,1\n0,2\n", { file: "t.csv" })).toThrow(
      "t.csv:3:1: time 0 is not after the previous row's; sort the rows by time",
    );
    expect(() => readTelemetryCsv("cpu\n1\n", { file: "t.csv" })).toThrow(
      "t.csv:1: the header must start with 'time' and name at least one metric, e.g. 'time,cpu-utilization,network-latency'",
    );
  });
});

describe("readTelemetryJson", () => {
  it("reads untimed and timed samples, value readings and feed answers", () => {
    const telemetry = readTelemetryJson(
      JSON.stringify({
        intervalSeconds: "1m",
        metrics: { cpu: [50, null, 90], latency: [{ t: "5m", v: 120 }] },
        values: { "threat-level": [{ t: 0, v: 2 }] },
        feeds: {
          ti: [
            { at: 0, entries: ["192.0.2.1", "192.0.2.9"] },
            { at: "5m", error: "timeout" },
          ],
        },
      }),
    );

    expect(Array.from(telemetry.metrics["cpu-utilization"]!.values)).toEqual([50, Number.NaN, 90]);
    expect(Array.from(telemetry.metrics["network-latency"]!.times)).toEqual([300]);
    expect(telemetry.feeds!.ti).toEqual([
      { at: 0, body: "192.0.2.1\n192.0.2.9" },
      { at: 300, error: "timeout" },
    ]);
    expect(telemetry.durationSeconds).toBe(360);
  });

  it("reports schema problems with their JSON paths", () => {
    expect(() => readTelemetryJson('{"metrics":{"cpu":"high"}}', { file: "t.json" })).toThrow(
      /^t\.json: \$\.metrics\.cpu: /,
    );
    expect(() => readTelemetryJson("{", { file: "t.json" })).toThrow(/^t\.json: not valid JSON/);
  });
});

describe("aggregatePeriods", () => {
  const series = { times: [0, 20, 40, 60, 130], values: [10, 20, 60, 5, 7] };

  it("aggregates each period's samples by the statistic and leaves empty periods missing", () => {
    const out = new Float64Array(3);
    expect([...aggregatePeriods(series, "Average", 60, out)]).toEqual([30, 5, 7]);
    expect([...aggregatePeriods(series, "Maximum", 60, out)]).toEqual([60, 5, 7]);
    expect([...aggregatePeriods(series, "Minimum", 60, out)]).toEqual([10, 5, 7]);
    expect([...aggregatePeriods(series, "Sum", 60, out)]).toEqual([90, 5, 7]);
    expect([...aggregatePeriods(series, "SampleCount", 60, out)]).toEqual([3, 1, 1]);
    expect([...aggregatePeriods({ times: [0, 130], values: [1, 2] }, "Average", 60, out)]).toEqual([
      1,
      Number.NaN,
      2,
    ]);
  });
});

describe("parseDuration and parseSeriesNotation", () => {
  it("reads seconds and unit durations", () => {
    expect([
      parseDuration(90),
      parseDuration("90"),
      parseDuration("5m"),
      parseDuration("1h30m"),
      parseDuration("1d"),
    ]).toEqual([90, 90, 300, 5400, 86400]);
    expect(() => parseDuration("soon", "x")).toThrow(
      "x: 'soon' is not a duration; write seconds (90) or units d, h, m, s (90s, 5m, 1h30m)",
    );
  });

  it("expands promtool's notation", () => {
    expect(parseSeriesNotation("50x2 90+5x2 _x2 _ 1-0.5x2")).toEqual([
      50,
      50,
      50,
      90,
      95,
      100,
      null,
      null,
      null,
      1,
      0.5,
      0,
    ]);
    expect(() => parseSeriesNotation("50 high", "s")).toThrow(
      "s: 'high' is not a value; write a number, '_' (missing), 'a+bxn' (n + 1 values from a in steps of b), 'axn' or '_xn'",
    );
  });
});
