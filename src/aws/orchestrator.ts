/**
 * The run-time orchestrator's resources for a fleet: one Lambda function (the bundled
 * `dist/runtime/aws/orchestrator.js`), its role scoped to the fleet, an EventBridge rule for EC2
 * "Tag Change on Resource" events on the fleet's tag keys, and an EventBridge Scheduler schedule for
 * the reconciliation sweep. PersonaFleet calls {@link renderOrchestrator} unless `orchestrator.enabled`
 * is false. See docs/orchestrator.md.
 */
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import * as scheduler from "@pulumi/aws/scheduler";
import * as pulumi from "@pulumi/pulumi";
import { fleetResourceName, type NameScope, namePrefix, parameterPath } from "../plan/names.js";
import { PERSONA_TAGS } from "../plan/tags.js";
import type { AgentOptions, OperatingSystem } from "../plan/user-data.js";
import { DEFAULT_RESPONDER_CODE_DIRECTORY, FLEET_TAG_KEY } from "./contract.js";
import { assumeRolePolicy } from "./iam.js";
import type { FleetResources } from "./render.js";

/** Orchestrator options of a fleet. */
export interface OrchestratorSettings {
  /** Deploy the orchestrator. @default true */
  enabled?: boolean;
  /** The bucket personas are published to (`personas publish`); versioning on. */
  bucket: pulumi.Input<string>;
  /** The repository's key prefix. @default "personas/" */
  prefix?: string;
  /** The key of the fleet's published mapping. @default "mappings/<fleet>.yaml" */
  mappingKey?: string;
  /** The tag keys whose changes reconcile an instance (the mapping's keys). The persona:* tags are always added. @default [] */
  tagKeys?: readonly string[];
  /** How often the sweep runs (EventBridge Scheduler expression). @default "rate(15 minutes)" */
  sweepSchedule?: string;
  /** The instances' operating system, for the install script. @default "amazon-linux" */
  operatingSystem?: OperatingSystem;
  /** The personas agent's options, as the user data's (including where the agent comes from). */
  agent?: pulumi.Input<AgentOptions>;
  /** Instances reconciled at once in one invocation. @default 8 */
  concurrency?: number;
  /**
   * Reserved concurrency: bounds a storm of tag events. Opt-in, as for the responders: reserving fails
   * on accounts whose concurrency limit is low (new accounts often have 10).
   * @default unset (the account's unreserved pool; `concurrency` still bounds each invocation's work)
   */
  reservedConcurrency?: number;
  /** Directory holding `orchestrator.js`. @default PersonaFleet's `responders.codeDirectory`, else the package's `dist/runtime/aws` */
  codeDirectory?: string;
  /** Days the logs are kept. @default 30 */
  logRetentionDays?: number;
}

/**
 * The orchestrator option of PersonaFleet: the settings with the bucket optional. Given the bucket the
 * fleet resolves from, the fleet deploys the orchestrator; `enabled: false` turns it off.
 */
export type FleetOrchestratorSettings = Omit<OrchestratorSettings, "bucket"> & {
  /** The bucket personas are published to; without it the fleet deploys no orchestrator. */
  bucket?: pulumi.Input<string>;
};

/** What {@link renderOrchestrator} created. */
export interface OrchestratorResources {
  function: lambda.Function;
  role: iam.Role;
  rule: cloudwatch.EventRule;
  schedule: scheduler.Schedule;
}

/**
 * Renders the orchestrator of a fleet; returns undefined when `settings.enabled` is false.
 * @example
 * ```ts
 * // in PersonaFleet, after renderFleet(...):
 * this.orchestrator = renderOrchestrator(this, name, resources, { bucket: "acme-personas", tagKeys: ["role", "tier"] });
 * ```
 */
