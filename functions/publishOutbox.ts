import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from '../shared/services.js';

/**
 * Finishes what a crash or an outage left behind (more than two seconds ago: younger work is being
 * finished by its writer): version writes whose latest comparison did not run, then the events
 * left in the outbox.
 */
export async function publishOutbox(_timer: Timer, context: InvocationContext): Promise<void> {
  const s = services();
  const before = new Date(Date.now() - 2_000);
  const settled = await s.versionEvents.settleLeftovers(s.catalog.versions, before);
  const n = await s.outbox.publishLeftovers([s.catalog.versions, s.jobs.groups], before);
  if (settled + n > 0) context.info(`settled ${settled} latest changes; published ${n} events left in the outbox`);
}

app.timer('publishOutbox', { schedule: '%OUTBOX_SCHEDULE%', handler: publishOutbox });
