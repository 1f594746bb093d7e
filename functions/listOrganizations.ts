import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, principalWithRole } from '../shared/http/api.js';
import { ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** Every organization record (app role Catalog.Admin). */
export async function listOrganizations(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    principalWithRole(request, APP_ROLES.admin);
    return ok({ items: await services().directory.list() });
  });
}

app.http('listOrganizations', { methods: ['GET'], authLevel: 'anonymous', route: 'manage/organizations', handler: listOrganizations });
