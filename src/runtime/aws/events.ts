/**
 * The events responders accept, validated with zod before anything is done:
 * - the CloudWatch alarm → Lambda event (`source: "aws.cloudwatch"`, `alarmData` with state,
 *   previous state and configuration), for alarm-driven responders;
 * - a feed tick, the JSON input the EventBridge Scheduler schedule of a feed sends;
 * - a dispatch, sent by the value-feed responder to run a response through another responder.
 * Anything else is rejected with {@link EventRejectedError} and never half-acted on.
 */
import * as z from "zod/mini";
import { PERSONA_DIGEST_PATTERN } from "../../plan/manifest.js";
import "./zod.js";
import { EventRejectedError } from "./errors.js";

const NonEmpty = z.string().check(z.minLength(1));

const AlarmState = z.object({
  value: z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]),
  reason: z.optional(z.string()),
  timestamp: z.string().check(z.minLength(1)),
});

const AlarmMetric = z.object({
  id: z.optional(z.string()),
  metricStat: z.optional(
    z.object({
      metric: z.object({
        namespace: z.optional(z.string()),
        name: z.optional(z.string()),
        dimensions: z.optional(z.record(z.string(), z.string())),
      }),
      period: z.optional(z.number()),
      stat: z.optional(z.string()),
    }),
  ),
  expression: z.optional(z.string()),
});

/**
 * The contributor of a multi-time-series (Metrics Insights) alarm whose state changed: its id and its
 * attributes, the GROUP BY dimensions of its time series (Amazon CloudWatch User Guide, "Alarm events
 * and EventBridge", "Multi Time Series Alarm", Alarm Contributor example:
 * `"alarmContributor": {"id": "6d442278dba546f6", "attributes": {"TableName": "..."}}`; API Reference,
 * AlarmContributor: an id of 1 to 1,024 characters, at most 30 attributes).
 */
const AlarmContributor = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(1024)),
  attributes: z.record(z.string(), z.string()),
});

/**
 * The event CloudWatch sends when an alarm with a Lambda action changes state. A multi-time-series
 * alarm sends two kinds (CloudWatch User Guide, "Acting on alarm changes": Lambda actions run at the
 * alarm level and at the contributor level): the alarm's own change, shaped like a single-metric
 * alarm's with a summary reason ("6 out of 6 time series evaluated to ALARM"), and a contributor's
 * change, which carries `alarmContributor` and, in the documented example, no `previousState` (a
 * contributor is only ALARM or OK, so its previous state is the other one).
 */
export const AlarmEvent = z.object({
  source: z.literal("aws.cloudwatch"),
  alarmArn: z.string().check(z.startsWith("arn:")),
  time: z.optional(z.string()),
  region: z.optional(z.string()),
  alarmData: z.object({
    alarmName: z.string().check(z.minLength(1)),
    alarmContributor: z.optional(AlarmContributor),
    state: AlarmState,
    previousState: z.optional(AlarmState),
    configuration: z.object({
      description: z.optional(z.string()),
      metrics: z.optional(z.array(AlarmMetric)),
    }),
  }),
});
export type AlarmEvent = z.infer<typeof AlarmEvent>;

/**
 * A feed schedule's input, as the components set it on the Scheduler target:
 * `{"source":"personas.feed","fleet":"<fleet>","feedId":"<id>"}`, optionally with
 * `"scheduledTime": "<aws.scheduler.scheduled-time>"`, which Scheduler fills in at each run and
 * which makes a redelivered run recognisable.
 */
export const FeedTickEvent = z.strictObject({
  source: z.literal("personas.feed"),
  /** The fleet the schedule belongs to; must be this function's fleet. */
  fleet: NonEmpty,
  /** The fleet feed id (`<persona>-<source>`), a key of the manifest's `feeds`. */
  feedId: NonEmpty,
  /** When the run was scheduled (ISO 8601). */
  scheduledTime: z.optional(NonEmpty),
});
export type FeedTickEvent = z.infer<typeof FeedTickEvent>;

/** A response run through a responder on behalf of a value feed. */
export const DispatchEvent = z.strictObject({
  type: z.literal("personas.dispatch"),
  version: z.literal(1),
  instanceId: z.string().check(z.regex(/^i-[0-9a-f]{8,17}$/)),
  /** The digest of the instance's persona as its `persona:digest` tag and the manifest hold it (`sha256:<hex>`). */
  digest: z.string().check(z.regex(PERSONA_DIGEST_PATTERN)),
  responseId: NonEmpty,
  intent: z.enum(["activate", "clear"]),
  /** The feed's transition, the same for every responder the response involves. */
  transitionId: NonEmpty,
  feedId: NonEmpty,
});
export type DispatchEvent = z.infer<typeof DispatchEvent>;

