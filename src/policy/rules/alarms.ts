/**
 * Alarm rules: every persona-tagged instance has one alarm per trigger of its persona, found by
 * digest in its fleet's manifest: its own alarm, or, for the alarms the manifest marks `fleetWide`,
 * the fleet's one Metrics Insights alarm of that persona × alarm, whose contributors are the instances
 * (src/plan/topology.ts). A fleet-wide alarm covers its trigger only as the responders will act on it:
 * named `fleetAlarmName`, tagged `persona:owner=fleet` and with its fleet, its query grouped by
 * InstanceId (the attribute the responders read from a contributor event). Every persona alarm sends
 * its actions to a responder of this stack.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { fleetAlarmName } from "../../plan/names.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../../plan/tags.js";
import { METRICS_INSIGHTS_LIMITS } from "../../plan/topology.js";
import {
  alarmInstance,
  fleetOf,
  indexStack,
  listOf,
  metricQueriesOf,
  type PersonaAlarm,
  pushTo,
  type StackIndex,
  shortDigest,
  stringOf,
  tagsOf,
} from "../stack.js";

/**
 * What keeps a fleet-wide alarm from acting as the responders expect, one sentence each; empty when
 * it is well formed. The responders refuse a contributor event of an alarm whose name is not
 * `fleetAlarmName(scope, digest, alarm id)` or whose owner tag is not `fleet` (src/runtime/aws/provenance.ts),
 * and read the instance from the contributor's `InstanceId` attribute, which only a query grouped by
 * InstanceId gives. Metrics Insights evaluates 1-minute periods at the finest (CloudWatch User Guide,
 * "Metrics Insights quotas").
 */
function fleetAlarmProblems(alarm: PersonaAlarm, index: StackIndex): string[] {
  const { resource, digest, alarmId } = alarm;
  const problems: string[] = [];
  const fleet = stringOf(tagsOf(resource.props)[PERSONA_TAGS.fleet]);
  const entry = fleet === undefined ? undefined : index.manifests.get(fleet);
  if (!entry) {
    problems.push(
      `be tagged ${PERSONA_TAGS.fleet} with a fleet whose manifest is in this stack (${fleet === undefined ? "it has no such tag" : `'${fleet}' has none`}), or the responders refuse its contributors`,
    );
  } else {
    const expected = fleetAlarmName(entry.scope, digest, alarmId);
    if (stringOf(resource.props.name) !== expected)
      problems.push(
        `be named '${expected}', the fleet-wide alarm name the responders accept for persona ${shortDigest(digest)} alarm '${alarmId}' (it is '${stringOf(resource.props.name) ?? "unnamed"}')`,
      );
    if (entry.manifest.personas[digest]?.alarms[alarmId]?.fleetWide !== true)
      problems.push(
        `be marked fleetWide in fleet '${fleet}'s manifest (alarm '${alarmId}' of persona ${shortDigest(digest)} is not), or the orchestrator would also create per-instance alarms for it`,
      );
  }
  if (tagsOf(resource.props)[ALARM_OWNER_TAG] !== "fleet")
    problems.push(`carry the tag ${ALARM_OWNER_TAG}=fleet, or the responders refuse its contributors`);
  const returned = metricQueriesOf(resource.props).filter((q) => q.returnData === true);
  const query = returned.length === 1 ? returned[0]! : undefined;
  const expression = stringOf(query?.expression) ?? "";
  const groupBy = /\bGROUP\s+BY\s+(.+?)(?:\s+ORDER\s+BY\b|\s+LIMIT\b|$)/i.exec(expression)?.[1] ?? "";
  const grouped = groupBy.split(",").map((d) => d.trim().replace(/^"(.*)"$/, "$1"));
  if (!query || !/^\s*SELECT\s/i.test(expression))
    problems.push("return exactly one Metrics Insights query (a SELECT expression with returnData)");
  else if (!grouped.includes("InstanceId"))
    problems.push(
      "group its query by InstanceId, so each contributor is one instance and carries the InstanceId attribute the responders act on",
    );
  const period = typeof query?.period === "number" ? query.period : undefined;
  if (query && (period === undefined || period < METRICS_INSIGHTS_LIMITS.minPeriodSeconds))
    problems.push(
      `evaluate periods of at least ${METRICS_INSIGHTS_LIMITS.minPeriodSeconds} s (its query's period is ${period ?? "unset"}), the finest Metrics Insights evaluates`,
    );
  return problems;
}

