import { app, type InvocationContext, type Timer } from '@azure/functions';
import { describeRun } from '../shared/domain/reconcile-run.js';
import { services } from '../shared/services.js';

/**
 * Plans the reconcile of every source subscription (events can be lost): lists each one's
 * galleries and queues one unit per gallery on `reconcile-units`, which the `reconcileUnit`
 * trigger runs in parallel, on every instance, under each subscription's ARM read budget.
 * Runs on `RECONCILE_SCHEDULE`, once after each deployment (the azd `postdeploy` hook calls
 * `POST /admin/functions/reconcileCatalog`), or by hand the same way; the run's progress is
 * readable at `GET /api/manage/reconcile` until its last unit finishes it.
 */
export async function reconcileCatalog(_timer: Timer, context: InvocationContext): Promise<void> {
  const s = services();
  const subscriptions = s.config.arm.subscriptionIds;
  if (subscriptions.length === 0) {
    context.info('reconcile: no ARM_SUBSCRIPTION_IDS configured, nothing to do');
    return;
  }
  const run = await s.reconcileRuns.start(subscriptions);
  context.info(
    `reconcile run ${run.runId}: ${run.units} gallery units queued for ${subscriptions.length} subscriptions`,
  );
  if (run.finished) context.info(describeRun(run.finished));
}

app.timer('reconcileCatalog', { schedule: '%RECONCILE_SCHEDULE%', handler: reconcileCatalog });
