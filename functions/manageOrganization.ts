import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, principalWithRole, Validator } from '../shared/http/api.js';
import { ok, notFound } from '../shared/http/responses.js';
import { organizationDocumentSchema } from '../shared/access/directory.js';
import { services } from '../shared/services.js';

/**
 * Organizations, their subscriptions and Spot accounts, principals and grants (app role
 * Catalog.Admin; no organization membership needed, so the first organization can be created).
 * `PUT` replaces one; `GET` reads one; `DELETE` removes one.
 */
export async function manageOrganization(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    principalWithRole(request, APP_ROLES.admin);
    const id = request.params.organizationId ?? '';
    const directory = services().directory;
    if (request.method === 'PUT') {
      const v = new Validator();
      const text = await request.text();
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        v.problems.push({ field: 'body', message: 'must be a JSON object' });
      }
      const parsed = organizationDocumentSchema.safeParse(raw);
      if (raw !== undefined && !parsed.success) {
        for (const i of parsed.error.issues) v.problems.push({ field: ['body', ...i.path.map(String)].join('.'), message: i.message });
      }
      v.done();
      return ok(await directory.put(id, parsed.data!));
    }
    if (request.method === 'DELETE') return (await directory.delete(id)) ? { status: 204 } : notFound();
    const org = await directory.get(id);
    return org ? ok(org) : notFound();
  });
}

app.http('manageOrganization', { methods: ['GET', 'PUT', 'DELETE'], authLevel: 'anonymous', route: 'manage/organizations/{organizationId}', handler: manageOrganization });
