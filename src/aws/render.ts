/**
 * The shared rendering of a fleet plan into AWS resources, used by PersonaFleet, PersonaInstance and
 * PersonaAttachment. Plain functions that take the parent, so children are always parented and
 * named from the component's name. Fleet-level resources are created once, with one Metrics Insights
 * alarm per persona × alarm the plan makes fleet-wide; per instance, only the EC2 instance (or fleet
 * tag, for attachments) and one alarm per planned alarm the plan keeps per instance.
 */
import { existsSync } from "node:fs";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as dynamodb from "@pulumi/aws/dynamodb";
import * as ec2 from "@pulumi/aws/ec2";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import { Provider } from "@pulumi/aws/provider";
import * as scheduler from "@pulumi/aws/scheduler";
import * as sqs from "@pulumi/aws/sqs";
import * as ssm from "@pulumi/aws/ssm";
import * as wafv2 from "@pulumi/aws/wafv2";
import * as pulumi from "@pulumi/pulumi";
import { alarmDescription, type FeedEnforcement } from "../plan/manifest.js";
import {
  alarmName,
  alarmNamePattern,
  fleetAlarmName,
  fleetResourceName,
  type NameScope,
  parameterPath,
  responderName,
} from "../plan/names.js";
import type { AlarmPlan, FleetFeedPlan, FleetPlan, ListSafetySettings, PersonaPlan } from "../plan/plan.js";
import { alarmResponders, okResponders } from "../plan/render.js";
import type { ResponderKind } from "../plan/responders.js";
import { ALARM_OWNER_TAG, ISOLATED_TAG, PERSONA_TAGS } from "../plan/tags.js";
import { topologyOf } from "../plan/topology.js";
import {
  DEFAULT_RESPONDER_CODE_DIRECTORY,
  type FeedScheduleEvent,
  FLEET_TAG_KEY,
  KIND_ENV,
  RESPONDER_ENV,
  RESPONDER_METRICS_NAMESPACE,
  responderCodePath,
} from "./contract.js";
import {
  type ComponentErrorContext,
  InvalidArgumentsError,
  MissingTargetError,
  ResponderCodeMissingError,
} from "./errors.js";
import { assumeRolePolicy, instanceManagedPolicyArns, responderPolicy } from "./iam.js";
import { type ResizeWorkflowResources, renderResizeWorkflow } from "./resize-workflow.js";
import { type FleetStore, renderFleetStore } from "./store.js";
import {
  checkTrafficOptions,
  type IsolationSettings,
  isolationConfig,
  renderQuarantineGroup,
  type TrafficSettings,
  trafficConfig,
} from "./traffic.js";

/** Responder function settings. */
export interface ResponderSettings {
  /**
   * Directory holding the bundled handlers, `<kind>.js` each.
   * @default the package's `dist/runtime/aws`
   */
  codeDirectory?: string;
  /** Lambda runtime. @default "nodejs22.x" */
  runtime?: string;
  /** Memory in MB. @default 256 */
  memorySize?: number;
  /** Timeout in seconds; a resize (stop, modify, start) takes minutes. @default 600 */
  timeout?: number;
  /**
   * Reserved concurrency per responder: bounds how many instances one responder touches at once. Opt-in,
   * because reserving needs the account's unreserved concurrency to stay at 100 or more, and new
   * accounts often have a limit of 10 (Lambda "Configuring reserved concurrency").
   * @default unset (the function shares the account's unreserved pool)
   */
  reservedConcurrency?: number;
  /** Days the responders' logs are kept. @default 30 */
  logRetentionDays?: number;
  /** An SNS topic for failed invocations; without it the fleet creates an SQS queue. @default a new queue */
  failureTopicArn?: pulumi.Input<string>;
}

/** Where list feeds are enforced. */
export interface FirewallSettings {
  /** A WAF web ACL: each list feed gets an IPv4 and an IPv6 IP set and one rule in this ACL. */
  webAclArn?: pulumi.Input<string>;
  /**
   * The web ACL's scope. `CLOUDFRONT` IP sets and rules exist only in us-east-1, so the fleet creates
   * them through its own us-east-1 provider whatever the stack's region, and the firewall responder
   * calls WAF in us-east-1 (AWS WAFV2 API Reference, CreateIPSet `Scope`).
   * @default "REGIONAL"
   */
  scope?: "REGIONAL" | "CLOUDFRONT";
  /**
   * Priority of the fleet's first feed rule in the web ACL; further feeds take the next numbers.
   * Priorities must be unique within a web ACL, and fleets often share one: by default each fleet
   * takes a block of 100 derived from its name (100 × (1 + FNV-1a(fleet) mod 9,999)), so two fleets
   * rarely meet, and two fleets in one program that claim overlapping priorities on the same web
   * ACL are refused at plan time. Give fleets in different stacks explicit, disjoint ranges.
   * @default derived from the fleet name (see above)
   */
  rulePriority?: number;
  /** A network ACL for short lists (up to 18 entries). Only one of webAclArn and networkAclId can be specified. */
  networkAclId?: pulumi.Input<string>;
  /**
   * The first network ACL rule number the responder may use; each feed reserves the next 18. Rules
   * are evaluated lowest first, so deny rules must come before the ACL's allow rules (the default
   * ACL allows everything at rule 100). The responder owns only the numbers it created and refuses
   * a range holding a rule it did not create (docs/aws.md, "Network ACL rules").
   * @default 1
   */
  networkAclFirstRule?: number;
  /**
   * What list feeds may put into the firewall: minimum prefixes and the growth guard. Block lists
   * also never take special-purpose ranges or the account's VPC CIDR blocks (not configurable).
   * @default { minPrefixIpv4: 8, minPrefixIpv6: 29, maxGrowPercent: 100 }
   * @example
   * firewall: { webAclArn: acl.arn, rulePriority: 100, lists: { minPrefixIpv4: 16 } }
   */
  lists?: ListSafetySettings;
}

