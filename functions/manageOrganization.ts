import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { adminScope, api } from '../shared/http/api.js';
import { ok } from '../shared/http/responses.js';
import { parsedBody } from '../shared/http/handlers.js';
import { organizationDocumentSchema } from '../shared/access/directory.js';
import { services } from '../shared/services.js';

/** A stored organization is at most 1 MiB of UTF-16; a body twice that (whitespace) is refused unread. */
const MAX_ORGANIZATION_BODY_BYTES = 2 * 1024 * 1024;
/** The largest arrays of the document are its grants (5,000). */
const ORGANIZATION_JSON_LIMITS = { maxDepth: 8, maxArrayItems: 5000, maxStringChars: 2048 };

/**
 * Organizations, their subscriptions and Spot accounts, principals and grants (app role
 * Catalog.Admin): the operator manages every organization (and creates the first one); an
 * organization administrator manages its own; any other organization is answered as a missing one.
 * `PUT` replaces one; `GET` reads one; `DELETE` removes one (the operator only).
 */
export async function manageOrganization(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const scope = await adminScope(request);
    const id = request.params.organizationId ?? '';
    const administration = services().administration;
    if (request.method === 'PUT') {
      const document = await parsedBody(request, organizationDocumentSchema, {
        what: 'organization',
        maxBytes: MAX_ORGANIZATION_BODY_BYTES,
        limits: ORGANIZATION_JSON_LIMITS,
      });
      return ok(await administration.put(scope, id, document));
    }
    if (request.method === 'DELETE') {
      await administration.delete(scope, id);
      return { status: 204 };
    }
    return ok(await administration.get(scope, id));
  });
}

app.http('manageOrganization', {
  methods: ['GET', 'PUT', 'DELETE'],
  authLevel: 'anonymous',
  route: 'manage/organizations/{organizationId}',
  handler: manageOrganization,
});
