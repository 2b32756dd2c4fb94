/**
 * The fleet manifest: what the run-time responders need to know about a fleet's personas, written
 * by the components (an SSM parameter on AWS) and read by every responder at cold start. It is the
 * plan's run-time projection, versioned and validated with zod on read, so a responder never acts on
 * a manifest it does not understand.
 *
 * Alarms point into it through their description, which ends with a machine-readable tag:
 * `[personas:v1 digest=<sha256> alarm=<alarm id>]`.
 */
import * as z from "zod/mini";
import { type Action, revertAction } from "../pdl/actions/index.js";
import type { Bounds, FeedFormat, FetchLimits, ValueCondition } from "../pdl/model.js";
import type { AzureAlertSpec } from "./alarms.js";
import type { AlarmPlan, FleetPlan, PersonaPlan } from "./plan.js";
import { RESPONDER_KINDS } from "./responders.js";

// The schema is zod/mini and uses only the PDL's types; only buildManifest calls into the PDL. So a
// responder that validates the manifest bundles neither classic zod nor the PDL (issue 5: at most
// 100 kB per responder bundle; scripts/build-runtime.mjs marks the PDL side-effect free).

/**
 * A persona digest as the repository computes it and the components write it (tags, alarm
 * descriptions, manifest keys, dispatches): `sha256:` and 64 lowercase hex digits.
 * @internal
 */
export const PERSONA_DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/**
 * The manifest format version responders understand.
 * @internal
 */
export const MANIFEST_VERSION = 1;

/**
 * A part the PDL validated in full when the persona was parsed: the manifest checks its shape only
 * (`shape`'s keys, other keys kept) and types it as the PDL's model.
 */
function validated<T>(shape: z.core.$ZodLooseShape): z.ZodMiniType<T> {
  return z.looseObject(shape) as unknown as z.ZodMiniType<T>;
}

/** Every action kind of the PDL catalog; the type below fails when a kind is added there and not here. */
const ACTION_KIND_NAMES = [
  "scale",
  "activate-feature",
  "deactivate-feature",
  "firewall",
  "shift-persona",
  "notify",
  "run-command",
  "invoke-function",
  "drain-traffic",
  "restore-traffic",
  "isolate-instance",
  "release-isolation",
] as const satisfies readonly Action["kind"][];
type MissingActionKind = Exclude<Action["kind"], (typeof ACTION_KIND_NAMES)[number]>;
const allActionKindsListed: [MissingActionKind] extends [never] ? true : MissingActionKind = true;
void allActionKindsListed;

const ManifestAction = validated<Action>({ kind: z.enum(ACTION_KIND_NAMES) });
const ManifestActions = z.array(ManifestAction).check(z.minLength(1));
const int = (min?: number) => (min === undefined ? z.int() : z.int().check(z.minimum(min)));

const ManifestResponse = z.strictObject({
  actions: ManifestActions,
  /** What runs when the response is cleared: each action's revert (the PDL's `revertAction`), in order. */
  clearActions: z.array(ManifestAction),
  responders: z.array(z.enum(RESPONDER_KINDS)),
  cooldownSeconds: int(0),
  maxActionsPerHour: int(1),
});

const ManifestAlarm = z.strictObject({
  intent: z.enum(["activate", "clear"]),
  responseId: z.string(),
  actions: ManifestActions,
  /**
   * The stack deployed this alarm as one fleet-wide rule of the persona on the fleet's cloud (the
   * plan's topology, src/plan/topology.ts, for the cloud the manifest was built for): on AWS a Metrics
   * Insights alarm (its events are contributor events), on Azure a rule over the fleet's resource
   * group that fires per VM. Either way the rule covers every member running the persona, so the
   * orchestrator makes no run-time alarm for it. Absent: one alarm per instance.
   */
  fleetWide: z.optional(z.literal(true)),
  /**
   * The Azure metric-alert settings of the alarm (`azureAlertOf`): the Azure orchestrator renders a
   * run-time alert from them without re-planning. Optional: manifests written before it lack it.
   */
  azure: z.optional(
    validated<AzureAlertSpec>({
      metricNamespace: z.string(),
      metricName: z.string(),
      operator: z.string(),
      threshold: z.number(),
      timeAggregation: z.string(),
      windowSize: z.string(),
      evaluationFrequency: z.string(),
    }),
  ),
});

