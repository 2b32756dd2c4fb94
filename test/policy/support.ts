/**
 * Policy rule fixtures: rule arguments built the way the policy SDK's server builds them
 * (`@pulumi/policy/server.js`), from resources recorded under the mock engine, and runners that
 * collect every violation. Never constructs a PolicyPack (it starts a server).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as wafv2 from "@pulumi/aws/wafv2";
import type {
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { resolveWith } from "../../src/aws/resolution.js";
import { PersonaRepository } from "../../src/repository/repository.js";
import { parseMapping } from "../../src/resolve/mapping.js";
import { createResolutionContext } from "../../src/resolve/resolve.js";
import { seedPersona, WEB_ACL } from "../aws/support.js";
import { type RecordedResource, recorder, settled } from "../support/pulumi.js";

/** What a rule reported: the message and, for stack rules, the resource it named. */
export interface Violation {
  message: string;
  urn?: string;
}

/** The URN the engine gives a top-level resource of the test stack. */
export function urnOf(type: string, name: string): string {
  return `urn:pulumi:stack::project::${type}::${name}`;
}

/** The options the SDK passes when a resource sets none. */
export function defaultOptions(): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
}

/** Thrown by `notApplicable`, like the SDK's NotApplicableError. */
export class NotApplicable extends Error {}

function isTypeOf(type: string, resourceClass: unknown): boolean {
  return (resourceClass as { __pulumiType?: string }).__pulumiType === type;
}