/** Checks whether every persona-tagged instance has an alarm for each trigger of its persona. */
export const alarmsCoverTriggers: StackValidationPolicy = {
  name: "persona-alarms-cover-triggers",
  description:
    "Checks whether every persona-tagged instance has an alarm for each trigger of its persona, by digest.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const index = indexStack(args.resources);
    for (const { resource, reason } of index.unreadableManifests)
      reportViolation(
        `Object '${resource.name}' must hold a fleet manifest the pack can read: ${reason}; let PersonaFleet write it.`,
        resource.urn,
      );
    // Alarm ids per watched instance, one pass over the alarms; fleet-wide alarms per fleet.
    const seen = new Map<PolicyResource, { digest: string; alarmId: string; alarm: PolicyResource }[]>();
    const fleetWide = new Set<string>();
    const digests = new Set<string>();
    for (const { manifest } of index.manifests.values())
      for (const digest of Object.keys(manifest.personas)) digests.add(digest);
    for (const alarm of index.personaAlarms) {
      if (!digests.has(alarm.digest)) {
        reportViolation(
          `Alarm '${alarm.resource.name}' must carry a persona digest that a fleet manifest of this stack lists: ${shortDigest(alarm.digest)} is in none, so its responders would ignore it; let the fleet component render it.`,
          alarm.resource.urn,
        );
        continue;
      }
      if (alarm.fleetWide) {
        const problems = fleetAlarmProblems(alarm, index);
        if (problems.length === 0)
          fleetWide.add(`${fleetOf(alarm.resource.props)}|${alarm.digest}|${alarm.alarmId}`);
        else
          reportViolation(
            `Fleet-wide alarm '${alarm.resource.name}' must ${listOf(problems)}; let PersonaFleet render it (alarmTopology "fleet-wide").`,
            alarm.resource.urn,
          );
        continue;
      }
      const instance = alarmInstance(alarm.resource, index);
      if (!instance) continue;
      pushTo(seen, instance, { digest: alarm.digest, alarmId: alarm.alarmId, alarm: alarm.resource });
    }
    // A fleet-wide alarm the manifest promises but the stack lacks leaves every member unwatched:
    // said once per fleet, persona and alarm, on the manifest.
    for (const [fleet, { resource, manifest }] of index.manifests)
      for (const [digest, persona] of Object.entries(manifest.personas)) {
        const absent = Object.entries(persona.alarms)
          .filter(([id, alarm]) => alarm.fleetWide === true && !fleetWide.has(`${fleet}|${digest}|${id}`))
          .map(([id]) => id);
        if (absent.length > 0)
          reportViolation(
            `Fleet '${fleet}' must have a well-formed fleet-wide alarm for ${listOf(absent)} of persona ${persona.name} ${persona.version} (digest ${shortDigest(digest)}), which its manifest marks fleetWide: no instance has its own alarm for ${absent.length === 1 ? "it" : "them"}, so the trigger${absent.length === 1 ? " is" : "s are"} unwatched; render the fleet with PersonaFleet.`,
            resource.urn,
          );
      }
    for (const instance of index.byType.get("aws:ec2/instance:Instance") ?? []) {
      const tags = tagsOf(instance.props);
      const digest = stringOf(tags[PERSONA_TAGS.digest]);
      if (digest === undefined) continue;
      const fleet = stringOf(tags[PERSONA_TAGS.fleet]);
      const entry = fleet === undefined ? undefined : index.manifests.get(fleet);
      if (!entry) {
        reportViolation(
          `Instance '${instance.name}' must belong to a fleet whose manifest is in this stack: no manifest object (manifest/fleet.json in its fleet store) was found; deploy it with PersonaFleet or PersonaInstance.`,
          instance.urn,
        );
        continue;
      }
      const persona = entry.manifest.personas[digest];
      if (!persona) {
        reportViolation(
          `Instance '${instance.name}' must carry a persona digest that fleet '${fleet}' manifests: ${shortDigest(digest)} is not in it; let the fleet component set the persona tags.`,
          instance.urn,
        );
        continue;
      }
      const alarms = seen.get(instance) ?? [];
      for (const { alarm, digest: alarmDigest } of alarms)
        if (alarmDigest !== digest)
          reportViolation(
            `Alarm '${alarm.name}' must belong to the persona of the instance it watches: it carries digest ${shortDigest(alarmDigest)}, instance '${instance.name}' has ${shortDigest(digest)}; re-run the fleet component so the alarms follow the persona.`,
            alarm.urn,
          );
      const present = new Set(alarms.filter((a) => a.digest === digest).map((a) => a.alarmId));
      // Both the fleet's alarm and the instance's own would run the response on each breach.
      const twice = Object.entries(persona.alarms)
        .filter(([id, alarm]) => alarm.fleetWide === true && present.has(id))
        .map(([id]) => id);
      if (twice.length > 0)
        reportViolation(
          `Instance '${instance.name}' must not have its own alarm for ${listOf(twice)}, which fleet '${fleet}' alarms fleet-wide: each breach would run the response twice; let the fleet component render the alarms.`,
          instance.urn,
        );
      const missing = Object.entries(persona.alarms)
        .filter(([id, alarm]) => alarm.fleetWide !== true && !present.has(id))
        .map(([id]) => id);
      if (missing.length > 0)
        reportViolation(
          `Instance '${instance.name}' must have an alarm for each trigger of persona ${persona.name} ${persona.version} (digest ${shortDigest(digest)}): ${listOf(missing)} ${missing.length === 1 ? "is" : "are"} missing; render its alarms with PersonaFleet or PersonaInstance.`,
          instance.urn,
        );
    }
  },
};

