/**
 * What the rules read from a stack: resource type tokens, persona tags, the fleet manifests the
 * components write (SSM parameters holding `FleetManifest` JSON) and the tags in alarm descriptions.
 * The rules learn each persona's expected alarms from the stack itself, never by planning again.
 * {@link indexStack} walks the resources once and is cached per resource list, so every stack rule
 * stays linear in the number of resources.
 */
import type { PolicyResource } from "@pulumi/policy";
import { FLEET_STORE_KEYS, FleetManifest } from "../plan/manifest.js";
import type { NameScope } from "../plan/names.js";
import { PERSONA_TAGS } from "../plan/tags.js";

/** The Pulumi type tokens the rules look at. */
export const TYPES = {
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  table: "aws:dynamodb/table:Table",
  instance: "aws:ec2/instance:Instance",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  function: "aws:lambda/function:Function",
  permission: "aws:lambda/permission:Permission",
  schedule: "aws:scheduler/schedule:Schedule",
  parameter: "aws:ssm/parameter:Parameter",
  bucketObject: "aws:s3/bucketObjectv2:BucketObjectv2",
  ipSet: "aws:wafv2/ipSet:IpSet",
  webAclRule: "aws:wafv2/webAclRule:WebAclRule",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
} as const;

/** Every name the library gives AWS resources starts with this (see src/plan/names.ts). */
export const PERSONA_NAME_PREFIX = "personas-";

/** The stack a resource belongs to, from its URN (`urn:pulumi:<stack>::<project>::...`). */
function stackOfUrn(urn: string): string {
  return urn.startsWith("urn:pulumi:") ? urn.slice("urn:pulumi:".length).split("::")[0]! : "";
}

/** A value as a plain record, or undefined. */
export function recordOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A string property, or undefined. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The tags of a resource's props (inputs or outputs). */
export function tagsOf(props: Record<string, unknown>): Record<string, unknown> {
  return recordOf(props.tags) ?? {};
}

/** The fleet a resource belongs to, from its `persona:fleet` tag. */
export function fleetOf(props: Record<string, unknown>): string | undefined {
  return stringOf(tagsOf(props)[PERSONA_TAGS.fleet]);
}

/** True when a resource is a fleet's whole manifest in its fleet store (`FLEET_STORE_KEYS.fleet`). */
export function isManifestObject(type: string, props: Record<string, unknown>): boolean {
  return type === TYPES.bucketObject && stringOf(props.key) === FLEET_STORE_KEYS.fleet;
}

/** A manifest object's document, or why it cannot be read. */
export type ManifestReading = { ok: true; manifest: FleetManifest } | { ok: false; reason: string };

/** Reads a manifest object's JSON `content`, as the components write it. */
export function readManifest(props: Record<string, unknown>): ManifestReading {
  const text = stringOf(props.content);
  if (text === undefined) return { ok: false, reason: "it has no value" };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `its value is not JSON (${(error as Error).message})` };
  }
  const parsed = FleetManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      reason: `its value is not a version ${1} fleet manifest (${issue.path.join(".") || "root"}: ${issue.message})`,
    };
  }
  return { ok: true, manifest: parsed.data };
}

/**
 * The `[personas:v1 digest=... alarm=...]` tag at the end of an alarm description (see
 * `alarmDescription` in src/plan/manifest.ts). Digests come bare (64 hex, as in tests) or as the
 * repository writes them (`sha256:<hex>`); the pack matches both, by the exact digest string.
 */
const DESCRIPTION_TAG = /\[personas:v1 digest=((?:sha256:)?[0-9a-f]{64}) alarm=([a-z0-9-]+)\]$/;

/** Reads the persona tag of an alarm description; undefined for other alarms. */
export function alarmTagOf(description: string): { digest: string; alarmId: string } | undefined {
  const match = DESCRIPTION_TAG.exec(description);
  return match ? { digest: match[1]!, alarmId: match[2]! } : undefined;
}

/** A persona digest as the components write it: 64 lowercase hex, optionally after `sha256:`. */
export const DIGEST_PATTERN = /^(?:sha256:)?[0-9a-f]{64}$/;

/** A persona alarm: an alarm whose description ends with the `[personas:v1 ...]` tag. */
export interface PersonaAlarm {
  resource: PolicyResource;
  digest: string;
  alarmId: string;
  /**
   * The alarm evaluates a Metrics Insights query (a `SELECT` expression among its metric queries): one
   * fleet-wide alarm of a persona whose contributors are the instances (src/plan/topology.ts), not an
   * alarm of one instance.
   */
  fleetWide: boolean;
}

