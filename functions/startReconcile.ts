import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { api, requireOperator } from '../shared/http/api.js';
import { accepted, problem } from '../shared/http/responses.js';
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
    if (subscriptions.length === 0) return problem(409, 'No source subscriptions are configured (ARM_SUBSCRIPTION_IDS): there is nothing to reconcile.', { instance: new URL(request.url).pathname });
    if (!s.reconcileQueue) {
      return problem(503, 'The reconcile-units queue is not configured (ServiceBusConnection).', { instance: new URL(request.url).pathname, headers: { 'retry-after': '60' }, extensions: { dependency: 'serviceBus' } });
    }
    const run = await s.reconcileRuns.start(subscriptions);
    context.info(`reconcile run ${run.runId}: ${run.units} gallery units queued for ${subscriptions.length} subscriptions (started by hand)`);
    return accepted({ runId: run.runId, status: run.finished?.status ?? 'running', units: run.units, subscriptions: subscriptions.length }, '/api/manage/reconcile');
  });
}

app.http('startReconcile', { methods: ['POST'], authLevel: 'anonymous', route: 'manage/reconcile', handler: startReconcile });
