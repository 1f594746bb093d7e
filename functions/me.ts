import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { callerAccounts } from '../shared/access/caller-accounts.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { ok } from '../shared/http/responses.js';
import { services } from '../shared/services.js';

/** The caller's organization and its accounts, those the caller acts for marked. */
export async function me(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, []);
    v.done();
    return ok(await callerAccounts(services().directory, caller));
  });
}

app.http('me', { methods: ['GET'], authLevel: 'anonymous', route: 'me', handler: me });
