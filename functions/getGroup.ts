import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { groupGet } from '../shared/http/handlers.js';
import { publicGroupView } from '../shared/http/jobs-access.js';
import { services } from '../shared/services.js';

/** One group or stateful node as the last successful job wrote it. */
export async function getGroup(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return groupGet(request, context, APP_ROLES.read, async (sub, kind, name) => {
    const found = await services().jobs.getGroup(sub, kind, name);
    return found ? publicGroupView(found.group) : undefined;
  });
}

app.http('getGroup', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'groups/{account}/{kind}/{name}',
  handler: getGroup,
});