/** The fleet-wide options every component shares. */
export interface FleetOptions {
  responders?: ResponderSettings;
  firewall?: FirewallSettings;
  /** SNS topic ARNs by notification channel (the name after `Notify`). */
  notifications?: Record<string, pulumi.Input<string>>;
  /** The target groups and redirect targets `Drain traffic` / `Redirect traffic to` may touch; required when a persona drains. */
  traffic?: TrafficSettings;
  /** The quarantine group `Isolate instance` swaps in; required when a persona isolates. */
  isolation?: IsolationSettings;
  /** Tags added to every resource that takes tags. */
  tags?: Record<string, string>;
}

/** The fleet-level resources. */
export interface FleetResources {
  fleet: string;
  /** Whose names the fleet's resources carry: the fleet and the deploying stack. */
  scope: NameScope;
  stateTable: dynamodb.Table;
  /** The fleet store: manifest entries and the membership record (src/aws/store.ts). */
  store: FleetStore;
  failureQueue?: sqs.Queue;
  responders: Partial<Record<ResponderKind, lambda.Function>>;
  permissions: Partial<Record<ResponderKind, lambda.Permission>>;
  schedules: scheduler.Schedule[];
  ipSets: wafv2.IpSet[];
  featureDocument?: ssm.Document;
  /** ARNs for alarm actions, by kind. */
  responderArns: Partial<Record<ResponderKind, pulumi.Output<string>>>;
  /** The resize state machine and its role, when a persona scales. */
  resizeWorkflow?: ResizeWorkflowResources;
}

interface AccountFacts {
  partition: string;
  region: string;
  account: string;
}

/** Before the default ACL's allow-all rule 100, so deny rules take effect. */
const DEFAULT_NETWORK_ACL_FIRST_RULE = 1;

function kindsTargetedByAlarms(plan: FleetPlan): Set<ResponderKind> {
  const kinds = new Set<ResponderKind>();
  for (const persona of plan.personas)
    for (const alarm of persona.alarms) {
      for (const kind of alarm.onAlarm.responders) kinds.add(kind);
      for (const kind of okResponders(alarm)) kinds.add(kind);
    }
  return kinds;
}

function notifyChannels(plan: FleetPlan): string[] {
  const channels = new Set<string>();
  for (const persona of plan.personas) {
    for (const response of persona.responses)
      for (const action of response.actions) if (action.kind === "notify") channels.add(action.target);
    for (const alarm of persona.alarms)
      for (const action of alarm.onAlarm.actions) if (action.kind === "notify") channels.add(action.target);
  }
  return [...channels].sort();
}

function invokedFunctions(plan: FleetPlan): string[] {
  const functions = new Set<string>();
  for (const persona of plan.personas)
    for (const response of persona.responses)
      for (const action of response.actions)
        if (action.kind === "invoke-function") functions.add(action.function);
  return [...functions].sort();
}

/**
 * Checks what the plan needs from the arguments, before any resource is registered.
 * @internal
 */
export function checkFleetOptions(
  context: ComponentErrorContext,
  plan: FleetPlan,
  options: FleetOptions,
): void {
  const firewall = options.firewall ?? {};
  if (firewall.webAclArn !== undefined && firewall.networkAclId !== undefined)
    throw new InvalidArgumentsError(
      context,
      "Only one of [firewall.webAclArn] and [firewall.networkAclId] can be specified",
      "keep the web ACL for lists longer than 18 entries, or the network ACL for short lists",
    );
  const aclFeeds = plan.feeds.filter((f) => f.enforcement === "network-acl");
  const firstRule = firewall.networkAclFirstRule ?? DEFAULT_NETWORK_ACL_FIRST_RULE;
  const lastRule = firstRule + aclFeeds.reduce((n, f) => n + (f.maxEntries ?? 18), 0) - 1;
  if (aclFeeds.length > 0 && (!Number.isInteger(firstRule) || firstRule < 1 || lastRule > 32766))
    throw new InvalidArgumentsError(
      context,
      `[firewall.networkAclFirstRule] ${firstRule} gives the list feeds rule numbers ${firstRule}–${lastRule}; network ACL rule numbers run from 1 to 32766`,
      "pick a first rule number so that every feed's 18 rules fit, below your own allow rules",
    );
  const missing = notifyChannels(plan).filter((channel) => options.notifications?.[channel] === undefined);
  if (missing.length > 0)
    throw new MissingTargetError(
      context,
      `its personas notify ${missing.map((c) => `'${c}'`).join(", ")} but \`notifications\` maps no SNS topic to ${missing.length === 1 ? "it" : "them"}`,
      `pass notifications: { ${missing.map((c) => `"${c}": topic.arn`).join(", ")} }`,
    );
  checkTrafficOptions(context, plan, options.traffic, options.isolation);
}

/**
 * Registers the fleet-level resources of a plan, one resource group at a time: state and manifest,
 * the failure destination, the feature document, WAF sets and rules, the responders with their IAM,
 * then the feed schedules.
 */
