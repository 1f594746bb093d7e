import { app, type InvocationContext } from '@azure/functions';
import { GROUP_JOBS_QUEUE, SERVICE_BUS_CONNECTION } from '../shared/config.js';
import { services } from '../shared/services.js';
import type { DeliveryInfo } from '../shared/jobs/processor.js';
import { deliveryOf } from '../shared/triggers/service-bus.js';
import { errorText } from '../shared/domain/printable.js';

/**
 * Group create/update jobs from the session-enabled `group-jobs` queue (one session per group, so
 * a group's jobs run in order). Returning completes the message; throwing abandons it, so Service
 * Bus redelivers it and dead-letters it past the queue's max delivery count.
 */
export async function groupJobs(message: unknown, context: InvocationContext): Promise<void> {
  const { messageId, deliveryCount, applicationProperties: props, label } = deliveryOf(context);
  const delivery: DeliveryInfo = {
    ...(messageId ? { messageId } : {}),
    deliveryCount,
    recorded: props.recorded === true,
    ...(props.resent === true
      ? {
          resent: {
            secretsDropped:
              typeof props.secretsDropped === 'string'
                ? props.secretsDropped.split(' ').filter((p) => p.length > 0)
                : [],
          },
        }
      : {}),
  };
  try {
    const job = await services().processor.process(message, delivery);
    const detail =
      job.status === 'failed'
        ? `: ${job.errors.map((e) => `${e.pointer} ${e.code}`).join('; ')}`
        : job.resolvedImageVersionId
          ? ` → ${job.resolvedImageVersionId}`
          : '';
    context.info(`job ${job.jobId} (delivery ${delivery.deliveryCount}): ${job.status}${detail}`);
  } catch (err) {
    context.warn(`job message ${label} delivery ${deliveryCount} failed, left for redelivery: ${errorText(err)}`);
    throw err;
  }
}

app.serviceBusQueue('groupJobs', {
  connection: SERVICE_BUS_CONNECTION,
  queueName: GROUP_JOBS_QUEUE,
  isSessionsEnabled: true,
  handler: groupJobs,
});
