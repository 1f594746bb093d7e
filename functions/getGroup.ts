import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { notFound, ok } from '../shared/http/responses.js';
import { callerAccountSubscription, publicGroupView } from '../shared/http/jobs-access.js';
import { JOB_KINDS } from '../shared/domain/job-envelope.js';
import { services } from '../shared/services.js';

/** One group or stateful node as the last successful job wrote it. */
export async function getGroup(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, []);
    const kind = v.oneOf('path.kind', request.params.kind ?? '', JOB_KINDS);
    if (!kind) v.problems.push({ field: 'path.kind', message: `must be one of ${JOB_KINDS.join(', ')}` });
    const account = v.text('path.account', request.params.account ?? '', 64) ?? '';
    const name = v.text('path.name', request.params.name ?? '', 64) ?? '';
    v.done();
    const sub = await callerAccountSubscription(caller, account);
    const found = sub ? await services().jobs.getGroup(sub, kind as string, name) : undefined;
    return found ? ok(publicGroupView(found.group)) : notFound();
  });
}

app.http('getGroup', { methods: ['GET'], authLevel: 'anonymous', route: 'groups/{account}/{kind}/{name}', handler: getGroup });
