import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import { loadPersonaFile } from "../../src/cli/persona-file.js";
import type { TimelineRow } from "../../src/sim/render.js";

describe("personas demo (npm start)", () => {
  const outDir = mkdtempSync(join(tmpdir(), "personas-demo-"));
  const result = run(["demo", "--out", outDir]);
  const timeline = JSON.parse(readFileSync(join(outDir, "timeline.json"), "utf8")) as {
    persona: { name: string; version: string; digest: string };
    rows: TimelineRow[];
  };
  // What `personas plan` hands PersonaFleet for the seed file (src/cli/plan.ts loads it this way).
  const planned = loadPersonaFile("examples/HighTraffic.yaml").ref;
  const short = planned.digest.replace(/^sha256:/, "").slice(0, 12);

  it("validates the seed and tells one story: planned and simulated persona are the same name, version and digest", () => {
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("✔ HighTraffic: 8 vCPU, 32 GiB, 10 Gbps; 3 packages, 2 triggers, 1 feed");
    expect(timeline.persona).toEqual(planned);
    const identity = `HighTraffic@0.0.0, digest ${short}`;
    expect(result.stdout).toContain(
      `== 2. What \`pulumi up\` would create for a fleet of two instances of ${identity}`,
    );
    expect(result.stdout).toContain(`== 3. The plan every instance of that fleet runs (${identity})`);
    expect(result.stdout).toContain(`== 4. Simulate one of those instances (${identity}) for a day`);
    expect(result.stdout).toContain(`Simulation of HighTraffic@0.0.0 (digest ${short}):`);
    expect(readFileSync(join(outDir, "index.html"), "utf8")).toContain(`Digest ${planned.digest}`);
  });

  it("simulates the instance at the size the fleet deploys", () => {
    const instanceTypes = [
      ...result.stdout.matchAll(/aws:ec2\/instance:Instance web-web-\d {2}instanceType=(\S+)/g),
    ].map((m) => m[1]);
    expect(instanceTypes).toEqual(["m7g.2xlarge", "m7g.2xlarge"]);
    expect(timeline.rows[0]!.size).toBe("m7g.2xlarge");
    expect(result.stdout).toContain("initial size m7g.2xlarge");
  });

  it("prints what `pulumi up` would create, from Pulumi's mock engine, with no cloud account", () => {
    expect(result.stdout).toContain("personas:aws:PersonaFleet web");
    expect(result.stdout).toContain("47 resources:");
    // The default topology: one Metrics Insights alarm per trigger for both instances.
    expect(result.stdout).toContain("  2 × aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(result.stdout).toContain(
      "alarm cpu-utilization-above: AWS/EC2 CPUUtilization Average GreaterThanThreshold 80, period 60s, 5 of 5 → scale",
    );
  });

  it("simulates the day: the scale-up takes the CPU below the threshold, CDN caching the latency", () => {
    expect(result.stdout).toContain(
      "10:04  ran Scale up to 16 cores (cpu-utilization-above) → changed: m7g.2xlarge → m7g.4xlarge",
    );
    expect(result.stdout).toMatch(/10:05 {2}cpu-utilization-above → OK \(datapoint 4\d\.\d%;/);
    expect(result.stdout).toContain("15:00  ran Activate cdn-caching (network-latency-above)");
    expect(result.stdout).toMatch(/15:01 {2}network-latency-above → OK \(datapoint 3\d\.\d ms;/);
    expect(result.stdout).toContain("18:00  feed threatintel-example-com: fetch-failed");
  });

  it("ends with how a fleet picks personas by tag from the embedded repository", () => {
    expect(result.stdout).toMatch(
      /web-1 {2}role=web,env=prod +→ HighTraffic@1\.3\.0 \(rule web; digest [0-9a-f]{12}\) on m7g\.2xlarge/,
    );
  });

  it("writes the HTML report with the lanes, one chart per alarm and the feed chart", () => {
    const html = readFileSync(join(outDir, "index.html"), "utf8");
    expect(html.match(/<svg class="chart" /g)).toHaveLength(2);
    expect(html.match(/<svg class="lanes" /g)).toHaveLength(1);
    expect(html.match(/<svg class="feed" /g)).toHaveLength(1);
    expect(existsSync(join(outDir, "lanes.svg"))).toBe(true);
    expect(existsSync(join(outDir, "feed-threatintel-example-com.svg"))).toBe(true);
  });
});
