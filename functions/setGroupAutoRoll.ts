import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { notFound, ok } from '../shared/http/responses.js';
import { callerAccountSubscription, publicGroupView } from '../shared/http/jobs-access.js';
import { groupParams, jsonBody } from '../shared/http/handlers.js';
import { autoRollPolicySchema } from '../shared/domain/job-envelope.js';
import { services } from '../shared/services.js';

/** Sets a group's auto-roll policy: `{ enabled, soakMinutes, paused }` (the fields given change). */
export async function setGroupAutoRoll(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.submit);
    const v = new Validator();
    v.onlyQuery(request, []);
    const { account, kind, name } = groupParams(request, v);
    const policy = await jsonBody(request, v, autoRollPolicySchema, '{ enabled, soakMinutes, paused }');
    v.done();
    const sub = await callerAccountSubscription(caller, account);
    const group = sub && policy ? await services().autoRoller.setPolicy(sub, kind, name, policy) : undefined;
    return group ? ok(publicGroupView(group)) : notFound();
  });
}

app.http('setGroupAutoRoll', {
  methods: ['PUT'],
  authLevel: 'anonymous',
  route: 'groups/{account}/{kind}/{name}/autoroll',
  handler: setGroupAutoRoll,
});
