import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { imageParams } from '../shared/http/params.js';
import { ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** One image definition the caller sees (reachable with a definition grant alone). */
export async function getImage(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, []);
    const ref = imageParams(request, v);
    v.done();
    return ok(await services().lookups.image(caller, ref));
  });
}

app.http('getImage', { methods: ['GET'], authLevel: 'anonymous', route: 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images/{image}', handler: getImage });
