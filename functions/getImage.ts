import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { imageGet } from '../shared/http/handlers.js';
import { services } from '../shared/services.js';

/** One image definition the caller sees (reachable with a definition grant alone). */
export async function getImage(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return imageGet(request, context, APP_ROLES.read, (caller, ref) => services().lookups.image(caller, ref));
}

app.http('getImage', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images/{image}',
  handler: getImage,
});
