import { app, type InvocationContext } from '@azure/functions';
import { RECONCILE_UNITS_QUEUE, SERVICE_BUS_CONNECTION } from '../shared/config.js';
import { describeRun } from '../shared/domain/reconcile-run.js';
import { printable } from '../shared/domain/printable.js';
import { services } from '../shared/services.js';
import { deliveryOf } from '../shared/triggers/service-bus.js';

/**
 * The reconcile-units queue's dead-letter sub-queue: a unit whose deliveries all failed without
 * recording (the table store down, the instance lost, the message expired) is recorded failed
 * with Service Bus's reason, so its run still finishes. Throwing abandons the dead letter, which
 * Service Bus delivers again.
 */
export async function reconcileUnitsDeadLetter(message: unknown, context: InvocationContext): Promise<void> {
  const { deadLetterReason: reason, deadLetterDescription: description, label } = deliveryOf(context);
  const outcome = await services().reconcileRuns.recordDeadLetter(message, {
    ...(reason ? { reason } : {}),
    ...(description ? { description } : {}),
  });
  if (outcome.kind === 'invalid') {
    context.warn(
      `dead-lettered reconcile message ${label} (${printable(reason ?? 'no reason')}) is not a unit: ${outcome.reason}`,
    );
    return;
  }
  context.warn(
    `reconcile unit ${outcome.galleryId} of run ${outcome.runId} dead-lettered (${printable(reason ?? 'no reason')}): ${outcome.kind === 'failed' ? 'recorded failed' : 'had finished already'}`,
  );
  if ('finished' in outcome && outcome.finished) context.info(describeRun(outcome.finished));
}

app.serviceBusQueue('reconcileUnitsDeadLetter', {
  connection: SERVICE_BUS_CONNECTION,
  queueName: `${RECONCILE_UNITS_QUEUE}/$DeadLetterQueue`,
  handler: reconcileUnitsDeadLetter,
});
