import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { api, NotConfiguredError, requireOperator } from '../shared/http/api.js';
import { accepted } from '../shared/http/responses.js';
import { ConflictError } from '../shared/domain/faults.js';
import type { ReconcileStarted } from '../shared/domain/reconcile-run.js';
import { services } from '../shared/services.js';

/**
 * Starts a reconcile run by hand (the operator: Catalog.Admin of the operator's tenant): plans every source subscription and
 * queues its gallery units, like the `reconcileCatalog` timer. 202 with the run id and the units
 * queued; `Location` is `GET /api/manage/reconcile`, which shows the run until it finishes.
 */
export async function startReconcile(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    await requireOperator(request);
    const s = services();
    const subscriptions = s.config.arm.subscriptionIds;
    if (subscriptions.length === 0)
      throw new ConflictError(
        'No source subscriptions are configured (ARM_SUBSCRIPTION_IDS): there is nothing to reconcile.',
        [],
      );
    if (!s.reconcileQueue)
      throw new NotConfiguredError('The reconcile-units queue is not configured (ServiceBusConnection).', 'serviceBus');
    const run = await s.reconcileRuns.start(subscriptions);
    context.info(
      `reconcile run ${run.runId}: ${run.units} gallery units queued for ${subscriptions.length} subscriptions (started by hand)`,
    );
    const started: ReconcileStarted = {
      runId: run.runId,
      status: run.finished?.status ?? 'running',
      units: run.units,
      subscriptions: subscriptions.length,
    };
    return accepted(started, '/api/manage/reconcile');
  });
}

app.http('startReconcile', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'manage/reconcile',
  handler: startReconcile,
});
