/**
 * Offline plans: run a Pulumi program in-process under the SDK's mock engine and record the resource
 * tree `pulumi up` would create (type, name, inputs, parent). No cloud account, no Pulumi CLI.
 * Used by `personas plan` and by tests of example programs.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { autoName } from "./cloud-contract.js";
import { setResponderCodeCheck } from "./render.js";

/** One resource the program registered. */
export interface PlannedResource {
  type: string;
  name: string;
  /** The parent's name, undefined for the stack's top-level resources. */
  parent: string | undefined;
  /** The parent's type: names are unique only per type (a role and a function may share one). */
  parentType: string | undefined;
  inputs: Record<string, unknown>;
  /**
   * Outputs known only after deployment, as the mock engine made them up: `id`, `arn`, and `name`
   * when the physical name is auto-generated. `planJson` shows inputs equal to them as references.
   * Component resources have none.
   */
  outputs?: Record<string, string>;
}

const ACCOUNT_FACTS: Record<string, Record<string, unknown>> = {
  "aws:index/getPartition:getPartition": { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" },
  "aws:index/getRegion:getRegion": { region: "us-east-1", name: "us-east-1", id: "us-east-1" },
  "aws:index/getCallerIdentity:getCallerIdentity": {
    accountId: "123456789012",
    arn: "arn:aws:iam::123456789012:user/offline",
    userId: "OFFLINE",
    id: "123456789012",
  },
  // Offline Azure plans (`personas plan --cloud azure`): a placeholder subscription.
  "azure-native:authorization:getClientConfig": {
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    tenantId: "00000000-0000-0000-0000-000000000000",
    clientId: "00000000-0000-0000-0000-000000000000",
    objectId: "00000000-0000-0000-0000-000000000000",
  },
};

const REGION_ACCOUNT = "us-east-1:123456789012";

/**
 * The ARN AWS would give a resource of this type and physical name, so inputs built from other
 * resources' ARNs (a Lambda's role, a schedule's dead-letter queue) meet the cloud-contract check's
 * ARN patterns as they would on a real account.
 */
export function offlineArn(type: string, name: string): string {
  const bare = name.replace(/^\//, "");
  switch (type) {
    case "aws:iam/role:Role":
      return `arn:aws:iam::123456789012:role/${name}`;
    case "aws:iam/instanceProfile:InstanceProfile":
      return `arn:aws:iam::123456789012:instance-profile/${name}`;
    case "aws:lambda/function:Function":
      return `arn:aws:lambda:${REGION_ACCOUNT}:function:${name}`;
    case "aws:sqs/queue:Queue":
      return `arn:aws:sqs:${REGION_ACCOUNT}:${name}`;
    case "aws:sns/topic:Topic":
      return `arn:aws:sns:${REGION_ACCOUNT}:${name}`;
    case "aws:cloudwatch/logGroup:LogGroup":
      return `arn:aws:logs:${REGION_ACCOUNT}:log-group:${name}`;
    case "aws:dynamodb/table:Table":
      return `arn:aws:dynamodb:${REGION_ACCOUNT}:table/${name}`;
    case "aws:ssm/parameter:Parameter":
      return `arn:aws:ssm:${REGION_ACCOUNT}:parameter/${bare}`;
    case "aws:ssm/document:Document":
      return `arn:aws:ssm:${REGION_ACCOUNT}:document/${name}`;
    case "aws:wafv2/ipSet:IpSet":
      return `arn:aws:wafv2:${REGION_ACCOUNT}:regional/ipset/${name}/0a1b2c3d`;
    case "aws:scheduler/schedule:Schedule":
      return `arn:aws:scheduler:${REGION_ACCOUNT}:schedule/default/${name}`;
    case "aws:cloudwatch/eventRule:EventRule":
      return `arn:aws:events:${REGION_ACCOUNT}:rule/${name}`;
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return `arn:aws:cloudwatch:${REGION_ACCOUNT}:alarm:${name}`;
    case "aws:sfn/stateMachine:StateMachine":
      return `arn:aws:states:${REGION_ACCOUNT}:stateMachine:${name}`;
    case "aws:s3/bucketV2:BucketV2":
    case "aws:s3/bucket:Bucket":
      return `arn:aws:s3:::${name}`;
    default: {
      const [, module = "resource", kind = "resource"] = /^[^:]+:([^/]+)\/([^:]+)/.exec(type) ?? [];
      return `arn:aws:${module}:${REGION_ACCOUNT}:${kind}/${bare}`;
    }
  }
}

/** AWS's public AMI parameters (`/aws/service/...`) name a region's current image; offline, a placeholder. */
export const OFFLINE_AMI = "ami-00000000000000000";

/** What `ssm.getParameter` answers offline for a public AMI parameter, else undefined. */
export function publicAmiParameter(args: pulumi.runtime.MockCallArgs): Record<string, unknown> | undefined {
  const name = args.inputs.name;
  if (args.token !== "aws:ssm/getParameter:getParameter" || typeof name !== "string") return undefined;
  if (!name.startsWith("/aws/service/")) return undefined;
  return { id: name, name, type: "String", value: OFFLINE_AMI, insecureValue: OFFLINE_AMI, version: 1 };
}

/**
 * An instance id shaped like EC2's (`i-` and 17 hex digits), stable per name: the membership record and
 * alarm dimensions validate instance ids, so an offline plan must hold ids that pass those checks.
 */
function offlineInstanceId(name: string): string {
  return `i-${createHash("sha256").update(name).digest("hex").slice(0, 17)}`;
}

/** A GUID made from a name, for ids Azure assigns (offline, deterministic). */
function offlineGuid(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The outputs an offline plan makes up for each registered resource: an id unique per type, the ARN
 * AWS would give it and, when the program left the physical name to Pulumi, an auto-name.
 * @internal
 */
export class OfflineOutputs {
  private readonly ids = new Set<string>();

  /** The resource's id; call once per registration, in registration order. */
  idFor(type: string, logicalName: string): string {
    // Names are unique per type only (a bucket and its public access block share one); so are ids here.
    const kind = type.split(":").pop()!.toLowerCase();
    const id =
      type === "aws:ec2/instance:Instance"
        ? offlineInstanceId(logicalName)
        : this.ids.has(`${logicalName}-id`)
          ? `${logicalName}-${kind}-id`
          : `${logicalName}-id`;
    this.ids.add(id);
    return id;
  }

  /**
   * Outputs the cloud answers that are no input: Azure answers a user-assigned identity's principal
   * and client ids (GUIDs); the VMs' custom data names the client id, and checks it is one. A data
   * collection endpoint answers its logs ingestion URL and a data collection rule its immutable id
   * (`dcr-` and 32 hex digits), which the custom data passes to the agent and checks too.
   */
  static answeredOf(type: string, logicalName: string): Record<string, unknown> {
    switch (type) {
      case "azure-native:managedidentity:UserAssignedIdentity":
        return {
          principalId: offlineGuid(`${logicalName}-principal`),
          clientId: offlineGuid(`${logicalName}-client`),
        };
      case "azure-native:monitor:DataCollectionEndpoint":
        return {
          logsIngestion: {
            endpoint: `https://${offlineGuid(`${logicalName}-endpoint`).slice(0, 8)}.offline-1.ingest.monitor.azure.com`,
          },
        };
      case "azure-native:monitor:DataCollectionRule":
        return { immutableId: `dcr-${offlineGuid(`${logicalName}-immutable`).replaceAll("-", "")}` };
      default:
        return {};
    }
  }

  /** The physical name (the `name` input, else an auto-name) and the ARN, from resolved inputs. */
  static namesOf(
    type: string,
    logicalName: string,
    inputs: Record<string, unknown>,
  ): { name: string; arn: string; named: boolean } {
    const named = typeof inputs.name === "string";
    const name = named ? (inputs.name as string) : autoName(logicalName);
    return { name, arn: offlineArn(type, name), named };
  }
}

/** @internal */
export class PlanMocks implements pulumi.runtime.Mocks {
  readonly resources: PlannedResource[] = [];
  private readonly outputs = new OfflineOutputs();
  parent: { type: string; name: string } | undefined;

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const id = this.outputs.idFor(args.type, args.name);
    const { name, arn, named } = OfflineOutputs.namesOf(args.type, args.name, args.inputs);
    this.resources.push({
      type: args.type,
      name: args.name,
      parent: this.parent?.name,
      parentType: this.parent?.type,
      inputs: args.inputs,
      // A component (`personas:...`) is no cloud resource: nothing refers to its made-up id or ARN.
      ...(args.custom === false ? {} : { outputs: { id, arn, ...(named ? {} : { name }) } }),
    });
    return {
      id,
      state: { ...args.inputs, ...OfflineOutputs.answeredOf(args.type, args.name), arn, name, id },
    };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    if (args.token === "aws:ec2/getInstances:getInstances") return { ids: [], privateIps: [], publicIps: [] };
    const publicAmi = publicAmiParameter(args);
    if (publicAmi) return publicAmi;
    return ACCOUNT_FACTS[args.token] ?? args.inputs;
  }
}

/**
 * Runs `program` under the mock engine and returns every registered resource in registration order.
 * Installs its own mocks: call it in a process of its own (the CLI does) or restore your mocks after.
 *
 * @example
 * ```ts
 * const resources = await planOffline(() => { new PersonaFleet("web", args); });
 * ```
 */
export async function planOffline(program: () => void | Promise<void>): Promise<PlannedResource[]> {
  const mocks = new PlanMocks();
  await pulumi.runtime.setMocks(mocks, "offline", "plan", true);
  const settings = require("@pulumi/pulumi/runtime/settings") as {
    getMonitor(): { registerResource(req: unknown, callback: unknown): unknown };
    waitForRPCs(): Promise<void>;
  };
  // The mocks API does not pass the parent; the request does. newResource runs synchronously inside.
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: unknown, callback: unknown) => {
    // urn:pulumi:<stack>::<project>::<parent types joined by $>::<name>
    const parentUrn = (req as { getParent(): string }).getParent();
    if (parentUrn) {
      const parts = parentUrn.split("::");
      mocks.parent = { name: parts.slice(3).join("::"), type: parts[2]!.split("$").pop()! };
    } else mocks.parent = undefined;
    try {
      return register(req, callback);
    } finally {
      mocks.parent = undefined;
    }
  };
  // An offline plan uploads no code: the responder bundles need not be built.
  const previous = setResponderCodeCheck(false);
  try {
    await program();
  } finally {
    // Also when the program throws: registrations still in flight must reach these mocks, not the next plan's.
    await settings.waitForRPCs();
    setResponderCodeCheck(previous);
  }
  return mocks.resources;
}

/** Formats planned resources as a Mermaid graph: components as subgraphs' parents, edges parent → child. */
export function toMermaid(resources: readonly PlannedResource[]): string {
  // One node per resource: names repeat across types (a role and its function), so the key is both.
  const ids = new Map<string, string>();
  const id = (type: string, name: string) => {
    const key = `${type}\u0000${name}`;
    let value = ids.get(key);
    if (!value) {
      value = `r${ids.size}`;
      ids.set(key, value);
    }
    return value;
  };
  const lines = ["graph TD"];
  for (const r of resources) lines.push(`  ${id(r.type, r.name)}["${r.name}<br/>${r.type}"]`);
  for (const r of resources)
    if (r.parent !== undefined && r.parentType !== undefined)
      lines.push(`  ${id(r.parentType, r.parent)} --> ${id(r.type, r.name)}`);
  return `${lines.join("\n")}\n`;
}