export function renderFleet(
  parent: pulumi.ComponentResource,
  name: string,
  context: ComponentErrorContext,
  plan: FleetPlan,
  options: FleetOptions,
): FleetResources {
  const scope: NameScope = { fleet: plan.fleet, stack: pulumi.getStack() };
  const group: GroupContext = {
    parent,
    name,
    scope,
    plan,
    tags: { ...options.tags, [FLEET_TAG_KEY]: plan.fleet },
  };
  const settings = options.responders ?? {};
  const codeDirectory = settings.codeDirectory ?? DEFAULT_RESPONDER_CODE_DIRECTORY;
  checkResponderCode(context, plan.responders, codeDirectory);
  const { stateTable } = renderState(group);
  const failure = renderFailureDestination(group, settings);
  const featureDocument = renderFeatureDocument(group);
  const waf = renderWafFeeds(group, context, options.firewall ?? {});
  const store = renderFleetStore(
    parent,
    name,
    plan,
    group.tags,
    feedEnforcement(group, options.firewall ?? {}, waf.sets),
  );
  const quarantineGroupId =
    plan.responders.includes("isolate") && options.isolation
      ? renderQuarantineGroup(parent, name, plan.fleet, options.isolation, group.tags)
      : undefined;
  const resizeWorkflow = plan.responders.includes("scale")
    ? renderResizeWorkflow(parent, name, scope, accountFacts({ parent }), group.tags)
    : undefined;
  const responders = renderResponders(group, {
    resizeWorkflow,
    options,
    codeDirectory,
    stateTable,
    store,
    failureArn: failure.arn,
    featureDocument,
    wafSets: waf.sets,
    quarantineGroupId,
  });
  const schedules = renderSchedules(group, responders.functions, failure.queue);
  const result: FleetResources = {
    fleet: plan.fleet,
    scope,
    stateTable,
    store,
    responders: responders.functions,
    permissions: responders.permissions,
    schedules,
    ipSets: waf.ipSets,
    responderArns: responders.arns,
  };
  if (resizeWorkflow) result.resizeWorkflow = resizeWorkflow;
  if (failure.queue) result.failureQueue = failure.queue;
  if (featureDocument) result.featureDocument = featureDocument;
  return result;
}

/** What every resource group of a fleet is rendered with. */
interface GroupContext {
  parent: pulumi.ComponentResource;
  /** The component's name: the head of every child's logical name. */
  name: string;
  scope: NameScope;
  plan: FleetPlan;
  /** The fleet's tags (the caller's plus the fleet tag). */
  tags: Record<string, string>;
}

/**
 * Stops the program before anything registers when a responder's bundle is missing, so `pulumi
 * preview` says what to build instead of failing later in the engine. Offline plans, which upload
 * nothing, turn the check off with {@link setResponderCodeCheck}.
 */
function checkResponderCode(
  context: ComponentErrorContext,
  kinds: readonly ResponderKind[],
  codeDirectory: string,
): void {
  if (!responderCodeCheckEnabled()) return;
  for (const kind of kinds) {
    const path = responderCodePath(kind, codeDirectory);
    if (!existsSync(path)) throw new ResponderCodeMissingError(context, path);
  }
}

/**
 * Process-wide, so every copy of this library in the process agrees: a Pulumi program loaded by
 * `personas plan` (or bundled by a test) may import its own copy of the components.
 */
const CODE_CHECK_KEY = Symbol.for("pulumi-personas.responderCodeCheck");
const processGlobals = globalThis as Record<symbol, { enabled: boolean } | undefined>;
processGlobals[CODE_CHECK_KEY] ??= { enabled: true };
const responderCodeCheck = processGlobals[CODE_CHECK_KEY];

/**
 * Whether components check that responder bundles exist (see {@link setResponderCodeCheck}).
 * @internal
 */
export function responderCodeCheckEnabled(): boolean {
  return responderCodeCheck.enabled;
}

/**
 * Turns the check that responder bundles exist on or off for the components created afterwards. It
 * is on by default; `planOffline` (and so `personas plan` and `npm start`) and unit tests turn it off,
 * because they never upload the code. Returns the previous setting, so a caller can restore it.
 *
 * @example
 * ```ts
 * const previous = setResponderCodeCheck(false);
 * try { new PersonaFleet("web", args); } finally { setResponderCodeCheck(previous); }
 * ```
 */
export function setResponderCodeCheck(enabled: boolean): boolean {
  const previous = responderCodeCheck.enabled;
  responderCodeCheck.enabled = enabled;
  return previous;
}

/** The partition, region and account the stack deploys to. */
function accountFacts(opts: pulumi.CustomResourceOptions): pulumi.Output<AccountFacts> {
  return pulumi
    .all([
      getPartitionOutput({}, opts).partition,
      getRegionOutput({}, opts).region,
      getCallerIdentityOutput({}, opts).accountId,
    ])
    .apply(([partition, region, account]) => ({ partition, region, account }));
}

/** The responders' state table (locks, idempotency, cooldowns, audit, the orchestrator's records). */
function renderState(g: GroupContext): { stateTable: dynamodb.Table } {
  const opts = { parent: g.parent };
  const stateTable = new dynamodb.Table(
    `${g.name}-state`,
    {
      name: fleetResourceName(g.scope, "state", 255),
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      attributes: [
        { name: "pk", type: "S" },
        { name: "sk", type: "S" },
      ],
      ttl: { attributeName: "expiresAt", enabled: true },
      pointInTimeRecovery: { enabled: true },
      tags: g.tags,
    },
    opts,
  );
  return { stateTable };
}

/** Where failed invocations go: the given SNS topic, else a new SQS queue. */
function renderFailureDestination(
  g: GroupContext,
  settings: ResponderSettings,
): { arn: pulumi.Input<string>; queue?: sqs.Queue } {
  if (settings.failureTopicArn !== undefined) return { arn: settings.failureTopicArn };
  const queue = new sqs.Queue(
    `${g.name}-failures`,
    {
      name: fleetResourceName(g.scope, "failures", 80),
      messageRetentionSeconds: 1_209_600,
      sqsManagedSseEnabled: true,
      tags: g.tags,
    },
    { parent: g.parent },
  );
  return { arn: queue.arn, queue };
}

/** Features with scripts run through one document; state lives in SSM parameters the responder writes. */
function renderFeatureDocument(g: GroupContext): ssm.Document | undefined {
  const scripted = g.plan.features.filter((f) => f.activate !== undefined || f.deactivate !== undefined);
  if (scripted.length === 0 || !g.plan.responders.includes("feature")) return undefined;
  return new ssm.Document(
    `${g.name}-feature`,
    {
      name: fleetResourceName(g.scope, "feature", 128),
      documentType: "Command",
      documentFormat: "JSON",
      content: JSON.stringify(featureDocumentContent(g.plan.fleet, scripted)),
      tags: g.tags,
    },
    { parent: g.parent },
  );
}

