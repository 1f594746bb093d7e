import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { api, requireOperator } from '../shared/http/api.js';
import { notFound, ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** The running or last reconcile: status, start time, counts so far, last error (the operator: Catalog.Admin of the operator's tenant). */
export async function reconcileStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    await requireOperator(request);
    const progress = await services().reconcileProgress.read();
    return progress ? ok(progress) : notFound('No reconcile has run yet.');
  });
}

app.http('reconcileStatus', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'manage/reconcile',
  handler: reconcileStatus,
});
