import { app, type InvocationContext } from '@azure/functions';
import { GROUP_JOBS_QUEUE, SERVICE_BUS_CONNECTION } from '../shared/config.js';
import { printable } from '../shared/domain/printable.js';
import { services } from '../shared/services.js';
import { deliveryOf } from '../shared/triggers/service-bus.js';

/**
 * The group-jobs queue's dead-letter sub-queue: each dead-lettered job is recorded `deadLettered`
 * with Service Bus's reason and description (idempotently). Throwing (the store is down) abandons
 * the dead letter, which Service Bus delivers again.
 */
export async function groupJobsDeadLetter(message: unknown, context: InvocationContext): Promise<void> {
  const d = deliveryOf(context);
  const info = {
    ...(d.messageId ? { messageId: d.messageId } : {}),
    ...(d.deadLetterReason ? { reason: d.deadLetterReason } : {}),
    ...(d.deadLetterDescription ? { description: d.deadLetterDescription } : {}),
    deliveryCount: d.deliveryCount,
  };
  const outcome = await services().deadLetters.record(message, info);
  if (outcome.kind === 'unidentifiable')
    context.warn(
      `dead-lettered message ${d.label} (${printable(info.reason ?? 'no reason')}): ${outcome.detail}; nothing to record`,
    );
  else
    context.warn(
      `job ${printable(outcome.job.jobId)} dead-lettered (${printable(info.reason ?? 'no reason')}): ${outcome.kind === 'recorded' ? 'recorded deadLettered' : `already ${outcome.job.status}`}`,
    );
}

app.serviceBusQueue('groupJobsDeadLetter', {
  connection: SERVICE_BUS_CONNECTION,
  queueName: `${GROUP_JOBS_QUEUE}/$DeadLetterQueue`,
  handler: groupJobsDeadLetter,
});
