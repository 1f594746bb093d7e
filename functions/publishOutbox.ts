import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from '../shared/services.js';

/** Publishes domain events a crash or an outage left in the outbox (recorded more than two seconds ago: younger ones are being published by their writer). */
export async function publishOutbox(_timer: Timer, context: InvocationContext): Promise<void> {
  const s = services();
  const n = await s.outbox.publishLeftovers([s.catalog.versions, s.jobs.groups], new Date(Date.now() - 2_000));
  if (n > 0) context.info(`published ${n} events left in the outbox`);
}

app.timer('publishOutbox', { schedule: '%OUTBOX_SCHEDULE%', handler: publishOutbox });
