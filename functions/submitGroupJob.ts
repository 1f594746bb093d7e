import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { APP_ROLES } from '../shared/access/principal.js';
import { api, callerOf, ForbiddenError, NotConfiguredError } from '../shared/http/api.js';
import { accepted, problem } from '../shared/http/responses.js';
import { jsonText } from '../shared/http/body.js';
import { callerAccountSubscription, organizationScope, sameOrganizationAccount } from '../shared/http/jobs-access.js';
import { ACCOUNT_NOT_CONNECTED } from '../shared/jobs/account-errors.js';
import {
  parseJobEnvelope,
  spotAccountIdOf,
  MAX_JOB_ENVELOPE_BYTES,
  type JobEnvelope,
} from '../shared/domain/job-envelope.js';
import { ConflictError, FieldErrors, type FieldError } from '../shared/domain/faults.js';
import { ROLL_JOB_PREFIX } from '../shared/autoroll/autoroll.js';
import type { JobAccepted } from '../shared/jobs/submission.js';
import { services } from '../shared/services.js';
import { printable } from '../shared/domain/printable.js';

const INVALID = 'The job envelope is not valid.';

/**
 * Submits a group job: validates the envelope (every fault at once, each with its JSON Pointer),
 * then records the job as queued and sends it to the group-jobs queue (shared/jobs/submission.ts).
 * The same jobId of the caller's organization with the same envelope is the same job; with another
 * envelope, 409; another organization's jobs are never seen. Nothing of the body is logged; the job
 * record holds no body.
 */
export async function submitGroupJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, APP_ROLES.submit);
    const envelope = await validEnvelope(request);
    const subscriptionId = await callerAccountSubscription(caller, envelope.caller.account);
    if (!subscriptionId)
      throw new ForbiddenError('The caller does not act for this account.', [
        { field: 'body.caller.account', pointer: '/caller/account', message: 'not an account of the caller' },
      ]);
    const galleryAccount = spotAccountIdOf(envelope);
    if (galleryAccount && !(await sameOrganizationAccount(caller, galleryAccount.value))) {
      throw new FieldErrors(
        [
          {
            field: `body${galleryAccount.pointer.replace(/\//g, '.')}`,
            pointer: galleryAccount.pointer,
            code: ACCOUNT_NOT_CONNECTED.code,
            message: ACCOUNT_NOT_CONNECTED.message,
          },
        ],
        INVALID,
      );
    }
    const submission = services().jobSubmission;
    if (!submission)
      throw new NotConfiguredError(
        'Job submission is not configured: set ServiceBusConnection (or ServiceBusConnection__fullyQualifiedNamespace).',
        'serviceBus',
      );
    const outcome = await submission.submit(await organizationScope(caller), envelope, subscriptionId);
    if (outcome.kind === 'conflict') {
      throw new ConflictError(
        'A job with this jobId was submitted with another envelope: give a new jobId for a new job.',
        [
          {
            field: 'body.jobId',
            pointer: '/jobId',
            code: 'job-id-reused',
            message: 'already used for another envelope',
          },
        ],
      );
    }
    if (outcome.kind === 'not-queued') {
      context.warn(`job ${printable(envelope.jobId)} not queued: ${printable(outcome.reason)}`);
      return problem(503, 'The job queue is unavailable; the job was not queued. Submit it again shortly.', {
        headers: { 'retry-after': '5' },
        extensions: { dependency: 'serviceBus', jobId: envelope.jobId },
      });
    }
    const location = `/api/groups/jobs/${encodeURIComponent(envelope.jobId)}`;
    return accepted(
      {
        jobId: envelope.jobId,
        status: outcome.status,
        url: location,
        ...(outcome.duplicate ? { duplicate: true as const } : {}),
      } satisfies JobAccepted,
      location,
    );
  });
}

/** The envelope of the request body, valid, with nothing in it that only the auto-roll may set. */
async function validEnvelope(request: HttpRequest): Promise<JobEnvelope> {
  const parsed = parseJobEnvelope(await jsonText(request, { what: 'job envelope', maxBytes: MAX_JOB_ENVELOPE_BYTES }));
  if (!parsed.ok)
    throw new FieldErrors(
      parsed.errors.map((e) => ({
        field: e.path ? `body.${e.path}` : 'body',
        pointer: e.pointer,
        code: e.code,
        message: e.message,
      })),
      INVALID,
    );
  const reserved = autoRollOnlyProblems(parsed.envelope);
  if (reserved.length > 0) throw new FieldErrors(reserved, INVALID);
  return parsed.envelope;
}

/** What only the auto-roll may put in an envelope: `roll`, and job ids of its `roll:` namespace. */
function autoRollOnlyProblems(envelope: JobEnvelope): FieldError[] {
  return [
    ...(envelope.roll !== undefined
      ? [
          {
            field: 'body.roll',
            pointer: '/roll',
            code: 'auto-roll-only',
            message: 'is set by the auto-roll only; leave it out',
          },
        ]
      : []),
    ...(envelope.jobId.startsWith(ROLL_JOB_PREFIX)
      ? [
          {
            field: 'body.jobId',
            pointer: '/jobId',
            code: 'auto-roll-only',
            message: `must not start with ${ROLL_JOB_PREFIX} (the auto-roll's job ids)`,
          },
        ]
      : []),
  ];
}

app.http('submitGroupJob', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'groups/jobs',
  handler: submitGroupJob,
});