/** `ResourceValidationArgs` as the SDK builds them: the resource's inputs and the policy's config. */
export function resourceArgs(
  type: string,
  name: string,
  props: Record<string, unknown>,
  config: Record<string, unknown> = {},
): ResourceValidationArgs {
  return {
    type,
    props,
    urn: urnOf(type, name),
    name,
    opts: defaultOptions(),
    stackTags: new Map(),
    isType: (resourceClass) => isTypeOf(type, resourceClass),
    asType: ((resourceClass: unknown) => (isTypeOf(type, resourceClass) ? props : undefined)) as never,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

/** One stack resource as the SDK builds it for stack rules: outputs, URN, no parent. */
export function policyResource(type: string, name: string, props: Record<string, unknown>): PolicyResource {
  return {
    type,
    props,
    urn: urnOf(type, name),
    name,
    opts: defaultOptions(),
    dependencies: [],
    propertyDependencies: {},
    isType: (resourceClass) => isTypeOf(type, resourceClass),
    asType: ((resourceClass: unknown) =>
      isTypeOf(type, resourceClass) ? props : undefined) as PolicyResource["asType"],
  };
}

/** `StackValidationArgs` as the SDK builds them. */
export function stackArgs(
  resources: PolicyResource[],
  config: Record<string, unknown> = {},
): StackValidationArgs {
  return {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

/** Runs every validation of a resource rule and returns the messages, in order. */
export async function runResourceRule(
  policy: ResourceValidationPolicy,
  args: ResourceValidationArgs,
): Promise<string[]> {
  const messages: string[] = [];
  const report: ReportViolation = (message) => {
    messages.push(message);
  };
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : policy.validateResource
      ? [policy.validateResource]
      : [];
  for (const validate of validations) await validate(args, report);
  return messages;
}

/** Runs a stack rule and returns its violations, in order. */
export async function runStackRule(
  policy: StackValidationPolicy,
  args: StackValidationArgs,
): Promise<Violation[]> {
  const violations: Violation[] = [];
  await policy.validateStack(args, (message, urn) => {
    violations.push(urn === undefined ? { message } : { message, urn });
  });
  return violations;
}

/** The outputs the recording mocks answer for a resource: its inputs plus `arn`, `name` and `id`. */
export function outputsOf(resource: RecordedResource): Record<string, unknown> {
  const arn = `arn:aws:mock:us-east-1:123456789012:${resource.type.split(":").pop()}/${resource.name}`;
  return { ...resource.inputs, arn, name: resource.inputs.name ?? resource.name, id: resource.id };
}

/** A recorded stack as the policy SDK would hand it over: resource args (inputs) and stack resources (outputs). */
export interface RecordedStack {
  recorded: RecordedResource[];
  resources: PolicyResource[];
}

/** Converts recorded resources into the stack rules' resources. */
export function stackOf(recorded: RecordedResource[]): RecordedStack {
  return { recorded, resources: recorded.map((r) => policyResource(r.type, r.name, outputsOf(r))) };
}

/** Resource args for a recorded resource (inputs, as resource rules see them). */
export function argsOf(
  resource: RecordedResource,
  config: Record<string, unknown> = {},
): ResourceValidationArgs {
  return resourceArgs(resource.type, resource.name, resource.inputs, config);
}

/** The recorded resource of a type and name; throws with the name when absent. */
export function recorded(stack: RecordedStack, type: string, name: string): RecordedResource {
  const found = stack.recorded.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name} was recorded`);
  return found;
}

/** Replaces one recorded resource's inputs (deep copies the rest of the stack untouched). */
export function withInputs(
  stack: RecordedStack,
  type: string,
  name: string,
  change: (inputs: Record<string, unknown>) => Record<string, unknown>,
): RecordedStack {
  return stackOf(
    stack.recorded.map((r) =>
      r.type === type && r.name === name ? { ...r, inputs: change({ ...r.inputs }) } : r,
    ),
  );
}

/** Drops recorded resources. */
export function without(stack: RecordedStack, keep: (r: RecordedResource) => boolean): RecordedStack {
  return stackOf(stack.recorded.filter(keep));
}

async function record(build: () => void): Promise<RecordedStack> {
  recorder.reset();
  build();
  await settled();
  const resources = [...recorder.resources];
  recorder.reset();
  return stackOf(resources);
}

/**
 * A seed-persona fleet of `count` instances with a WAF web ACL, recorded under the mocks, with the
 * given alarm topology (PersonaFleet's default, fleet-wide, when absent).
 */
export function seedFleetStack(
  count: number,
  alarmTopology?: "fleet-wide" | "per-instance",
): Promise<RecordedStack> {
  return record(() => {
    new PersonaFleet("web", {
      ami: "ami-0123456789abcdef0",
      defaultPersona: seedPersona,
      instances: Array.from({ length: count }, (_, i) => ({ name: `web-${i + 1}` })),
      firewall: { webAclArn: WEB_ACL },
      ...(alarmTopology !== undefined ? { alarmTopology } : {}),
    });
  });
}

const EXAMPLE = join("examples", "aws-web-hightraffic");

/** The program of examples/aws-web-hightraffic (repository, mapping, web ACL, three instances), recorded. */
export function exampleStack(): Promise<RecordedStack> {
  return record(() => {
    const repository = PersonaRepository.fromDirectory(join(EXAMPLE, "personas"));
    const mappingFile = join(EXAMPLE, "mapping.yaml");
    const mapping = parseMapping(readFileSync(mappingFile, "utf8"), { file: mappingFile });
    const acl = new wafv2.WebAcl("edge", {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "edge", sampledRequestsEnabled: true },
    });
    new PersonaFleet("web", {
      ami: "ami-0c2b9b8c5a5c7f1d2",
      os: "amazon-linux",
      architecture: "arm64",
      resolve: resolveWith(createResolutionContext(repository, mapping)),
      instances: Array.from({ length: 3 }, (_, i) => ({ name: `web-${i + 1}`, tags: { role: "web" } })),
      firewall: { webAclArn: acl.arn },
    });
  });
}

/** Runs every rule of the pack over a recorded stack: resource rules on each resource, then the stack rules. */
export async function runEveryRule(
  stack: RecordedStack,
  resourceRules: readonly ResourceValidationPolicy[],
  stackRules: readonly StackValidationPolicy[],
): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const rule of resourceRules)
    for (const resource of stack.recorded) {
      const messages = await runResourceRule(rule, argsOf(resource));
      if (messages.length > 0) found[rule.name] = [...(found[rule.name] ?? []), ...messages];
    }
  for (const rule of stackRules) {
    const violations = await runStackRule(rule, stackArgs(stack.resources));
    if (violations.length > 0) found[rule.name] = violations.map((v) => v.message);
  }
  return found;
}

/** The fleet manifest document held by a recorded manifest parameter's inputs. */
export type ManifestJson = {
  fleet: string;
  personas: Record<string, Record<string, unknown> & { alarms: Record<string, unknown> }>;
  feeds: Record<string, Record<string, unknown>>;
};

/** Inputs of a manifest parameter with its JSON value changed by `change`. */
export function editManifest(
  inputs: Record<string, unknown>,
  change: (manifest: ManifestJson) => void,
): Record<string, unknown> {
  const manifest = JSON.parse(inputs.content as string) as ManifestJson;
  change(manifest);
  return { ...inputs, content: JSON.stringify(manifest) };
}
