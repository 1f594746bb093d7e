import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf } from '../shared/http/api.js';
import { RequestValidationError } from '../shared/lookups/paging.js';
import { accepted, problem } from '../shared/http/responses.js';
import { callerAccountSubscription, organizationScope, sameOrganizationAccount } from '../shared/http/jobs-access.js';
import { ACCOUNT_NOT_CONNECTED } from '../shared/jobs/account-errors.js';
import { parseJobEnvelope, spotAccountIdOf, MAX_JOB_ENVELOPE_BYTES, type JobEnvelope } from '../shared/domain/job-envelope.js';
import { ROLL_JOB_PREFIX } from '../shared/autoroll/autoroll.js';
import { services } from '../shared/services.js';
import { formatJsonPath, jsonLimitProblem } from '../shared/http/json-limits.js';
import { printable } from '../shared/domain/printable.js';

/**
 * Submits a group job: validates the envelope (every fault at once, each with its JSON Pointer),
 * records the job as queued and sends it to the group-jobs queue (shared/jobs/submission.ts). The
 * same jobId of the caller's organization with the same envelope is the same job; with another
 * envelope, 409; another organization's jobs are never seen. Nothing of the body is logged; the job
 * record holds no body.
 */
export async function submitGroupJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.submit);
    const instance = new URL(request.url).pathname;
    const bytes = Buffer.from(await request.arrayBuffer());
    if (bytes.length > MAX_JOB_ENVELOPE_BYTES) {
      return problem(413, `The job envelope is larger than ${MAX_JOB_ENVELOPE_BYTES} bytes.`, { errors: [{ field: 'body', pointer: '', code: 'too-large', message: 'too large' }] });
    }
    const text = bytes.toString('utf8');
    const shape = jsonLimitProblem(text);
    if (shape) throw new RequestValidationError([{ field: formatJsonPath('', shape.path) || 'body', message: shape.message }]);
    const parsed = parseJobEnvelope(text);
    if (!parsed.ok) {
      const errors = parsed.errors.map((e) => ({ field: e.path ? `body.${e.path}` : 'body', pointer: e.pointer, code: e.code, message: e.message }));
      return problem(400, 'The job envelope is not valid.', { errors, instance });
    }
    const envelope = parsed.envelope;
    const reserved = autoRollOnlyProblems(envelope);
    if (reserved.length > 0) return problem(400, 'The job envelope is not valid.', { errors: reserved, instance });
    const subscriptionId = await callerAccountSubscription(caller, envelope.caller.account);
    if (!subscriptionId) return problem(403, 'The caller does not act for this account.', { errors: [{ field: 'body.caller.account', pointer: '/caller/account', message: 'not an account of the caller' }] });
    const galleryAccount = spotAccountIdOf(envelope);
    if (galleryAccount && !(await sameOrganizationAccount(caller, galleryAccount.value))) {
      return problem(400, 'The job envelope is not valid.', {
        errors: [{ field: `body${galleryAccount.pointer.replace(/\//g, '.')}`, pointer: galleryAccount.pointer, code: ACCOUNT_NOT_CONNECTED.code, message: ACCOUNT_NOT_CONNECTED.message }],
        instance,
      });
    }
    const submission = services().jobSubmission;
    if (!submission) return problem(503, 'Job submission is not configured: set ServiceBusConnection (or ServiceBusConnection__fullyQualifiedNamespace).', { headers: { 'retry-after': '60' } });
    const location = `/api/groups/jobs/${encodeURIComponent(envelope.jobId)}`;
    const outcome = await submission.submit(await organizationScope(caller), envelope, subscriptionId);
    if (outcome.kind === 'conflict') {
      return problem(409, 'A job with this jobId was submitted with another envelope: give a new jobId for a new job.', {
          errors: [{ field: 'body.jobId', pointer: '/jobId', code: 'job-id-reused', message: 'already used for another envelope' }],
        instance,
      });
    }
    if (outcome.kind === 'not-queued') {
      context.warn(`job ${printable(envelope.jobId)} not queued: ${printable(outcome.reason)}`);
      return problem(503, 'The job queue is unavailable; the job was not queued. Submit it again shortly.', { headers: { 'retry-after': '5' }, extensions: { dependency: 'serviceBus', jobId: envelope.jobId } });
    }
    return accepted({ jobId: envelope.jobId, status: outcome.status, url: location, ...(outcome.duplicate ? { duplicate: true } : {}) }, location);
  });
}

/** What only the auto-roll may put in an envelope: `roll`, and job ids of its `roll:` namespace. */
function autoRollOnlyProblems(envelope: JobEnvelope): { field: string; pointer: string; code: string; message: string }[] {
  return [
    ...(envelope.roll !== undefined ? [{ field: 'body.roll', pointer: '/roll', code: 'auto-roll-only', message: 'is set by the auto-roll only; leave it out' }] : []),
    ...(envelope.jobId.startsWith(ROLL_JOB_PREFIX) ? [{ field: 'body.jobId', pointer: '/jobId', code: 'auto-roll-only', message: `must not start with ${ROLL_JOB_PREFIX} (the auto-roll's job ids)` }] : []),
  ];
}

app.http('submitGroupJob', { methods: ['POST'], authLevel: 'anonymous', route: 'groups/jobs', handler: submitGroupJob });