/** Checks whether every persona alarm has actions, each a responder function of this stack. */
export const alarmActionsTargetResponders: StackValidationPolicy = {
  name: "persona-alarm-actions-target-responders",
  description:
    "Checks whether every persona alarm has alarm actions and whether each action points at a responder of the same stack.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const index = indexStack(args.resources);
    const clearWatchers = new Set<string>();
    for (const { manifest } of index.manifests.values())
      for (const [digest, persona] of Object.entries(manifest.personas))
        for (const [id, alarm] of Object.entries(persona.alarms))
          if (alarm.intent === "clear") clearWatchers.add(`${digest}/${id}`);
    for (const { resource, digest, alarmId } of index.personaAlarms) {
      const dependencies = new Set(
        [
          ...(resource.propertyDependencies?.alarmActions ?? []),
          ...(resource.propertyDependencies?.okActions ?? []),
        ].filter((r) => r.type === "aws:lambda/function:Function"),
      );
      const alarmActions = Array.isArray(resource.props.alarmActions) ? resource.props.alarmActions : [];
      const okActions = Array.isArray(resource.props.okActions) ? resource.props.okActions : [];
      // A clear watcher acts on ALARM → OK only: its OK actions are its actions (docs/alarm-semantics.md).
      const actions = clearWatchers.has(`${digest}/${alarmId}`) ? okActions : alarmActions;
      if (actions.length === 0) {
        reportViolation(
          `Alarm '${resource.name}' must have at least one alarm action: set alarmActions to a responder function of this stack (the fleet components do).`,
          resource.urn,
        );
        continue;
      }
      const strangers = [...alarmActions, ...okActions].filter((arn) => {
        const target = typeof arn === "string" ? index.functionsByArn.get(arn) : undefined;
        return target === undefined && ![...dependencies].some((d) => d.props.arn === arn);
      });
      if (strangers.length > 0)
        reportViolation(
          `Alarm '${resource.name}' must send its actions to a responder of this stack: ${listOf(strangers.map(String))} ${strangers.length === 1 ? "is not a responder" : "are not responders"} here; point them at the fleet's responder functions.`,
          resource.urn,
        );
    }
  },
};
