import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import { PersonaTestFileError } from "../../src/sim/errors.js";
import { runPersonaTestFile } from "../../src/sim/persona-test.js";
import { planOf, seedPlan } from "./fixtures.js";

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "personas-sim-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const failing = `persona: ${join(process.cwd(), "examples/HighTraffic.yaml")}
tests:
  - name: expects the alarm a minute early
    series:
      cpu: "50x9 90x4 50x4"
      network-latency: "20x17"
    expect:
      alarms:
        - { at: 13m, alarm: cpu-utilization-above, state: ALARM }
      actions:
        - { at: 13m, source: cpu-utilization-above, outcome: ran }
`;

describe("runPersonaTestFile", () => {
  it("passes a case whose expectations hold", () => {
    const report = runPersonaTestFile(
      {
        persona: "seed",
        tests: [
          {
            name: "fires",
            series: { cpu: "90x4" },
            expect: { alarms: [{ at: "4m", alarm: "cpu-utilization-above", state: "ALARM" }] },
          },
        ],
      },
      "t.yaml",
      () => seedPlan,
    );

    expect(report.results).toEqual([{ name: "fires", passed: true, failures: [] }]);
  });

  it("reports each difference, with a line diff of the actions", () => {
    const report = runPersonaTestFile(
      {
        persona: "seed",
        tests: [
          {
            name: "early",
            series: { cpu: "50x9 90x4 50x4", "network-latency": "20x17" },
            expect: {
              alarms: [
                { at: "13m", alarm: "cpu-utilization-above", state: "ALARM" },
                { at: "1m", alarm: "cpu-high", state: "OK" },
              ],
              actions: [{ at: "13m", source: "cpu-utilization-above", outcome: "ran" }],
              size: [{ at: "20m", size: "m7i.2xlarge" }],
            },
          },
        ],
      },
      "t.yaml",
      () => seedPlan,
    );

    expect(report.results[0]!.failures).toEqual([
      "alarm cpu-utilization-above at 00:13: expected ALARM, got OK (datapoint 90)",
      "alarm 'cpu-high' does not exist; the persona's alarms are cpu-utilization-above, network-latency-above",
      "actions differ (- expected, + actual):\n    - 00:13 cpu-utilization-above ran\n    + 00:14 cpu-utilization-above ran",
      "size at 00:20: expected m7i.2xlarge, got m7g.4xlarge",
    ]);
  });

  it("rejects a malformed file with every problem and its path", () => {
    expect(() =>
      runPersonaTestFile(
        {
          persona: "seed",
          tests: [{ name: "x", series: {}, expect: { alarms: [{ at: "1m", state: "ON" }] } }],
        },
        "t.yaml",
        () => seedPlan,
      ),
    ).toThrow(PersonaTestFileError);
    try {
      runPersonaTestFile({ tests: [] }, "t.yaml", () => seedPlan);
    } catch (error) {
      expect((error as Error).message).toBe(
        "t.yaml: invalid test file:\n  - persona: Invalid input: expected string, received undefined\n  - tests: Too small: expected array to have >=1 items",
      );
    }
  });
});

describe("personas test", () => {
  it("passes every example persona's tests (exit 0)", () => {
    const result = run(["test", "examples/tests"]);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      "✔ examples/tests/HighTraffic.test.yaml › the CPU trigger fires on the fifth breaching minute, not the fourth",
    );
    expect(result.stdout).toMatch(/\n22 passed, 0 failed, in 11 files\n$/);
  });

  it("exits 1 with a diff when a case fails", () => {
    const dir = scratch({ "seed.test.yaml": failing });

    const result = run(["test", dir]);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe(
      `✘ ${join(dir, "seed.test.yaml")} › expects the alarm a minute early\n` +
        "    alarm cpu-utilization-above at 00:13: expected ALARM, got OK (datapoint 90)\n" +
        "    actions differ (- expected, + actual):\n" +
        "        - 00:13 cpu-utilization-above ran\n" +
        "        + 00:14 cpu-utilization-above ran\n" +
        "\n0 passed, 1 failed, in 1 file\n",
    );
  });

  it("exits 2 on usage errors", () => {
    expect(run(["test"]).exitCode).toBe(2);
    expect(run(["test", "no/such/dir"]).stderr).toContain(
      "no file or folder at 'no/such/dir'; check the path",
    );
  });
});

describe("personas simulate", () => {
  it("prints the timeline of a scenario and writes the report", () => {
    const out = mkdtempSync(join(tmpdir(), "personas-report-"));

    const result = run([
      "simulate",
      "examples/HighTraffic.yaml",
      "--scenario",
      "spike",
      "--params",
      "at=10m,duration=6m",
      "--initial-size",
      "m7i.2xlarge",
      "--out",
      out,
    ]);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      "   00:14  ran Scale up to 16 cores (cpu-utilization-above) → changed: m7i.2xlarge → m7i.4xlarge (16 vCPU, 64 GiB)",
    );
    expect(result.stdout).toContain(
      `Report written to ${join(out, "index.html")} (2 charts, ${join(out, "timeline.txt")}, ${join(out, "timeline.json")})`,
    );
    expect(readFileSync(join(out, "HighTraffic-cpu-utilization-above.svg"), "utf8")).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
    );
  });

  it("replays a CSV file and prints JSON", () => {
    const dir = scratch({
      "t.csv": "time,cpu,network-latency\n0,95,20\n1m,95,20\n2m,95,20\n3m,95,20\n4m,95,20\n",
    });

    const result = run([
      "simulate",
      "examples/HighTraffic.yaml",
      "--telemetry",
      join(dir, "t.csv"),
      "--format",
      "json",
    ]);

    const json = JSON.parse(result.stdout) as {
      rows: { time: string; triggers: Record<string, { state: string }> }[];
    };
    // Four breaching minutes of five on a fresh metric are too little data (the 2019 guide's - - - - X).
    expect(json.rows.map((r) => r.triggers["cpu-utilization-above"]!.state)).toEqual([
      "INSUFFICIENT_DATA",
      "INSUFFICIENT_DATA",
      "INSUFFICIENT_DATA",
      "INSUFFICIENT_DATA",
      "ALARM",
    ]);
  });

  it("exits 2 on usage errors", () => {
    expect(run(["simulate"]).stderr).toContain(
      "personas simulate: needs exactly one persona file or reference",
    );
    expect(run(["simulate", "examples/HighTraffic.yaml", "--scenario", "meteor"]).stderr).toContain(
      "unknown scenario 'meteor'; the built-in scenarios are steady, spike, ramp, flapping, outage, feed-outage, day",
    );
    expect(
      run(["simulate", "examples/HighTraffic.yaml", "--scenario", "spike", "--telemetry", "t.csv"]).stderr,
    ).toContain("Only one of --scenario and --telemetry can be specified");
  });
});

describe("runPersonaTestFile with a fleet", () => {
  const fleetCase = (web3: Record<string, unknown>) => ({
    persona: "seed",
    tests: [
      {
        name: "three contributors",
        fleet: {
          "web-1": { series: { cpu: "50x9" }, expect: { actions: [] } },
          "web-2": {
            series: { cpu: "90x4" },
            expect: { alarms: [{ at: "4m", alarm: "cpu-utilization-above", state: "ALARM" }] },
          },
          "web-3": web3,
        },
      },
    ],
  });

  it("simulates each instance as one contributor and names the instance of each failure", () => {
    const report = runPersonaTestFile(
      fleetCase({
        series: { cpu: "90x4" },
        expect: { alarms: [{ at: "4m", alarm: "cpu-utilization-above", state: "OK" }] },
      }),
      "t.yaml",
      () => seedPlan,
    );
    expect(report.results).toEqual([
      {
        name: "three contributors",
        passed: false,
        failures: ["web-3: alarm cpu-utilization-above at 00:04: expected OK, got ALARM (datapoint 90)"],
      },
    ]);
  });

  it("reads a contributor without data as OK, and refuses to expect INSUFFICIENT_DATA of one", () => {
    const silent = runPersonaTestFile(
      fleetCase({
        series: { cpu: "_x5" },
        expect: { alarms: [{ at: "4m", alarm: "cpu-utilization-above", state: "OK" }] },
      }),
      "t.yaml",
      () => seedPlan,
    );
    expect(silent.results[0]!.failures).toEqual([]);
    const insufficient = runPersonaTestFile(
      fleetCase({
        series: { cpu: "_x5" },
        expect: { alarms: [{ at: "4m", alarm: "cpu-utilization-above", state: "INSUFFICIENT_DATA" }] },
      }),
      "t.yaml",
      () => seedPlan,
    );
    expect(insufficient.results[0]!.failures).toEqual([
      "web-3: tests[0].fleet.web-3.expect.alarms[0] expects INSUFFICIENT_DATA, which a contributor of a fleet-wide alarm never is (only ALARM or OK)",
    ]);
  });

  it("runs a contributor's response again when its series comes back breaching: a new contributor event (the engine's contributor rules)", () => {
    // Prepare: in ALARM, 5 silent minutes (a whole window without data: the series leaves, OK), then
    // breaching again. The instance already has 16 cores, so the scale-up changes nothing and CPU stays high.
    const report = runPersonaTestFile(
      fleetCase({
        initialSize: "m7i.4xlarge",
        series: { cpu: "90x4 _x5 90x4" },
        expect: {
          alarms: [
            { at: "4m", alarm: "cpu-utilization-above", state: "ALARM" },
            { at: "9m", alarm: "cpu-utilization-above", state: "OK" },
          ],
          actions: [
            { at: "4m", source: "cpu-utilization-above", outcome: "ran" },
            { at: "10m", source: "cpu-utilization-above", outcome: "ran" },
            { at: "14m", source: "cpu-utilization-above", outcome: "skipped", reason: "cooldown" },
          ],
        },
      }),
      "t.yaml",
      () => seedPlan,
    );

    expect(report.results[0]!.failures).toEqual([]);
  });

  it("lets a fleet case expect INSUFFICIENT_DATA of an alarm the plan keeps per instance (10-second periods)", () => {
    const edge = planOf(`Name: Edge
TelemetryTriggers:
    - Condition: CPU Load > 80% for 3 minutes
      Action: "Notify ops: hot"
    - Condition: Network Latency > 200ms for 30 seconds
      Action: "Notify ops: slow"
`);
    const report = runPersonaTestFile(
      {
        persona: "edge",
        tests: [
          {
            name: "silent instance",
            interval: "10s",
            fleet: {
              "edge-1": {
                series: { cpu: "_x17", latency: "_x17" },
                expect: {
                  alarms: [
                    { at: "30s", alarm: "network-latency-above", state: "INSUFFICIENT_DATA" },
                    { at: "1m", alarm: "cpu-utilization-above", state: "OK" },
                  ],
                },
              },
            },
          },
        ],
      },
      "t.yaml",
      () => edge,
    );

    expect(report.results[0]!.failures).toEqual([]);
  });
});
