/**
 * Alarm rules: every persona-tagged instance has one alarm per trigger of its persona, found by
 * digest in its fleet's manifest; every persona alarm sends its actions to a responder of this stack.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { PERSONA_TAGS } from "../../plan/tags.js";
import { alarmInstance, indexStack, listOf, pushTo, shortDigest, stringOf, tagsOf } from "../stack.js";

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
    // Alarm ids per watched instance, one pass over the alarms.
    const seen = new Map<PolicyResource, { digest: string; alarmId: string; alarm: PolicyResource }[]>();
    const digests = new Set<string>();
    for (const { manifest } of index.manifests.values())
      for (const digest of Object.keys(manifest.personas)) digests.add(digest);
    for (const alarm of index.personaAlarms) {
      if (!digests.has(alarm.digest))
        reportViolation(
          `Alarm '${alarm.resource.name}' must carry a persona digest that a fleet manifest of this stack lists: ${shortDigest(alarm.digest)} is in none, so its responders would ignore it; let the fleet component render it.`,
          alarm.resource.urn,
        );
      const instance = alarmInstance(alarm.resource, index);
      if (!instance) continue;
      pushTo(seen, instance, { digest: alarm.digest, alarmId: alarm.alarmId, alarm: alarm.resource });
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
      const missing = Object.keys(persona.alarms).filter((id) => !present.has(id));
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
