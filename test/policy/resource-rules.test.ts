import { beforeAll, describe, expect, it } from "vitest";
import { feedsHttpsAndPaced, scheduleIntervalSeconds } from "../../src/policy/rules/feeds.js";
import { responderIamLeastPrivilege } from "../../src/policy/rules/iam.js";
import {
  lambdaRuntimeSupported,
  logGroupRetention,
  stateTablePointInTimeRecovery,
} from "../../src/policy/rules/platform.js";
import { scaleActionsBounded } from "../../src/policy/rules/scale.js";
import { instancePersonaTags } from "../../src/policy/rules/tags.js";
import { TYPES } from "../../src/policy/stack.js";
import { SEED_DIGEST } from "../aws/support.js";
import {
  argsOf,
  editManifest,
  type RecordedStack,
  recorded,
  resourceArgs,
  runResourceRule,
  seedFleetStack,
} from "./support.js";

const FEED = "HighTraffic-threatintel-example-com";
let fleet: RecordedStack;

beforeAll(async () => {
  fleet = await seedFleetStack(1);
});

/** Happy-path args of a recorded resource of the seed fleet, with its inputs changed by `change`. */
function argsFor(
  type: string,
  name: string,
  change: (inputs: Record<string, unknown>) => Record<string, unknown> = (i) => i,
  config: Record<string, unknown> = {},
) {
  const resource = recorded(fleet, type, name);
  return argsOf({ ...resource, inputs: change({ ...resource.inputs }) }, config);
}

type Statement = Record<string, unknown>;
function withStatement(statement: Statement) {
  return (inputs: Record<string, unknown>) => {
    const policy = JSON.parse(inputs.policy as string) as { Statement: Statement[] };
    policy.Statement.push(statement);
    return { ...inputs, policy: JSON.stringify(policy) };
  };
}

describe("persona-responder-iam-least-privilege", () => {
  const rule = responderIamLeastPrivilege;
  const iamArgs = (change?: (i: Record<string, unknown>) => Record<string, unknown>, config = {}) =>
    argsFor(TYPES.rolePolicy, "web-scale", change, config);

  it("passes every role policy, role and Lambda permission the fleet registers", async () => {
    const types: string[] = [TYPES.rolePolicy, TYPES.role, TYPES.permission];
    const checked = fleet.recorded.filter((r) => types.includes(r.type));
    // With the resize workflow's role and policy (two more than without it).
    expect(checked.length).toBe(14);
    for (const resource of checked) expect(await runResourceRule(rule, argsOf(resource))).toEqual([]);
  });

  it("rejects a statement that allows every action", async () => {
    const args = iamArgs(
      withStatement({ Sid: "Everything", Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" }),
    );
    expect(await runResourceRule(rule, args)).toEqual([
      `Role policy 'web-scale' must not allow every action ("*") in statement 'Everything'; list the actions the responder needs.`,
    ]);
  });

  it("rejects iam:* even on a named resource", async () => {
    const args = iamArgs(
      withStatement({ Effect: "Allow", Action: ["iam:*"], Resource: "arn:aws:iam::123456789012:role/x" }),
    );
    expect(await runResourceRule(rule, args)).toEqual([
      "Role policy 'web-scale' must not allow iam:* in statement 10; responders never need to change IAM.",
    ]);
  });

  it("rejects a mutating action on * without a tag condition", async () => {
    const args = iamArgs(
      withStatement({
        Sid: "StopAll",
        Effect: "Allow",
        Action: ["ec2:StopInstances", "ec2:DescribeTags"],
        Resource: "*",
      }),
    );
    expect(await runResourceRule(rule, args)).toEqual([
      `Role policy 'web-scale' must scope ec2:StopInstances on "*" in statement 'StopAll' with a tag condition; name the resources or add an aws:ResourceTag/persona:fleet condition.`,
    ]);
  });

  it("accepts a mutating action on * with a persona:fleet tag condition", async () => {
    const args = iamArgs(
      withStatement({
        Effect: "Allow",
        Action: ["ec2:StopInstances"],
        Resource: "*",
        Condition: { StringEquals: { "aws:ResourceTag/persona:fleet": "web" } },
      }),
    );
    expect(await runResourceRule(rule, args)).toEqual([]);
  });

  it("takes the scoping condition keys from its configuration", async () => {
    // cloudwatch:namespace scopes PutMetricData by default; without it the fleet's metrics statement fails.
    const args = iamArgs(undefined, { scopingConditionKeys: ["aws:ResourceTag/"] });
    expect(await runResourceRule(rule, args)).toEqual([
      `Role policy 'web-scale' must scope cloudwatch:PutMetricData on "*" in statement 'PublishResponderMetrics' with a tag condition; name the resources or add an aws:ResourceTag/persona:fleet condition.`,
    ]);
  });

  it("rejects a policy that is not a JSON document", async () => {
    const args = iamArgs((inputs) => ({ ...inputs, policy: "{not json" }));
    expect(await runResourceRule(rule, args)).toEqual([
      "Role policy 'web-scale' must be a JSON policy document with a Statement list.",
    ]);
  });

  it("rejects a role that trusts a wildcard principal", async () => {
    const args = argsFor(TYPES.role, "web-scale", (inputs) => ({
      ...inputs,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
      }),
    }));
    expect(await runResourceRule(rule, args)).toEqual([
      "Role 'web-scale' must not trust a wildcard principal in statement 1; name the service that assumes it (lambda.amazonaws.com).",
    ]);
  });

  it("rejects a Lambda permission granted to every principal", async () => {
    const args = argsFor(TYPES.permission, "web-scale-alarms", (inputs) => ({ ...inputs, principal: "*" }));
    expect(await runResourceRule(rule, args)).toEqual([
      "Permission 'web-scale-alarms' must not grant a wildcard principal; name the service (lambda.alarms.cloudwatch.amazonaws.com or scheduler.amazonaws.com).",
    ]);
  });

  it("leaves other policies alone unless allResources is set", async () => {
    const props = {
      name: "deploy-bot",
      policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "iam:*", Resource: "*" }] }),
    };
    expect(await runResourceRule(rule, resourceArgs(TYPES.policy, "deploy-bot", props))).toEqual([]);
    expect(
      await runResourceRule(rule, resourceArgs(TYPES.policy, "deploy-bot", props, { allResources: true })),
    ).toEqual([
      "Policy 'deploy-bot' must not allow iam:* in statement 1; responders never need to change IAM.",
    ]);
  });
});

