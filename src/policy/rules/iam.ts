/**
 * Least-privilege IAM for the fleets' roles: no mutating action on `*` without a tag condition, no
 * `iam:*` (nor any wildcard IAM action), no `*` action, no wildcard principal in a trust policy or a
 * Lambda permission.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, schema } from "../config.js";
import { fleetOf, listOf, PERSONA_NAME_PREFIX, recordOf, stringOf, TYPES } from "../stack.js";

/** Configuration of {@link responderIamLeastPrivilege}. */
export interface IamConfig {
  /** Condition key prefixes that scope an action on `*` (tags, or the only key a service offers). */
  scopingConditionKeys: string[];
  /** Check every IAM policy, role and Lambda permission of the stack, not only the fleets'. */
  allResources: boolean;
}

/** Defaults of {@link IamConfig}. */
export const IAM_DEFAULTS: IamConfig = {
  scopingConditionKeys: ["aws:ResourceTag/", "aws:TagKeys", "cloudwatch:namespace"],
  allResources: false,
};

const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List)[A-Za-z0-9]*$/;

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function statementsOf(document: unknown): Record<string, unknown>[] | undefined {
  const parsed = typeof document === "string" ? safeJson(document) : document;
  const record = recordOf(parsed);
  if (!record) return undefined;
  return asList(record.Statement)
    .map(recordOf)
    .filter((s): s is Record<string, unknown> => s !== undefined);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function label(statement: Record<string, unknown>, position: number): string {
  const sid = stringOf(statement.Sid);
  return sid === undefined ? `statement ${position + 1}` : `statement '${sid}'`;
}

/** The problems of one permissions policy document, as "must" clauses. */
function permissionProblems(document: unknown, config: IamConfig): string[] | "unreadable" {
  const statements = statementsOf(document);
  if (!statements) return "unreadable";
  const problems: string[] = [];
  statements.forEach((statement, position) => {
    if (statement.Effect !== "Allow") return;
    const where = label(statement, position);
    const actions = asList(statement.Action).map(String);
    if (actions.includes("*"))
      problems.push(`must not allow every action ("*") in ${where}; list the actions the responder needs`);
    const iamWildcards = actions.filter((a) => a.toLowerCase().startsWith("iam:") && a.includes("*"));
    if (iamWildcards.length > 0)
      problems.push(
        `must not allow ${listOf(iamWildcards)} in ${where}; responders never need to change IAM`,
      );
    const resources = asList(statement.Resource).map(String);
    if (!resources.includes("*")) return;
    const keys = Object.values(recordOf(statement.Condition) ?? {}).flatMap((c) =>
      Object.keys(recordOf(c) ?? {}),
    );
    const scoped = keys.some((key) => config.scopingConditionKeys.some((prefix) => key.startsWith(prefix)));
    // Each action is reported once: wildcards above, the rest here.
    const mutating = actions.filter((a) => a !== "*" && !iamWildcards.includes(a) && !READ_ONLY.test(a));
    if (mutating.length > 0 && !scoped)
      problems.push(
        `must scope ${listOf(mutating)} on "*" in ${where} with a tag condition; name the resources or add an aws:ResourceTag/persona:fleet condition`,
      );
  });
  return problems;
}

function principalIsWildcard(principal: unknown): boolean {
  if (principal === "*") return true;
  const record = recordOf(principal);
  return record !== undefined && Object.values(record).some((v) => asList(v).includes("*"));
}

/** Checks whether responder IAM is least-privilege: scoped mutations, no IAM wildcards, no wildcard principals. */
export const responderIamLeastPrivilege: ResourceValidationPolicy = {
  name: "persona-responder-iam-least-privilege",
  description:
    "Checks whether responder IAM is least-privilege: no mutating action on * without a tag condition, no iam:*, no wildcard principals.",
  enforcementLevel: "mandatory",
  configSchema: schema({
    scopingConditionKeys: {
      type: "array",
      items: { type: "string" },
      default: IAM_DEFAULTS.scopingConditionKeys,
      description: "Condition key prefixes that scope an action on *.",
    },
    allResources: {
      type: "boolean",
      default: IAM_DEFAULTS.allResources,
      description: "Check every IAM policy, role and Lambda permission, not only the fleets'.",
    },
  }),
  validateResource: (args, reportViolation) => {
    const config = configOf(args, IAM_DEFAULTS);
    const props = args.props as Record<string, unknown>;
    const ours = (name: unknown) =>
      config.allResources || (stringOf(name) ?? "").startsWith(PERSONA_NAME_PREFIX);
    switch (args.type) {
      case TYPES.rolePolicy:
      case TYPES.policy: {
        if (!ours(props.name)) return;
        const what = args.type === TYPES.rolePolicy ? "Role policy" : "Policy";
        const problems = permissionProblems(props.policy, config);
        if (problems === "unreadable")
          reportViolation(`${what} '${args.name}' must be a JSON policy document with a Statement list.`);
        else for (const problem of problems) reportViolation(`${what} '${args.name}' ${problem}.`);
        return;
      }
      case TYPES.role: {
        if (!config.allResources && fleetOf(props) === undefined) return;
        const trust = statementsOf(props.assumeRolePolicy) ?? [];
        trust.forEach((statement, position) => {
          if (statement.Effect === "Allow" && principalIsWildcard(statement.Principal))
            reportViolation(
              `Role '${args.name}' must not trust a wildcard principal in ${label(statement, position)}; name the service that assumes it (lambda.amazonaws.com).`,
            );
        });
        for (const inline of asList(props.inlinePolicies)) {
          const problems = permissionProblems(recordOf(inline)?.policy, config);
          if (problems !== "unreadable")
            for (const problem of problems) reportViolation(`Role '${args.name}' ${problem}.`);
        }
        return;
      }
      case TYPES.permission: {
        if (!ours(props.function)) return;
        if (props.principal === "*")
          reportViolation(
            `Permission '${args.name}' must not grant a wildcard principal; name the service (lambda.alarms.cloudwatch.amazonaws.com or scheduler.amazonaws.com).`,
          );
        return;
      }
    }
  },
};
