import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { IMAGE_FILTERS, imageFilterParams, PAGING } from '../shared/http/params.js';
import { ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** Image definitions by publisher / offer / sku / OS / region across every gallery the caller sees. */
export async function searchImages(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, [...PAGING, ...IMAGE_FILTERS, 'publisher', 'offer', 'sku', 'region']);
    const q = request.query;
    const text = Object.fromEntries(
      (['publisher', 'offer', 'sku'] as const)
        .map((k) => [k, v.text(`query.${k}`, q.get(k), 128)])
        .filter(([, val]) => val !== undefined),
    ) as { publisher?: string; offer?: string; sku?: string };
    const region = v.region('query.region', q.get('region'), false);
    const filters = { ...imageFilterParams(request, v), ...text, ...(region ? { region } : {}) };
    const page = v.page(request, caller, 'search');
    v.done();
    return ok(await services().lookups.search(caller, filters, page));
  });
}

app.http('searchImages', { methods: ['GET'], authLevel: 'anonymous', route: 'images', handler: searchImages });
