import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { groupGet } from '../shared/http/handlers.js';
import { services } from '../shared/services.js';

/** One group or stateful node as the last successful job wrote it. */
export async function getGroup(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return groupGet(request, context, async (sub, kind, name) => (await services().jobs.getGroup(sub, kind, name))?.group);
}

app.http('getGroup', { methods: ['GET'], authLevel: 'function', route: 'groups/{account}/{kind}/{name}', handler: getGroup });
