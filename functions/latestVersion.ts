import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { imageParams } from '../shared/http/params.js';
import { ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** What `latest` resolves to in a region, its full id, and every newer version passed over with why. */
export async function latestVersion(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, ['region']);
    const ref = imageParams(request, v);
    const region = v.region('query.region', request.query.get('region'), true);
    v.done();
    return ok(await services().lookups.latest(caller, ref, region as string));
  });
}

app.http('latestVersion', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route:
    'subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images/{image}/versions/latest',
  handler: latestVersion,
});
