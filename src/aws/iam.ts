/**
 * Least-privilege IAM for responders: each cloud-neutral capability of the plan becomes one
 * statement. Mutating EC2 and SSM calls are conditioned on the fleet tag; nothing mutating is allowed
 * on `*` without a condition; no `iam:*` action ever appears. Pure functions over plain strings, so
 * tests read exact statements.
 */
import type { Capability, ResponderKind } from "../plan/responders.js";
import { RESPONDER_CAPABILITIES } from "../plan/responders.js";
import { FLEET_TAG_KEY, RESPONDER_METRICS_NAMESPACE } from "./contract.js";

/** One IAM policy statement. */
export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Everything a responder's policy names, as plain strings (ARNs resolved). */
export interface ResponderPolicyContext {
  partition: string;
  region: string;
  account: string;
  fleet: string;
  /** The scope's SSM parameter path, `/personas/<fleet>/<stack>` (src/plan/names.ts `parameterPath`). */
  parameterPath: string;
  /** The scope's alarm-name pattern, `personas-<fleet>_<stack>_*` (src/plan/names.ts `alarmNamePattern`). */
  alarmNamePattern: string;
  kind: ResponderKind;
  stateTableArn: string;
  /** The fleet store bucket's ARN. */
  fleetBucketArn: string;
  logGroupArn: string;
  /** The on-failure destination (an SQS queue or SNS topic). */
  failureDestinationArn: string;
  /** firewall: the WAF IP sets it may update. */
  wafIpSetArns?: readonly string[];
  /** firewall: the network ACLs whose entries it may change. */
  networkAclIds?: readonly string[];
  /** notify: the SNS topics it may publish to. */
  topicArns?: readonly string[];
  /** invoke-function: the functions (names or ARNs) the persona's actions call. */
  functions?: readonly string[];
  /** value-feed: the fleet's other responder functions it dispatches to. */
  responderFunctionNames?: readonly string[];
  /** feature: the fleet's feature document name. */
  featureDocumentName?: string;
  /** scale: the fleet's resize state machine, which does the stopping and starting. */
  resizeStateMachineArn?: string;
  /** traffic: the target groups it may deregister instances from and register them in again. */
  targetGroupArns?: readonly string[];
  /** traffic: the Route 53 weighted records of the fleet's redirect targets. */
  redirectRecords?: readonly { hostedZoneId: string; recordName: string; recordType: string }[];
}

const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]*$/;

/** True when every action of a statement only reads. */
export function isReadOnly(statement: PolicyStatement): boolean {
  return statement.Action.every((action) => READ_ONLY.test(action));
}

function fleetTagCondition(fleet: string): NonNullable<PolicyStatement["Condition"]> {
  return { StringEquals: { [`aws:ResourceTag/${FLEET_TAG_KEY}`]: fleet } };
}

