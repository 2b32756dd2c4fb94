/**
 * The fleet's resize workflow: a Step Functions Standard state machine (src/aws/resize-definition.ts)
 * and its role, which may stop, start and change the type of the fleet's instances only. The scale
 * responder starts its executions (docs/aws.md "Resize workflow").
 */
import * as iam from "@pulumi/aws/iam";
import * as sfn from "@pulumi/aws/sfn";
import * as pulumi from "@pulumi/pulumi";
import { fleetResourceName, type NameScope } from "../plan/names.js";
import { assumeRolePolicy, resizeWorkflowPolicy } from "./iam.js";
import { type ResizeTiming, resizeDefinition, resizeTimeoutSeconds } from "./resize-definition.js";

/** The resources of the resize workflow. */
export interface ResizeWorkflowResources {
  stateMachine: sfn.StateMachine;
  role: iam.Role;
  /** The definition's TimeoutSeconds: the scale responder's lock on an instance lasts this long at most. */
  timeoutSeconds: number;
}

/** Account facts the policy names. */
export interface ResizeWorkflowFacts {
  partition: string;
  region: string;
  account: string;
}

/**
 * Registers the resize state machine of a fleet (`fleetResourceName(scope, "resize")`, at most 80
 * characters as CreateStateMachine allows) and its role.
 * @example
 * const workflow = renderResizeWorkflow(this, "web", { fleet: "web", stack: "prod" }, facts, tags);
 * workflow.stateMachine.arn; // given to the scale responder as RESIZE_STATE_MACHINE_ARN
 */
export function renderResizeWorkflow(
  parent: pulumi.Resource,
  name: string,
  scope: NameScope,
  facts: pulumi.Input<ResizeWorkflowFacts>,
  tags: Record<string, string>,
  timing: ResizeTiming = {},
): ResizeWorkflowResources {
  const opts = { parent };
  const fleet = scope.fleet;
  const resourceName = fleetResourceName(scope, "resize", 64);
  const role = new iam.Role(
    `${name}-resize`,
    {
      name: resourceName,
      description: `pulumi-personas ${fleet}: resize workflow (Step Functions)`,
      // Only Step Functions in this account may use the role (the confused-deputy guard of the IAM guide).
      assumeRolePolicy: pulumi
        .output(facts)
        .apply((f) =>
          assumeRolePolicy("states.amazonaws.com", { StringEquals: { "aws:SourceAccount": f.account } }),
        ),
      tags,
    },
    opts,
  );
  const policy = new iam.RolePolicy(
    `${name}-resize`,
    {
      role: role.id,
      name: resourceName,
      policy: pulumi.output(facts).apply((f) => JSON.stringify(resizeWorkflowPolicy({ ...f, fleet }))),
    },
    opts,
  );
  const stateMachine = new sfn.StateMachine(
    `${name}-resize`,
    {
      name: fleetResourceName(scope, "resize", 80),
      type: "STANDARD",
      roleArn: role.arn,
      definition: JSON.stringify(resizeDefinition(timing)),
      tags,
    },
    { parent, dependsOn: [policy] },
  );
  return { stateMachine, role, timeoutSeconds: resizeTimeoutSeconds(timing) };
}
