/**
 * Membership rule: no permission that changes instances may be reachable by a tag alone.
 *
 * Precisely: an Allow statement of a role policy in the stack is *tag-reachable* when
 * - one of its actions changes an instance or runs code on it (`ec2:StopInstances`,
 *   `ec2:StartInstances`, `ec2:RebootInstances`, `ec2:TerminateInstances`,
 *   `ec2:ModifyInstanceAttribute`, `ec2:CreateTags`, `ec2:DeleteTags`, `ssm:SendCommand`,
 *   `ssm:StartSession`, `ssm:StartAutomationExecution`, or a wildcard covering one of them);
 * - its resources include instances by pattern (`*` or `arn:...:instance/*`);
 * - and every condition key it has tests a `persona:` resource tag (`aws:ResourceTag/persona:…`,
 *   `ec2:ResourceTag/persona:…`, `ssm:resourceTag/persona:…`) or `aws:TagKeys`.
 * Anyone with `ec2:CreateTags` can satisfy such a condition on their own instance. Such a statement
 * is allowed only on the role of a Lambda function of the stack that reads the fleet's membership
 * record (its environment names `FLEET_BUCKET`): the pulumi-personas runtime checks membership
 * before any side effect (docs/security.md, "Membership"), or on the role of a Step Functions state
 * machine of the stack (the resize workflow) that some role policy of the stack lets start, where
 * every such policy belongs to a checked function's role: the machine acts only on the instances
 * such a function names. Any other role holding one is reported.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { recordOf, stringOf, TYPES } from "../stack.js";

const INSTANCE_MUTATIONS = [
  "ec2:StopInstances",
  "ec2:StartInstances",
  "ec2:RebootInstances",
  "ec2:TerminateInstances",
  "ec2:ModifyInstanceAttribute",
  "ec2:CreateTags",
  "ec2:DeleteTags",
  "ssm:SendCommand",
  "ssm:StartSession",
  "ssm:StartAutomationExecution",
];

const TAG_KEY = /^(aws:ResourceTag|ec2:ResourceTag|ssm:resourceTag)\/persona:|^aws:TagKeys$/;

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** True when an IAM action pattern (`ec2:Stop*`, `ssm:*`, `*`) covers `action`. */
function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
  return regex.test(action);
}

function statementsOf(policy: unknown): Record<string, unknown>[] {
  let parsed: unknown = policy;
  if (typeof policy === "string") {
    try {
      parsed = JSON.parse(policy);
    } catch {
      return [];
    }
  }
  return asList(recordOf(parsed)?.Statement)
    .map(recordOf)
    .filter((s): s is Record<string, unknown> => s !== undefined);
}

/** True when an Allow statement lets its role start executions of the state machine `arn`. */
function startsExecutionsOf(statement: Record<string, unknown>, arn: string): boolean {
  if (statement.Effect !== "Allow") return false;
  const actions = asList(statement.Action).map(String);
  if (!actions.some((pattern) => covers(pattern, "states:StartExecution"))) return false;
  return asList(statement.Resource)
    .map(String)
    .some((pattern) => covers(pattern, arn));
}

/** The mutating instance actions a statement reaches by tag alone, or none. */
export function tagReachableActions(statement: Record<string, unknown>): string[] {
  if (statement.Effect !== "Allow") return [];
  const resources = asList(statement.Resource).map(String);
  if (!resources.some((r) => r === "*" || /:instance\/\*$/.test(r))) return [];
  const conditions = Object.values(recordOf(statement.Condition) ?? {}).flatMap((c) =>
    Object.keys(recordOf(c) ?? {}),
  );
  if (conditions.length === 0 || !conditions.every((key) => TAG_KEY.test(key))) return [];
  const actions = asList(statement.Action).map(String);
  return INSTANCE_MUTATIONS.filter((action) => actions.some((pattern) => covers(pattern, action)));
}

export const mutationsNeedMembership: StackValidationPolicy = {
  name: "persona-mutations-need-membership",
  description:
    "Checks whether every permission that stops, resizes, tags or runs commands on instances scoped only by a persona tag belongs to a function that checks the fleet's membership record.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const byType = (type: string) => args.resources.filter((r) => r.type === type);
    const roles = byType(TYPES.role);
    // Roles whose function reads the membership record (FLEET_BUCKET) before any side effect.
    const checked = new Set<string>();
    for (const fn of byType(TYPES.function)) {
      const variables = recordOf(recordOf(fn.props.environment)?.variables) ?? {};
      const role = stringOf(fn.props.role);
      if (role !== undefined && variables.FLEET_BUCKET !== undefined) checked.add(role);
    }
    const roleOf = (policy: PolicyResource): PolicyResource | undefined => {
      const ref = stringOf(policy.props.role);
      return roles.find((r) => ref !== undefined && (r.props.id === ref || r.props.name === ref));
    };
    const rolePolicies = byType(TYPES.rolePolicy);
    // A state machine's role is checked when only checked roles of the stack may start it.
    for (const machine of byType(TYPES.stateMachine)) {
      const machineArn = stringOf(machine.props.arn);
      const machineRole = stringOf(machine.props.roleArn);
      if (machineArn === undefined || machineRole === undefined) continue;
      const starters = rolePolicies.filter((policy) =>
        statementsOf(policy.props.policy).some((s) => startsExecutionsOf(s, machineArn)),
      );
      const starterRoles = starters.map((policy) => stringOf(roleOf(policy)?.props.arn));
      if (starters.length > 0 && starterRoles.every((arn) => arn !== undefined && checked.has(arn)))
        checked.add(machineRole);
    }
    for (const policy of rolePolicies) {
      const role = roleOf(policy);
      const roleArn = stringOf(role?.props.arn);
      if (roleArn !== undefined && checked.has(roleArn)) continue;
      statementsOf(policy.props.policy).forEach((statement, index) => {
        const actions = tagReachableActions(statement);
        if (actions.length === 0) return;
        const sid = stringOf(statement.Sid) ?? `${index}`;
        reportViolation(
          `Role policy '${policy.name}' must not let a tag alone reach instances: statement '${sid}' allows ${actions.join(", ")} on instances scoped only by persona tags, and its role belongs to no function that checks the fleet's membership record (FLEET_BUCKET); anyone with ec2:CreateTags could point it at their own instance. Give the permission only to the fleet's responders, or scope it to named instances.`,
          policy.urn,
        );
      });
    }
  },
};
