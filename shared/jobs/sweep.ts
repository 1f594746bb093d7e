/**
 * The sweep of jobs whose message has not run (the `sweepJobs` timer): every job sent is recorded
 * with a pending row first (pending.ts), and this walks those rows.
 *
 * - A job that has ended (succeeded, failed, dead-lettered) loses its row. So does one never
 *   recorded, or recorded ended in an earlier generation than its row (the submission or reopen,
 *   which writes the row first, stopped before the record), once the row is older than the wait.
 * - A job still `queued`, or `running` without a new delivery, for `resendAfterSeconds` after its
 *   last send (a scheduled roll: after its time) is sent again: the kept envelope, marked as a copy
 *   sent again. The message id is the job's, so while the first message is still in the queue
 *   (within its duplicate detection window) the queue drops the copy; a job whose message was lost
 *   runs from the copy; a copy that lacks the job's secrets fails the job `secret-not-kept`.
 * - After `maxResends` sends with no delivery at all, the job is recorded failed (`not-delivered`):
 *   nothing is stuck for ever, and the same submission again reopens it.
 *
 * Bound: a job whose message was lost reaches an end within resendAfter + one sweep period + its
 * run (a lost message is delivered from the first copy); one that is never delivered, within
 * (maxResends + 1) × (resendAfter + one sweep period).
 */
import { eachLimited } from '../domain/collections.js';
import type { JobRecord, JobStore } from './store.js';
import type { PendingJob, PendingJobs } from './pending.js';
import type { JobQueue } from './queue.js';
import type { JobExtras } from './store.js';

export interface SweepOutcome {
  checked: number;
  resent: number;
  /** Rows of jobs that had ended, removed. */
  removed: number;
  /** Jobs recorded failed (`not-delivered`). */
  failed: number;
}

export interface SweepSettings {
  resendAfterSeconds: number;
  maxResends: number;
}

const ENDED = new Set<JobRecord['status']>(['succeeded', 'failed', 'deadLettered']);

export class JobSweeper {
  constructor(
    private readonly jobs: JobStore,
    private readonly pending: PendingJobs,
    private readonly queue: () => JobQueue | undefined,
    private readonly settings: SweepSettings,
    private readonly events?: {
      extras: (job: JobRecord) => JobExtras | undefined;
      publish: (job: JobRecord) => Promise<void>;
    },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async sweep(): Promise<SweepOutcome> {
    const out: SweepOutcome = { checked: 0, resent: 0, removed: 0, failed: 0 };
    const rows: PendingJob[] = [];
    for await (const row of this.pending.all()) rows.push(row);
    await eachLimited(rows, 8, (row) => this.one(row, out));
    return out;
  }

  private async one(row: PendingJob, out: SweepOutcome): Promise<void> {
    out.checked++;
    const job = await this.jobs.getJob(
      { organizationId: row.organizationId, subscriptionIds: [row.subscriptionId] },
      row.jobId,
    );
    const now = this.now();
    // No record, or an ended one of an earlier generation than the row: the submission (or the
    // reopen) writes the row first and stopped before the record (the caller got no 202). A row
    // younger than the wait may belong to one still under way.
    if (!job || (ENDED.has(job.status) && (row.generation ?? 0) > (job.generation ?? 0))) {
      if (now.getTime() - Date.parse(row.sentAt) >= this.settings.resendAfterSeconds * 1000) {
        await this.pending.remove(row.organizationId, row.jobId);
        out.removed++;
      }
      return;
    }
    if (ENDED.has(job.status)) {
      await this.pending.remove(row.organizationId, row.jobId);
      out.removed++;
      return;
    }
    if (job.attempts > row.seenAttempts) {
      // delivered since the last look: progress; wait again from now
      await this.pending.put({ ...row, seenAttempts: job.attempts, sentAt: now.toISOString() });
      return;
    }
    const due =
      Math.max(Date.parse(row.sentAt), row.notBefore ? Date.parse(row.notBefore) : 0) +
      this.settings.resendAfterSeconds * 1000;
    if (now.getTime() < due) return;
    if (row.resends >= this.settings.maxResends) {
      const failed: JobRecord = {
        ...job,
        organizationId: row.organizationId,
        status: 'failed',
        finishedAt: now.toISOString(),
        errors: [
          {
            pointer: '',
            code: 'not-delivered',
            message: `The job's message was not delivered after ${row.resends + 1} sends: it did not run. Submit it again.`,
          },
        ],
      };
      await this.jobs.putJob(failed, true, this.events?.extras(failed));
      await this.events?.publish(failed);
      await this.pending.remove(row.organizationId, row.jobId);
      out.failed++;
      return;
    }
    const queue = this.queue();
    if (!queue) return;
    await queue.send(row.envelope, true, {
      resent: { secretPointers: row.secretPointers },
      ...(row.generation ? { generation: row.generation } : {}),
    });
    await this.pending.put({ ...row, resends: row.resends + 1, sentAt: now.toISOString() });
    out.resent++;
  }
}
