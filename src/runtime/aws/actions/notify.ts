/** Notify: publish to the SNS topic of the action's channel (NOTIFY_TOPICS maps channels to topics). */
import { PublishCommand } from "@aws-sdk/client-sns";
import type { NotifyAction } from "../../../pdl/actions/index.js";
import type { ResponderContext } from "../context.js";
import { ENV } from "../env.js";
import { ActionFailedError } from "../errors.js";
import { retryThrottled } from "../instances.js";
import type { ActionExecutor, ActionJob } from "../responder.js";

/**
 * Publishes `text` to `topic` with the job's context below it (fleet, instance, persona, response,
 * transition); returns the message id. Subjects are cut to SNS's 100 characters.
 */
export async function publishNotice(
  ctx: ResponderContext,
  job: ActionJob,
  topic: string,
  subject: string,
  text: string,
): Promise<string> {
  const message = [
    text,
    "",
    `fleet: ${ctx.env.fleetName}`,
    `instance: ${job.instanceId}`,
    `persona: ${job.persona.name} ${job.persona.version}`,
    `response: ${job.responseId} (${job.intent})`,
    `transition: ${job.transitionId}`,
  ].join("\n");
  const result = await retryThrottled(ctx, () =>
    ctx.clients.sns.send(
      new PublishCommand({ TopicArn: topic, Subject: subject.slice(0, 100), Message: message }),
    ),
  );
  return result.MessageId ?? "?";
}

/** The notify responder's executor. */
export const notifyExecutor: ActionExecutor = async (ctx, job) => {
  const topics = ctx.env.notifyTopics;
  const sent: string[] = [];
  for (const action of job.actions as NotifyAction[]) {
    const topic = topics[action.target];
    if (topic === undefined) {
      throw new ActionFailedError(
        `No SNS topic for channel '${action.target}': ${ENV.notifyTopics} lists ${Object.keys(topics).length === 0 ? "no channels" : Object.keys(topics).sort().join(", ")}; nothing was sent.`,
        true,
      );
    }
    const subject = `${job.persona.name}: ${job.responseId} ${job.intent === "clear" ? "cleared" : "ran"} on ${job.instanceId}`;
    const messageId = await publishNotice(ctx, job, topic, subject, action.message ?? subject);
    sent.push(`${action.target} (message ${messageId})`);
  }
  return { outcome: "acted", detail: `notified ${sent.join(", ")}` };
};