describe("persona-feeds-https-and-paced", () => {
  const rule = feedsHttpsAndPaced;
  const manifestArgs = (change: (m: Parameters<Parameters<typeof editManifest>[1]>[0]) => void = () => {}) =>
    argsFor(TYPES.bucketObject, "web-manifest", (inputs) => editManifest(inputs, change));
  const scheduleArgs = (expression?: string, config = {}) =>
    argsFor(
      TYPES.schedule,
      `web-${FEED}`,
      (inputs) => (expression === undefined ? inputs : { ...inputs, scheduleExpression: expression }),
      config,
    );

  it("passes the fleet's manifest and its feed schedule", async () => {
    expect(await runResourceRule(rule, manifestArgs())).toEqual([]);
    expect(await runResourceRule(rule, scheduleArgs())).toEqual([]);
  });

  it("rejects a manifest feed fetched over plain http", async () => {
    const args = manifestArgs((m) => {
      m.feeds[FEED]!.url = "http://threatintel.example.com/latest_ips";
    });
    expect(await runResourceRule(rule, args)).toEqual([
      `Object 'web-manifest' must list feeds served over https: feed '${FEED}' fetches http://threatintel.example.com/latest_ips; change the persona's URL to https.`,
    ]);
  });

  it("rejects a schedule that fetches more often than the configured interval", async () => {
    expect(await runResourceRule(rule, scheduleArgs("rate(5 minutes)", { minIntervalMinutes: 10 }))).toEqual([
      `Schedule 'web-${FEED}' must fetch its feed at most once every 10 minutes: 'rate(5 minutes)' runs every 300 seconds; raise the persona's Frequency.`,
    ]);
    expect(await runResourceRule(rule, scheduleArgs("cron(* * * * ? *)", { minIntervalMinutes: 2 }))).toEqual(
      [
        `Schedule 'web-${FEED}' must fetch its feed at most once every 2 minutes: 'cron(* * * * ? *)' runs every 60 seconds; raise the persona's Frequency.`,
      ],
    );
  });

  it("ignores schedules that are not persona feed schedules", async () => {
    const props = { name: "nightly", scheduleExpression: "rate(1 minute)", target: { input: "{}" } };
    expect(
      await runResourceRule(rule, resourceArgs(TYPES.schedule, "nightly", props, { minIntervalMinutes: 5 })),
    ).toEqual([]);
  });

  it("reads the interval of rate and cron expressions", () => {
    expect(scheduleIntervalSeconds("rate(1 minute)")).toBe(60);
    expect(scheduleIntervalSeconds("rate(2 hours)")).toBe(7200);
    expect(scheduleIntervalSeconds("rate(1 day)")).toBe(86400);
    expect(scheduleIntervalSeconds("cron(*/15 * * * ? *)")).toBe(900);
    expect(scheduleIntervalSeconds("cron(0,10,30 * * * ? *)")).toBe(600);
    expect(scheduleIntervalSeconds("cron(5 * * * ? *)")).toBe(3600);
    expect(scheduleIntervalSeconds("at(2026-12-01T00:00:00)")).toBeUndefined();
  });
});

