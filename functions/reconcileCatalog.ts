import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from '../shared/services.js';

/**
 * Walks ARM for every source subscription and makes the catalog equal to it (events can be lost):
 * one unit per gallery, in parallel under each subscription's ARM read budget.
 * Runs on `RECONCILE_SCHEDULE`, once after each deployment (the azd `postdeploy` hook calls
 * `POST /admin/functions/reconcileCatalog`), or by hand the same way; its progress is readable at
 * `GET /api/manage/reconcile` while it runs.
 */
export async function reconcileCatalog(_timer: Timer, context: InvocationContext): Promise<void> {
  const s = services();
  const subscriptions = s.config.arm.subscriptionIds;
  if (subscriptions.length === 0) {
    context.info('reconcile: no ARM_SUBSCRIPTION_IDS configured, nothing to do');
    return;
  }
  const run = s.reconcileProgress.start();
  await run.begin();
  try {
    const r = await s.reconcileFanOut.run(subscriptions, run.onProgress);
    await run.succeed(r);
    for (const f of r.failedUnits) context.error(`reconcile unit ${f.galleryId} failed: ${f.error}`);
    context.info(
      `reconcile: ${r.subscriptions} subscriptions, ${r.galleries} galleries (${r.galleryReads} re-read, ${r.units} units in parallel), ${r.images} definitions (${r.imageWrites} rewritten), ${r.versions} versions (${r.versionReads} re-read, ${r.flagUpgrades} re-flagged), ${r.tombstoned} tombstoned${r.skipped.length ? `; skipped: ${r.skipped.join('; ')}` : ''}`,
    );
  } catch (err) {
    await run.fail(err).catch((e: unknown) => context.warn(`reconcile: progress not recorded: ${e instanceof Error ? e.message : String(e)}`));
    throw err;
  }
}

app.timer('reconcileCatalog', { schedule: '%RECONCILE_SCHEDULE%', handler: reconcileCatalog });
