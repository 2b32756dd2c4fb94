/**
 * What invokes the orchestrator: EventBridge's EC2 "Tag Change on Resource" events (the rule matches
 * the fleet's tag keys), and the reconciliation sweep that EventBridge Scheduler sends with the input
 * `{"source":"personas.orchestrator","fleet":"<fleet>","kind":"sweep"}`. Anything else is rejected
 * before anything is read or written.
 */
import { z } from "zod";
import { EventRejectedError } from "../errors.js";

/** The EventBridge event for a tag change on an EC2 instance. */
export const TagChangeEvent = z.object({
  source: z.literal("aws.tag"),
  "detail-type": z.literal("Tag Change on Resource"),
  resources: z.array(z.string()).min(1),
  detail: z.object({
    "changed-tag-keys": z.array(z.string()).optional(),
    service: z.string().optional(),
    "resource-type": z.string().optional(),
    tags: z.record(z.string(), z.string()).optional(),
  }),
});
export type TagChangeEvent = z.infer<typeof TagChangeEvent>;

/** The Scheduler input of the periodic sweep. */
export const SweepEvent = z.strictObject({
  source: z.literal("personas.orchestrator"),
  fleet: z.string().min(1),
  kind: z.literal("sweep"),
});
export type SweepEvent = z.infer<typeof SweepEvent>;

/** What the orchestrator is asked to do. */
export type OrchestratorRequest = { kind: "instances"; instanceIds: string[] } | { kind: "sweep" };

const INSTANCE_ARN = /^arn:aws[a-z-]*:ec2:[a-z0-9-]*:\d*:instance\/(i-[0-9a-f]{8,17})$/;

/**
 * Reads an invocation: the instances of a tag change, or a sweep of `fleet`.
 * @throws {@link EventRejectedError} for anything else, naming what was wrong.
 */
export function parseOrchestratorEvent(input: unknown, fleet: string): OrchestratorRequest {
  const source =
    typeof input === "object" && input !== null ? (input as { source?: unknown }).source : undefined;
  if (source === "personas.orchestrator") {
    const sweep = SweepEvent.safeParse(input);
    if (!sweep.success) {
      throw new EventRejectedError(
        `Rejected a sweep event that is not {"source":"personas.orchestrator","fleet":"<fleet>","kind":"sweep"}; nothing was done.`,
        { cause: sweep.error },
      );
    }
    if (sweep.data.fleet !== fleet) {
      throw new EventRejectedError(
        `Rejected a sweep of fleet '${sweep.data.fleet}': this function serves fleet '${fleet}'; nothing was done.`,
      );
    }
    return { kind: "sweep" };
  }
  const change = TagChangeEvent.safeParse(input);
  if (!change.success) {
    throw new EventRejectedError(
      "Rejected an event that is neither an EC2 tag change nor a sweep; nothing was done.",
      { cause: change.error },
    );
  }
  const instanceIds = change.data.resources.flatMap((arn) => {
    const match = INSTANCE_ARN.exec(arn);
    return match ? [match[1]!] : [];
  });
  if (instanceIds.length === 0) {
    throw new EventRejectedError(
      `Rejected a tag change on ${change.data.resources.join(", ")}: the orchestrator reconciles EC2 instances only; nothing was done.`,
    );
  }
  return { kind: "instances", instanceIds: [...new Set(instanceIds)] };
}