function capabilityStatements(capability: Capability, c: ResponderPolicyContext): PolicyStatement[] {
  const arn = (service: string, resource: string) =>
    `arn:${c.partition}:${service}:${c.region}:${c.account}:${resource}`;
  const instances = arn("ec2", "instance/*");
  switch (capability) {
    case "instance.describe":
      return [
        {
          Sid: "DescribeInstances",
          Effect: "Allow",
          Action: [
            "ec2:DescribeInstanceStatus",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeInstances",
            "ec2:DescribeSpotInstanceRequests",
          ],
          Resource: "*",
        },
      ];
    case "instance.resize":
      // The resize workflow stops and starts; the function only starts and inspects its executions.
      return c.resizeStateMachineArn
        ? [
            {
              Sid: "StartResizeWorkflow",
              Effect: "Allow",
              Action: ["states:ListExecutions", "states:StartExecution"],
              Resource: c.resizeStateMachineArn,
            },
            {
              Sid: "InspectResizeExecutions",
              Effect: "Allow",
              Action: ["states:DescribeExecution"],
              Resource: `${c.resizeStateMachineArn.replace(":stateMachine:", ":execution:")}:*`,
            },
          ]
        : [];
    case "instance.tag":
      return [
        {
          Sid: "TagActivePersona",
          Effect: "Allow",
          Action: ["ec2:CreateTags"],
          Resource: instances,
          Condition: {
            ...fleetTagCondition(c.fleet),
            "ForAllValues:StringEquals": { "aws:TagKeys": ["persona:active"] },
          },
        },
      ];
    case "feature.state":
      return [
        {
          Sid: "FeatureState",
          Effect: "Allow",
          Action: ["ssm:GetParameter", "ssm:PutParameter"],
          Resource: arn("ssm", `parameter${c.parameterPath}/features/*`),
        },
      ];
    case "command.run": {
      const documents =
        c.kind === "feature" && c.featureDocumentName !== undefined
          ? [arn("ssm", `document/${c.featureDocumentName}`)]
          : [`arn:${c.partition}:ssm:${c.region}::document/AWS-RunShellScript`];
      return [
        {
          Sid: "SendCommandToFleetInstances",
          Effect: "Allow",
          Action: ["ssm:SendCommand"],
          Resource: instances,
          Condition: fleetTagCondition(c.fleet),
        },
        { Sid: "SendCommandDocument", Effect: "Allow", Action: ["ssm:SendCommand"], Resource: documents },
        {
          Sid: "ReadCommandResults",
          Effect: "Allow",
          Action: ["ssm:GetCommandInvocation", "ssm:ListCommandInvocations"],
          Resource: "*",
        },
      ];
    }
    case "firewall.update": {
      const statements: PolicyStatement[] = [];
      if (c.wafIpSetArns && c.wafIpSetArns.length > 0)
        statements.push({
          Sid: "UpdateFleetIpSets",
          Effect: "Allow",
          Action: ["wafv2:GetIPSet", "wafv2:UpdateIPSet"],
          Resource: [...c.wafIpSetArns],
        });
      if (c.networkAclIds && c.networkAclIds.length > 0)
        statements.push(
          {
            Sid: "UpdateNetworkAclEntries",
            Effect: "Allow",
            Action: ["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAclEntry", "ec2:ReplaceNetworkAclEntry"],
            Resource: c.networkAclIds.map((id) => arn("ec2", `network-acl/${id}`)),
          },
          { Sid: "DescribeNetworkAcls", Effect: "Allow", Action: ["ec2:DescribeNetworkAcls"], Resource: "*" },
        );
      // Block lists never cover the account's own VPC ranges: the responder reads them every run.
      statements.push({
        Sid: "DescribeOwnNetworks",
        Effect: "Allow",
        Action: ["ec2:DescribeVpcs"],
        Resource: "*",
      });
      return statements;
    }
    case "notification.publish":
      return c.topicArns && c.topicArns.length > 0
        ? [
            {
              Sid: "PublishNotifications",
              Effect: "Allow",
              Action: ["sns:Publish"],
              Resource: [...c.topicArns],
            },
          ]
        : [];
    case "function.invoke":
      return c.functions && c.functions.length > 0
        ? [
            {
              Sid: "InvokeNamedFunctions",
              Effect: "Allow",
              Action: ["lambda:InvokeFunction"],
              Resource: c.functions.map((f) => (f.startsWith("arn:") ? f : arn("lambda", `function:${f}`))),
            },
          ]
        : [];
    case "responder.invoke":
      return c.responderFunctionNames && c.responderFunctionNames.length > 0
        ? [
            {
              Sid: "InvokeFleetResponders",
              Effect: "Allow",
              Action: ["lambda:InvokeFunction"],
              Resource: c.responderFunctionNames.map((f) => arn("lambda", `function:${f}`)),
            },
          ]
        : [];
    case "state.readwrite":
      return [
        {
          Sid: "ResponderState",
          Effect: "Allow",
          Action: [
            "dynamodb:ConditionCheckItem",
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
          ],
          Resource: c.stateTableArn,
        },
        {
          Sid: "ReadFleetStore",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          // Manifest entries (the stack's and the orchestrator's) and the membership record.
          Resource: `${c.fleetBucketArn}/*`,
        },
        {
          // Alarm provenance: a responder acts only for an alarm with the fleet's owner tags;
          // the scope's alarm-name pattern, so no other fleet's or stack's alarm.
          Sid: "ReadAlarmTags",
          Effect: "Allow",
          Action: ["cloudwatch:ListTagsForResource"],
          Resource: arn("cloudwatch", `alarm:${c.alarmNamePattern}`),
        },
      ];
    case "traffic.shift": {
      // Service Authorization Reference, Elastic Load Balancing V2: RegisterTargets and
      // DeregisterTargets take the `targetgroup` resource type; the Describe actions support no
      // resource-level permissions, so they need "*".
      const statements: PolicyStatement[] = [];
      if (c.targetGroupArns && c.targetGroupArns.length > 0)
        statements.push({
          Sid: "ShiftFleetTargets",
          Effect: "Allow",
          Action: ["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"],
          Resource: [...c.targetGroupArns],
        });
      statements.push({
        Sid: "ReadTargetHealth",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:DescribeTargetGroupAttributes",
          "elasticloadbalancing:DescribeTargetHealth",
        ],
        Resource: "*",
      });
      const records = c.redirectRecords ?? [];
      if (records.length > 0) {
        const zones = [
          ...new Set(records.map((r) => `arn:${c.partition}:route53:::hostedzone/${r.hostedZoneId}`)),
        ].sort();
        statements.push(
          {
            Sid: "ReadRedirectRecords",
            Effect: "Allow",
            Action: ["route53:ListResourceRecordSets"],
            Resource: zones,
          },
          {
            // Service Authorization Reference, Amazon Route 53: ChangeResourceRecordSets takes the
            // `hostedzone` resource type and the condition keys below (normalized: lower case, no
            // trailing dot), so the responder can UPSERT the declared records and nothing else.
            Sid: "WeighRedirectRecords",
            Effect: "Allow",
            Action: ["route53:ChangeResourceRecordSets"],
            Resource: zones,
            Condition: {
              "ForAllValues:StringEquals": {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                  ...new Set(records.map((r) => r.recordName.toLowerCase().replace(/\.$/, ""))),
                ].sort(),
                "route53:ChangeResourceRecordSetsRecordTypes": [
                  ...new Set(records.map((r) => r.recordType)),
                ].sort(),
                "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
              },
            },
          },
        );
      }
      return statements;
    }
    case "instance.isolate":
      // Service Authorization Reference, Amazon EC2: ModifyInstanceAttribute takes `instance`
      // (required) and `security-group`; a call that names groups needs both allowed. The instance
      // side carries the fleet condition; the groups are the quarantine group and the instance's
      // own originals (any group: they are whatever the instance had), which only a fleet instance
      // can be given.
      return [
        {
          Sid: "SwapFleetInstanceGroups",
          Effect: "Allow",
          Action: ["ec2:ModifyInstanceAttribute"],
          Resource: instances,
          Condition: fleetTagCondition(c.fleet),
        },
        {
          Sid: "SwapToQuarantineAndBack",
          Effect: "Allow",
          Action: ["ec2:ModifyInstanceAttribute"],
          Resource: arn("ec2", "security-group/*"),
        },
        {
          Sid: "TagIsolated",
          Effect: "Allow",
          Action: ["ec2:CreateTags", "ec2:DeleteTags"],
          Resource: instances,
          Condition: {
            ...fleetTagCondition(c.fleet),
            "ForAllValues:StringEquals": { "aws:TagKeys": ["persona:isolated"] },
          },
        },
      ];
    case "metrics.publish":
      return [
        {
          Sid: "PublishResponderMetrics",
          Effect: "Allow",
          Action: ["cloudwatch:PutMetricData"],
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": RESPONDER_METRICS_NAMESPACE } },
        },
      ];
  }
}