describe("persona-scale-actions-bounded", () => {
  const rule = scaleActionsBounded;
  type Persona = Record<string, unknown> & { alarms: Record<string, unknown> };
  const scaleArgs = (change: (persona: Persona) => void = () => {}, config = {}) =>
    argsFor(
      TYPES.bucketObject,
      "web-manifest",
      (inputs) => editManifest(inputs, (m) => change(m.personas[SEED_DIGEST]!)),
      config,
    );

  it("passes the seed persona: 'Scale up to 16 cores' within the default maximum of 64", async () => {
    expect(await runResourceRule(rule, scaleArgs())).toEqual([]);
  });

  it("rejects a scale target above the organisation maximum", async () => {
    expect(await runResourceRule(rule, scaleArgs(undefined, { maxCpu: 8 }))).toEqual([
      "Object 'web-manifest' must scale response 'cpu-utilization-above' to at most 8 cores, not 16 (persona HighTraffic 1.0.0); lower the action's target.",
      "Object 'web-manifest' must scale alarm 'cpu-utilization-above' to at most 8 cores, not 16 (persona HighTraffic 1.0.0); lower the action's target.",
    ]);
  });

  it("rejects a scale target above the persona's own bound", async () => {
    const args = scaleArgs((p) => {
      p.bounds = { maxCpu: 12 };
    });
    expect(await runResourceRule(rule, args)).toEqual([
      "Object 'web-manifest' must scale response 'cpu-utilization-above' to at most 12 cores, not 16 (persona HighTraffic 1.0.0); lower the action's target or raise the persona's MaxCpu.",
      "Object 'web-manifest' must scale alarm 'cpu-utilization-above' to at most 12 cores, not 16 (persona HighTraffic 1.0.0); lower the action's target or raise the persona's MaxCpu.",
    ]);
  });

  it("rejects persona bounds above the organisation maxima", async () => {
    const args = scaleArgs((p) => {
      p.bounds = { maxCpu: 128, maxMemoryGiB: 1024 };
    });
    expect(await runResourceRule(rule, args)).toEqual([
      "Object 'web-manifest' must keep MaxCpu within the organisation maximum of 64, not 128 (persona HighTraffic 1.0.0); lower the persona's Bounds.",
      "Object 'web-manifest' must keep MaxMemory within the organisation maximum of 512 GiB, not 1024 GiB (persona HighTraffic 1.0.0); lower the persona's Bounds.",
    ]);
  });

  it("rejects a memory target above the organisation maximum", async () => {
    const args = scaleArgs((p) => {
      (p.responses as Record<string, { actions: unknown[] }>)["cpu-utilization-above"]!.actions = [
        { kind: "scale", memoryGiB: 768 },
      ];
    });
    expect(await runResourceRule(rule, args)).toEqual([
      "Object 'web-manifest' must scale response 'cpu-utilization-above' to at most 512 GiB, not 768 GiB (persona HighTraffic 1.0.0); lower the action's target.",
    ]);
  });

  it("rejects action rates above the organisation maximum", async () => {
    const args = scaleArgs((p) => {
      (p.guards as { maxActionsPerHour: number }).maxActionsPerHour = 30;
    });
    expect(await runResourceRule(rule, args)).toEqual([
      "Object 'web-manifest' must allow at most 12 actions per hour, not 30 (persona HighTraffic 1.0.0); lower the persona's MaxActionsPerHour.",
    ]);
    const response = scaleArgs((p) => {
      (p.responses as Record<string, { maxActionsPerHour: number }>)[
        "cpu-utilization-above"
      ]!.maxActionsPerHour = 20;
    });
    expect(await runResourceRule(rule, response)).toEqual([
      "Object 'web-manifest' must allow response 'cpu-utilization-above' at most 12 actions per hour, not 20 (persona HighTraffic 1.0.0); lower its MaxActionsPerHour.",
    ]);
  });
});

describe("persona-lambda-runtime-supported", () => {
  const rule = lambdaRuntimeSupported;
  const runtimeArgs = (runtime?: string, config = {}) =>
    argsFor(TYPES.function, "web-scale", (i) => (runtime === undefined ? i : { ...i, runtime }), config);

  it("passes the fleet's responders on nodejs22.x", async () => {
    for (const fn of fleet.recorded.filter((r) => r.type === TYPES.function))
      expect(await runResourceRule(rule, argsOf(fn))).toEqual([]);
  });

  it("rejects a deprecated runtime", async () => {
    expect(await runResourceRule(rule, runtimeArgs("nodejs18.x"))).toEqual([
      "Function 'web-scale' must use a supported Lambda runtime: nodejs18.x is not one of nodejs22.x and nodejs24.x; set responders.runtime on the fleet component.",
    ]);
  });

  it("takes the supported runtimes from its configuration", async () => {
    expect(await runResourceRule(rule, runtimeArgs(undefined, { runtimes: ["nodejs24.x"] }))).toEqual([
      "Function 'web-scale' must use a supported Lambda runtime: nodejs22.x is not nodejs24.x; set responders.runtime on the fleet component.",
    ]);
  });
});

