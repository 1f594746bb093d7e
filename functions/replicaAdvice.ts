import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { ok } from '../shared/http/responses.js';
import { parseTop } from '../shared/lookups/paging.js';
import { services } from '../shared/services.js';

/** The caller's organization: under-replicated versions, most at risk first, and replicas nobody uses with the saving of trimming them. */
export async function replicaAdvice(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, ['top']);
    const top = parseTop(request.query.get('top'));
    if (typeof top !== 'number') v.problems.push(top);
    v.done();
    return ok(await services().replicaAdvisor.organizationAdvice(caller, top as number));
  });
}

app.http('replicaAdvice', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'advice/replicas',
  handler: replicaAdvice,
});
