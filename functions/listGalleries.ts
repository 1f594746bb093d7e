import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { PAGING, subscriptionParam } from '../shared/http/params.js';
import { ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** Console cascade, step 2: galleries of a resource group the caller sees. */
export async function listGalleries(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, PAGING);
    const sub = subscriptionParam(request, v);
    const rg = v.name('resourceGroup', 'path.resourceGroup', request.params.resourceGroup);
    const page = v.page(request, caller, `galleries/${sub}/${rg}`);
    v.done();
    return ok(await services().lookups.galleries(caller, sub, rg, page));
  });
}

app.http('listGalleries', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries',
  handler: listGalleries,
});
