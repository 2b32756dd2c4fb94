import { beforeAll, describe, expect, it } from "vitest";
import { alarmActionsTargetResponders, alarmsCoverTriggers } from "../../src/policy/rules/alarms.js";
import { stackBudget } from "../../src/policy/rules/budget.js";
import { feedTargetsExist } from "../../src/policy/rules/feeds.js";
import { mutationsNeedMembership, tagReachableActions } from "../../src/policy/rules/membership.js";
import { indexStack, TYPES } from "../../src/policy/stack.js";
import { contentDigest } from "../../src/repository/digest.js";
import { SEED_DIGEST } from "../aws/support.js";
import {
  editManifest,
  policyResource,
  type RecordedStack,
  runStackRule,
  seedFleetStack,
  stackArgs,
  urnOf,
  withInputs,
  without,
} from "./support.js";

const FEED = "HighTraffic-threatintel-example-com";
const CPU_ALARM = "web-web-1-cpu-utilization-above";
const MANIFEST_URN = urnOf(TYPES.bucketObject, "web-manifest");
const OTHER_DIGEST = contentDigest({ other: "persona" });
const OTHER_SHORT = `${OTHER_DIGEST.slice("sha256:".length, "sha256:".length + 8)}…`;
/** How messages show the seed persona's digest. */
const SEED_SHORT = `${SEED_DIGEST.slice("sha256:".length, "sha256:".length + 8)}…`;
let fleet: RecordedStack;

beforeAll(async () => {
  // Per-instance alarms: these rules' per-instance cases (each instance's own alarm, its dimensions,
  // its digest); test/policy/fleet-wide.test.ts has the fleet-wide ones.
  fleet = await seedFleetStack(2, "per-instance");
});

