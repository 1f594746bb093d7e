import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { imageParams } from '../shared/http/params.js';
import { ok } from '../shared/http/responses.js';
import { versionRef } from '../shared/domain/ids.js';
import { services } from '../shared/services.js';

/** Replicas of one version per target region: current, demand, recommended with its rules, storage estimate. */
export async function versionReplicas(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, []);
    const image = imageParams(request, v);
    const version = v.name('version', 'path.version', request.params.version);
    v.done();
    return ok(await services().replicaAdvisor.versionReplicas(caller, versionRef(image, version)));
  });
}

app.http('versionReplicas', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route:
    'subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images/{image}/versions/{version}/replicas',
  handler: versionReplicas,
});
