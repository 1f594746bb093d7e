import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { imageGet } from '../shared/http/handlers.js';
import { services } from '../shared/services.js';

/** Per region, the latest version of a definition and which of the caller's groups run which version (rolled, soaking, pending, failed, held). */
export async function imageRollout(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return imageGet(request, context, APP_ROLES.read, (caller, ref) => services().autoRollViews.rollout(caller, ref));
}

app.http('imageRollout', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images/{image}/rollout',
  handler: imageRollout,
});