describe("persona-alarms-cover-triggers", () => {
  const rule = alarmsCoverTriggers;

  it("passes a fleet whose instances have one alarm per trigger", async () => {
    expect(await runStackRule(rule, stackArgs(fleet.resources))).toEqual([]);
  });

  it("reports the instance whose alarm is missing, naming the alarm id", async () => {
    const stack = without(fleet, (r) => r.name !== CPU_ALARM);
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([
      {
        message: `Instance 'web-web-1' must have an alarm for each trigger of persona HighTraffic 1.0.0 (digest ${SEED_SHORT}): cpu-utilization-above is missing; render its alarms with PersonaFleet or PersonaInstance.`,
        urn: urnOf(TYPES.instance, "web-web-1"),
      },
    ]);
  });

  it("finds alarms through the engine's property dependencies when the instance id is unknown", async () => {
    const stack = withInputs(fleet, TYPES.alarm, CPU_ALARM, (i) => ({ ...i, dimensions: {} }));
    const instance = stack.resources.find((r) => r.name === "web-web-1")!;
    const alarm = stack.resources.find((r) => r.name === CPU_ALARM)!;
    alarm.propertyDependencies = { dimensions: [instance] };
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([]);
  });

  const retagged = (stack: RecordedStack) =>
    withInputs(stack, TYPES.alarm, CPU_ALARM, (i) => ({
      ...i,
      alarmDescription: (i.alarmDescription as string).replace(SEED_DIGEST, OTHER_DIGEST),
    }));

  it("reports an alarm whose digest no manifest of the stack lists", async () => {
    const violations = await runStackRule(rule, stackArgs(retagged(fleet).resources));
    expect(violations[0]).toEqual({
      message: `Alarm 'web-web-1-cpu-utilization-above' must carry a persona digest that a fleet manifest of this stack lists: ${OTHER_SHORT} is in none, so its responders would ignore it; let the fleet component render it.`,
      urn: urnOf(TYPES.alarm, CPU_ALARM),
    });
  });

  it("reports an alarm that carries another persona's digest than its instance", async () => {
    // The other persona is in the manifest: only the mismatch with the instance is wrong.
    const withOther = withInputs(fleet, TYPES.bucketObject, "web-manifest", (i) =>
      editManifest(i, (m) => {
        m.personas[OTHER_DIGEST] = m.personas[SEED_DIGEST]!;
      }),
    );
    const stack = retagged(withOther);
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([
      {
        message: `Alarm 'web-web-1-cpu-utilization-above' must belong to the persona of the instance it watches: it carries digest ${OTHER_SHORT}, instance 'web-web-1' has ${SEED_SHORT}; re-run the fleet component so the alarms follow the persona.`,
        urn: urnOf(TYPES.alarm, CPU_ALARM),
      },
      {
        message: `Instance 'web-web-1' must have an alarm for each trigger of persona HighTraffic 1.0.0 (digest ${SEED_SHORT}): cpu-utilization-above is missing; render its alarms with PersonaFleet or PersonaInstance.`,
        urn: urnOf(TYPES.instance, "web-web-1"),
      },
    ]);
  });

  it("reports an instance whose digest its fleet's manifest does not list", async () => {
    const stack = withInputs(fleet, TYPES.instance, "web-web-2", (i) => ({
      ...i,
      tags: { ...(i.tags as object), "persona:digest": OTHER_DIGEST },
    }));
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([
      {
        message: `Instance 'web-web-2' must carry a persona digest that fleet 'web' manifests: ${OTHER_SHORT} is not in it; let the fleet component set the persona tags.`,
        urn: urnOf(TYPES.instance, "web-web-2"),
      },
    ]);
  });

  it("reports instances of a fleet without a manifest, and a manifest it cannot read", async () => {
    const missing = without(fleet, (r) => !(r.type === TYPES.bucketObject && r.name === "web-manifest"));
    const unlisted = (alarm: string) =>
      `Alarm '${alarm}' must carry a persona digest that a fleet manifest of this stack lists: ${SEED_SHORT} is in none, so its responders would ignore it; let the fleet component render it.`;
    // Sorted: the order alarms register in follows the engine (an instance whose user data waits
    // for the agent object registers later), not the rule.
    expect((await runStackRule(rule, stackArgs(missing.resources))).map((v) => v.message).sort()).toEqual(
      [
        unlisted("web-web-1-cpu-utilization-above"),
        unlisted("web-web-2-cpu-utilization-above"),
        unlisted("web-web-1-network-latency-above"),
        unlisted("web-web-2-network-latency-above"),
        "Instance 'web-web-1' must belong to a fleet whose manifest is in this stack: no manifest object (manifest/fleet.json in its fleet store) was found; deploy it with PersonaFleet or PersonaInstance.",
        "Instance 'web-web-2' must belong to a fleet whose manifest is in this stack: no manifest object (manifest/fleet.json in its fleet store) was found; deploy it with PersonaFleet or PersonaInstance.",
      ].sort(),
    );
    const unreadable = withInputs(fleet, TYPES.bucketObject, "web-manifest", (i) => ({
      ...i,
      content: "{}",
    }));
    expect((await runStackRule(rule, stackArgs(unreadable.resources)))[0]).toEqual({
      message:
        "Object 'web-manifest' must hold a fleet manifest the pack can read: its value is not a version 1 fleet manifest (version: Invalid input: expected 1); let PersonaFleet write it.",
      urn: MANIFEST_URN,
    });
  });
});

describe("persona-alarm-actions-target-responders", () => {
  const rule = alarmActionsTargetResponders;

  it("passes alarms whose actions are the fleet's responders", async () => {
    expect(await runStackRule(rule, stackArgs(fleet.resources))).toEqual([]);
  });

  it("reports an alarm without actions", async () => {
    const stack = withInputs(fleet, TYPES.alarm, CPU_ALARM, (i) => ({ ...i, alarmActions: [] }));
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([
      {
        message:
          "Alarm 'web-web-1-cpu-utilization-above' must have at least one alarm action: set alarmActions to a responder function of this stack (the fleet components do).",
        urn: urnOf(TYPES.alarm, CPU_ALARM),
      },
    ]);
  });

  it("reports actions that point outside the stack", async () => {
    const foreign = "arn:aws:lambda:us-east-1:999999999999:function:elsewhere";
    const stack = withInputs(fleet, TYPES.alarm, CPU_ALARM, (i) => ({ ...i, okActions: [foreign] }));
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([
      {
        message: `Alarm 'web-web-1-cpu-utilization-above' must send its actions to a responder of this stack: ${foreign} is not a responder here; point them at the fleet's responder functions.`,
        urn: urnOf(TYPES.alarm, CPU_ALARM),
      },
    ]);
  });

  it("accepts an action whose ARN the engine links to a responder through property dependencies", async () => {
    const stack = withInputs(fleet, TYPES.alarm, CPU_ALARM, (i) => ({ ...i, alarmActions: ["arn:late"] }));
    const alarm = stack.resources.find((r) => r.name === CPU_ALARM)!;
    const linked = policyResource(TYPES.function, "late", { arn: "arn:late", name: "late" });
    alarm.propertyDependencies = { alarmActions: [linked] };
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([]);
  });
});