/**
 * The policy of one responder: its capabilities' statements, then logging and the on-failure
 * destination, which every function needs.
 *
 * @example
 * ```ts
 * responderPolicy({ kind: "scale", fleet: "web", ... }).Statement[1];
 * // { Sid: "ResizeFleetInstances", Action: ["ec2:ModifyInstanceAttribute", ...],
 * //   Condition: { StringEquals: { "aws:ResourceTag/persona:fleet": "web" } } }
 * ```
 */
export function responderPolicy(context: ResponderPolicyContext): PolicyDocument {
  const statements = RESPONDER_CAPABILITIES[context.kind].flatMap((cap) =>
    capabilityStatements(cap, context),
  );
  statements.push(
    {
      Sid: "WriteLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${context.logGroupArn}:*`,
    },
    context.failureDestinationArn.includes(":sns:")
      ? {
          Sid: "OnFailureDestination",
          Effect: "Allow",
          Action: ["sns:Publish"],
          Resource: context.failureDestinationArn,
        }
      : {
          Sid: "OnFailureDestination",
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: context.failureDestinationArn,
        },
  );
  return { Version: "2012-10-17", Statement: statements };
}

/** The trust policy letting a service assume a role. */
export function assumeRolePolicy(service: string, conditions?: PolicyStatement["Condition"]): string {
  const statement: Record<string, unknown> = {
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
  };
  if (conditions) statement.Condition = conditions;
  return JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
}

/** The managed policies of the fleet's instance role: the CloudWatch agent and SSM, nothing else. */
export function instanceManagedPolicyArns(partition: string): string[] {
  return [
    `arn:${partition}:iam::aws:policy/CloudWatchAgentServerPolicy`,
    `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
  ];
}

/** What the resize workflow's role may do, as plain strings (ARNs resolved). */
export interface ResizeWorkflowPolicyContext {
  partition: string;
  region: string;
  account: string;
  fleet: string;
}

/**
 * The resize state machine's policy: stop, start and change the type of the fleet's instances only
 * (the same fleet-tag condition the responders have), and describe instances to poll their state.
 * @example
 * resizeWorkflowPolicy({ partition: "aws", region: "us-east-1", account: "111122223333", fleet: "web" });
 */
export function resizeWorkflowPolicy(c: ResizeWorkflowPolicyContext): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ResizeFleetInstances",
        Effect: "Allow",
        Action: ["ec2:ModifyInstanceAttribute", "ec2:StartInstances", "ec2:StopInstances"],
        Resource: `arn:${c.partition}:ec2:${c.region}:${c.account}:instance/*`,
        Condition: fleetTagCondition(c.fleet),
      },
      { Sid: "DescribeInstances", Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" },
    ],
  };
}
