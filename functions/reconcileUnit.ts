import { app, type InvocationContext } from '@azure/functions';
import { RECONCILE_UNITS_QUEUE, SERVICE_BUS_CONNECTION } from '../shared/config.js';
import { describeRun } from '../shared/domain/reconcile-run.js';
import { errorText } from '../shared/domain/printable.js';
import { deliveryOf } from '../shared/triggers/service-bus.js';
import { services } from '../shared/services.js';

/**
 * One gallery unit of a reconcile run from `reconcile-units` (no sessions: units run in parallel,
 * up to host.json `maxConcurrentCalls` per instance). Returning completes the message; throwing
 * leaves it for redelivery (on its last allowed delivery the unit is recorded failed instead).
 * The unit that finishes its run logs the run's summary.
 */
export async function reconcileUnit(message: unknown, context: InvocationContext): Promise<void> {
  const { deliveryCount, label } = deliveryOf(context);
  try {
    const outcome = await services().reconcileRuns.runUnit(message, { deliveryCount });
    if (outcome.kind === 'invalid') {
      context.warn(`reconcile unit message ${label} is not a unit (${outcome.reason}); completed without running`);
      return;
    }
    if (outcome.kind === 'failed')
      context.error(
        `reconcile unit ${outcome.galleryId} failed on delivery ${deliveryCount}, the last: ${outcome.error}`,
      );
    else if (outcome.kind === 'duplicate')
      context.info(`reconcile unit ${outcome.galleryId} of run ${outcome.runId} had finished already`);
    if (outcome.finished) context.info(describeRun(outcome.finished));
  } catch (err) {
    context.warn(
      `reconcile unit message ${label} delivery ${deliveryCount} failed, left for redelivery: ${errorText(err)}`,
    );
    throw err;
  }
}

app.serviceBusQueue('reconcileUnit', {
  connection: SERVICE_BUS_CONNECTION,
  queueName: RECONCILE_UNITS_QUEUE,
  handler: reconcileUnit,
});