const ManifestFeed = z.strictObject({
  kind: z.enum(["list", "value"]),
  persona: z.string(),
  sourceId: z.string(),
  url: z.string(),
  limits: validated<FetchLimits>({ timeoutSeconds: z.number(), maxBytes: z.number() }),
  responseId: z.string(),
  format: z.optional(validated<FeedFormat>({ type: z.enum(["plain", "spamhaus-drop", "csv", "json"]) })),
  mode: z.optional(z.enum(["block", "allow"])),
  maxShrinkPercent: z.optional(z.number()),
  enforcement: z.optional(z.enum(["waf-ip-set", "network-acl", "azure-nsg", "azure-waf-policy"])),
  maxEntries: z.optional(z.int()),
  minPrefixIpv4: z.optional(z.int()),
  minPrefixIpv6: z.optional(z.int()),
  maxGrowPercent: z.optional(z.number()),
  valueFormat: z.optional(z.enum(["json", "text"])),
  condition: z.optional(
    validated<ValueCondition>({ path: z.string(), operator: z.string(), threshold: z.number() }),
  ),
  cooldownSeconds: z.optional(z.int()),
  clearAfterSeconds: z.optional(z.int()),
  /** How often the feed is fetched; timers that poll (the Azure feeds timer) decide from it which feeds are due. */
  frequencySeconds: z.optional(z.int().check(z.minimum(1))),
});

const ManifestPersona = z.strictObject({
  name: z.string(),
  version: z.string(),
  /** The size the persona's BaseConfiguration selects: "Scale back to baseline" returns here. */
  baselineSize: z.optional(z.string()),
  bounds: validated<Bounds>({}),
  guards: z.strictObject({
    maxActionsPerHour: z.int(),
    defaultCooldownSeconds: z.int(),
    lockTtlSeconds: z.int(),
  }),
  responses: z.record(z.string(), ManifestResponse),
  alarms: z.record(z.string(), ManifestAlarm),
  features: z.array(
    z.strictObject({
      id: z.string(),
      activate: z.optional(z.string()),
      deactivate: z.optional(z.string()),
      initial: z.enum(["on", "off"]),
    }),
  ),
});

/** The manifest document. */
export const FleetManifest = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  fleet: z.string(),
  /** Persona plans by digest. */
  personas: z.record(z.string(), ManifestPersona),
  /** Feeds by fleet feed id. */
  feeds: z.record(z.string(), ManifestFeed),
});
export type FleetManifest = z.infer<typeof FleetManifest>;

function personaEntry(plan: PersonaPlan, fleetWide: ReadonlySet<string>): z.infer<typeof ManifestPersona> {
  const entry: z.infer<typeof ManifestPersona> = {
    name: plan.persona.name,
    version: plan.persona.version,
    bounds: plan.compute.bounds,
    guards: plan.guards,
    responses: Object.fromEntries(
      plan.responses.map((r) => [
        r.id,
        {
          actions: [...r.actions],
          clearActions: r.actions.flatMap((a) => revertAction(a) ?? []),
          responders: [...r.responders],
          cooldownSeconds: r.cooldownSeconds,
          maxActionsPerHour: r.maxActionsPerHour,
        },
      ]),
    ),
    alarms: Object.fromEntries(
      plan.alarms.map((a) => [
        a.id,
        {
          intent: a.onAlarm.intent,
          responseId: a.onAlarm.responseId,
          actions: [...a.onAlarm.actions],
          azure: { ...a.azure },
          ...(fleetWide.has(a.id) ? { fleetWide: true as const } : {}),
        },
      ]),
    ),
    features: plan.features.map((f) => {
      const feature: z.infer<typeof ManifestPersona>["features"][number] = { id: f.id, initial: f.initial };
      if (f.activate !== undefined) feature.activate = f.activate;
      if (f.deactivate !== undefined) feature.deactivate = f.deactivate;
      return feature;
    }),
  };
  if (plan.compute.size !== undefined) entry.baselineSize = plan.compute.size;
  return entry;
}

/**
 * Projects a fleet plan into its manifest, for the cloud that deploys it: `fleetWide` marks the
 * alarms the plan's topology makes fleet-wide on that cloud (the two clouds differ: Azure keeps the VM
 * network metrics per VM, for one).
 * @internal
 */
