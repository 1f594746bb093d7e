import { app, type InvocationContext } from '@azure/functions';
import { RECONCILE_UNITS_QUEUE, SERVICE_BUS_CONNECTION } from '../shared/config.js';
import { describeRun } from '../shared/domain/reconcile-run.js';
import { printable } from '../shared/domain/printable.js';
import { services } from '../shared/services.js';

/**
 * One gallery unit of a reconcile run from `reconcile-units` (no sessions: units run in parallel,
 * up to host.json `maxConcurrentCalls` per instance). Returning completes the message; throwing
 * leaves it for redelivery (on its last allowed delivery the unit is recorded failed instead).
 * The unit that finishes its run logs the run's summary.
 */
export async function reconcileUnit(message: unknown, context: InvocationContext): Promise<void> {
  const meta = context.triggerMetadata ?? {};
  const deliveryCount = Number(meta.deliveryCount ?? 1) || 1;
  try {
    const outcome = await services().reconcileRuns.runUnit(message, { deliveryCount });
    if (outcome.kind === 'invalid') {
      context.warn(`reconcile unit message ${messageIdOf(meta)} is not a unit (${outcome.reason}); completed without running`);
      return;
    }
    if (outcome.kind === 'failed') context.error(`reconcile unit ${outcome.galleryId} failed on delivery ${deliveryCount}, the last: ${outcome.error}`);
    else if (outcome.kind === 'duplicate') context.info(`reconcile unit ${outcome.galleryId} of run ${outcome.runId} had finished already`);
    if (outcome.finished) context.info(describeRun(outcome.finished));
  } catch (err) {
    context.warn(`reconcile unit message ${messageIdOf(meta)} delivery ${deliveryCount} failed, left for redelivery: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}

app.serviceBusQueue('reconcileUnit', { connection: SERVICE_BUS_CONNECTION, queueName: RECONCILE_UNITS_QUEUE, handler: reconcileUnit });

function messageIdOf(meta: Record<string, unknown>): string {
  return typeof meta.messageId === 'string' ? printable(meta.messageId.slice(0, 128)) : '(no id)';
}