type WafSets = Record<string, { ipv4: wafv2.IpSet; ipv6: wafv2.IpSet }>;

/** WAF IP sets and web ACL rules: one pair of sets and one rule per list feed enforced by WAF. */
function renderWafFeeds(
  g: GroupContext,
  context: ComponentErrorContext,
  firewall: FirewallSettings,
): { sets: WafSets; ipSets: wafv2.IpSet[] } {
  const scope = firewall.scope ?? "REGIONAL";
  const ipSets: wafv2.IpSet[] = [];
  const sets: WafSets = {};
  const wafFeeds = g.plan.feeds.filter((f) => f.enforcement === "waf-ip-set");
  const firstPriority = firewall.rulePriority ?? defaultRulePriority(g.plan.fleet);
  if (wafFeeds.length > 0)
    claimRulePriorities(context, firewall.webAclArn!, g.plan.fleet, firstPriority, wafFeeds.length);
  // CLOUDFRONT-scope WAF resources exist only in us-east-1, whatever the stack's region.
  const opts = { parent: g.parent };
  const wafOpts: pulumi.CustomResourceOptions =
    scope === "CLOUDFRONT" && wafFeeds.length > 0
      ? {
          ...opts,
          provider: new Provider(`${g.name}-waf-us-east-1`, { region: "us-east-1" }, { parent: g.parent }),
        }
      : opts;
  wafFeeds.forEach((feed, index) => {
    const make = (version: "IPV4" | "IPV6") =>
      new wafv2.IpSet(
        `${g.name}-${feed.id}-${version.toLowerCase()}`,
        {
          name: fleetResourceName(g.scope, `${feed.id}-${version.toLowerCase()}`, 128),
          description: ipSetDescription(g.plan.fleet, feed),
          scope,
          ipAddressVersion: version,
          addresses: [],
          tags: g.tags,
        },
        // The firewall responder owns the addresses.
        { ...wafOpts, ignoreChanges: ["addresses"] },
      );
    const pair = { ipv4: make("IPV4"), ipv6: make("IPV6") };
    sets[feed.id] = pair;
    ipSets.push(pair.ipv4, pair.ipv6);
    new wafv2.WebAclRule(
      `${g.name}-${feed.id}-rule`,
      {
        webAclArn: firewall.webAclArn!,
        name: fleetResourceName(g.scope, feed.id, 128),
        priority: firstPriority + index,
        action: feed.mode === "allow" ? { allow: {} } : { block: {} },
        statement: {
          orStatement: {
            statements: [
              { ipSetReferenceStatement: { arn: pair.ipv4.arn } },
              { ipSetReferenceStatement: { arn: pair.ipv6.arn } },
            ],
          },
        },
        visibilityConfig: {
          cloudwatchMetricsEnabled: true,
          metricName: fleetResourceName(g.scope, feed.id, 128).replace(/[^A-Za-z0-9_-]/g, "-"),
          sampledRequestsEnabled: true,
        },
      },
      wafOpts,
    );
  });
  return { sets, ipSets };
}

/**
 * Where each list feed is enforced (WAF IP sets or network ACL rules). It goes into the feed's store
 * entry, not into environment variables (Lambda holds 4 KB of them for all variables together).
 */
function feedEnforcement(
  g: GroupContext,
  firewall: FirewallSettings,
  wafSets: WafSets,
): Record<string, pulumi.Input<FeedEnforcement>> {
  const scope = firewall.scope ?? "REGIONAL";
  const enforcement: Record<string, pulumi.Input<FeedEnforcement>> = {};
  const ref = (s: wafv2.IpSet) => ({ id: s.id, name: s.name, arn: s.arn });
  for (const [id, pair] of Object.entries(wafSets))
    enforcement[id] = pulumi.output({ waf: { scope, ipv4: ref(pair.ipv4), ipv6: ref(pair.ipv6) } });
  if (firewall.networkAclId !== undefined) {
    const first = firewall.networkAclFirstRule ?? DEFAULT_NETWORK_ACL_FIRST_RULE;
    g.plan.feeds
      .filter((f) => f.enforcement === "network-acl")
      .forEach((feed, i) => {
        enforcement[feed.id] = pulumi.output({
          networkAcl: {
            networkAclId: firewall.networkAclId!,
            firstRuleNumber: first + i * (feed.maxEntries ?? 18),
            maxEntries: feed.maxEntries ?? 18,
          },
        });
      });
  }
  return enforcement;
}

/** What the responders are wired to. */
interface ResponderInputs {
  options: FleetOptions;
  codeDirectory: string;
  stateTable: dynamodb.Table;
  store: FleetStore;
  failureArn: pulumi.Input<string>;
  featureDocument: ssm.Document | undefined;
  wafSets: WafSets;
  /** The resize state machine the scale responder starts, when a persona scales. */
  resizeWorkflow: ResizeWorkflowResources | undefined;
  /** The quarantine group the isolate responder swaps in, when a persona isolates. */
  quarantineGroupId: pulumi.Input<string> | undefined;
}

interface RenderedResponders {
  functions: FleetResources["responders"];
  permissions: FleetResources["permissions"];
  arns: FleetResources["responderArns"];
}

/**
 * One function per responder kind with its role, policy, log group and failure destination, and
 * one permission letting the scope's alarms (`personas-<fleet>_<stack>_*`, no other fleet's)
 * invoke it when alarms target the kind.
 */
