/**
 * persona-guard as the Pulumi CLI meets it: a process started like `pulumi preview --policy-pack`
 * starts it, spoken to over the Analyzer gRPC protocol (GetAnalyzerInfo, Analyze per resource,
 * AnalyzeStack). The stacks are the example's program recorded under the mock engine; the expected
 * violations are what the rules report when called directly (test/policy/support.ts), which the
 * other policy tests pin.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { EnforcementLevel } from "@pulumi/pulumi/proto/analyzer_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  personaGuardPolicies,
  personaGuardResourcePolicies,
  personaGuardStackPolicies,
} from "../../src/policy/pack.js";
import { TYPES } from "../../src/policy/stack.js";
import { packVersion, type ServedPack, type ServedViolation, servePersonaGuard } from "./served-pack.js";
import {
  argsOf,
  exampleStack,
  type RecordedStack,
  runResourceRule,
  runStackRule,
  stackArgs,
  withInputs,
} from "./support.js";

let pack: ServedPack;
let clean: RecordedStack;
let broken: RecordedStack;

/** The diagnostic the policy SDK's server makes of a direct violation: the description, a newline, the message. */
function served(rule: ResourceValidationPolicy | StackValidationPolicy, message: string, urn?: string) {
  const violation: ServedViolation = {
    policy: rule.name,
    message: `${rule.description}\n${message}`,
    enforcementLevel: "mandatory",
  };
  if (urn !== undefined) violation.urn = urn;
  return violation;
}

/** What the direct rule calls report for every resource (Analyze) and for the stack (AnalyzeStack). */
async function expectedOf(stack: RecordedStack) {
  const perResource: ServedViolation[][] = [];
  for (const resource of stack.recorded) {
    const found: ServedViolation[] = [];
    for (const rule of personaGuardResourcePolicies)
      for (const message of await runResourceRule(rule, argsOf(resource))) found.push(served(rule, message));
    perResource.push(found);
  }
  const stackWide: ServedViolation[] = [];
  for (const rule of personaGuardStackPolicies)
    for (const v of await runStackRule(rule, stackArgs(stack.resources)))
      stackWide.push(served(rule, v.message, v.urn));
  return { perResource, stackWide };
}

async function analyzedBy(stack: RecordedStack) {
  const perResource: ServedViolation[][] = [];
  for (const resource of stack.recorded) perResource.push(await pack.analyze(resource));
  return { perResource, stackWide: await pack.analyzeStack(stack.recorded) };
}

beforeAll(async () => {
  clean = await exampleStack();
  // Two faults, each the renderer's own resource: an alarm that lost its actions (a stack rule) and
  // a responder policy that gained an unscoped destructive statement (a resource rule).
  const alarm = clean.recorded.find((r) => r.type === TYPES.alarm);
  const rolePolicy = clean.recorded.find((r) => r.type === TYPES.rolePolicy);
  if (!alarm || !rolePolicy) throw new Error("the example recorded no alarm or no role policy");
  broken = withInputs(
    withInputs(clean, TYPES.alarm, alarm.name, (i) => ({ ...i, alarmActions: [] })),
    TYPES.rolePolicy,
    rolePolicy.name,
    (i) => {
      const policy = JSON.parse(i.policy as string) as { Statement: unknown[] };
      policy.Statement.push({
        Sid: "Anything",
        Effect: "Allow",
        Action: ["ec2:TerminateInstances"],
        Resource: "*",
      });
      return { ...i, policy: JSON.stringify(policy) };
    },
  );
  pack = await servePersonaGuard();
}, 240_000);

afterAll(async () => {
  await pack?.stop();
});

describe("persona-guard served over the Analyzer gRPC protocol", () => {
  it("describes itself: its name, the version in its package.json and every rule, mandatory", async () => {
    const info = await pack.info();
    expect(info.getName()).toBe("persona-guard");
    expect(info.getVersion()).toBe(packVersion());
    expect(info.getSupportsconfig()).toBe(true);
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(personaGuardPolicies.map((p) => p.name));
    expect(new Set(info.getPoliciesList().map((p) => p.getEnforcementlevel()))).toEqual(
      new Set([EnforcementLevel.MANDATORY]),
    );
  });

  it("reports no violation on any resource or on the stack of the example program", async () => {
    const analyzed = await analyzedBy(clean);
    expect(analyzed.perResource.flat()).toEqual([]);
    expect(analyzed.stackWide).toEqual([]);
    expect(analyzed).toEqual(await expectedOf(clean));
  });

  it("reports exactly the violations the direct rule calls report on a broken stack", async () => {
    const analyzed = await analyzedBy(broken);
    const expected = await expectedOf(broken);
    expect(analyzed).toEqual(expected);
    expect([...analyzed.perResource.flat(), ...analyzed.stackWide].map((v) => v.policy)).toEqual([
      "persona-responder-iam-least-privilege",
      "persona-alarm-actions-target-responders",
    ]);
  });
});
