/**
 * The action group's call to the intake: Azure Monitor's common alert schema ("Common alert schema",
 * Microsoft Learn: `schemaId: "azureMonitorCommonAlertSchema"`, `data.essentials` with `alertRule`,
 * `monitorCondition` Fired/Resolved, `alertTargetIDs`, `firedDateTime`/`resolvedDateTime`, and
 * `data.customProperties`, where the webhook properties of a metric alert and the custom properties of
 * a log search alert arrive: "Custom properties" of the schema). Validated with
 * zod/mini; unknown fields are ignored, every string and list is capped, the body is at most
 * {@link MAX_ALERT_BYTES}. The queue message the intake writes for the worker is defined here too.
 */
import * as z from "zod/mini";
import "../aws/zod.js";
import { PERSONA_DIGEST_PATTERN } from "../../plan/manifest.js";
import {
  ALERT_OWNERS,
  ALERT_RESPONDER_KINDS,
  type AlertOwner,
  AlertWebhookProperties,
  WEBHOOK_PROPERTIES,
} from "./contract.js";
import { AlertRejectedError } from "./errors.js";

/** The largest call accepted; a common-alert-schema payload of one metric alert is a few kB. */
export const MAX_ALERT_BYTES = 64 * 1024;

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

const Essentials = z.looseObject({
  alertId: text(512),
  alertRule: text(260),
  monitorCondition: z.enum(["Fired", "Resolved"]),
  alertTargetIDs: z.array(text(1024)).check(z.minLength(1), z.maxLength(16)),
  firedDateTime: text(64),
  resolvedDateTime: z.optional(z.nullable(z.string().check(z.maxLength(64)))),
  signalType: z.optional(z.nullable(z.string().check(z.maxLength(64)))),
  monitoringService: z.optional(z.nullable(z.string().check(z.maxLength(64)))),
});

export const CommonAlert = z.looseObject({
  schemaId: z.literal("azureMonitorCommonAlertSchema"),
  data: z.looseObject({
    essentials: Essentials,
    customProperties: z.optional(
      z.nullable(z.record(z.string().check(z.maxLength(128)), z.string().check(z.maxLength(512)))),
    ),
  }),
});
export type CommonAlert = z.infer<typeof CommonAlert>;

/** Parses a call's body. @throws {AlertRejectedError} with the first problems, when it is not a common-schema alert. */
export function parseCommonAlert(body: string): CommonAlert {
  if (Buffer.byteLength(body, "utf8") > MAX_ALERT_BYTES) {
    throw new AlertRejectedError(
      `The alert is ${Buffer.byteLength(body, "utf8")} bytes; at most ${MAX_ALERT_BYTES} are accepted.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new AlertRejectedError(
      "The alert is not JSON; the action group must call with the common alert schema.",
      {
        cause: error,
      },
    );
  }
  const parsed = CommonAlert.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
    throw new AlertRejectedError(
      `The alert is not a common-alert-schema payload (${problems.join("; ")}); enable the common alert schema on the action group's function receiver.`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/**
 * Identifies one transition of one alert: the alert instance, its condition and when it changed.
 * A redelivered call (webhooks are retried) carries the same id.
 */
export function alertTransitionId(alert: CommonAlert): string {
  const e = alert.data.essentials;
  const at = e.monitorCondition === "Resolved" ? (e.resolvedDateTime ?? e.firedDateTime) : e.firedDateTime;
  return `${e.alertId}@${e.monitorCondition}@${at}`;
}

/**
 * The `monitoringService` of a log search alert rule's alerts (API 2021-08-01 and later) in the
 * common alert schema ("Webhook actions for log search alerts", sample "Log alert for all resources
 * logs (from API version 2021-08-01)": `signalType` Log, `monitoringService` "Log Alerts V2", and with
 * a Resource ID column `alertTargetIDs` names the resource the query returned, e.g. a VM).
 */
export const LOG_ALERTS_SERVICE = "Log Alerts V2";

/**
 * Which kind of rule an alert says it comes from: a log search alert rule (`Microsoft.Insights/scheduledQueryRules`)
 * or a metric alert rule. Said by the caller: the worker reads the rule of that kind in ARM and refuses
 * the alert when it is not there.
 */
export function alertRuleKind(alert: CommonAlert): "log" | "metric" {
  return alert.data.essentials.monitoringService === LOG_ALERTS_SERVICE ? "log" : "metric";
}

/** The webhook properties of a persona alert, as the components set them. */
export interface AlertProperties {
  fleet: string;
  stack: string;
  digest: string;
  alarmId: string;
  intent: "activate" | "clear";
  member: string;
  owner: AlertOwner;
}

/** Reads the persona properties (`AlertWebhookProperties`); undefined when one is missing or malformed. */
export function alertProperties(alert: CommonAlert): AlertProperties | undefined {
  const parsed = AlertWebhookProperties.safeParse(alert.data.customProperties ?? {});
  if (!parsed.success) return undefined;
  const p = parsed.data;
  const alarmId = p[WEBHOOK_PROPERTIES.alarmId];
  if (!/^[a-z0-9-]{1,64}$/.test(alarmId)) return undefined;
  return {
    fleet: p[WEBHOOK_PROPERTIES.fleet],
    stack: p[WEBHOOK_PROPERTIES.stack],
    digest: p[WEBHOOK_PROPERTIES.digest],
    alarmId,
    intent: p[WEBHOOK_PROPERTIES.intent],
    member: p[WEBHOOK_PROPERTIES.member],
    owner: p[WEBHOOK_PROPERTIES.owner],
  };
}

/** What the intake queues for a responder kind's worker (base64 JSON, as the queue trigger reads by default). */
export const AlertJob = z.strictObject({
  version: z.literal(1),
  kind: z.enum(ALERT_RESPONDER_KINDS),
  vmId: text(1024),
  alertRule: text(260),
  alarmId: text(64),
  digest: z.string().check(z.regex(PERSONA_DIGEST_PATTERN)),
  intent: z.enum(["activate", "clear"]),
  owner: z.enum(ALERT_OWNERS),
  transitionId: text(700),
  receivedAt: z.number(),
  /** The kind of rule the alert came from (absent in jobs of earlier intakes: a metric alert rule). */
  rule: z.optional(z.enum(["metric", "log"])),
});
export type AlertJob = z.infer<typeof AlertJob>;
