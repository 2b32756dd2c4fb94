import { beforeEach, describe, expect, it } from "vitest";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { run } from "../../src/cli/main.js";
import { seedPersona, WEB_ACL } from "../aws/support.js";
import { recorder, resourcesOfType, settled } from "../support/pulumi.js";

beforeEach(() => recorder.reset());

describe("The starting size", () => {
  it("is the same for personas simulate of the seed and a PersonaFleet of it (one sizing function)", async () => {
    // Prepare: the seed persona as the fleet deploys it (mock engine) and as the CLI simulates it.
    new PersonaFleet("web", {
      ami: "ami-0123456789abcdef0",
      defaultPersona: seedPersona,
      instances: [{ name: "web-1" }],
      firewall: { webAclArn: WEB_ACL },
    });
    await settled();
    // Act
    const simulated = run(["simulate", "examples/HighTraffic.yaml", "--duration", "10m"]);
    const deployed = resourcesOfType("aws:ec2/instance:Instance").map((r) => r.inputs.instanceType);
    // Assess: 8 cores, 32 GB, 10 Gbps read as the clouds' "up to" figure is an 8-vCPU size on both paths.
    expect(simulated.exitCode).toBe(0);
    expect(deployed).toEqual(["m7g.2xlarge"]);
    expect(simulated.stdout.split("\n")[0]).toMatch(/, initial size m7g\.2xlarge$/);
  });
});
