import { app, type InvocationContext } from '@azure/functions';
import { GROUP_JOBS_QUEUE, SERVICE_BUS_CONNECTION } from '../shared/config.js';
import { printable } from '../shared/domain/printable.js';
import { services } from '../shared/services.js';

/**
 * The group-jobs queue's dead-letter sub-queue: each dead-lettered job is recorded `deadLettered`
 * with Service Bus's reason and description (idempotently). Throwing (the store is down) abandons
 * the dead letter, which Service Bus delivers again.
 */
export async function groupJobsDeadLetter(message: unknown, context: InvocationContext): Promise<void> {
  const meta = context.triggerMetadata ?? {};
  const props = (meta.applicationProperties ?? meta.userProperties ?? {}) as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const info = {
    ...(text(meta.messageId) ? { messageId: text(meta.messageId) as string } : {}),
    // A dead letter carries its reason in these two application properties (set by Service Bus),
    // whose keys the Functions library camel-cases (@azure/functions src/converters/fromRpcTriggerMetadata.ts).
    ...(text(props.deadLetterReason ?? props.DeadLetterReason) ? { reason: text(props.deadLetterReason ?? props.DeadLetterReason) as string } : {}),
    ...(text(props.deadLetterErrorDescription ?? props.DeadLetterErrorDescription) ? { description: text(props.deadLetterErrorDescription ?? props.DeadLetterErrorDescription) as string } : {}),
    deliveryCount: Number(meta.deliveryCount ?? 1) || 1,
  };
  const outcome = await services().deadLetters.record(message, info);
  const id = printable(String(info.messageId ?? '(no id)').slice(0, 128));
  if (outcome.kind === 'unidentifiable') context.warn(`dead-lettered message ${id} (${printable(info.reason ?? 'no reason')}): ${outcome.detail}; nothing to record`);
  else context.warn(`job ${printable(outcome.job.jobId)} dead-lettered (${printable(info.reason ?? 'no reason')}): ${outcome.kind === 'recorded' ? 'recorded deadLettered' : `already ${outcome.job.status}`}`);
}

app.serviceBusQueue('groupJobsDeadLetter', { connection: SERVICE_BUS_CONNECTION, queueName: `${GROUP_JOBS_QUEUE}/$DeadLetterQueue`, handler: groupJobsDeadLetter });
