import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from '../shared/services.js';

/** Re-reads image versions still provisioning or replicating, until they settle (bounded back-off). */
export async function recheckVersions(_timer: Timer, context: InvocationContext): Promise<void> {
  const s = await services().indexer.recheckSettling();
  if (s.checked > 0)
    context.info(
      `rechecked ${s.checked} versions: ${s.settled} settled, ${s.stillSettling} still settling, ${s.gaveUp} given up`,
    );
}

app.timer('recheckVersions', { schedule: '%RECHECK_SCHEDULE%', handler: recheckVersions });
