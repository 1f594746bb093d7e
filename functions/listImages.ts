import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { galleryParams, IMAGE_FILTERS, imageFilterParams, PAGING } from '../shared/http/params.js';
import { ok } from '../shared/http/responses.js';
import { resourceKey } from '../shared/domain/ids.js';
import { services } from '../shared/services.js';

/** Console cascade, step 3: image definitions of a gallery the caller sees, with filters. */
export async function listImages(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, [...PAGING, ...IMAGE_FILTERS]);
    const ref = galleryParams(request, v);
    const filters = imageFilterParams(request, v);
    const page = v.page(request, caller, `images/${resourceKey(ref)}`);
    v.done();
    return ok(await services().lookups.images(caller, ref, filters, page));
  });
}

app.http('listImages', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images',
  handler: listImages,
});