export function renderOrchestrator(
  parent: pulumi.ComponentResource,
  name: string,
  fleet: FleetResources,
  settings: OrchestratorSettings,
  tags: Record<string, string> = {},
): OrchestratorResources | undefined {
  if (settings.enabled === false) return undefined;
  const opts = { parent };
  const functionName = fleetResourceName(fleet.scope, "orchestrator");
  const prefix = settings.prefix ?? "personas/";
  const mappingKey = settings.mappingKey ?? `mappings/${fleet.fleet}.yaml`;
  const partition = getPartitionOutput({}, opts).partition;
  const region = getRegionOutput({}, opts).name;
  const account = getCallerIdentityOutput({}, opts).accountId;
  const role = new iam.Role(
    `${name}-orchestrator`,
    {
      name: functionName,
      assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
      description: `pulumi-personas ${fleet.fleet}: run-time orchestrator`,
      tags,
    },
    opts,
  );
  const logGroup = new cloudwatch.LogGroup(
    `${name}-orchestrator`,
    { name: `/aws/lambda/${functionName}`, retentionInDays: settings.logRetentionDays ?? 30, tags },
    opts,
  );
  const scale = fleet.responders.scale;
  const policy = new iam.RolePolicy(
    `${name}-orchestrator`,
    {
      role: role.id,
      name: functionName,
      policy: pulumi
        .all([
          partition,
          region,
          account,
          settings.bucket,
          fleet.stateTable.arn,
          logGroup.arn,
          scale?.arn,
          fleet.store.bucket.arn,
        ])
        .apply(([p, r, a, bucket, table, logs, scaleArn, store]) =>
          JSON.stringify(
            orchestratorPolicy({
              partition: p,
              region: r,
              account: a,
              fleet: fleet.fleet,
              scope: fleet.scope,
              bucket,
              prefix,
              mappingKey,
              stateTableArn: table,
              logGroupArn: logs,
              scaleFunctionArn: scaleArn,
              fleetBucketArn: store,
            }),
          ),
        ),
    },
    opts,
  );
  const variables: Record<string, pulumi.Input<string>> = {
    FLEET_NAME: fleet.fleet,
    STACK_NAME: fleet.scope.stack,
    FLEET_TAG_KEY,
    REPOSITORY_BUCKET: settings.bucket,
    REPOSITORY_PREFIX: prefix,
    MAPPING_KEY: mappingKey,
    STATE_TABLE: fleet.stateTable.name,
    FLEET_BUCKET: fleet.store.bucket.id,
    RESPONDER_ARNS: pulumi
      .all(Object.entries(fleet.responderArns).map(([kind, arn]) => pulumi.all([kind, arn!])))
      .apply((pairs) => JSON.stringify(Object.fromEntries(pairs))),
    INSTANCE_OS: settings.operatingSystem ?? "amazon-linux",
    CONCURRENCY: String(settings.concurrency ?? 8),
  };
  if (scale) variables.SCALE_FUNCTION = scale.arn;
  if (settings.agent) variables.AGENT_OPTIONS = pulumi.output(settings.agent).apply((a) => JSON.stringify(a));
  const fn = new lambda.Function(
    `${name}-orchestrator`,
    {
      name: functionName,
      description: `pulumi-personas ${fleet.fleet}: run-time orchestrator`,
      runtime: "nodejs22.x",
      handler: "index.handler",
      code: new pulumi.asset.AssetArchive({
        "index.js": new pulumi.asset.FileAsset(
          `${settings.codeDirectory ?? DEFAULT_RESPONDER_CODE_DIRECTORY}/orchestrator.js`,
        ),
      }),
      role: role.arn,
      memorySize: 512,
      timeout: 300,
      ...(settings.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: settings.reservedConcurrency }
        : {}),
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      environment: { variables },
      tags,
    },
    { parent, dependsOn: [policy, logGroup] },
  );
  const tagKeys = [...new Set([...(settings.tagKeys ?? []), ...Object.values(PERSONA_TAGS)])].sort();
  const rule = new cloudwatch.EventRule(
    `${name}-orchestrator-tags`,
    {
      name: fleetResourceName(fleet.scope, "tag-changes"),
      description: `pulumi-personas ${fleet.fleet}: EC2 tag changes on the fleet's tag keys`,
      eventPattern: JSON.stringify(tagChangePattern(tagKeys)),
      tags,
    },
    opts,
  );
  new cloudwatch.EventTarget(`${name}-orchestrator-tags`, { rule: rule.name, arn: fn.arn }, opts);
  new lambda.Permission(
    `${name}-orchestrator-tags`,
    {
      function: fn.name,
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      sourceArn: rule.arn,
    },
    opts,
  );
  const schedulerRole = new iam.Role(
    `${name}-orchestrator-sweep`,
    {
      name: fleetResourceName(fleet.scope, "sweep"),
      assumeRolePolicy: assumeRolePolicy("scheduler.amazonaws.com"),
      description: `pulumi-personas ${fleet.fleet}: EventBridge Scheduler runs the orchestrator's sweep`,
      tags,
    },
    opts,
  );
  const schedulerPolicy = new iam.RolePolicy(
    `${name}-orchestrator-sweep`,
    {
      role: schedulerRole.id,
      name: fleetResourceName(fleet.scope, "sweep"),
      policy: fn.arn.apply((arn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "InvokeOrchestrator", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: arn },
          ],
        }),
      ),
    },
    opts,
  );
  const schedule = new scheduler.Schedule(
    `${name}-orchestrator-sweep`,
    {
      name: fleetResourceName(fleet.scope, "sweep"),
      description: `pulumi-personas ${fleet.fleet}: reconciliation sweep`,
      scheduleExpression: settings.sweepSchedule ?? "rate(15 minutes)",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: fn.arn,
        roleArn: schedulerRole.arn,
        input: JSON.stringify({ source: "personas.orchestrator", fleet: fleet.fleet, kind: "sweep" }),
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    },
    { parent, dependsOn: [schedulerPolicy] },
  );
  return { function: fn, role, rule, schedule };
}