/** What an alarm-driven responder accepts. */
export type ResponderEvent =
  | { kind: "alarm"; event: AlarmEvent }
  | { kind: "dispatch"; event: DispatchEvent };

/** Recognises an alarm or dispatch event; throws {@link EventRejectedError} otherwise. */
export function parseResponderEvent(input: unknown): ResponderEvent {
  const type = typeof input === "object" && input !== null ? (input as { type?: unknown }).type : undefined;
  if (type === "personas.dispatch")
    return { kind: "dispatch", event: parseWith(DispatchEvent, input, "dispatch") };
  return { kind: "alarm", event: parseWith(AlarmEvent, input, "CloudWatch alarm") };
}

/** Recognises a feed tick of `fleet`; throws {@link EventRejectedError} otherwise. */
export function parseFeedTick(input: unknown, fleet: string): FeedTickEvent {
  const tick = parseWith(FeedTickEvent, input, "feed schedule");
  if (tick.fleet !== fleet) {
    throw new EventRejectedError(
      `Rejected a schedule of fleet '${tick.fleet}': this function serves fleet '${fleet}'; nothing was done.`,
    );
  }
  return tick;
}

/**
 * The transition id of a tick: the scheduled time when Scheduler sent one (a redelivery is then
 * recognised), else the invocation's own id (the per-feed lock still keeps runs apart).
 */
export function tickTransitionId(tick: FeedTickEvent, requestId: string): string {
  return `${tick.feedId}@${tick.scheduledTime ?? requestId}`;
}

/**
 * The event the orchestrator sends the scale responder to bring an instance to its persona's
 * baseline size (docs/orchestrator.md): one schema for the sender and the receiver, so the two
 * cannot drift. Strict: an unknown field is refused.
 * @example
 * {"type":"personas.baseline","version":1,"instanceId":"i-0abc12345678","digest":"sha256:…","size":"m7g.xlarge","transitionId":"orchestrator:i-0abc12345678@sha256:…"}
 */
export const BaselineEvent = z.strictObject({
  type: z.literal("personas.baseline"),
  version: z.literal(1),
  instanceId: z.string().check(z.regex(/^i-[0-9a-f]{8,17}$/)),
  /** The persona digest whose baseline this is (logged and audited). */
  digest: z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/)),
  /** The instance type to go to. */
  size: z.string().check(z.regex(/^[a-z0-9-]+\.[a-z0-9-]+$/)),
  /** `orchestrator:<instance>@<digest>`: a redelivery carries the same id and does not act twice. */
  transitionId: z.string().check(z.regex(/^\S{1,400}$/)),
});
export type BaselineEvent = z.infer<typeof BaselineEvent>;

/**
 * Validates a baseline event.
 * @throws {@link EventRejectedError} naming the fields at fault.
 */
export function parseBaselineEvent(input: unknown): BaselineEvent {
  return parseWith(BaselineEvent, input, "baseline");
}

function parseWith<T>(schema: z.ZodMiniType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
  throw new EventRejectedError(
    `Rejected an event that is not a valid ${what} event (${problems.join("; ")}); nothing was done.`,
    {
      cause: result.error,
    },
  );
}

/** The InstanceId dimension of an alarm's metrics, when exactly one instance is named. */
export function alarmInstanceId(event: AlarmEvent): string | undefined {
  const ids = new Set<string>();
  for (const metric of event.alarmData.configuration.metrics ?? []) {
    const id = metric.metricStat?.metric.dimensions?.InstanceId;
    if (id !== undefined) ids.add(id);
  }
  return ids.size === 1 ? [...ids][0] : undefined;
}

/**
 * Identifies one state change of one alarm, or of one contributor of a multi-time-series alarm:
 * redeliveries carry the same id, and two contributors changing at the same evaluation do not.
 */
export function alarmTransitionId(event: AlarmEvent): string {
  const contributor = event.alarmData.alarmContributor;
  const subject = contributor ? `${event.alarmArn}#${contributor.id}` : event.alarmArn;
  return `${subject}@${event.alarmData.state.timestamp}`;
}

/** An EC2 instance id as the InstanceId dimension holds it. */
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/**
 * The instance of a contributor event: its `InstanceId` attribute (the query groups by InstanceId),
 * when it is one well-formed instance id; undefined otherwise.
 */
export function contributorInstanceId(event: AlarmEvent): string | undefined {
  const id = event.alarmData.alarmContributor?.attributes.InstanceId;
  return id !== undefined && INSTANCE_ID.test(id) ? id : undefined;
}

/**
 * Whether an alarm evaluates a Metrics Insights query (its metrics hold a `SELECT` expression): such an
 * alarm's own (alarm-level) state changes name no instance and are not acted on; its contributors' are.
 */
export function isQueryAlarm(event: AlarmEvent): boolean {
  return (event.alarmData.configuration.metrics ?? []).some((m) => /^\s*SELECT\s/i.test(m.expression ?? ""));
}