export function buildManifest(plan: FleetPlan, cloud: "aws" | "azure" = "aws"): FleetManifest {
  const feeds: FleetManifest["feeds"] = {};
  for (const feed of plan.feeds) {
    const { id, persona, sourceId, url, limits, responseId, kind } = feed;
    const entry: FleetManifest["feeds"][string] = { kind, persona, sourceId, url, limits, responseId };
    for (const key of [
      "format",
      "mode",
      "maxShrinkPercent",
      "enforcement",
      "maxEntries",
      "minPrefixIpv4",
      "minPrefixIpv6",
      "maxGrowPercent",
      "valueFormat",
      "condition",
      "cooldownSeconds",
      "clearAfterSeconds",
      "frequencySeconds",
    ] as const) {
      if (feed[key] !== undefined) (entry as Record<string, unknown>)[key] = feed[key];
    }
    feeds[id] = entry;
  }
  return {
    version: MANIFEST_VERSION,
    fleet: plan.fleet,
    personas: Object.fromEntries(
      plan.personas.map((p) => [
        p.persona.digest,
        personaEntry(
          p,
          new Set(
            plan.alarmTopology
              .filter((t) => t.digest === p.persona.digest && t[cloud].kind === "fleet-wide")
              .map((t) => t.alarmId),
          ),
        ),
      ]),
    ),
    feeds,
  };
}

/**
 * The alarm description: a sentence for people, then the tag responders read. At most 1,024 characters.
 * @internal
 */
export function alarmDescription(plan: PersonaPlan, alarm: AlarmPlan): string {
  const tag = ` [personas:v1 digest=${plan.persona.digest} alarm=${alarm.id}]`;
  const sentence = `${plan.persona.name} ${plan.persona.version}: ${alarm.description}`;
  return sentence.slice(0, 1024 - tag.length) + tag;
}

// Digests from the repository and resolution carry a `sha256:` prefix; the manifest is keyed by the same string.
const DESCRIPTION_TAG = /\[personas:v1 digest=((?:sha256:)?[0-9a-f]{64}) alarm=([a-z0-9-]+)\]$/;

/**
 * Reads the tag of an alarm description; undefined when the alarm is not a persona alarm.
 * @internal
 */
export function parseAlarmDescription(description: string): { digest: string; alarmId: string } | undefined {
  const match = DESCRIPTION_TAG.exec(description);
  return match ? { digest: match[1]!, alarmId: match[2]! } : undefined;
}

/**
 * The fleet store: the S3 bucket each fleet's stack creates, where the manifest lives one object per
 * persona digest and per feed (no size ceiling, unlike an SSM parameter) and the membership record
 * lists the instances the stack made members. Keys are built here, so the components that write
 * and the responders that read cannot disagree.
 */
export const FLEET_STORE_KEYS = {
  /** A persona's entry; its digest names it, so its content never changes (content-addressed). */
  persona: (digest: string) => `manifest/personas/${digest.replace(/^sha256:/, "")}.json`,
  /** A feed's entry, with where its list is enforced. */
  feed: (feedId: string) => `manifest/feeds/${feedId}.json`,
  /** The whole manifest, for the policy pack and people; responders read the entries above. */
  fleet: "manifest/fleet.json",
  /** The membership record: the instances the stack made members of the fleet. */
  members: "members.json",
} as const;

/** A persona's store entry (`FLEET_STORE_KEYS.persona`). */
export const PersonaEntry = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  fleet: z.string(),
  digest: z.string().check(z.regex(PERSONA_DIGEST_PATTERN)),
  persona: ManifestPersona,
});
export type PersonaEntry = z.infer<typeof PersonaEntry>;

const WafIpSetRef = z.strictObject({ name: z.string(), id: z.string(), arn: z.optional(z.string()) });
/** A WAF IP set the firewall responder writes. */
export type WafIpSetRef = z.infer<typeof WafIpSetRef>;

/**
 * Where a list feed is enforced on Azure (src/azure): network security group rules for bare VMs, or
 * a Front Door / Application Gateway WAF policy's custom rules. Capacities are Azure's documented
 * limits (docs/azure.md, "List feeds").
 */
