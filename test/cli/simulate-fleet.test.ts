import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";

/**
 * A persona with one alarm the plan can make fleet-wide (1-minute periods) and one it keeps per
 * instance (a 30-second window needs 10-second periods, finer than Metrics Insights evaluates).
 */
const EDGE = `Name: Edge
Version: "1.0.0"
BaseConfiguration:
    CPU: 2 cores
TelemetryTriggers:
    - Condition: CPU Load > 80% for 3 minutes
      Action: Scale up to 4 cores
    - Condition: Network Latency > 200ms for 30 seconds
      Action: "Notify ops: slow"
`;

function edgeFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "personas-fleet-"));
  writeFileSync(join(dir, "Edge.yaml"), EDGE);
  return join(dir, "Edge.yaml");
}

const SPIKE = [
  "--scenario",
  "spike",
  "--params",
  "at=10m,duration=10m,stagger=2m,share=1",
  "--duration",
  "40m",
];

describe("personas simulate --fleet", () => {
  it("prints each contributor's firing and what ran on which instance, for a fleet of three", () => {
    // Prepare
    const file = edgeFile();

    // Act
    const result = run(["simulate", file, "--fleet", "3", "--alarm-topology", "fleet-wide", ...SPIKE]);

    // Assess
    expect(result.exitCode).toBe(0);
    const [header, ...rest] = result.stdout.split("\n");
    expect(header).toMatch(
      /^Fleet simulation of Edge@1\.0\.0 \(digest [0-9a-f]{12}\): 3 instances, 00:00 to 00:40 UTC, seed 1, alarm topology fleet-wide$/,
    );
    expect(
      rest.join("\n"),
    ).toBe(`Telemetry: instance-N has the noise of seed 1 + N − 1; the event reaches instance-3 at 00:10, instance-1 at 00:12, instance-2 at 00:14.

Alarms:
  cpu-utilization-above: fleet-wide: one Metrics Insights alarm, each instance a contributor (ALARM or OK only)
  network-latency-above: per instance: its 10 s period is finer than Metrics Insights evaluates (it aggregates sub-minute data per minute), so each instance keeps its own high-resolution alarm

   00:00  instance-1  network-latency-above → OK (datapoint 99.4 ms; network-latency > 200ms for 30 seconds)
   00:00  instance-2  network-latency-above → OK (datapoint 99.6 ms; network-latency > 200ms for 30 seconds)
   00:00  instance-3  network-latency-above → OK (datapoint 97.3 ms; network-latency > 200ms for 30 seconds)
   00:12  instance-3  cpu-utilization-above → ALARM (contributor; datapoint 94.0%; cpu-utilization > 80% for 3 minutes)
   00:12  instance-3  ran Scale up to 4 cores (cpu-utilization-above) → changed: c7g.large → c7g.xlarge (4 vCPU, 8 GiB)
   00:12  instance-3  size: c7g.large → c7g.xlarge
   00:13  instance-3  cpu-utilization-above → OK (contributor; datapoint 46.3%; cpu-utilization > 80% for 3 minutes)
   00:14  instance-1  cpu-utilization-above → ALARM (contributor; datapoint 91.3%; cpu-utilization > 80% for 3 minutes)
   00:14  instance-1  ran Scale up to 4 cores (cpu-utilization-above) → changed: c7g.large → c7g.xlarge (4 vCPU, 8 GiB)
   00:14  instance-1  size: c7g.large → c7g.xlarge
   00:15  instance-1  cpu-utilization-above → OK (contributor; datapoint 46.5%; cpu-utilization > 80% for 3 minutes)
   00:16  instance-2  cpu-utilization-above → ALARM (contributor; datapoint 91.9%; cpu-utilization > 80% for 3 minutes)
   00:16  instance-2  ran Scale up to 4 cores (cpu-utilization-above) → changed: c7g.large → c7g.xlarge (4 vCPU, 8 GiB)
   00:16  instance-2  size: c7g.large → c7g.xlarge
   00:17  instance-2  cpu-utilization-above → OK (contributor; datapoint 45.0%; cpu-utilization > 80% for 3 minutes)

Contributors:
  instance-1  cpu-utilization-above ALARM at 00:14; 1 response run, 0 skipped; final size c7g.xlarge
  instance-2  cpu-utilization-above ALARM at 00:16; 1 response run, 0 skipped; final size c7g.xlarge
  instance-3  cpu-utilization-above ALARM at 00:12; 1 response run, 0 skipped; final size c7g.xlarge

Summary: 3 of 3 instances entered ALARM (cpu-utilization-above ×3); 3 responses run, none skipped; final sizes c7g.xlarge ×3.
`);
  });

  it("gives the same fleet for the same seed, and reaches another share of instances for another", () => {
    const file = edgeFile();
    const args = [
      "simulate",
      file,
      "--fleet",
      "4",
      "--alarm-topology",
      "fleet-wide",
      "--scenario",
      "spike",
      "--duration",
      "1h",
    ];

    const first = run([...args, "--seed", "7"]);
    const again = run([...args, "--seed", "7"]);
    const other = run([...args, "--seed", "8"]);

    expect(again.stdout).toBe(first.stdout);
    // The default share reaches 2 of 4 instances, chosen by the seed.
    expect(first.stdout.split("\n")[1]).toMatch(
      /the event reaches (instance-\d at 00:\d\d, ){1}instance-\d at 00:35; the others/,
    );
    expect(other.stdout).not.toBe(first.stdout);
  });

  it("writes per-contributor JSON: each instance's transitions and the responses that ran on it", () => {
    const file = edgeFile();

    const result = run([
      "simulate",
      file,
      "--fleet",
      "3",
      "--alarm-topology",
      "fleet-wide",
      ...SPIKE,
      "--format",
      "json",
    ]);

    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout) as {
      alarmTopology: string;
      alarms: { alarmId: string; topology: { kind: string } }[];
      instances: {
        name: string;
        seed: number;
        eventAt: number | null;
        transitions: { time: string; alarmId: string; topology: string; from: string; to: string }[];
        actions: { time: string; source: { alarmId: string }; outcome: string; actions: string[] }[];
      }[];
      summary: { instances: number; instancesInAlarm: number; dispatched: number };
    };
    expect(json.alarmTopology).toBe("fleet-wide");
    expect(json.alarms.map((a) => [a.alarmId, a.topology.kind])).toEqual([
      ["cpu-utilization-above", "fleet-wide"],
      ["network-latency-above", "per-instance"],
    ]);
    expect(json.instances.map((i) => [i.name, i.seed, i.eventAt])).toEqual([
      ["instance-1", 1, 720],
      ["instance-2", 2, 840],
      ["instance-3", 3, 600],
    ]);
    expect(json.instances[2]!.transitions.filter((t) => t.alarmId === "cpu-utilization-above")).toEqual([
      {
        at: 720,
        time: "00:12",
        alarmId: "cpu-utilization-above",
        topology: "fleet-wide",
        from: "OK",
        to: "ALARM",
        value: expect.closeTo(93.96, 2),
      },
      {
        at: 780,
        time: "00:13",
        alarmId: "cpu-utilization-above",
        topology: "fleet-wide",
        from: "ALARM",
        to: "OK",
        value: expect.closeTo(46.32, 2),
      },
    ]);
    expect(
      json.instances.map((i) => i.actions.map((a) => [a.time, a.source.alarmId, a.outcome, a.actions])),
    ).toEqual([
      [["00:14", "cpu-utilization-above", "dispatched", ["Scale up to 4 cores"]]],
      [["00:16", "cpu-utilization-above", "dispatched", ["Scale up to 4 cores"]]],
      [["00:12", "cpu-utilization-above", "dispatched", ["Scale up to 4 cores"]]],
    ]);
    expect(json.summary).toMatchObject({ instances: 3, instancesInAlarm: 3, dispatched: 3 });
  });

  it("makes each alarm the plan allows fleet-wide without --alarm-topology, as --alarm-topology fleet-wide does", () => {
    const file = edgeFile();

    const byDefault = run(["simulate", file, "--fleet", "2", ...SPIKE]);
    const asked = run(["simulate", file, "--fleet", "2", "--alarm-topology", "fleet-wide", ...SPIKE]);

    expect(byDefault.exitCode).toBe(0);
    expect(byDefault.stdout).toBe(asked.stdout);
    expect(byDefault.stdout.split("\n")[0]).toMatch(/, alarm topology fleet-wide$/);
    expect(byDefault.stdout).toContain(
      "  cpu-utilization-above: fleet-wide: one Metrics Insights alarm, each instance a contributor (ALARM or OK only)\n",
    );
  });

  it("keeps every alarm the instance's own with --alarm-topology per-instance (the opt-out)", () => {
    const file = edgeFile();

    const result = run(["simulate", file, "--fleet", "2", "--alarm-topology", "per-instance", ...SPIKE]);

    expect(result.stdout).toContain("alarm topology per-instance");
    expect(result.stdout).toContain(
      "  cpu-utilization-above: per instance: the fleet sets topology.alarms to per-instance\n",
    );
    expect(result.stdout).toContain("instance-1  cpu-utilization-above → OK (datapoint");
    expect(result.stdout).not.toContain("contributor;");
  });

  it("writes the HTML report with one contributor chart per alarm and the responses by instance", () => {
    const file = edgeFile();
    const out = mkdtempSync(join(tmpdir(), "personas-fleet-out-"));

    const result = run([
      "simulate",
      file,
      "--fleet",
      "3",
      "--alarm-topology",
      "fleet-wide",
      ...SPIKE,
      "--out",
      out,
    ]);

    expect(result.exitCode).toBe(0);
    expect(
      result.stdout.endsWith(
        `\nReport written to ${join(out, "index.html")} (2 charts, ${join(out, "timeline.txt")}, ${join(out, "timeline.json")})\n`,
      ),
    ).toBe(true);
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).toContain("<h1>Edge@1.0.0: a fleet of 3</h1>");
    expect(html).toContain(
      "<tr><td>00:12</td><td>instance-3</td><td>cpu-utilization-above</td><td>activate</td><td>Scale up to 4 cores</td><td>ran</td>",
    );
    expect(html).toContain(
      "<tr><td>00:12</td><td>instance-3</td><td>cpu-utilization-above</td><td>OK → ALARM</td>",
    );
    const chart = readFileSync(join(out, "contributors-cpu-utilization-above.svg"), "utf8");
    // One lane per contributor, each with its ALARM band and a marker for its response.
    expect(chart.match(/<title>instance-\d ALARM /g)).toEqual([
      "<title>instance-1 ALARM ",
      "<title>instance-2 ALARM ",
      "<title>instance-3 ALARM ",
    ]);
    expect(chart).toContain(
      "<title>instance-3 00:12 ran Scale up to 4 cores (cpu-utilization-above) → changed: c7g.large → c7g.xlarge (4 vCPU, 8 GiB)</title>",
    );
    expect(existsSync(join(out, "contributors-network-latency-above.svg"))).toBe(true);
    expect(readFileSync(join(out, "timeline.txt"), "utf8")).toBe(
      result.stdout.slice(0, result.stdout.lastIndexOf("\nReport written")),
    );
  });

  it.each([
    [
      ["--fleet", "0"],
      "personas simulate: --fleet takes 1 to 100 instances (a fleet-wide alarm holds at most 100 contributors in ALARM, and which it keeps past that is not documented); received '0' (see 'personas simulate --help')",
    ],
    [
      ["--fleet", "101"],
      "personas simulate: --fleet takes 1 to 100 instances (a fleet-wide alarm holds at most 100 contributors in ALARM, and which it keeps past that is not documented); received '101' (see 'personas simulate --help')",
    ],
    [
      ["--fleet", "2.5"],
      "personas simulate: --fleet takes 1 to 100 instances (a fleet-wide alarm holds at most 100 contributors in ALARM, and which it keeps past that is not documented); received '2.5' (see 'personas simulate --help')",
    ],
    [
      ["--fleet", "3", "--telemetry", "t.csv"],
      "personas simulate: Only one of --fleet and --telemetry can be specified: a telemetry file is one instance's series; to replay recorded series per instance, write a persona test with a fleet case (personas test) (see 'personas simulate --help')",
    ],
    [
      ["--alarm-topology", "fleet-wide"],
      "personas simulate: --alarm-topology chooses how a simulated fleet's alarms are deployed; add --fleet <n> (see 'personas simulate --help')",
    ],
    [
      ["--fleet", "3", "--alarm-topology", "regional"],
      "personas simulate: --alarm-topology must be 'fleet-wide' or 'per-instance', not 'regional' (see 'personas simulate --help')",
    ],
    [
      ["--params", "share=0.5"],
      "personas simulate: --params share=0.5 varies a scenario over a fleet; add --fleet <n> (see 'personas simulate --help')",
    ],
    [
      ["--fleet", "3", "--params", "share=0"],
      "personas simulate: --params share is the share of instances the event reaches, above 0 and at most 1; received '0' (see 'personas simulate --help')",
    ],
  ])("refuses %j with one usage line", (flags, line) => {
    const result = run(["simulate", "examples/HighTraffic.yaml", ...flags]);

    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`${line}\n`);
  });
});
