/**
 * Submitting a group job (`POST /api/groups/jobs`): record it `queued`, then send its message.
 *
 * - The job id is the organization's: the same id with the same envelope is the same job (a
 *   duplicate, sent again while it is still queued: the queue's duplicate detection drops it when
 *   the first message is there, and it runs when the first was lost); with another envelope it is
 *   a conflict. Another organization's job with the same id is never seen.
 * - Nothing is stranded between the record and the send: the job's pending row (pending.ts) is
 *   written before its record (a stop in between leaves a row the sweep removes), the record before
 *   the message, and the sweep sends again whatever has not run.
 * - A failed send records the job `failed` (`not-queued`) and answers the caller to retry; the same
 *   submission again reopens it (as it does a job failed `secret-not-kept` or `not-delivered`, which
 *   never ran).
 */
import { z } from 'zod';
import { envelopeFingerprint, keptEnvelopeOf, specInputOf, type JobEnvelope } from '../domain/job-envelope.js';
import { jobStatusSchema, REOPENED, type JobRecord, type JobScope, type JobStore } from './store.js';
import type { PendingJobs } from './pending.js';
import type { JobQueue } from './queue.js';
import { errorText } from '../domain/printable.js';

export type SubmitOutcome =
  | { kind: 'accepted'; jobId: string; status: JobRecord['status']; duplicate: boolean }
  /** The id names another job of the organization (another envelope): 409. */
  | { kind: 'conflict' }
  /** The queue refused the message: the job is recorded failed (`not-queued`), 503. */
  | { kind: 'not-queued'; jobId: string; reason: string };

/** The answer to an accepted submission (202). */
export const jobAcceptedSchema = z.strictObject({
  jobId: z.string(),
  status: jobStatusSchema,
  url: z.string().describe('The job URL (also in Location)'),
  duplicate: z.literal(true).describe('The job was known already (the same jobId and envelope)').optional(),
});
export type JobAccepted = z.infer<typeof jobAcceptedSchema>;

export class JobSubmission {
  constructor(
    private readonly jobs: JobStore,
    private readonly pending: PendingJobs,
    private readonly queue: JobQueue,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `scope`: the caller's organization (and its subscriptions); `subscriptionId`: the account's. */
  async submit(scope: JobScope, envelope: JobEnvelope, subscriptionId: string): Promise<SubmitOutcome> {
    const fingerprint = envelopeFingerprint(envelope);
    const at = this.now().toISOString();
    const record: JobRecord = {
      jobId: envelope.jobId,
      organizationId: scope.organizationId,
      status: 'queued',
      action: envelope.action,
      kind: envelope.kind,
      account: envelope.caller.account,
      subscriptionId,
      group: { kind: envelope.kind, name: specInputOf(envelope).name },
      submittedAt: at,
      attempts: 0,
      errors: [],
      warnings: [],
    };
    const kept = keptEnvelopeOf(envelope);
    const pendingRow = {
      organizationId: scope.organizationId,
      jobId: envelope.jobId,
      subscriptionId,
      envelope: kept.envelope,
      secretPointers: kept.secretPointers,
      sentAt: at,
      resends: 0,
      seenAttempts: 0,
    };
    // The pending row (inserted: an earlier submission's row stays) before the record: a process
    // that stops between them leaves a row without a record, which the sweep removes, never a
    // record `queued` without a row, which nothing would send again. The old-layout pointer of the
    // id is read meanwhile.
    const [pendingInserted, legacy] = await Promise.all([
      this.pending.insert(pendingRow),
      this.jobs.legacyJob(scope, envelope.jobId),
    ]);
    const created = await this.jobs.createJob(record, fingerprint);
    if (created && legacy) await this.jobs.deleteJob(scope.organizationId, envelope.jobId); // the id was taken before ids were scoped
    if (!created || legacy) {
      const existing = legacy ?? (await this.jobs.lookup(scope, envelope.jobId));
      if (!existing) return { kind: 'conflict' }; // recorded by another account of the organization meanwhile: not this job
      const { job } = existing;
      const sameEnvelope =
        job.subscriptionId === subscriptionId &&
        (existing.fingerprint === undefined || existing.fingerprint === fingerprint);
      if (!sameEnvelope) return { kind: 'conflict' };
      const reopen = !existing.legacy && job.status === 'failed' && REOPENED.has(job.errors[0]?.code ?? '');
      if (!reopen) {
        // Still queued: its message may have been lost (the sweep would send it again): send it now.
        if (job.status === 'queued' && !existing.legacy) {
          const generation = job.generation ?? 0;
          const sent = await this.send(
            envelope,
            { ...record, ...(generation ? { generation } : {}) },
            pendingInserted ? undefined : { ...pendingRow, ...(generation ? { generation } : {}) },
          );
          if (sent) return sent;
        }
        return { kind: 'accepted', jobId: envelope.jobId, status: job.status, duplicate: true };
      }
      // It ended without running: a new generation, whose message the queue does not take for a duplicate of the earlier ones.
      // Its row first, as for a new job (the sweep keeps a row of a newer generation than the
      // record while the reopen may still be under way).
      const generation = (job.generation ?? 0) + 1;
      const reopened: JobRecord = { ...record, generation };
      await this.pending.put({ ...pendingRow, generation });
      await this.jobs.putJob(reopened, true);
      return (
        (await this.send(envelope, reopened)) ?? {
          kind: 'accepted',
          jobId: envelope.jobId,
          status: 'queued',
          duplicate: false,
        }
      );
    }
    if (!pendingInserted) await this.pending.put(pendingRow);
    return (
      (await this.send(envelope, record)) ?? {
        kind: 'accepted',
        jobId: envelope.jobId,
        status: 'queued',
        duplicate: false,
      }
    );
  }

  /** Sends the job's message; on a refusal, records the job failed (`not-queued`). Undefined when sent. */
  private async send(
    envelope: JobEnvelope,
    record: JobRecord,
    refresh?: Parameters<PendingJobs['put']>[0],
  ): Promise<SubmitOutcome | undefined> {
    try {
      await this.queue.send(envelope, true, record.generation ? { generation: record.generation } : {});
      if (refresh) await this.pending.put({ ...refresh, sentAt: this.now().toISOString() }).catch(() => undefined);
      return undefined;
    } catch (err) {
      // Never a job left `queued` without a message: it is recorded failed (`not-queued`); the
      // same submission again queues it. (If even this write fails, the store is down too, and the
      // sweep finds the job through its pending row.)
      const notQueued: JobRecord = {
        ...record,
        status: 'failed',
        finishedAt: this.now().toISOString(),
        errors: [
          {
            pointer: '',
            code: 'not-queued',
            message: 'The job queue was unavailable: the job was not queued. Submit it again.',
          },
        ],
      };
      await this.jobs.putJob(notQueued, true).catch(() => undefined);
      return { kind: 'not-queued', jobId: envelope.jobId, reason: errorText(err) };
    }
  }
}
