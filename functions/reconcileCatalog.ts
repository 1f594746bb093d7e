import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from '../shared/services.js';

/** Walks ARM for every source subscription and makes the catalog equal to it (events can be lost): one unit per gallery, in parallel. */
export async function reconcileCatalog(_timer: Timer, context: InvocationContext): Promise<void> {
  const s = services();
  const subscriptions = s.config.arm.subscriptionIds;
  if (subscriptions.length === 0) {
    context.info('reconcile: no ARM_SUBSCRIPTION_IDS configured, nothing to do');
    return;
  }
  const r = await s.reconcileFanOut.run(subscriptions);
  for (const f of r.failedUnits) context.error(`reconcile unit ${f.galleryId} failed: ${f.error}`);
  context.info(
    `reconcile: ${r.subscriptions} subscriptions, ${r.galleries} galleries (${r.galleryReads} re-read, ${r.units} units in parallel), ${r.images} definitions (${r.imageWrites} rewritten), ${r.versions} versions (${r.versionReads} re-read, ${r.flagUpgrades} re-flagged), ${r.tombstoned} tombstoned${r.skipped.length ? `; skipped: ${r.skipped.join('; ')}` : ''}`,
  );
}

app.timer('reconcileCatalog', { schedule: '%RECONCILE_SCHEDULE%', handler: reconcileCatalog });
