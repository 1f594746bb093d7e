import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { imageParams, PAGING } from '../shared/http/params.js';
import { ok } from '../shared/http/responses.js';
import { resourceKey } from '../shared/domain/ids.js';
import { services } from '../shared/services.js';

/** Console cascade, step 4: versions, newest first, each with its deployability in `region` and why. */
export async function listVersions(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, [...PAGING, 'region']);
    const ref = imageParams(request, v);
    const region = v.region('query.region', request.query.get('region'), false);
    const page = v.page(request, caller, `versions/${resourceKey(ref)}`);
    v.done();
    return ok(await services().lookups.versions(caller, ref, region, page));
  });
}

app.http('listVersions', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images/{image}/versions',
  handler: listVersions,
});