/** The metric queries of an alarm's props, as records. */
export function metricQueriesOf(props: Record<string, unknown>): Record<string, unknown>[] {
  const queries = Array.isArray(props.metricQueries) ? props.metricQueries : [];
  return queries.map(recordOf).filter((q): q is Record<string, unknown> => q !== undefined);
}

/** Whether an alarm's props evaluate a Metrics Insights query (as the responders tell, `isQueryAlarm`). */
export function isMetricsInsightsAlarm(props: Record<string, unknown>): boolean {
  return metricQueriesOf(props).some((q) => /^\s*SELECT\s/i.test(stringOf(q.expression) ?? ""));
}

/** The stack, indexed once. */
export interface StackIndex {
  byType: Map<string, PolicyResource[]>;
  /** Readable manifests by fleet name, with the name scope of the stack that deployed them. */
  manifests: Map<string, { resource: PolicyResource; manifest: FleetManifest; scope: NameScope }>;
  /** Manifest parameters the pack could not read, with the reason. */
  unreadableManifests: { resource: PolicyResource; reason: string }[];
  personaAlarms: PersonaAlarm[];
  /** Lambda functions with a `persona:fleet` tag: the fleets' responders. */
  responderFunctions: PolicyResource[];
  /** The responder functions' ARNs (Lambda functions with a `persona:fleet` tag), to their resource. */
  functionsByArn: Map<string, PolicyResource>;
  /** EC2 instances by their id (when known). */
  instancesById: Map<string, PolicyResource>;
  /** Resource names (the `name` prop) by type, for existence checks. */
  namesByType: Map<string, Set<string>>;
}

/** Appends to the list a map holds under a key, creating it. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const cache = new WeakMap<readonly PolicyResource[], StackIndex>();

/** Indexes a stack's resources in one pass; the result is cached for the same list. */
export function indexStack(resources: readonly PolicyResource[]): StackIndex {
  const cached = cache.get(resources);
  if (cached) return cached;
  const index: StackIndex = {
    byType: new Map(),
    manifests: new Map(),
    unreadableManifests: [],
    personaAlarms: [],
    responderFunctions: [],
    functionsByArn: new Map(),
    instancesById: new Map(),
    namesByType: new Map(),
  };
  for (const resource of resources) {
    const { type, props } = resource;
    pushTo(index.byType, type, resource);
    const name = stringOf(props.name);
    if (name !== undefined) {
      const names = index.namesByType.get(type);
      if (names) names.add(name);
      else index.namesByType.set(type, new Set([name]));
    }
    switch (type) {
      case TYPES.bucketObject: {
        if (!isManifestObject(type, props)) break;
        const reading = readManifest(props);
        // The names of the fleet (src/plan/names.ts) carry the stack that deployed its manifest.
        const stack = stackOfUrn(resource.urn);
        if (reading.ok)
          index.manifests.set(reading.manifest.fleet, {
            resource,
            manifest: reading.manifest,
            scope: { fleet: reading.manifest.fleet, stack },
          });
        else index.unreadableManifests.push({ resource, reason: reading.reason });
        break;
      }
      case TYPES.alarm: {
        const tag = alarmTagOf(stringOf(props.alarmDescription) ?? "");
        if (tag)
          index.personaAlarms.push({
            resource,
            digest: tag.digest,
            alarmId: tag.alarmId,
            fleetWide: isMetricsInsightsAlarm(props),
          });
        break;
      }
      case TYPES.function: {
        if (fleetOf(props) === undefined) break;
        index.responderFunctions.push(resource);
        const arn = stringOf(props.arn);
        if (arn !== undefined) index.functionsByArn.set(arn, resource);
        break;
      }
      case TYPES.instance: {
        const id = stringOf(props.id);
        if (id !== undefined) index.instancesById.set(id, resource);
        break;
      }
    }
  }
  cache.set(resources, index);
  return index;
}

/**
 * The stack instance an alarm watches: the instance its `dimensions` depend on (what the engine
 * records), or the instance whose id equals `dimensions.InstanceId`.
 */
export function alarmInstance(alarm: PolicyResource, index: StackIndex): PolicyResource | undefined {
  const dependency = alarm.propertyDependencies?.dimensions?.find((r) => r.type === TYPES.instance);
  if (dependency) return dependency;
  const id = stringOf(recordOf(alarm.props.dimensions)?.InstanceId);
  return id === undefined ? undefined : index.instancesById.get(id);
}

/** `a, b and c`. */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The first 8 characters of a digest, for messages. */
export function shortDigest(digest: string): string {
  return `${digest.replace(/^sha256:/, "").slice(0, 8)}…`;
}