describe("persona-log-group-retention", () => {
  const rule = logGroupRetention;
  const noRetention = (inputs: Record<string, unknown>) => {
    const { retentionInDays: _, ...rest } = inputs;
    return rest;
  };

  it("passes the responders' log groups (30 days)", async () => {
    expect(await runResourceRule(rule, argsFor(TYPES.logGroup, "web-scale"))).toEqual([]);
    expect(rule.remediateResource!(argsFor(TYPES.logGroup, "web-scale"))).toBeUndefined();
  });

  it("rejects a log group that keeps logs forever", async () => {
    expect(await runResourceRule(rule, argsFor(TYPES.logGroup, "web-scale", noRetention))).toEqual([
      "Log group 'web-scale' must have a retention period: set responders.logRetentionDays on the fleet component, or run the pack with enforcement remediate to set 30 days.",
    ]);
  });

  it("remediates by adding the configured retention", () => {
    const args = argsFor(TYPES.logGroup, "web-scale", noRetention, { retentionDays: 90 });
    expect(rule.remediateResource!(args)).toEqual({
      name: "/aws/lambda/personas-web_stack_scale",
      tags: { "persona:fleet": "web" },
      retentionInDays: 90,
    });
  });
});

describe("persona-state-table-point-in-time-recovery", () => {
  const rule = stateTablePointInTimeRecovery;

  it("passes the fleet's state table", async () => {
    expect(await runResourceRule(rule, argsFor(TYPES.table, "web-state"))).toEqual([]);
  });

  it("rejects a state table without point-in-time recovery", async () => {
    const args = argsFor(TYPES.table, "web-state", (i) => ({
      ...i,
      pointInTimeRecovery: { enabled: false },
    }));
    expect(await runResourceRule(rule, args)).toEqual([
      "Table 'web-state' must have point-in-time recovery enabled: set pointInTimeRecovery.enabled to true; the responders' locks, cooldowns and audit live in it.",
    ]);
  });
});

describe("persona-instance-tags", () => {
  const rule = instancePersonaTags;
  const tagArgs = (change: (tags: Record<string, string>) => void, config = {}) =>
    argsFor(
      TYPES.instance,
      "web-web-1",
      (inputs) => {
        const tags = { ...(inputs.tags as Record<string, string>) };
        change(tags);
        return { ...inputs, tags };
      },
      config,
    );

  it("passes a fleet instance", async () => {
    expect(
      await runResourceRule(
        rule,
        tagArgs(() => {}),
      ),
    ).toEqual([]);
  });

  it("rejects an instance without its persona digest", async () => {
    expect(
      await runResourceRule(
        rule,
        tagArgs((t) => delete t["persona:digest"]),
      ),
    ).toEqual([
      "Instance 'web-web-1' must carry the persona tags persona:name, persona:version and persona:digest: persona:digest is missing; create it with PersonaFleet or PersonaInstance.",
    ]);
  });

  it("rejects an instance without its persona name and version", async () => {
    const args = tagArgs((t) => {
      delete t["persona:name"];
      delete t["persona:version"];
    });
    expect(await runResourceRule(rule, args)).toEqual([
      "Instance 'web-web-1' must carry the persona tags persona:name, persona:version and persona:digest: persona:name and persona:version are missing; create it with PersonaFleet or PersonaInstance.",
    ]);
  });

  it("rejects a digest that is not a sha256", async () => {
    expect(
      await runResourceRule(
        rule,
        tagArgs((t) => (t["persona:digest"] = "v1")),
      ),
    ).toEqual([
      "Instance 'web-web-1' must carry a persona:digest of 64 lowercase hex characters (optionally after sha256:), not 'v1'; let the fleet component set it.",
    ]);
  });

  it("checks every instance by default and only persona-tagged ones with scope persona", async () => {
    const plain = { ami: "ami-0123456789abcdef0", instanceType: "t3.micro", tags: { Name: "bastion" } };
    expect(await runResourceRule(rule, resourceArgs(TYPES.instance, "bastion", plain))).toEqual([
      "Instance 'bastion' must carry the persona tags persona:name, persona:version and persona:digest: persona:name, persona:version and persona:digest are missing; create it with PersonaFleet or PersonaInstance.",
    ]);
    expect(
      await runResourceRule(rule, resourceArgs(TYPES.instance, "bastion", plain, { scope: "persona" })),
    ).toEqual([]);
  });
});