function renderResponders(g: GroupContext, inputs: ResponderInputs): RenderedResponders {
  const { parent, name, scope, plan, tags } = g;
  const opts = { parent };
  const settings = inputs.options.responders ?? {};
  const firewall = inputs.options.firewall ?? {};
  const facts = accountFacts(opts);
  const alarmKinds = kindsTargetedByAlarms(plan);
  const rendered: RenderedResponders = { functions: {}, permissions: {}, arns: {} };
  const functionNames = Object.fromEntries(plan.responders.map((k) => [k, responderName(scope, k)]));
  const topics = inputs.options.notifications ?? {};
  const channels = notifyChannels(plan);
  const featureDocumentName = fleetResourceName(scope, "feature", 128);
  const resizeStateMachineArn = inputs.resizeWorkflow?.stateMachine.arn ?? pulumi.output("");
  for (const kind of plan.responders) {
    const functionName = functionNames[kind]!;
    const role = new iam.Role(
      `${name}-${kind}`,
      {
        name: functionName,
        assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
        description: `pulumi-personas ${plan.fleet}: ${kind} responder`,
        tags,
      },
      opts,
    );
    const logGroup = new cloudwatch.LogGroup(
      `${name}-${kind}`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: settings.logRetentionDays ?? 30, tags },
      opts,
    );
    const wafArns =
      kind === "firewall" ? Object.values(inputs.wafSets).flatMap((p) => [p.ipv4.arn, p.ipv6.arn]) : [];
    const policy = new iam.RolePolicy(
      `${name}-${kind}`,
      {
        role: role.id,
        name: functionName,
        policy: pulumi
          .all([
            pulumi.all([facts, resizeStateMachineArn]),
            inputs.stateTable.arn,
            inputs.store.bucket.arn,
            logGroup.arn,
            inputs.failureArn,
            pulumi.all(wafArns),
            kind === "firewall" && firewall.networkAclId !== undefined ? [firewall.networkAclId] : [],
            pulumi.all([
              kind === "notify"
                ? pulumi.all(channels.map((c) => topics[c]!))
                : kind === "isolate" && inputs.options.isolation?.notifyTopicArn !== undefined
                  ? pulumi.all([inputs.options.isolation.notifyTopicArn])
                  : [],
              trafficPolicyInputs(kind === "traffic" ? inputs.options.traffic : undefined),
            ]),
          ])
          .apply(([[f, resizeArn], table, bucket, logs, failure, waf, acls, [topicArns, traffic]]) =>
            JSON.stringify(
              responderPolicy({
                ...f,
                fleet: plan.fleet,
                parameterPath: parameterPath(scope),
                alarmNamePattern: alarmNamePattern(scope),
                kind,
                stateTableArn: table,
                fleetBucketArn: bucket,
                logGroupArn: logs,
                failureDestinationArn: failure,
                wafIpSetArns: waf,
                networkAclIds: acls as string[],
                topicArns: topicArns as string[],
                functions: invokedFunctions(plan),
                responderFunctionNames: plan.responders
                  .filter((k) => k !== kind)
                  .map((k) => functionNames[k]!),
                featureDocumentName,
                targetGroupArns: traffic.targetGroupArns,
                redirectRecords: traffic.records,
                ...(kind === "scale" && resizeArn !== "" ? { resizeStateMachineArn: resizeArn } : {}),
              }),
            ),
          ),
      },
      opts,
    );
    const variables: Record<string, pulumi.Input<string>> = {
      [RESPONDER_ENV.fleetBucket]: inputs.store.bucket.id,
      [RESPONDER_ENV.stateTable]: inputs.stateTable.name,
      [RESPONDER_ENV.fleetName]: plan.fleet,
      // Part of every name: responders recompute their fleet's alarm names with it (provenance).
      [RESPONDER_ENV.stackName]: scope.stack,
      [RESPONDER_ENV.fleetTagKey]: FLEET_TAG_KEY,
      [RESPONDER_ENV.metricsNamespace]: RESPONDER_METRICS_NAMESPACE,
      [RESPONDER_ENV.responderKind]: kind,
      ...kindVariables(kind, {
        scope,
        topics,
        channels,
        featureDocumentName: inputs.featureDocument ? featureDocumentName : "",
        functionNames,
      }),
      ...(kind === "traffic" && inputs.options.traffic
        ? { [KIND_ENV.trafficConfig]: trafficConfig(inputs.options.traffic) }
        : {}),
      ...(kind === "isolate" && inputs.options.isolation && inputs.quarantineGroupId !== undefined
        ? { [KIND_ENV.isolationConfig]: isolationConfig(inputs.quarantineGroupId, inputs.options.isolation) }
        : {}),
      ...(kind === "scale" && inputs.resizeWorkflow
        ? {
            [KIND_ENV.resizeStateMachineArn]: inputs.resizeWorkflow.stateMachine.arn,
            [KIND_ENV.resizeTimeoutSeconds]: String(inputs.resizeWorkflow.timeoutSeconds),
          }
        : {}),
    };
    const fn = new lambda.Function(
      `${name}-${kind}`,
      {
        name: functionName,
        description: `pulumi-personas ${plan.fleet}: ${kind} responder`,
        runtime: settings.runtime ?? "nodejs22.x",
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({
          "index.js": new pulumi.asset.FileAsset(responderCodePath(kind, inputs.codeDirectory)),
        }),
        role: role.arn,
        memorySize: settings.memorySize ?? 256,
        timeout: settings.timeout ?? 600,
        // Opt-in: a new account's concurrency limit can be too low to reserve any (see ResponderSettings).
        ...(settings.reservedConcurrency !== undefined
          ? { reservedConcurrentExecutions: settings.reservedConcurrency }
          : {}),
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        environment: { variables },
        tags,
      },
      // The store's objects first: a function that starts before its manifest exists fails its first events.
      { parent, dependsOn: [policy, logGroup, ...inputs.store.objects] },
    );
    new lambda.FunctionEventInvokeConfig(
      `${name}-${kind}`,
      {
        functionName: fn.name,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 3600,
        destinationConfig: { onFailure: { destination: inputs.failureArn } },
      },
      opts,
    );
    rendered.functions[kind] = fn;
    rendered.arns[kind] = fn.arn;
    if (alarmKinds.has(kind))
      rendered.permissions[kind] = new lambda.Permission(
        `${name}-${kind}-alarms`,
        {
          function: fn.name,
          action: "lambda:InvokeFunction",
          principal: "lambda.alarms.cloudwatch.amazonaws.com",
          sourceArn: pulumi.interpolate`arn:${facts.partition}:cloudwatch:${facts.region}:${facts.account}:alarm:${alarmNamePattern(scope)}`,
          sourceAccount: facts.account,
        },
        opts,
      );
  }
  return rendered;
}