/**
 * The EventBridge pattern of EC2 instance tag changes on `tagKeys`.
 * @internal
 */
export function tagChangePattern(tagKeys: readonly string[]): Record<string, unknown> {
  return {
    source: ["aws.tag"],
    "detail-type": ["Tag Change on Resource"],
    detail: { service: ["ec2"], "resource-type": ["instance"], "changed-tag-keys": [...tagKeys] },
  };
}

/** What the orchestrator's policy is built from. */
export interface OrchestratorPolicyInput {
  partition: string;
  region: string;
  account: string;
  fleet: string;
  /** The fleet's name scope: the alarms and parameters it may write are the scope's. */
  scope: NameScope;
  bucket: string;
  prefix: string;
  mappingKey: string;
  stateTableArn: string;
  logGroupArn: string;
  scaleFunctionArn: string | undefined;
  /** The fleet store: the membership record (read) and run-time persona entries (written). */
  fleetBucketArn: string;
}

/**
 * The orchestrator's IAM policy: read the repository and mapping; describe instances; write only
 * alarms named `personas-<fleet>_<stack>_runtime-*`; parameters under `/personas/<fleet>/<stack>/`; Run
 * Command on the fleet's instances (fleet tag condition) and read their results; its items in the
 * state table; invoke the scale responder.
 * @internal
 */
export function orchestratorPolicy(input: OrchestratorPolicyInput): Record<string, unknown> {
  const { partition: p, region: r, account: a, fleet } = input;
  const statements: Record<string, unknown>[] = [
    {
      Sid: "ListRepository",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: `arn:${p}:s3:::${input.bucket}`,
    },
    {
      Sid: "ReadRepository",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [
        `arn:${p}:s3:::${input.bucket}/${input.prefix}*`,
        `arn:${p}:s3:::${input.bucket}/${input.mappingKey}`,
      ],
    },
    {
      Sid: "DescribeInstances",
      Effect: "Allow",
      Action: ["ec2:DescribeInstances", "cloudwatch:DescribeAlarms"],
      Resource: "*",
    },
    {
      Sid: "RuntimeAlarms",
      Effect: "Allow",
      Action: [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:TagResource",
      ],
      Resource: `arn:${p}:cloudwatch:${r}:${a}:alarm:${namePrefix(input.scope)}runtime-*`,
    },
    {
      Sid: "ReadFleetStore",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: `${input.fleetBucketArn}/*`,
    },
    {
      // Entries of personas the stack does not deploy (shift targets), named by their digest.
      Sid: "WriteRuntimePersonaEntries",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: `${input.fleetBucketArn}/manifest/personas/*`,
    },
    {
      Sid: "Parameters",
      Effect: "Allow",
      Action: ["ssm:PutParameter"],
      Resource: `arn:${p}:ssm:${r}:${a}:parameter${parameterPath(input.scope)}/*`,
    },
    {
      Sid: "RunCommandOnFleet",
      Effect: "Allow",
      Action: ["ssm:SendCommand"],
      Resource: `arn:${p}:ec2:${r}:${a}:instance/*`,
      Condition: { StringEquals: { [`ssm:resourceTag/${FLEET_TAG_KEY}`]: fleet } },
    },
    {
      Sid: "RunCommandDocument",
      Effect: "Allow",
      Action: ["ssm:SendCommand"],
      Resource: `arn:${p}:ssm:${r}::document/AWS-RunShellScript`,
    },
    {
      // The install's result: GetCommandInvocation has no resource type in the Service Authorization
      // Reference ("Actions, resources, and condition keys for AWS Systems Manager"), so "*".
      Sid: "CommandResults",
      Effect: "Allow",
      Action: ["ssm:GetCommandInvocation"],
      Resource: "*",
    },
    {
      Sid: "AppliedRecords",
      Effect: "Allow",
      Action: ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      Resource: input.stateTableArn,
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [`orchestrator#${fleet}`] } },
    },
    {
      // A shift is accepted only when the shift responder recorded it (docs/security.md, finding 2).
      Sid: "ReadShiftRecords",
      Effect: "Allow",
      Action: ["dynamodb:GetItem"],
      Resource: input.stateTableArn,
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["persona#i-*"] } },
    },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${input.logGroupArn}:*`,
    },
  ];
  if (input.scaleFunctionArn !== undefined) {
    statements.push({
      Sid: "ScaleResponder",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction"],
      Resource: input.scaleFunctionArn,
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
