import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { api } from '../shared/http/api.js';
import { ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** Every organization record (admin only). */
export async function listOrganizations(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => ok({ items: await services().directory.list() }));
}

app.http('listOrganizations', { methods: ['GET'], authLevel: 'admin', route: 'manage/organizations', handler: listOrganizations });