/** The traffic responder's policy inputs: its target groups and the records of its redirect targets. */
function trafficPolicyInputs(traffic: TrafficSettings | undefined) {
  const targets = Object.values(traffic?.targets ?? {});
  return pulumi
    .all([pulumi.all(traffic?.targetGroupArns ?? []), pulumi.all(targets.map((t) => t.hostedZoneId))])
    .apply(([targetGroupArns, zones]) => ({
      targetGroupArns,
      records: targets.map((t, i) => ({
        hostedZoneId: zones[i]!,
        recordName: t.recordName,
        recordType: t.recordType,
      })),
    }));
}

function kindVariables(
  kind: ResponderKind,
  c: {
    scope: NameScope;
    topics: Record<string, pulumi.Input<string>>;
    channels: readonly string[];
    featureDocumentName: string;
    functionNames: Record<string, string>;
  },
): Record<string, pulumi.Input<string>> {
  const json = (value: unknown) => pulumi.jsonStringify(pulumi.output(value));
  switch (kind) {
    case "notify":
      return { [KIND_ENV.snsTopics]: json(Object.fromEntries(c.channels.map((ch) => [ch, c.topics[ch]]))) };
    case "feature":
      return {
        ...(c.featureDocumentName !== "" ? { [KIND_ENV.featureDocument]: c.featureDocumentName } : {}),
        [KIND_ENV.featureParameterPrefix]: parameterPath(c.scope, "features"),
      };
    case "run-command":
      return { [KIND_ENV.runCommandDocument]: "AWS-RunShellScript" };
    case "value-feed":
      return {
        [KIND_ENV.responderFunctions]: JSON.stringify(
          Object.fromEntries(Object.entries(c.functionNames).filter(([k]) => k !== "value-feed")),
        ),
      };
    default:
      return {};
  }
}

/** An SSM Command document that runs a feature's activate or deactivate script, chosen by parameters. */
function featureDocumentContent(fleet: string, features: FleetPlan["features"]): Record<string, unknown> {
  const cases = features.flatMap((f) => [
    ...(f.activate !== undefined ? [`  '${f.id}:on')`, indent(f.activate), "    ;;"] : []),
    ...(f.deactivate !== undefined ? [`  '${f.id}:off')`, indent(f.deactivate), "    ;;"] : []),
  ]);
  return {
    schemaVersion: "2.2",
    description: `pulumi-personas ${fleet}: switch a feature on or off`,
    parameters: {
      feature: { type: "String", allowedValues: features.map((f) => f.id) },
      state: { type: "String", allowedValues: ["on", "off"] },
    },
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "switchFeature",
        inputs: {
          runCommand: [
            "set -euo pipefail",
            `case '{{ feature }}:{{ state }}' in`,
            ...cases,
            "  *) echo 'nothing to run for {{ feature }} {{ state }}' ;;",
            "esac",
          ],
        },
      },
    ],
  };
}

function indent(script: string): string {
  return script
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

/** One EventBridge Scheduler schedule per feed, with the role that lets them invoke the feed responders. */
function renderSchedules(
  g: GroupContext,
  responders: FleetResources["responders"],
  failureQueue: sqs.Queue | undefined,
): scheduler.Schedule[] {
  const { parent, name, scope, tags } = g;
  const { fleet, feeds } = g.plan;
  if (feeds.length === 0) return [];
  const opts = { parent };
  const targets = [...new Set(feeds.map((f) => f.responder))].map((k) => responders[k]!.arn);
  const role = new iam.Role(
    `${name}-scheduler`,
    {
      name: fleetResourceName(scope, "scheduler"),
      assumeRolePolicy: assumeRolePolicy("scheduler.amazonaws.com"),
      description: `pulumi-personas ${fleet}: EventBridge Scheduler invokes the feed responders`,
      tags,
    },
    opts,
  );
  const policy = new iam.RolePolicy(
    `${name}-scheduler`,
    {
      role: role.id,
      name: fleetResourceName(scope, "scheduler"),
      policy: pulumi.all([pulumi.all(targets), failureQueue?.arn]).apply(([arns, queue]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "InvokeFeedResponders",
              Effect: "Allow",
              Action: ["lambda:InvokeFunction"],
              Resource: arns,
            },
            // Scheduler dead-letter queues are SQS only; with an SNS failure topic, schedules keep none.
            ...(queue === undefined
              ? []
              : [{ Sid: "DeadLetter", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: queue }]),
          ],
        }),
      ),
    },
    opts,
  );
  return feeds.map((feed) => {
    const event: FeedScheduleEvent = { source: "personas.feed", fleet, feedId: feed.id };
    return new scheduler.Schedule(
      `${name}-${feed.id}`,
      {
        name: fleetResourceName(scope, feed.id),
        description: `pulumi-personas ${fleet}: fetch ${feed.url}`,
        scheduleExpression: feed.scheduleExpression,
        flexibleTimeWindow: { mode: "OFF" },
        target: {
          arn: responders[feed.responder]!.arn,
          roleArn: role.arn,
          input: JSON.stringify(event),
          retryPolicy: { maximumRetryAttempts: 0 },
          ...(failureQueue ? { deadLetterConfig: { arn: failureQueue.arn } } : {}),
        },
      },
      { parent, dependsOn: [policy] },
    );
  });
}

