import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, Validator } from '../shared/http/api.js';
import { notFound, ok } from '../shared/http/responses.js';
import { organizationScope } from '../shared/http/jobs-access.js';
import { JOB_ID_PATTERN } from '../shared/domain/job-envelope.js';
import { services } from '../shared/services.js';

/** A job of the caller's organization: its status, result, warnings and errors (only for the accounts the caller acts for). */
export async function getGroupJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.read);
    const v = new Validator();
    v.onlyQuery(request, []);
    const jobId = request.params.jobId ?? '';
    if (!JOB_ID_PATTERN.test(jobId))
      v.problems.push({ field: 'path.jobId', message: 'must be 1-128 letters, digits, . _ : - (and not . or ..)' });
    v.done();
    const jobs = services().jobs;
    // A job sent whose submit record was lost is still found, in one of the caller's partitions.
    const job =
      (await jobs.getJob(await organizationScope(caller), jobId)) ??
      (await jobs.findJobIn(jobId, caller.subscriptionIds));
    if (!job || job.subscriptionId === undefined || !caller.subscriptionIds.includes(job.subscriptionId))
      return notFound();
    return ok(job);
  });
}

app.http('getGroupJob', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'groups/jobs/{jobId}',
  handler: getGroupJob,
});