describe("persona-feed-targets-exist", () => {
  const rule = feedTargetsExist;

  it("passes a fleet whose WAF feed has both IP sets and its web ACL rule", async () => {
    expect(await runStackRule(rule, stackArgs(fleet.resources))).toEqual([]);
  });

  it("reports a missing IP set", async () => {
    const stack = without(fleet, (r) => !(r.type === TYPES.ipSet && r.name.endsWith("-ipv6")));
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([
      {
        message: `Feed '${FEED}' of fleet 'web' must have its WAF IP sets in this stack: personas-web_stack_${FEED}-ipv6 is missing; pass firewall.webAclArn to the fleet component.`,
        urn: MANIFEST_URN,
      },
    ]);
  });

  it("reports a missing web ACL rule", async () => {
    const stack = without(fleet, (r) => r.type !== TYPES.webAclRule);
    expect(await runStackRule(rule, stackArgs(stack.resources))).toEqual([
      {
        message: `Feed '${FEED}' of fleet 'web' must have a web ACL rule that references its IP sets: personas-web_stack_${FEED} is missing or names no web ACL; pass firewall.webAclArn to the fleet component.`,
        urn: MANIFEST_URN,
      },
    ]);
  });

  it("reports a network ACL feed whose firewall responder names no network ACL, and passes it once named", async () => {
    const acl = withInputs(fleet, TYPES.bucketObject, "web-manifest", (i) =>
      editManifest(i, (m) => {
        m.feeds[FEED]!.enforcement = "network-acl";
      }),
    );
    expect(await runStackRule(rule, stackArgs(acl.resources))).toEqual([
      {
        message: `Feed '${FEED}' of fleet 'web' must name the network ACL it writes: its fleet store entry names none; pass firewall.networkAclId to the fleet component.`,
        urn: MANIFEST_URN,
      },
    ]);
    const named = withInputs(acl, TYPES.bucketObject, `web-feed-${FEED}`, (i) => ({
      ...i,
      content: JSON.stringify({
        ...JSON.parse(i.content as string),
        enforcement: { networkAcl: { networkAclId: "acl-0123", firstRuleNumber: 100, maxEntries: 18 } },
      }),
    }));
    expect(await runStackRule(rule, stackArgs(named.resources))).toEqual([]);
  });
});

describe("persona-stack-budget", () => {
  const rule = stackBudget;

  it("passes a fleet within the default budgets (5,000 alarms, 40 responders)", async () => {
    expect(await runStackRule(rule, stackArgs(fleet.resources))).toEqual([]);
  });

  it("reports alarms over the alarm budget", async () => {
    expect(await runStackRule(rule, stackArgs(fleet.resources, { maxAlarms: 3 }))).toEqual([
      {
        message:
          "The stack must hold at most 3 persona alarms, not 4: split the fleet across stacks, drop triggers, or raise maxAlarms.",
      },
    ]);
  });

  it("reports responders over the responder budget", async () => {
    expect(await runStackRule(rule, stackArgs(fleet.resources, { maxResponders: 2 }))).toEqual([
      {
        message:
          "The stack must hold at most 2 responder functions, not 3: merge fleets, or raise maxResponders.",
      },
    ]);
  });
});

