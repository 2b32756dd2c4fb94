/**
 * The fleet manifest: what the run-time responders need to know about a fleet's personas, written
 * by the components (an SSM parameter on AWS) and read by every responder at cold start. It is the
 * plan's run-time projection, versioned and validated with zod on read, so a responder never acts on
 * a manifest it does not understand.
 *
 * Alarms point into it through their description, which ends with a machine-readable tag:
 * `[personas:v1 digest=<sha256> alarm=<alarm id>]`.
 */
import { z } from "zod";
import { Action } from "../pdl/actions/index.js";
import { Bounds, FeedFormat, FetchLimits, ValueCondition } from "../pdl/model.js";
import type { AlarmPlan, FleetPlan, PersonaPlan } from "./plan.js";
import { RESPONDER_KINDS } from "./responders.js";

/** The manifest format version responders understand. */
export const MANIFEST_VERSION = 1;

const ResponderKind = z.enum(RESPONDER_KINDS);

const ManifestResponse = z.strictObject({
  actions: z.array(Action).min(1),
  responders: z.array(ResponderKind),
  cooldownSeconds: z.int().min(0),
  maxActionsPerHour: z.int().min(1),
});

const ManifestAlarm = z.strictObject({
  intent: z.enum(["activate", "clear"]),
  responseId: z.string(),
  actions: z.array(Action).min(1),
});

const ManifestFeed = z.strictObject({
  kind: z.enum(["list", "value"]),
  persona: z.string(),
  sourceId: z.string(),
  url: z.string(),
  limits: FetchLimits,
  responseId: z.string(),
  format: FeedFormat.optional(),
  mode: z.enum(["block", "allow"]).optional(),
  maxShrinkPercent: z.number().optional(),
  enforcement: z.enum(["waf-ip-set", "network-acl"]).optional(),
  maxEntries: z.int().optional(),
  valueFormat: z.enum(["json", "text"]).optional(),
  condition: ValueCondition.optional(),
  cooldownSeconds: z.int().optional(),
  clearAfterSeconds: z.int().optional(),
});

const ManifestPersona = z.strictObject({
  name: z.string(),
  version: z.string(),
  /** The size the persona's BaseConfiguration selects: "Scale back to baseline" returns here. */
  baselineSize: z.string().optional(),
  bounds: Bounds,
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
      activate: z.string().optional(),
      deactivate: z.string().optional(),
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

function personaEntry(plan: PersonaPlan): z.infer<typeof ManifestPersona> {
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
          responders: [...r.responders],
          cooldownSeconds: r.cooldownSeconds,
          maxActionsPerHour: r.maxActionsPerHour,
        },
      ]),
    ),
    alarms: Object.fromEntries(
      plan.alarms.map((a) => [
        a.id,
        { intent: a.onAlarm.intent, responseId: a.onAlarm.responseId, actions: [...a.onAlarm.actions] },
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

/** Projects a fleet plan into its manifest. */
export function buildManifest(plan: FleetPlan): FleetManifest {
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
      "valueFormat",
      "condition",
      "cooldownSeconds",
      "clearAfterSeconds",
    ] as const) {
      if (feed[key] !== undefined) (entry as Record<string, unknown>)[key] = feed[key];
    }
    feeds[id] = entry;
  }
  return {
    version: MANIFEST_VERSION,
    fleet: plan.fleet,
    personas: Object.fromEntries(plan.personas.map((p) => [p.persona.digest, personaEntry(p)])),
    feeds,
  };
}

/** The alarm description: a sentence for people, then the tag responders read. At most 1,024 characters. */
export function alarmDescription(plan: PersonaPlan, alarm: AlarmPlan): string {
  const tag = ` [personas:v1 digest=${plan.persona.digest} alarm=${alarm.id}]`;
  const sentence = `${plan.persona.name} ${plan.persona.version}: ${alarm.role === "clear" ? "clear " : ""}${alarm.description}`;
  return sentence.slice(0, 1024 - tag.length) + tag;
}

// Digests from the repository and resolution carry a `sha256:` prefix; the manifest is keyed by the same string.
const DESCRIPTION_TAG = /\[personas:v1 digest=((?:sha256:)?[0-9a-f]{64}) alarm=([a-z0-9-]+)\]$/;

/** Reads the tag of an alarm description; undefined when the alarm is not a persona alarm. */
export function parseAlarmDescription(description: string): { digest: string; alarmId: string } | undefined {
  const match = DESCRIPTION_TAG.exec(description);
  return match ? { digest: match[1]!, alarmId: match[2]! } : undefined;
}
