/**
 * Scale rule: every scale action of a fleet manifest is a bounded target, within its persona's
 * bounds, and personas' bounds and action rates are within the organisation's maxima (pack config).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { FleetManifest } from "../../plan/manifest.js";
import { configOf, integerProperty, schema } from "../config.js";
import { isManifestObject, readManifest } from "../stack.js";

/** Configuration of {@link scaleActionsBounded}: the organisation's maxima. */
export interface ScaleConfig {
  /** The most vCPUs a scale action or a persona bound may name. */
  maxCpu: number;
  /** The most memory, in GiB, a scale action or a persona bound may name. */
  maxMemoryGiB: number;
  /** The most actions per instance per hour a persona or a response may allow. */
  maxActionsPerHour: number;
}

/** Defaults of {@link ScaleConfig}. */
export const SCALE_DEFAULTS: ScaleConfig = { maxCpu: 64, maxMemoryGiB: 512, maxActionsPerHour: 12 };

type ManifestPersona = FleetManifest["personas"][string];

function scaleTargets(persona: ManifestPersona): { where: string; cpu?: number; memoryGiB?: number }[] {
  const targets: { where: string; cpu?: number; memoryGiB?: number }[] = [];
  const collect = (where: string, actions: readonly { kind: string }[]) => {
    for (const action of actions)
      if (action.kind === "scale") {
        const scale = action as { cpu?: number; memoryGiB?: number };
        targets.push({
          where,
          ...(scale.cpu !== undefined ? { cpu: scale.cpu } : {}),
          ...(scale.memoryGiB !== undefined ? { memoryGiB: scale.memoryGiB } : {}),
        });
      }
  };
  for (const [id, response] of Object.entries(persona.responses))
    collect(`response '${id}'`, response.actions);
  for (const [id, alarm] of Object.entries(persona.alarms)) collect(`alarm '${id}'`, alarm.actions);
  return targets;
}

/** Checks whether scale actions are bounded by their persona and by the organisation's maxima. */
export const scaleActionsBounded: ResourceValidationPolicy = {
  name: "persona-scale-actions-bounded",
  description:
    "Checks whether scale actions stay within their persona's bounds and whether targets, bounds and action rates stay within the organisation maxima.",
  enforcementLevel: "mandatory",
  configSchema: schema({
    maxCpu: integerProperty(
      1,
      SCALE_DEFAULTS.maxCpu,
      "The most vCPUs a scale action or persona bound may name.",
    ),
    maxMemoryGiB: integerProperty(
      1,
      SCALE_DEFAULTS.maxMemoryGiB,
      "The most memory in GiB a scale action or persona bound may name.",
    ),
    maxActionsPerHour: integerProperty(
      1,
      SCALE_DEFAULTS.maxActionsPerHour,
      "The most actions per instance per hour a persona or response may allow.",
    ),
  }),
  validateResource: (args, reportViolation) => {
    const props = args.props as Record<string, unknown>;
    if (!isManifestObject(args.type, props)) return;
    const reading = readManifest(props);
    if (!reading.ok) return; // persona-alarms-cover-triggers reports unreadable manifests.
    const org = configOf(args, SCALE_DEFAULTS);
    const report = (persona: ManifestPersona, must: string, fix: string) =>
      reportViolation(
        `Object '${args.name}' must ${must} (persona ${persona.name} ${persona.version}); ${fix}.`,
      );
    for (const persona of Object.values(reading.manifest.personas)) {
      const { bounds } = persona;
      if (bounds.maxCpu !== undefined && bounds.maxCpu > org.maxCpu)
        report(
          persona,
          `keep MaxCpu within the organisation maximum of ${org.maxCpu}, not ${bounds.maxCpu}`,
          "lower the persona's Bounds",
        );
      if (bounds.maxMemoryGiB !== undefined && bounds.maxMemoryGiB > org.maxMemoryGiB)
        report(
          persona,
          `keep MaxMemory within the organisation maximum of ${org.maxMemoryGiB} GiB, not ${bounds.maxMemoryGiB} GiB`,
          "lower the persona's Bounds",
        );
      if (persona.guards.maxActionsPerHour > org.maxActionsPerHour)
        report(
          persona,
          `allow at most ${org.maxActionsPerHour} actions per hour, not ${persona.guards.maxActionsPerHour}`,
          "lower the persona's MaxActionsPerHour",
        );
      for (const [id, response] of Object.entries(persona.responses))
        if (response.maxActionsPerHour > org.maxActionsPerHour)
          report(
            persona,
            `allow response '${id}' at most ${org.maxActionsPerHour} actions per hour, not ${response.maxActionsPerHour}`,
            "lower its MaxActionsPerHour",
          );
      for (const target of scaleTargets(persona)) {
        if (target.cpu !== undefined) {
          const limit = Math.min(org.maxCpu, bounds.maxCpu ?? Number.POSITIVE_INFINITY);
          if (target.cpu > limit)
            report(
              persona,
              `scale ${target.where} to at most ${limit} cores, not ${target.cpu}`,
              limit === bounds.maxCpu
                ? "lower the action's target or raise the persona's MaxCpu"
                : "lower the action's target",
            );
        }
        if (target.memoryGiB !== undefined) {
          const limit = Math.min(org.maxMemoryGiB, bounds.maxMemoryGiB ?? Number.POSITIVE_INFINITY);
          if (target.memoryGiB > limit)
            report(
              persona,
              `scale ${target.where} to at most ${limit} GiB, not ${target.memoryGiB} GiB`,
              limit === bounds.maxMemoryGiB
                ? "lower the action's target or raise the persona's MaxMemory"
                : "lower the action's target",
            );
        }
      }
    }
  },
};
