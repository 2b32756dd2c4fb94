/**
 * Feed rules: feeds are fetched over https and no more often than once a minute; the WAF IP sets,
 * web ACL rules and network ACL settings that list feeds write into exist in the stack.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { FLEET_STORE_KEYS } from "../../plan/manifest.js";
import { fleetResourceName } from "../../plan/names.js";
import { configOf, integerProperty, schema } from "../config.js";
import {
  fleetOf,
  indexStack,
  isManifestObject,
  listOf,
  readManifest,
  recordOf,
  stringOf,
  TYPES,
} from "../stack.js";

/** Configuration of {@link feedsHttpsAndPaced}. */
export interface FeedPaceConfig {
  /** The shortest interval between two fetches of a feed, in minutes. */
  minIntervalMinutes: number;
}

/** Defaults of {@link FeedPaceConfig}. */
export const FEED_PACE_DEFAULTS: FeedPaceConfig = { minIntervalMinutes: 1 };

const UNIT_SECONDS: Record<string, number> = {
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86400,
  days: 86400,
};
const RATE = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/;
const CRON = /^cron\((\S+)\s/;

/**
 * Seconds between two runs of a schedule expression; undefined when it cannot tell (one-time `at()`).
 * @internal
 */
export function scheduleIntervalSeconds(expression: string): number | undefined {
  const rate = RATE.exec(expression.trim());
  if (rate) return Number(rate[1]) * UNIT_SECONDS[rate[2]!]!;
  const cron = CRON.exec(expression.trim());
  if (cron) {
    const minutes = cron[1]!;
    if (minutes === "*") return 60;
    const step = /^(?:\*|\d+)\/(\d+)$/.exec(minutes);
    if (step) return Number(step[1]) * 60;
    // A list of minutes runs as often as its closest pair; one fixed minute runs hourly at most.
    const list = minutes.split(",").map(Number);
    if (list.every(Number.isInteger) && list.length > 1) {
      const sorted = list.sort((a, b) => a - b);
      const gaps = sorted.slice(1).map((m, i) => m - sorted[i]!);
      gaps.push(60 - sorted[sorted.length - 1]! + sorted[0]!);
      return Math.min(...gaps) * 60;
    }
    return 3600;
  }
  return undefined;
}

function isFeedSchedule(props: Record<string, unknown>): boolean {
  const input = stringOf(recordOf(props.target)?.input);
  if (input === undefined) return false;
  try {
    return recordOf(JSON.parse(input))?.source === "personas.feed";
  } catch {
    return false;
  }
}

/** Checks whether feeds use https and are fetched at most once a minute (configurable). */
export const feedsHttpsAndPaced: ResourceValidationPolicy = {
  name: "persona-feeds-https-and-paced",
  description:
    "Checks whether persona feeds use https and whether their schedules fetch at most once per interval.",
  enforcementLevel: "mandatory",
  configSchema: schema({
    minIntervalMinutes: integerProperty(
      1,
      FEED_PACE_DEFAULTS.minIntervalMinutes,
      "The shortest interval between two fetches of a feed, in minutes.",
    ),
  }),
  validateResource: (args, reportViolation) => {
    const props = args.props as Record<string, unknown>;
    if (isManifestObject(args.type, props)) {
      const reading = readManifest(props);
      if (!reading.ok) return; // persona-alarms-cover-triggers reports unreadable manifests.
      for (const [id, feed] of Object.entries(reading.manifest.feeds))
        if (!feed.url.startsWith("https://"))
          reportViolation(
            `Object '${args.name}' must list feeds served over https: feed '${id}' fetches ${feed.url}; change the persona's URL to https.`,
          );
      return;
    }
    if (args.type !== TYPES.schedule || !isFeedSchedule(props)) return;
    const { minIntervalMinutes } = configOf(args, FEED_PACE_DEFAULTS);
    const expression = stringOf(props.scheduleExpression) ?? "";
    const seconds = scheduleIntervalSeconds(expression);
    if (seconds !== undefined && seconds < minIntervalMinutes * 60)
      reportViolation(
        `Schedule '${args.name}' must fetch its feed at most once every ${minIntervalMinutes} minute${minIntervalMinutes === 1 ? "" : "s"}: '${expression}' runs every ${seconds} seconds; raise the persona's Frequency.`,
      );
  },
};

/** Checks whether the WAF IP sets, web ACL rules and network ACL settings of list feeds exist. */
export const feedTargetsExist: StackValidationPolicy = {
  name: "persona-feed-targets-exist",
  description:
    "Checks whether every list feed's enforcement target exists in the stack: both WAF IP sets and the web ACL rule, or the network ACL settings.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const index = indexStack(args.resources);
    const ipSets = index.namesByType.get(TYPES.ipSet) ?? new Set<string>();
    const rules = new Map(
      (index.byType.get(TYPES.webAclRule) ?? []).map((r) => [stringOf(r.props.name), r] as const),
    );
    const feedEntries = index.byType.get(TYPES.bucketObject) ?? [];
    for (const [fleet, { resource, manifest, scope }] of index.manifests) {
      for (const [id, feed] of Object.entries(manifest.feeds)) {
        if (feed.enforcement === "waf-ip-set") {
          const missing = ["ipv4", "ipv6"]
            .map((v) => fleetResourceName(scope, `${id}-${v}`, 128))
            .filter((name) => !ipSets.has(name));
          if (missing.length > 0)
            reportViolation(
              `Feed '${id}' of fleet '${fleet}' must have its WAF IP sets in this stack: ${listOf(missing)} ${missing.length === 1 ? "is" : "are"} missing; pass firewall.webAclArn to the fleet component.`,
              resource.urn,
            );
          const rule = rules.get(fleetResourceName(scope, id, 128));
          if (!rule || !stringOf(rule.props.webAclArn))
            reportViolation(
              `Feed '${id}' of fleet '${fleet}' must have a web ACL rule that references its IP sets: ${fleetResourceName(scope, id, 128)} is missing or names no web ACL; pass firewall.webAclArn to the fleet component.`,
              resource.urn,
            );
        } else if (feed.enforcement === "network-acl") {
          // The rules the feed owns are in its fleet store entry (src/aws/store.ts).
          const entry = feedEntries.find(
            (r) => fleetOf(r.props) === fleet && stringOf(r.props.key) === FLEET_STORE_KEYS.feed(id),
          );
          let settings: Record<string, unknown> | undefined;
          try {
            settings = recordOf(recordOf(JSON.parse(stringOf(entry?.props.content) ?? "{}"))?.enforcement)
              ?.networkAcl as Record<string, unknown> | undefined;
          } catch {
            settings = undefined;
          }
          if (!stringOf(settings?.networkAclId))
            reportViolation(
              `Feed '${id}' of fleet '${fleet}' must name the network ACL it writes: its fleet store entry names none; pass firewall.networkAclId to the fleet component.`,
              resource.urn,
            );
        }
      }
    }
  },
};