export const AzureFeedEnforcement = z.strictObject({
  nsg: z.optional(
    z.strictObject({
      networkSecurityGroupId: z.string().check(z.minLength(1)),
      /** The feed owns priorities firstPriority … firstPriority + maxRules - 1 (NSG priorities: 100–4096). */
      firstPriority: z.int().check(z.minimum(100), z.maximum(4096)),
      maxRules: z.int().check(z.minimum(1), z.maximum(1000)),
      /** Source and destination prefixes one NSG holds in all (4,000). */
      maxPrefixes: z.int().check(z.minimum(1), z.maximum(4000)),
    }),
  ),
  waf: z.optional(
    z.strictObject({
      policyId: z.string().check(z.minLength(1)),
      kind: z.enum(["front-door", "application-gateway"]),
      /** Custom rules the feed owns are named `<rulePrefix><n>`. */
      rulePrefix: z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9]{0,100}$/)),
      firstPriority: z.int().check(z.minimum(1)),
      /** Custom rules per policy: 100. */
      maxRules: z.int().check(z.minimum(1), z.maximum(100)),
      /** 600 (Front Door) or 540 (Application Gateway) addresses per match condition. */
      maxAddressesPerCondition: z.int().check(z.minimum(1), z.maximum(600)),
    }),
  ),
});
export type AzureFeedEnforcement = z.infer<typeof AzureFeedEnforcement>;

/** Where a list feed is enforced: WAF IP sets (one per IP version) or network ACL rules (AWS), or `azure`. */
export const FeedEnforcement = z.strictObject({
  azure: z.optional(AzureFeedEnforcement),
  waf: z.optional(
    z.strictObject({
      scope: z.enum(["REGIONAL", "CLOUDFRONT"]),
      ipv4: z.optional(WafIpSetRef),
      ipv6: z.optional(WafIpSetRef),
    }),
  ),
  networkAcl: z.optional(
    z.strictObject({
      networkAclId: z.string().check(z.minLength(1)),
      /** The feed owns rule numbers firstRuleNumber … firstRuleNumber + maxEntries - 1. */
      firstRuleNumber: z.int().check(z.minimum(1), z.maximum(32766)),
      maxEntries: z.int().check(z.minimum(1), z.maximum(40)),
      /**
       * Inbound rules the ACL may hold in all ("Rules per network ACL", Amazon VPC quotas: 20 per
       * direction by default, adjustable up to 40); the ACL's other rules count against it too.
       */
      ruleQuota: z.optional(z.int().check(z.minimum(1), z.maximum(40))),
    }),
  ),
});
export type FeedEnforcement = z.infer<typeof FeedEnforcement>;

/** A feed's store entry (`FLEET_STORE_KEYS.feed`). */
export const FeedEntry = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  fleet: z.string(),
  feedId: z.string(),
  feed: ManifestFeed,
  enforcement: z.optional(FeedEnforcement),
});
export type FeedEntry = z.infer<typeof FeedEntry>;

/** One member of a fleet, as the stack (or the orchestrator, for its own alarms) names it. */
export const FleetMemberRecord = z.strictObject({
  /** The member key: the middle of its stack alarm names (`alarmName(fleet, key, alarmId)`). */
  key: z.string().check(z.minLength(1)),
  /** The digest of the persona the stack deployed on it. */
  digest: z.string().check(z.regex(PERSONA_DIGEST_PATTERN)),
});
export type FleetMemberRecord = z.infer<typeof FleetMemberRecord>;

/**
 * The membership record (`FLEET_STORE_KEYS.members`): the instance ids the stack made members, the
 * only instances the orchestrator and the responders act on. A tag is not an identity; this is.
 */
export const FleetMembers = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  fleet: z.string(),
  members: z.record(z.string().check(z.regex(/^i-[0-9a-f]{8,17}$/)), FleetMemberRecord),
});
export type FleetMembers = z.infer<typeof FleetMembers>;

/**
 * The store entries of a fleet manifest, by key (feeds without their enforcement).
 * @internal
 */
export function manifestEntries(manifest: FleetManifest): Map<string, PersonaEntry | FeedEntry> {
  const entries = new Map<string, PersonaEntry | FeedEntry>();
  for (const [digest, persona] of Object.entries(manifest.personas))
    entries.set(FLEET_STORE_KEYS.persona(digest), {
      version: MANIFEST_VERSION,
      fleet: manifest.fleet,
      digest,
      persona,
    });
  for (const [feedId, feed] of Object.entries(manifest.feeds))
    entries.set(FLEET_STORE_KEYS.feed(feedId), {
      version: MANIFEST_VERSION,
      fleet: manifest.fleet,
      feedId,
      feed,
    });
  return entries;
}
