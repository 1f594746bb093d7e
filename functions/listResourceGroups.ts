import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { PAGING, subscriptionParam } from '../shared/http/params.js';
import { ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** Console cascade, step 1: resource groups of a subscription holding galleries the caller sees. */
export async function listResourceGroups(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, PAGING);
    const sub = subscriptionParam(request, v);
    const page = v.page(request, caller, `resourceGroups/${sub}`);
    v.done();
    return ok(await services().lookups.resourceGroups(caller, sub, page));
  });
}

app.http('listResourceGroups', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'subscriptions/{subscriptionId}/resourceGroups',
  handler: listResourceGroups,
});
