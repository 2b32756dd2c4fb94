import { describe, expect, it } from "vitest";
import {
  alarmName,
  alarmNamePattern,
  fleetNameProblem,
  fleetResourceName,
  namePrefix,
  parameterPath,
  responderName,
  stackPart,
} from "../../src/plan/names.js";
import { planFleet } from "../../src/plan/plan.js";

const PROD = { fleet: "web", stack: "prod" };

/** Does an IAM/Lambda source-ARN pattern ending in `*` admit a name? */
function admits(pattern: string, name: string): boolean {
  return name.startsWith(pattern.slice(0, -1));
}

describe("names", () => {
  it("orders the parts prefix, fleet, stack, then what the resource is", () => {
    expect(alarmName(PROD, "web-0", "cpu-utilization-above")).toBe(
      "personas-web_prod_web-0-cpu-utilization-above",
    );
    expect(responderName(PROD, "scale")).toBe("personas-web_prod_scale");
    expect(fleetResourceName(PROD, "state", 255)).toBe("personas-web_prod_state");
    expect(parameterPath(PROD, "manifest")).toBe("/personas/web/prod/manifest");
  });

  it("gives a dev and a prod stack of one fleet different physical names", () => {
    const dev = { fleet: "web", stack: "dev" };
    expect(responderName(dev, "scale")).not.toBe(responderName(PROD, "scale"));
    expect(alarmName(dev, "web-1", "cpu")).not.toBe(alarmName(PROD, "web-1", "cpu"));
    expect(parameterPath(dev, "manifest")).not.toBe(parameterPath(PROD, "manifest"));
  });

  it("never lets one fleet's alarm pattern admit another fleet's or stack's alarms", () => {
    const pattern = alarmNamePattern(PROD);
    expect(pattern).toBe("personas-web_prod_*");
    expect(admits(pattern, alarmName(PROD, "web-1", "cpu"))).toBe(true);
    for (const other of [
      { fleet: "web-staging", stack: "prod" },
      { fleet: "web", stack: "prod-eu" },
      { fleet: "web-prod", stack: "x" },
      { fleet: "webx", stack: "prod" },
    ])
      expect(admits(pattern, alarmName(other, "web-1", "cpu")), JSON.stringify(other)).toBe(false);
  });

  it("makes any Pulumi stack name a name-safe part, keeping differing stacks apart", () => {
    expect(stackPart("prod")).toBe("prod");
    expect(stackPart("Team_A.dev")).toMatch(/^team-a-dev-[0-9a-f]{8}$/);
    expect(stackPart("team_a.dev")).not.toBe(stackPart("team-a-dev"));
    expect(stackPart("Prod")).not.toBe(stackPart("prod"));
    expect(stackPart("a".repeat(60))).toHaveLength(24);
    expect(stackPart(stackPart("Team_A.dev"))).toBe(stackPart("Team_A.dev"));
    expect(namePrefix({ fleet: "web", stack: "org/Team_A.dev" })).toMatch(/^personas-web_[a-z0-9-]+_$/);
  });

  it("keeps long names within CloudWatch's and Lambda's limits, stable, with the scope intact", () => {
    const fleet = { fleet: "f".repeat(32), stack: "s".repeat(24) };
    const long = alarmName(fleet, "i".repeat(200), "a");
    expect(long).toHaveLength(255);
    expect(long).toBe(alarmName(fleet, "i".repeat(200), "a"));
    expect(long.startsWith(namePrefix(fleet))).toBe(true);
    expect(responderName(fleet, "shift-persona")).toHaveLength(64);
    expect(responderName(fleet, "shift-persona")).not.toBe(responderName(fleet, "scale"));
  });
});

describe("fleetNameProblem", () => {
  it.each(["web", "web-prod", "a1", "f".repeat(32)])("accepts '%s'", (name) => {
    expect(fleetNameProblem(name)).toBeUndefined();
  });

  it.each([
    "web.prod",
    "web prod",
    "Web",
    "web_prod",
    "web--prod",
    "web-",
    "-web",
    "1web",
    "",
    "f".repeat(33),
  ])("refuses '%s', saying what is allowed", (name) => {
    expect(fleetNameProblem(name)).toBe(
      `fleet name '${name}' must be 1 to 32 lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit (it is part of Lambda, SQS, IAM, WAF, SSM and CloudWatch names), e.g. 'web-prod'`,
    );
  });

  it("is checked when a fleet is planned", () => {
    expect(() => planFleet("web.prod", [])).toThrow(
      "fleet name 'web.prod' must be 1 to 32 lowercase letters",
    );
  });
});
