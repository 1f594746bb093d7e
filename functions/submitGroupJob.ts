import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf } from '../shared/http/api.js';
import { RequestValidationError } from '../shared/lookups/paging.js';
import { accepted, problem } from '../shared/http/responses.js';
import { callerAccountSubscription, sameOrganizationAccount } from '../shared/http/jobs-access.js';
import { ACCOUNT_NOT_CONNECTED } from '../shared/jobs/account-errors.js';
import { parseJobEnvelope, envelopeFingerprint, specInputOf, spotAccountIdOf, MAX_JOB_ENVELOPE_BYTES, type JobEnvelope } from '../shared/domain/job-envelope.js';
import { ROLL_JOB_PREFIX } from '../shared/autoroll/autoroll.js';
import { services } from '../shared/services.js';
import { formatJsonPath, jsonLimitProblem } from '../shared/http/json-limits.js';
import { printable } from '../shared/domain/printable.js';
import type { JobRecord } from '../shared/jobs/store.js';

/**
 * Submits a group job: validates the envelope (every fault at once, each with its JSON Pointer),
 * records the job as queued and sends it to the group-jobs queue (messageId = jobId, sessionId =
 * the group). The same jobId with the same envelope is the same job; with another envelope, 409.
 * Nothing of the body is logged; the job record holds no body.
 */
export async function submitGroupJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.submit);
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
      return problem(400, 'The job envelope is not valid.', { errors, instance: new URL(request.url).pathname });
    }
    const envelope = parsed.envelope;
    const reserved = autoRollOnlyProblems(envelope);
    if (reserved.length > 0) return problem(400, 'The job envelope is not valid.', { errors: reserved, instance: new URL(request.url).pathname });
    const subscriptionId = await callerAccountSubscription(caller, envelope.caller.account);
    if (!subscriptionId) return problem(403, 'The caller does not act for this account.', { errors: [{ field: 'body.caller.account', pointer: '/caller/account', message: 'not an account of the caller' }] });
    const galleryAccount = spotAccountIdOf(envelope);
    if (galleryAccount && !(await sameOrganizationAccount(caller, galleryAccount.value))) {
      return problem(400, 'The job envelope is not valid.', {
        errors: [{ field: `body${galleryAccount.pointer.replace(/\//g, '.')}`, pointer: galleryAccount.pointer, code: ACCOUNT_NOT_CONNECTED.code, message: ACCOUNT_NOT_CONNECTED.message }],
        instance: new URL(request.url).pathname,
      });
    }
    const s = services();
    if (!s.jobQueue) return problem(503, 'Job submission is not configured: set ServiceBusConnection (or ServiceBusConnection__fullyQualifiedNamespace).', { headers: { 'retry-after': '60' } });
    const location = `/api/groups/jobs/${encodeURIComponent(envelope.jobId)}`;
    const fingerprint = envelopeFingerprint(envelope);
    const record: JobRecord = {
      jobId: envelope.jobId,
      status: 'queued',
      action: envelope.action,
      kind: envelope.kind,
      account: envelope.caller.account,
      subscriptionId,
      group: { kind: envelope.kind, name: specInputOf(envelope).name },
      submittedAt: new Date().toISOString(),
      attempts: 0,
      errors: [],
      warnings: [],
    };
    // A job recorded `not-queued` (the queue was down when it was submitted) is queued again.
    const created = (await s.jobs.createJob(record, fingerprint)) || (await s.jobs.reopenNotQueued(record, fingerprint));
    if (!created) {
      const [existing, existingFingerprint] = await Promise.all([s.jobs.getJob(envelope.jobId), s.jobs.jobFingerprint(envelope.jobId)]);
      const otherAccount = existing?.subscriptionId !== undefined && existing.subscriptionId !== subscriptionId;
      if (otherAccount || (existingFingerprint !== undefined && existingFingerprint !== fingerprint)) {
        return problem(409, 'A job with this jobId was submitted with another envelope: give a new jobId for a new job.', {
          errors: [{ field: 'body.jobId', pointer: '/jobId', code: 'job-id-reused', message: 'already used for another envelope' }],
          instance: new URL(request.url).pathname,
        });
      }
      return accepted({ jobId: envelope.jobId, status: existing?.status ?? 'queued', url: location, duplicate: true }, location);
    }
    try {
      await s.jobQueue.send(envelope, true);
    } catch (err) {
      // Never a job left `queued` without a message: it is recorded failed (`not-queued`); the
      // same submission again queues it. (If even this write fails, the store is down too.)
      const notQueued: JobRecord = { ...record, status: 'failed', finishedAt: new Date().toISOString(), errors: [{ pointer: '', code: 'not-queued', message: 'The job queue was unavailable: the job was not queued. Submit it again.' }] };
      await s.jobs.putJob(notQueued, true).catch(() => s.jobs.deleteJob(envelope.jobId)).catch(() => undefined);
      context.warn(`job ${printable(envelope.jobId)} not queued: ${printable(err instanceof Error ? err.message : String(err))}`);
      return problem(503, 'The job queue is unavailable; the job was not queued. Submit it again shortly.', { headers: { 'retry-after': '5' }, extensions: { dependency: 'serviceBus', jobId: envelope.jobId } });
    }
    return accepted({ jobId: envelope.jobId, status: 'queued', url: location }, location);
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