/**
 * The fleet's instance role and profile: only the CloudWatch agent and SSM managed policies.
 * @internal
 */
export function renderInstanceProfile(
  parent: pulumi.ComponentResource,
  name: string,
  scope: NameScope,
  tags: Record<string, string>,
): iam.InstanceProfile {
  const opts = { parent };
  const { fleet } = scope;
  const role = new iam.Role(
    `${name}-instance`,
    {
      name: fleetResourceName(scope, "instance"),
      assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"),
      description: `pulumi-personas ${fleet}: instances (CloudWatch agent and SSM only)`,
      tags: { ...tags, [FLEET_TAG_KEY]: fleet },
    },
    opts,
  );
  const partition = getPartitionOutput({}, opts).partition;
  const attachments = [0, 1].map(
    (i) =>
      new iam.RolePolicyAttachment(
        `${name}-instance-${i === 0 ? "cloudwatch" : "ssm"}`,
        { role: role.name, policyArn: partition.apply((p) => instanceManagedPolicyArns(p)[i]!) },
        opts,
      ),
  );
  return new iam.InstanceProfile(
    `${name}-instance`,
    {
      name: fleetResourceName(scope, "instance", 128),
      role: role.name,
      tags: { ...tags, [FLEET_TAG_KEY]: fleet },
    },
    { parent, dependsOn: attachments },
  );
}

/** Per persona plan, what every instance of it shares: tags, alarm settings and actions. */
export interface PersonaShared {
  plan: PersonaPlan;
  tags: Record<string, string>;
  /** The alarms each instance gets its own of (the fleet-wide ones are rendered once per fleet). */
  alarms: {
    alarm: AlarmPlan;
    description: string;
    /** One output per list, shared by every instance's alarm (see {@link sharedOf}). */
    alarmActions: pulumi.Output<string[]>;
    okActions: pulumi.Output<string[]>;
  }[];
}

/**
 * Computes once per persona what its instances share.
 * @internal
 */
export function sharedOf(
  plan: PersonaPlan,
  fleet: FleetResources,
  extraTags: Record<string, string>,
  fleetPlan?: FleetPlan,
): PersonaShared {
  const perInstance = plan.alarms.filter(
    (alarm) =>
      fleetPlan === undefined ||
      topologyOf(fleetPlan.alarmTopology, plan.persona.digest, alarm.id)?.aws.kind !== "fleet-wide",
  );
  return {
    plan,
    tags: {
      ...extraTags,
      [PERSONA_TAGS.name]: plan.persona.name,
      [PERSONA_TAGS.version]: plan.persona.version,
      [PERSONA_TAGS.digest]: plan.persona.digest,
      [PERSONA_TAGS.active]: plan.persona.name,
      [FLEET_TAG_KEY]: fleet.fleet,
    },
    alarms: perInstance.map((alarm) => ({
      alarm,
      description: alarmDescription(plan, alarm),
      // One output for the whole list rather than a list of outputs: the engine stringifies each
      // input list while registering, and a list holding outputs costs an error (with its stack
      // trace) per alarm; 1,000 instances share these few outputs.
      alarmActions: pulumi.all(alarmResponders(alarm).map((k) => fleet.responderArns[k]!)),
      okActions: pulumi.all(okResponders(alarm).map((k) => fleet.responderArns[k]!)),
    })),
  };
}

/**
 * Registers one Metrics Insights alarm per persona × alarm the plan makes fleet-wide: its query groups
 * by InstanceId, each instance's series is a contributor with its own ALARM/OK state, and Lambda
 * actions run per contributor (CloudWatch User Guide, "Acting on alarm changes"). An instance that
 * joins the fleet, by `pulumi up` or by the orchestrator, is covered with no new alarm.
 * @internal
 */
export function renderFleetAlarms(
  parent: pulumi.ComponentResource,
  name: string,
  plan: FleetPlan,
  fleet: FleetResources,
  tags: Record<string, string> | undefined,
): cloudwatch.MetricAlarm[] {
  const alarms: cloudwatch.MetricAlarm[] = [];
  const rendered = new Set<string>();
  for (const persona of plan.personas) {
    const digest = persona.persona.digest;
    for (const alarm of persona.alarms) {
      const topology = topologyOf(plan.alarmTopology, digest, alarm.id)?.aws;
      if (topology?.kind !== "fleet-wide" || rendered.has(`${digest}|${alarm.id}`)) continue;
      rendered.add(`${digest}|${alarm.id}`);
      const spec = alarm.aws;
      const alarmNameValue = fleetAlarmName(fleet.scope, digest, alarm.id);
      alarms.push(
        new cloudwatch.MetricAlarm(
          `${name}-fleet-${digest.replace(/^sha256:/, "").slice(0, 16)}-${alarm.id}`,
          {
            name: alarmNameValue,
            alarmDescription: alarmDescription(persona, alarm),
            metricQueries: [
              {
                id: "q1",
                expression: topology.query,
                period: spec.period,
                returnData: true,
                label: alarm.id,
              },
            ],
            evaluationPeriods: spec.evaluationPeriods,
            datapointsToAlarm: spec.datapointsToAlarm,
            threshold: spec.threshold,
            comparisonOperator: spec.comparisonOperator,
            treatMissingData: spec.treatMissingData,
            alarmActions: alarmResponders(alarm).map((k) => fleet.responderArns[k]!),
            okActions: okResponders(alarm).map((k) => fleet.responderArns[k]!),
            // Responders act on a contributor only for an alarm carrying the fleet owner tag and its fleet.
            tags: { ...tags, [ALARM_OWNER_TAG]: "fleet", [PERSONA_TAGS.fleet]: fleet.fleet },
          },
          { parent },
        ),
      );
    }
  }
  return alarms;
}

