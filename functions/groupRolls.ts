import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { groupGet } from '../shared/http/handlers.js';
import { services } from '../shared/services.js';

/** A group's auto-roll policy, its last roll, and its roll jobs (history), newest first. */
export async function groupRolls(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return groupGet(request, context, APP_ROLES.read, (sub, kind, name) =>
    services().autoRollViews.rolls(sub, kind, name),
  );
}

app.http('groupRolls', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'groups/{account}/{kind}/{name}/rolls',
  handler: groupRolls,
});
