/**
 * The events responders accept, validated with zod before anything is done:
 * - the CloudWatch alarm → Lambda event (`source: "aws.cloudwatch"`, `alarmData` with state,
 *   previous state and configuration), for alarm-driven responders;
 * - a feed tick, the JSON input the EventBridge Scheduler schedule of a feed sends;
 * - a dispatch, sent by the value-feed responder to run a response through another responder.
 * Anything else is rejected with {@link EventRejectedError} and never half-acted on.
 */
import { z } from "zod";
import { EventRejectedError } from "./errors.js";

const AlarmState = z.object({
  value: z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]),
  reason: z.string().optional(),
  timestamp: z.string().min(1),
});

const AlarmMetric = z.object({
  id: z.string().optional(),
  metricStat: z
    .object({
      metric: z.object({
        namespace: z.string().optional(),
        name: z.string().optional(),
        dimensions: z.record(z.string(), z.string()).optional(),
      }),
      period: z.number().optional(),
      stat: z.string().optional(),
    })
    .optional(),
  expression: z.string().optional(),
});

/** The event CloudWatch sends when an alarm with a Lambda action changes state. */
export const AlarmEvent = z.object({
  source: z.literal("aws.cloudwatch"),
  alarmArn: z.string().startsWith("arn:"),
  time: z.string().optional(),
  region: z.string().optional(),
  alarmData: z.object({
    alarmName: z.string().min(1),
    state: AlarmState,
    previousState: AlarmState,
    configuration: z.object({
      description: z.string().optional(),
      metrics: z.array(AlarmMetric).optional(),
    }),
  }),
});
export type AlarmEvent = z.infer<typeof AlarmEvent>;

/**
 * A feed schedule's input. The component sets it as the Scheduler target's input, with
 * `scheduledTime: "<aws.scheduler.scheduled-time>"` filled in by Scheduler at each run.
 */
export const FeedTickEvent = z.strictObject({
  type: z.literal("personas.feed-tick"),
  version: z.literal(1),
  /** The fleet feed id (`<persona>-<source>`), a key of the manifest's `feeds`. */
  feedId: z.string().min(1),
  /** When the run was scheduled (ISO 8601); a redelivered run carries the same time. */
  scheduledTime: z.string().min(1),
});
export type FeedTickEvent = z.infer<typeof FeedTickEvent>;

/** A response run through a responder on behalf of a value feed. */
export const DispatchEvent = z.strictObject({
  type: z.literal("personas.dispatch"),
  version: z.literal(1),
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/),
  /** The digest of the instance's persona: a key of the manifest's `personas`. */
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  responseId: z.string().min(1),
  intent: z.enum(["activate", "clear"]),
  /** The feed's transition, the same for every responder the response involves. */
  transitionId: z.string().min(1),
  feedId: z.string().min(1),
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

/** Recognises a feed tick; throws {@link EventRejectedError} otherwise. */
export function parseFeedTick(input: unknown): FeedTickEvent {
  return parseWith(FeedTickEvent, input, "feed schedule");
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
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

/** Identifies one state change of one alarm: redeliveries carry the same id. */
export function alarmTransitionId(event: AlarmEvent): string {
  return `${event.alarmArn}@${event.alarmData.state.timestamp}`;
}
