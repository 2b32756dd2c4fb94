/**
 * What the AWS components must plan for a real account (issue 12): names AWS accepts, unique per stack
 * and never overlapping between fleets; detailed monitoring when alarms need 1-minute EC2 data;
 * reserved concurrency only when asked; responder bundles checked before anything registers.
 * Fixtures come from the components' own rendered output.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidArgumentsError, ResponderCodeMissingError } from "../../src/aws/errors.js";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { setResponderCodeCheck } from "../../src/aws/render.js";
import { recorder, resourcesOfType, settled } from "../support/pulumi.js";
import { personaOf, seedPersona, WEB_ACL } from "./support.js";

function fleet(name: string, extra: Partial<ConstructorParameters<typeof PersonaFleet>[1]> = {}) {
  return new PersonaFleet(name, {
    ami: "ami-0123456789abcdef0",
    defaultPersona: seedPersona,
    instances: [{ name: "web-1" }],
    firewall: { webAclArn: WEB_ACL },
    ...extra,
  });
}

const ALLOWED =
  "lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit (it is part of Lambda, SQS, IAM, WAF, SSM and CloudWatch names), e.g. 'web-prod'";

beforeEach(() => recorder.reset());

describe("PersonaFleet names", () => {
  it.each(["web.prod", "web prod", "Web", `w${"e".repeat(63)}`])(
    "refuses fleet name '%s' before anything registers, saying what is allowed",
    (name) => {
      const act = () => fleet("web", { fleetName: name });
      expect(act).toThrow(InvalidArgumentsError);
      expect(act).toThrow(
        `PersonaFleet 'web': fleet name '${name}' must be 1 to 32 ${ALLOWED}. Fix: pass \`fleetName\` (the component's name is the fleet name when it is not given).`,
      );
      expect(recorder.resources.filter((r) => r.type !== "personas:aws:PersonaFleet")).toEqual([]);
    },
  );

  it("puts the stack in every physical name, so a dev and a prod stack of one fleet never collide", async () => {
    fleet("web");
    await settled();
    const prefix = `personas-web_${pulumi.getStack()}_`;
    const named = recorder.resources
      .filter((r) => typeof r.inputs.name === "string" && !r.type.startsWith("personas:"))
      .filter(
        (r) => r.type !== "aws:ssm/parameter:Parameter" && r.type !== "aws:cloudwatch/logGroup:LogGroup",
      );
    expect(named.length).toBeGreaterThan(10);
    for (const resource of named)
      expect(resource.inputs.name, resource.name).toMatch(new RegExp(`^${prefix}`));
    const parameters = resourcesOfType("aws:ssm/parameter:Parameter").map((r) => r.inputs.name);
    // The manifest lives in the fleet store (an S3 bucket), not in a parameter.
    expect(parameters).toEqual([]);
  });

  it.each([
    // Component names: `<fleet>-fleet-<digest>-<alarm>` for a fleet-wide alarm, `<fleet>-<member>-<alarm>` per instance.
    ["its two fleet-wide alarms (the default)", {}, "fleet-"],
    [
      "its instance's two alarms (alarmTopology per-instance)",
      { alarmTopology: "per-instance" as const },
      "web-1-",
    ],
  ])("lets a fleet's alarms, and no other fleet's, invoke its responders: %s", async (_, extra, member) => {
    fleet("web", extra);
    fleet("web-staging", extra);
    await settled();
    const alarmsOf = (fleetName: string) =>
      resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm")
        .filter((a) => a.name.startsWith(`${fleetName}-${member}`))
        .map((a) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${a.inputs.name as string}`);
    const patternOf = (fleetName: string) => {
      const permissions = resourcesOfType("aws:lambda/permission:Permission").filter((p) =>
        p.name.startsWith(`${fleetName}-scale-`),
      );
      expect(permissions).toHaveLength(1);
      return permissions[0]!.inputs.sourceArn as string;
    };
    // An ARN pattern with `*` matches any tail (Lambda AddPermission SourceArn, IAM ARN matching).
    const admits = (pattern: string, arn: string) => arn.startsWith(pattern.slice(0, -1));
    const web = patternOf("web");
    const staging = patternOf("web-staging");
    expect(alarmsOf("web")).toHaveLength(2);
    expect(alarmsOf("web-staging")).toHaveLength(2);
    for (const arn of alarmsOf("web"))
      expect([admits(web, arn), admits(staging, arn)]).toEqual([true, false]);
    for (const arn of alarmsOf("web-staging"))
      expect([admits(web, arn), admits(staging, arn)]).toEqual([false, true]);
  });
});

describe("PersonaFleet on a new account", () => {
  it("reserves responder concurrency only when asked", async () => {
    fleet("web", { responders: { reservedConcurrency: 5 } });
    fleet("api");
    await settled();
    const functions = resourcesOfType("aws:lambda/function:Function");
    const reserved = (prefix: string) =>
      functions.filter((f) => f.name.startsWith(prefix)).map((f) => f.inputs.reservedConcurrentExecutions);
    expect(reserved("web-")).toEqual([5, 5, 5]);
    expect(reserved("api-")).toEqual([undefined, undefined, undefined]);
  });
});

describe("PersonaFleet detailed monitoring", () => {
  it("turns on detailed monitoring for an alarm on a 60-second AWS/EC2 metric, and not for agent metrics", async () => {
    fleet("web");
    fleet("mem", {
      defaultPersona: personaOf(
        "Name: MemoryOnly\nTelemetryTriggers:\n  - Condition: Memory > 90% for 10 minutes\n    Action: Scale up to 16 cores\n",
      ),
    });
    await settled();
    const monitoring = Object.fromEntries(
      resourcesOfType("aws:ec2/instance:Instance").map((i) => [i.name, i.inputs.monitoring]),
    );
    expect(monitoring).toEqual({ "web-web-1": true, "mem-web-1": undefined });
  });
});

describe("responder code check", () => {
  let previous: boolean;
  beforeEach(() => {
    previous = setResponderCodeCheck(true);
  });
  afterEach(() => {
    setResponderCodeCheck(previous);
  });

  it("stops the program when a responder bundle is missing, naming the file and the fix", () => {
    const directory = join(mkdtempSync(join(tmpdir(), "personas-code-")), "missing");
    expect(() => fleet("web", { responders: { codeDirectory: directory } })).toThrow(
      new ResponderCodeMissingError({ component: "PersonaFleet", name: "web" }, join(directory, "scale.js"))
        .message,
    );
  });

  it("renders the fleet when every bundle it needs is in the code directory", async () => {
    const directory = mkdtempSync(join(tmpdir(), "personas-code-"));
    mkdirSync(directory, { recursive: true });
    for (const kind of ["scale", "feature", "firewall"])
      writeFileSync(join(directory, `${kind}.js`), "exports.handler = async () => ({});\n");
    fleet("web", { responders: { codeDirectory: directory } });
    await settled();
    expect(resourcesOfType("aws:lambda/function:Function")).toHaveLength(3);
  });
});

describe("PersonaFleet AMI per architecture", () => {
  const x86 = personaOf(
    "Name: X86Worker\nBaseConfiguration:\n  Size: m7i.2xlarge\nTelemetryTriggers:\n  - Condition: CPU > 80% for 5 minutes\n    Action: Scale up to 16 cores\n",
  );

  it("refuses an x86_64 persona in an arm64 fleet before anything registers", () => {
    const act = () =>
      fleet("web", { ami: "ami-0123456789abcdef0", architecture: "arm64", defaultPersona: x86 });
    expect(act).toThrow(
      "PersonaFleet 'web': instance 'web-1': persona X86Worker is sized m7i.2xlarge (x86_64), and the fleet's AMI is arm64 (`architecture`): the instance could not boot it. Fix: give one AMI per architecture (ami: { arm64: ..., x86_64: ... }), or a arm64 size for the persona.",
    );
    expect(recorder.resources.filter((r) => r.type !== "personas:aws:PersonaFleet")).toEqual([]);
  });

  it("refuses a persona whose architecture has no image in the AMI map", () => {
    expect(() => fleet("web", { ami: { arm64: "ami-0aaaaaaaaaaaaaaaa" }, defaultPersona: x86 })).toThrow(
      "PersonaFleet 'web': instance 'web-1': persona X86Worker is sized m7i.2xlarge (x86_64), and `ami` has no x86_64 image (it has arm64). Fix: add ami.x86_64, or give the persona a arm64 size (BaseConfiguration Family or Architecture).",
    );
  });

  it("boots each persona on the image of its size's architecture", async () => {
    new PersonaFleet("mixed", {
      ami: { arm64: "ami-0aaaaaaaaaaaaaaaa", x86_64: "ami-0bbbbbbbbbbbbbbbb" },
      instances: [
        { name: "graviton", persona: seedPersona },
        { name: "intel", persona: x86 },
      ],
      firewall: { webAclArn: WEB_ACL },
    });
    await settled();
    const images = Object.fromEntries(
      resourcesOfType("aws:ec2/instance:Instance").map((i) => [
        i.name,
        [i.inputs.instanceType, i.inputs.ami],
      ]),
    );
    expect(images).toEqual({
      "mixed-graviton": ["m7g.2xlarge", "ami-0aaaaaaaaaaaaaaaa"],
      "mixed-intel": ["m7i.2xlarge", "ami-0bbbbbbbbbbbbbbbb"],
    });
  });
});
