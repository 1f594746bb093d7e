import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { imageParams } from '../shared/http/params.js';
import { callerAccountSubscription } from '../shared/http/jobs-access.js';
import { ok } from '../shared/http/responses.js';
import { FieldErrors } from '../shared/domain/faults.js';
import { SECURITY_TYPES } from '../shared/domain/job-envelope.js';
import { versionRef } from '../shared/domain/ids.js';
import { services } from '../shared/services.js';

/** The VM sizes of one of the caller's accounts in a region, each checked against the version as a group job would be. */
export async function versionVmSizes(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, ['region', 'account', 'securityType']);
    const image = imageParams(request, v);
    const version = v.name('version', 'path.version', request.params.version);
    const region = v.region('query.region', request.query.get('region'), true);
    const account = v.text('query.account', request.query.get('account'), 64);
    if (account === undefined)
      v.problems.push({
        field: 'query.account',
        message: 'is required (an account you act for: its Spot account id or subscription id)',
      });
    const securityType = v.oneOf('query.securityType', request.query.get('securityType'), SECURITY_TYPES);
    v.done();
    // Any account the caller does not act for (unknown, another organization's) gets the same answer.
    const subscriptionId = await callerAccountSubscription(caller, account ?? '');
    if (!subscriptionId) throw new FieldErrors([{ field: 'query.account', message: 'is not an account you act for' }]);
    return ok(
      await services().versionSizes.sizes(
        caller,
        versionRef(image, version),
        region ?? '',
        { name: account ?? '', subscriptionId },
        securityType as (typeof SECURITY_TYPES)[number] | undefined,
      ),
    );
  });
}

app.http('versionVmSizes', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route:
    'subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images/{image}/versions/{version}/vmSizes',
  handler: versionVmSizes,
});
