import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { adminScope, api } from '../shared/http/api.js';
import { ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** The organization records the caller administers: every one for the operator, its own for an organization administrator (app role Catalog.Admin). */
export async function listOrganizations(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const scope = await adminScope(request);
    return ok({ items: await services().administration.list(scope) });
  });
}

app.http('listOrganizations', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'manage/organizations',
  handler: listOrganizations,
});
