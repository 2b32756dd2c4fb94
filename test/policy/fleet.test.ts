import { Ajv } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import {
  personaGuardPolicies,
  personaGuardResourcePolicies,
  personaGuardStackPolicies,
} from "../../src/policy/pack.js";
import { TYPES } from "../../src/policy/stack.js";
import {
  editManifest,
  exampleStack,
  type RecordedStack,
  runEveryRule,
  seedFleetStack,
  withInputs,
} from "./support.js";

const FEED = "HighTraffic-threatintel-example-com";
const everyRule = (stack: RecordedStack) =>
  runEveryRule(stack, personaGuardResourcePolicies, personaGuardStackPolicies);

let hundred: RecordedStack;

beforeAll(async () => {
  // Per-instance alarms (the opt-out); test/policy/fleet-wide.test.ts runs the rules over the default.
  hundred = await seedFleetStack(100, "per-instance");
});

describe("persona-guard over fleets registered under the mocks", () => {
  it("lists seventeen rules with kebab-case names and 'Checks whether' descriptions", () => {
    const rules = [...personaGuardResourcePolicies, ...personaGuardStackPolicies];
    expect(rules.map((r) => r.name)).toEqual([
      "persona-responder-iam-least-privilege",
      "persona-feeds-https-and-paced",
      "persona-scale-actions-bounded",
      "persona-lambda-runtime-supported",
      "persona-log-group-retention",
      "persona-state-table-point-in-time-recovery",
      "persona-instance-tags",
      "persona-azure-alert-has-action-group",
      "persona-azure-log-alert-per-vm",
      "persona-azure-role-assignment-within-group",
      "persona-azure-nsg-no-any-source",
      "persona-azure-function-app-https-only",
      "persona-alarms-cover-triggers",
      "persona-alarm-actions-target-responders",
      "persona-feed-targets-exist",
      "persona-traffic-targets-exist",
      "persona-mutations-need-membership",
      "persona-stack-budget",
    ]);
    for (const rule of rules) {
      expect(rule.description).toMatch(/^Checks whether .+\.$/);
      expect(rule.enforcementLevel).toBe("mandatory");
    }
  });

  it("declares config schemas whose defaults are valid configurations (what pulumi validates the pack config with)", () => {
    const ajv = new Ajv({ strict: false });
    const configurable = personaGuardPolicies.filter((rule) => rule.configSchema !== undefined);
    expect(configurable.map((rule) => rule.name)).toEqual([
      "persona-responder-iam-least-privilege",
      "persona-feeds-https-and-paced",
      "persona-scale-actions-bounded",
      "persona-lambda-runtime-supported",
      "persona-log-group-retention",
      "persona-instance-tags",
      "persona-stack-budget",
    ]);
    for (const rule of configurable) {
      const { properties } = rule.configSchema!;
      const defaults = Object.fromEntries(Object.entries(properties).map(([key, p]) => [key, p.default]));
      const validate = ajv.compile({ type: "object", properties, additionalProperties: false });
      expect(validate(defaults), `${rule.name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      expect(validate({ ...defaults, [Object.keys(properties)[0]!]: null }), rule.name).toBe(false);
    }
  });

  it("passes every rule on the aws-web-hightraffic example (repository digests, arm64, a WAF web ACL)", async () => {
    const example = await exampleStack();
    // Its three instances share one persona: one Metrics Insights alarm per trigger (the default topology).
    const alarms = example.recorded.filter((r) => r.type === TYPES.alarm);
    expect(alarms.map((a) => a.name.replace(/^web-fleet-[0-9a-f]{16}-/, "web-fleet-…-")).sort()).toEqual([
      "web-fleet-…-cpu-utilization-above",
      "web-fleet-…-network-latency-above",
    ]);
    expect(await everyRule(example)).toEqual({});
  });

  it("passes every rule on a 100-instance fleet with per-instance alarms", async () => {
    // 43 fleet-level resources (with the fleet store: a bucket, its public access block, the
    // membership record and the manifest entries of one persona, one feed and the whole; with the
    // resize state machine, its role and policy), then one instance and two alarms per member.
    expect(hundred.recorded.length).toBe(343);
    expect(await everyRule(hundred)).toEqual({});
  });

  it("fails only the alarm-actions rule when one alarm has no actions", async () => {
    const broken = withInputs(hundred, TYPES.alarm, "web-web-42-cpu-utilization-above", (i) => ({
      ...i,
      alarmActions: [],
    }));
    expect(await everyRule(broken)).toEqual({
      "persona-alarm-actions-target-responders": [
        "Alarm 'web-web-42-cpu-utilization-above' must have at least one alarm action: set alarmActions to a responder function of this stack (the fleet components do).",
      ],
    });
  });

  it("fails only the IAM rule when a responder policy gains a wildcard statement", async () => {
    const broken = withInputs(hundred, TYPES.rolePolicy, "web-feature", (i) => {
      const policy = JSON.parse(i.policy as string) as { Statement: unknown[] };
      policy.Statement.push({
        Sid: "Anything",
        Effect: "Allow",
        Action: ["ec2:TerminateInstances"],
        Resource: "*",
      });
      return { ...i, policy: JSON.stringify(policy) };
    });
    expect(await everyRule(broken)).toEqual({
      "persona-responder-iam-least-privilege": [
        `Role policy 'web-feature' must scope ec2:TerminateInstances on "*" in statement 'Anything' with a tag condition; name the resources or add an aws:ResourceTag/persona:fleet condition.`,
      ],
    });
  });

  it("fails only the feed rule when the manifest lists an http feed", async () => {
    const broken = withInputs(hundred, TYPES.bucketObject, "web-manifest", (i) =>
      editManifest(i, (m) => {
        m.feeds[FEED]!.url = "http://threatintel.example.com/latest_ips";
      }),
    );
    expect(await everyRule(broken)).toEqual({
      "persona-feeds-https-and-paced": [
        `Object 'web-manifest' must list feeds served over https: feed '${FEED}' fetches http://threatintel.example.com/latest_ips; change the persona's URL to https.`,
      ],
    });
  });
});
