import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { adminScope, api, Validator } from '../shared/http/api.js';
import { NotVisibleError } from '../shared/domain/not-visible.js';
import { ok } from '../shared/http/responses.js';
import { jsonBody } from '../shared/http/handlers.js';
import { tryParseResourceId, type ImageRef } from '../shared/domain/ids.js';
import { definitionPauseRequestSchema } from '../shared/autoroll/pause.js';
import { services } from '../shared/services.js';

/**
 * The emergency stop of auto-roll for an image definition: `{ "paused": true }`, or `false` to
 * release it. The operator pauses any definition; an organization administrator those of its
 * organization's subscriptions; any other definition is answered as a missing one.
 */
export async function pauseAutoRoll(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const scope = await adminScope(request);
    const v = new Validator();
    const id = decodeURIComponent(request.params.definitionId ?? '');
    const ref = tryParseResourceId(id.startsWith('/') ? id : `/${id}`);
    if (ref?.level !== 'image')
      v.problems.push({
        field: 'path.definitionId',
        message:
          'must be an image definition id /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{g}/images/{i}',
      });
    const body = await jsonBody(request, v, definitionPauseRequestSchema, '{ "paused": true | false }');
    v.done(); // throws unless both the id and the body are valid
    if (!(await services().administration.mayManageSubscription(scope, (ref as ImageRef).subscriptionId)))
      throw new NotVisibleError();
    return ok(await services().autoRoller.setDefinitionPaused(ref as ImageRef, (body as { paused: boolean }).paused));
  });
}

app.http('pauseAutoRoll', {
  methods: ['PUT'],
  authLevel: 'anonymous',
  route: 'manage/autoroll/pauses/{*definitionId}',
  handler: pauseAutoRoll,
});