describe("indexStack", () => {
  it("indexes a stack once and returns the same index for the same resource list", () => {
    const first = indexStack(fleet.resources);
    expect(indexStack(fleet.resources)).toBe(first);
    expect(first.personaAlarms.length).toBe(4);
    expect([...first.manifests.keys()]).toEqual(["web"]);
    expect(first.responderFunctions.map((f) => f.name).sort()).toEqual([
      "web-feature",
      "web-firewall",
      "web-scale",
    ]);
  });
});

describe("persona-mutations-need-membership", () => {
  const rule = mutationsNeedMembership;
  const RESIZE =
    "Role policy 'web-resize' must not let a tag alone reach instances: statement 'ResizeFleetInstances' allows ec2:StopInstances, ec2:StartInstances, ec2:ModifyInstanceAttribute on instances scoped only by persona tags, and its role belongs to no function that checks the fleet's membership record (FLEET_BUCKET); anyone with ec2:CreateTags could point it at their own instance. Give the permission only to the fleet's responders, or scope it to named instances.";

  /** The happy-path stack: the fleet as the components render it. */
  const happy = () => fleet;
  /** The scale responder without the membership record: its tag-scoped resize is reachable by a tag. */
  const withoutMembership = () =>
    withInputs(fleet, TYPES.function, "web-scale", (inputs) => {
      const environment = inputs.environment as { variables: Record<string, string> };
      const { FLEET_BUCKET: _bucket, ...variables } = environment.variables;
      return { ...inputs, environment: { variables } };
    });

  it("passes the fleet's responders, which check membership before acting", async () => {
    expect(await runStackRule(rule, stackArgs(happy().resources))).toEqual([]);
  });

  it("reports the resize workflow's tag-scoped role when the function that starts it does not read the membership record", async () => {
    expect(await runStackRule(rule, stackArgs(withoutMembership().resources))).toEqual([
      { message: RESIZE, urn: urnOf(TYPES.rolePolicy, "web-resize") },
    ]);
  });

  it("reports the resize workflow's role when a role that is no checked function's may also start it", async () => {
    const alsoStarted = withInputs(fleet, TYPES.rolePolicy, "web-resize", (inputs) => {
      const policy = JSON.parse(inputs.policy as string) as { Statement: unknown[] };
      policy.Statement.push({ Effect: "Allow", Action: "states:StartExecution", Resource: "*" });
      return { ...inputs, policy: JSON.stringify(policy) };
    });
    expect(await runStackRule(rule, stackArgs(alsoStarted.resources))).toEqual([
      { message: RESIZE, urn: urnOf(TYPES.rolePolicy, "web-resize") },
    ]);
  });

  it("names only tag-only scoping: a statement with another condition key or named instances is not reachable by a tag", () => {
    const statement = (extra: Record<string, unknown>) => ({
      Effect: "Allow",
      Action: ["ssm:SendCommand"],
      Resource: "arn:aws:ec2:us-east-1:123456789012:instance/*",
      ...extra,
    });
    const tagOnly = { Condition: { StringEquals: { "ssm:resourceTag/persona:fleet": "web" } } };
    expect(tagReachableActions(statement(tagOnly))).toEqual(["ssm:SendCommand"]);
    expect(tagReachableActions(statement({ ...tagOnly, Action: ["ec2:*"] }))).toEqual([
      "ec2:StopInstances",
      "ec2:StartInstances",
      "ec2:RebootInstances",
      "ec2:TerminateInstances",
      "ec2:ModifyInstanceAttribute",
      "ec2:CreateTags",
      "ec2:DeleteTags",
    ]);
    expect(
      tagReachableActions(
        statement({
          Condition: {
            StringEquals: { "ssm:resourceTag/persona:fleet": "web", "aws:SourceVpc": "vpc-1" },
          },
        }),
      ),
    ).toEqual([]);
    expect(
      tagReachableActions(
        statement({ ...tagOnly, Resource: "arn:aws:ec2:us-east-1:123456789012:instance/i-1" }),
      ),
    ).toEqual([]);
  });
});
