import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";

describe("personas demo (npm start)", () => {
  const outDir = mkdtempSync(join(tmpdir(), "personas-demo-"));
  const result = run(["demo", "--out", outDir]);

  it("validates the seed, resolves three tagged instances and prints web-1's plan", () => {
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("✔ HighTraffic: 8 vCPU, 32 GiB, 10 Gbps; 3 packages, 2 triggers, 1 feed");
    expect(result.stdout).toMatch(
      /web-1 {2}role=web,env=prod +→ HighTraffic@1\.3\.0 \(rule web; digest [0-9a-f]{12}\) on m7g\.2xlarge/,
    );
    expect(result.stdout).toContain(
      "alarm cpu-utilization-above: AWS/EC2 CPUUtilization Average GreaterThanThreshold 80, period 60s, 5 of 5 → scale",
    );
  });

  it("prints what `pulumi up` would create, from Pulumi's mock engine, with no cloud account", () => {
    expect(result.stdout).toContain("personas:aws:PersonaFleet web");
    expect(result.stdout).toContain("aws:ec2/instance:Instance web-web-2  instanceType=m7g.2xlarge");
    expect(result.stdout).toContain("49 resources:");
    expect(result.stdout).toContain("  4 × aws:cloudwatch/metricAlarm:MetricAlarm");
  });

  it("simulates the day: the spike scales up at its fifth breaching minute and back after the clear window", () => {
    expect(result.stdout).toContain(
      "10:04  ran Scale up to 16 cores (cpu-utilization-above) → changed: m7g.2xlarge → m7g.4xlarge",
    );
    // Twice the vCPUs halve the CPU share from 10:05, so the 30-minute clear window ends at 10:34.
    expect(result.stdout).toContain("10:05  cpu-utilization-above → OK (datapoint 46.5%;");
    expect(result.stdout).toContain("10:34  reverted Scale back to baseline (cpu-utilization-above-clear)");
    expect(result.stdout).toContain("15:00  ran Activate cdn-caching (network-latency-above)");
    expect(result.stdout).toContain("18:00  feed threatintel-example-com: fetch-failed");
  });

  it("writes the HTML report with one chart per alarm", () => {
    const html = readFileSync(join(outDir, "index.html"), "utf8");
    expect(html).toContain("<svg");
    expect(existsSync(join(outDir, "timeline.json"))).toBe(true);
  });
});
