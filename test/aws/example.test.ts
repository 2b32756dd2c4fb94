import { beforeEach, describe, expect, it } from "vitest";
import { OFFLINE_AMI } from "../../src/aws/offline.js";
import { loadProgram } from "../../src/aws/program.js";
import { fleetAlarmName } from "../../src/plan/names.js";
import { countByType, recorder, resourceNamed, resourcesOfType, settled } from "../support/pulumi.js";

beforeEach(() => recorder.reset());

describe("examples/aws-web-hightraffic", () => {
  it("plans offline: three role=web instances resolve to HighTraffic 1.2.0 through the mapping", async () => {
    // The project directory, as `pulumi up` and `personas plan` read it (Pulumi.yaml, package.json main).
    loadProgram("examples/aws-web-hightraffic")();
    await settled();
    expect(countByType()).toMatchObject({
      "aws:ec2/instance:Instance": 3,
      // The default topology: one Metrics Insights alarm per trigger of the persona the three share.
      "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
      "aws:lambda/function:Function": 3,
      "aws:wafv2/webAcl:WebAcl": 1,
      "aws:wafv2/ipSet:IpSet": 2,
      "personas:aws:PersonaFleet": 1,
    });
    expect(
      recorder.calls.filter((c) => c.token === "aws:ssm/getParameter:getParameter").map((c) => c.inputs.name),
    ).toEqual([
      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    ]);
    const digest = (
      resourceNamed("aws:ec2/instance:Instance", "web-web-1").inputs.tags as Record<string, string>
    )["persona:digest"]!;
    expect(
      resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm")
        .map((a) => a.inputs.name)
        .sort(),
    ).toEqual([
      fleetAlarmName({ fleet: "web", stack: "stack" }, digest, "cpu-utilization-above"),
      fleetAlarmName({ fleet: "web", stack: "stack" }, digest, "network-latency-above"),
    ]);
    expect(resourceNamed("aws:ec2/instance:Instance", "web-web-1").inputs).toMatchObject({
      // The region's latest Amazon Linux 2023 arm64 image, read from AWS's public SSM parameter.
      ami: OFFLINE_AMI,
      instanceType: "m7g.2xlarge",
      tags: { Name: "web-1", role: "web", "persona:name": "HighTraffic", "persona:version": "1.2.0" },
    });
  });

  it("runs the program again each time the loaded program is called (planning twice in one process)", async () => {
    const program = loadProgram("examples/aws-web-hightraffic");
    program();
    await settled();
    const first = countByType();
    recorder.reset();
    program();
    await settled();
    expect(countByType()).toEqual(first);
    expect(first["aws:ec2/instance:Instance"]).toBe(3);
  });
});