/**
 * Registers one alarm per planned alarm for an instance, parented to the component.
 * @internal
 */
export function renderAlarms(
  parent: pulumi.ComponentResource,
  name: string,
  scope: NameScope,
  key: string,
  instanceId: pulumi.Input<string>,
  shared: PersonaShared,
  tags: Record<string, string> | undefined,
): cloudwatch.MetricAlarm[] {
  return shared.alarms.map(({ alarm, description, alarmActions, okActions }) => {
    const spec = alarm.aws;
    const args: cloudwatch.MetricAlarmArgs = {
      name: alarmName(scope, key, alarm.id),
      alarmDescription: description,
      namespace: spec.namespace,
      metricName: spec.metricName,
      statistic: spec.statistic,
      dimensions: { InstanceId: instanceId },
      period: spec.period,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator,
      treatMissingData: spec.treatMissingData,
      alarmActions,
      okActions,
      // Responders act only for an alarm carrying the owner its name implies and its fleet.
      tags: { ...tags, [ALARM_OWNER_TAG]: "stack", [PERSONA_TAGS.fleet]: scope.fleet },
    };
    return new cloudwatch.MetricAlarm(`${name}-${key}-${alarm.id}`, args, { parent });
  });
}

/** The attributes responders own; `pulumi up` must not undo their changes. */
export const RESPONDER_OWNED = [
  "instanceType",
  `tags["${PERSONA_TAGS.active}"]`,
  `tags["${ISOLATED_TAG}"]`,
] as const;

/**
 * The EC2 instance of one fleet member.
 * @internal
 */
export function renderInstance(
  parent: pulumi.ComponentResource,
  name: string,
  key: string,
  args: Omit<ec2.InstanceArgs, "tags" | "instanceType" | "userData" | "iamInstanceProfile">,
  shared: PersonaShared,
  userData: pulumi.Input<string>,
  profile: iam.InstanceProfile,
  memberTags: Record<string, string> | undefined,
  nameTag: string,
): ec2.Instance {
  return new ec2.Instance(
    `${name}-${key}`,
    {
      ...args,
      instanceType: shared.plan.compute.size!,
      iamInstanceProfile: profile.name,
      userData,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
      // Detailed (1-minute) AWS/EC2 metrics when an alarm's period needs them; the plan decides.
      ...(shared.plan.monitoring.detailed ? { monitoring: true } : {}),
      tags: memberTags ? { Name: nameTag, ...memberTags, ...shared.tags } : { Name: nameTag, ...shared.tags },
    },
    { parent, ignoreChanges: [...RESPONDER_OWNED] },
  );
}

/**
 * An IP set description WAF accepts: the EntityDescription pattern in the WAFv2 API model
 * (`^[\w+=:#@/\-,\.][\w+=:#@/\-,\.\s]+[\w+=:#@/\-,\.]$`, 1–256 characters) forbids `?`, `&` and
 * `%`. Only the feed's host and path are named: a query string may carry an API key.
 * @example
 * ipSetDescription("web", { id: "WebBase-drop", url: "https://feeds.example/drop.txt?key=s3cret" });
 * // "pulumi-personas web: WebBase-drop from feeds.example/drop.txt"
 */
export function ipSetDescription(fleet: string, feed: Pick<FleetFeedPlan, "id" | "url">): string {
  let source: string;
  try {
    const url = new URL(feed.url);
    source = `${url.host}${url.pathname === "/" ? "" : url.pathname}`;
  } catch {
    source = "its feed";
  }
  const text = `pulumi-personas ${fleet}: ${feed.id} from ${source}`
    .replace(/[^\w+=:#@/\-,.\s]/g, "-")
    .slice(0, 256);
  return text.replace(/^\s+|\s+$/g, "");
}

/** FNV-1a, 32 bits: a stable spread of fleet names over priority blocks. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The first web ACL rule priority of a fleet that names none: a block of 100 derived from its name.
 * @internal
 */
export function defaultRulePriority(fleet: string): number {
  return 100 * (1 + (fnv1a(fleet) % 9_999));
}

/** Rule priorities claimed in this program, per web ACL (an ARN string, or the Output passed in). */
const priorityClaims = new Map<unknown, Map<string, { from: number; to: number }>>();

/**
 * Records that `fleet` uses priorities `first` … `first + count - 1` in a web ACL, and refuses an
 * overlap with another fleet of this program: priorities in a web ACL "don't need to be
 * consecutive, but they must all be different" (AWS WAFV2 API Reference, Rule `Priority`), and a
 * clash would fail the deployment halfway.
 */
function claimRulePriorities(
  context: ComponentErrorContext,
  webAcl: pulumi.Input<string>,
  fleet: string,
  first: number,
  count: number,
): void {
  if (!Number.isInteger(first) || first < 0)
    throw new InvalidArgumentsError(
      context,
      `[firewall.rulePriority] must be a whole number from 0, got ${first}`,
      "pick a priority range no other rule of the web ACL uses",
    );
  const claims = priorityClaims.get(webAcl) ?? new Map<string, { from: number; to: number }>();
  priorityClaims.set(webAcl, claims);
  const mine = { from: first, to: first + count - 1 };
  for (const [other, range] of claims) {
    if (other === fleet || range.to < mine.from || mine.to < range.from) continue;
    throw new InvalidArgumentsError(
      context,
      `its web ACL rules would take priorities ${mine.from}–${mine.to}, and fleet '${other}' already uses ${range.from}–${range.to} in the same web ACL`,
      "give each fleet sharing a web ACL its own [firewall.rulePriority] range",
    );
  }
  claims.set(fleet, mine);
}
