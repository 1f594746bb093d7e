import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { notFound, ok } from '../shared/http/responses.js';
import { callerAccountSubscription, publicGroupView } from '../shared/http/jobs-access.js';
import { PAGING } from '../shared/http/params.js';
import { encodeToken } from '../shared/lookups/paging.js';
import { services } from '../shared/services.js';

/** The groups and stateful nodes of one of the caller's accounts, paged. */
export async function listGroups(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, PAGING);
    const account = v.text('path.account', request.params.account ?? '', 64) ?? '';
    const page = v.page(request, caller, `groups/${account.toLowerCase()}`);
    v.done();
    const sub = await callerAccountSubscription(caller, account);
    if (!sub) return notFound();
    const { items, next } = await services().jobs.listGroups(sub, page.after, page.top);
    return ok({
      items: items.map(publicGroupView),
      ...(next ? { continuationToken: encodeToken(page.binding, next) } : {}),
    });
  });
}

app.http('listGroups', { methods: ['GET'], authLevel: 'anonymous', route: 'groups/{account}', handler: listGroups });
