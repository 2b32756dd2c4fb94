/**
 * The sweep timer (NCRONTAB `0 *\/5 * * * *`, every five minutes): repairs interrupted resizes whose
 * lock has expired, deletes expired state entities (Table Storage has no TTL), and counts the
 * messages in every poison queue. A poison message is a job the worker failed five times (the
 * Functions host moved it); each is logged as a `failed` decision with reason `poison` and the
 * `PoisonMessages` metric, which the components' log alert watches. The messages stay for people to
 * read; the sweep never deletes them.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { repairInFlightResizes } from "./actions/scale.js";
import type { AzureRuntimeContext, AzureRuntimeOptions } from "./context.js";
import { ALERT_RESPONDER_KINDS, MAX_DEQUEUE_COUNT, poisonQueueName } from "./contract.js";
import { contextOrLog } from "./worker.js";

/** What one sweep did. */
export interface SweepResult {
  repairedResizes: string[];
  expiredDeleted: number;
  poisonMessages: Record<string, number>;
}

/** Makes the sweep timer's handler. */
export function createSweep(options: AzureRuntimeOptions = {}) {
  let ctx: AzureRuntimeContext | undefined;
  return async (_timer: Timer, _invocation: InvocationContext): Promise<SweepResult> => {
    ctx ??= contextOrLog("sweep", options);
    return sweep(ctx);
  };
}

/** One sweep. */
export async function sweep(ctx: AzureRuntimeContext): Promise<SweepResult> {
  const repairedResizes = await repairInFlightResizes(ctx);
  const expiredDeleted = await ctx.state.sweep();
  const poisonMessages: Record<string, number> = {};
  for (const kind of ALERT_RESPONDER_KINDS) {
    // The host creates a poison queue on its first poison message: none yet counts 0.
    const count = await ctx.storage.approximateMessageCount(poisonQueueName(kind));
    poisonMessages[kind] = count;
    if (count > 0) {
      ctx.log.decision(
        "failed",
        `${count} message(s) in ${poisonQueueName(kind)}: jobs that failed ${MAX_DEQUEUE_COUNT} times; read them and the matching failed decisions`,
        {
          reason: "poison",
          queue: poisonQueueName(kind),
        },
      );
      ctx.log.metric("poison messages", [
        { name: "PoisonMessages", value: count, unit: "Count", dimensions: { Queue: poisonQueueName(kind) } },
      ]);
    }
  }
  ctx.log.info("sweep done", { repairedResizes: repairedResizes.length, expiredDeleted });
  return { repairedResizes, expiredDeleted, poisonMessages };
}
