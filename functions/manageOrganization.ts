import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { adminScope, api, Validator } from '../shared/http/api.js';
import { ok, problem } from '../shared/http/responses.js';
import { formatJsonPath, jsonLimitProblem } from '../shared/http/json-limits.js';
import { RequestValidationError } from '../shared/lookups/paging.js';
import { organizationDocumentSchema } from '../shared/access/directory.js';
import { services } from '../shared/services.js';

/** A stored organization is at most 1 MiB of UTF-16; a body twice that (whitespace) is refused unread. */
const MAX_ORGANIZATION_BODY_CHARS = 2 * 1024 * 1024;
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
      const v = new Validator();
      const text = await request.text();
      if (text.length > MAX_ORGANIZATION_BODY_CHARS) return problem(413, `The organization is larger than ${MAX_ORGANIZATION_BODY_CHARS} characters.`, { errors: [{ field: 'body', message: 'too large' }] });
      const shape = jsonLimitProblem(text, ORGANIZATION_JSON_LIMITS);
      if (shape) throw new RequestValidationError([{ field: formatJsonPath('body', shape.path), message: shape.message }]);
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
      return ok(await administration.put(scope, id, parsed.data!));
    }
    if (request.method === 'DELETE') {
      await administration.delete(scope, id);
      return { status: 204 };
    }
    return ok(await administration.get(scope, id));
  });
}

app.http('manageOrganization', { methods: ['GET', 'PUT', 'DELETE'], authLevel: 'anonymous', route: 'manage/organizations/{organizationId}', handler: manageOrganization });
