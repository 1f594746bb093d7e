import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import {
  startJobsHost,
  envelope,
  galleryImage,
  PUBLISHER_ACCOUNT,
  CONTOSO_JOBS,
  type JobsHost,
} from '../support/jobs-host.js';
import { services } from '../../shared/services.js';
import { useJobQueue } from '../../dev/runtime/host-queues.js';
import { JobSweeper } from '../../shared/jobs/sweep.js';
import type { JobQueue } from '../../shared/jobs/queue.js';
import { parseJobEnvelope, type JobEnvelope } from '../../shared/domain/job-envelope.js';
import { JobSubmission } from '../../shared/jobs/submission.js';
import type { JobStore } from '../../shared/jobs/store.js';
import type { PendingJobs } from '../../shared/jobs/pending.js';
import { DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';

// Jobs whose message never ran: sent (202) but lost by the queue. The same submission again sends
// it; the sweep sends it again; a copy kept without its secrets is never run; a job never
// delivered ends `not-delivered`. Nothing stays queued.
let host: JobsHost;
const lost: JobEnvelope[] = [];
/** A queue that accepts every message and delivers none (as a crash loses the in-memory queue's). */
const losing: JobQueue = { send: (e) => (lost.push(e), Promise.resolve()) };

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
});
afterAll(async () => {
  useJobQueue(host.jobsQueue);
  await host.stop();
});

const pinned = () => envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT));
const withPassword = () =>
  envelope('elastigroup-password-login', (b) => (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT));

/** Submits while the queue loses messages: the job is recorded queued and its message is gone. */
async function strand(env: Record<string, unknown>): Promise<void> {
  useJobQueue(losing);
  try {
    expect((await host.submit(env)).status).toBe(202);
  } finally {
    useJobQueue(host.jobsQueue);
  }
  expect(await host.job(String(env.jobId))).toMatchObject({ status: 'queued' });
}

/** A sweeper whose clock is `aheadMs` in the future (so every pending job is due). */
function sweeper(aheadMs: number, maxResends = 5): JobSweeper {
  const s = services();
  return new JobSweeper(
    s.jobs,
    s.pendingJobs,
    () => host.jobsQueue,
    { resendAfterSeconds: 60, maxResends },
    undefined,
    () => new Date(Date.now() + aheadMs),
  );
}

describe('a job whose message was lost', () => {
  it('runs when the same envelope is submitted again', async () => {
    const env = pinned();
    await strand(env);
    const again = await host.submit(env);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ duplicate: true, status: 'queued' });
    await host.jobsQueue.idle();
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'succeeded' });
  });

  it('is sent again by the sweep once due, and runs; the sweep then drops its row', async () => {
    const env = pinned();
    await strand(env);
    expect(await sweeper(0).sweep()).toMatchObject({ resent: 0 }); // not due yet
    expect((await sweeper(61_000).sweep()).resent).toBeGreaterThanOrEqual(1);
    await host.jobsQueue.idle();
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'succeeded' });
    await sweeper(61_000).sweep();
    expect(await services().pendingJobs.get(CONTOSO_JOBS.organizationId, String(env.jobId))).toBeUndefined();
  });

  it('that carried a password fails secret-not-kept (the password is never kept to send again), and submitted again runs', async () => {
    const env = withPassword();
    const password = JSON.stringify(env).match(/"password":"([^"]+)"/)?.[1];
    expect(password).toBeDefined();
    await strand(env);
    const row = await services().pendingJobs.get(CONTOSO_JOBS.organizationId, String(env.jobId));
    expect(row?.secretPointers).toContain('/body/group/compute/launchSpecification/login/password');
    expect(JSON.stringify(row)).not.toContain(password);
    await sweeper(61_000).sweep();
    await host.jobsQueue.idle();
    const failed = await host.job(String(env.jobId));
    expect(failed).toMatchObject({ status: 'failed' });
    expect(
      (failed.errors as { code: string; pointer: string }[])
        .filter((e) => e.code === 'secret-not-kept')
        .map((e) => e.pointer),
    ).toEqual(row?.secretPointers);
    expect(JSON.stringify(failed)).not.toContain(password);
    // the same submission again (with its password) reopens and runs it
    expect((await host.submit(env)).status).toBe(202);
    await host.jobsQueue.idle();
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'succeeded' });
  });

  it('never delivered, ends failed not-delivered after the allowed sends', async () => {
    const env = pinned();
    await strand(env);
    const s = services();
    const neverDelivering = new JobSweeper(
      s.jobs,
      s.pendingJobs,
      () => losing,
      { resendAfterSeconds: 60, maxResends: 2 },
      undefined,
      () => new Date(Date.now() + 61_000),
    );
    const laterStill = new JobSweeper(
      s.jobs,
      s.pendingJobs,
      () => losing,
      { resendAfterSeconds: 60, maxResends: 2 },
      undefined,
      () => new Date(Date.now() + 200_000),
    );
    const evenLater = new JobSweeper(
      s.jobs,
      s.pendingJobs,
      () => losing,
      { resendAfterSeconds: 60, maxResends: 2 },
      undefined,
      () => new Date(Date.now() + 400_000),
    );
    expect((await neverDelivering.sweep()).resent).toBeGreaterThanOrEqual(1);
    expect((await laterStill.sweep()).resent).toBeGreaterThanOrEqual(1);
    expect((await evenLater.sweep()).failed).toBeGreaterThanOrEqual(1);
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'failed', errors: [{ code: 'not-delivered' }] });
    // submitted again once the queue delivers: it runs
    expect((await host.submit(env)).status).toBe(202);
    await host.jobsQueue.idle();
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'succeeded' });
  });
});

describe('a submission that stops between its writes', () => {
  /**
   * Stores through which the process stops (nothing of it runs any more) at the record's write
   * `at` (a new job's `createJob`, a reopen's `putJob`): once it is written (`afterRecord`), or
   * before (`beforeRecord`). The pending row's writes are slower here, so a row sent out beside the
   * record would land after the stop.
   */
  function stopping(at: 'createJob' | 'putJob', stopAt: 'afterRecord' | 'beforeRecord') {
    const s = services();
    const state = { stopped: false };
    const halt = new Promise<never>(() => undefined);
    const pending = Object.create(s.pendingJobs) as PendingJobs;
    const slow = async <T>(write: () => Promise<T>): Promise<T> => {
      await new Promise((r) => setTimeout(r, 100));
      return state.stopped ? halt : write();
    };
    pending.insert = (row) => slow(() => s.pendingJobs.insert(row));
    pending.put = (row) => slow(() => s.pendingJobs.put(row));
    const jobs = Object.create(s.jobs) as JobStore;
    const record = async (write: () => Promise<unknown>): Promise<never> => {
      if (state.stopped) return halt;
      if (stopAt === 'afterRecord') await write();
      state.stopped = true;
      throw new Error('the process stopped');
    };
    if (at === 'createJob') jobs.createJob = (job, fingerprint) => record(() => s.jobs.createJob(job, fingerprint));
    else jobs.putJob = (job, ...rest) => record(() => s.jobs.putJob(job, ...rest));
    return { state, submission: new JobSubmission(jobs, pending, losing) };
  }

  async function submitUntilStopped(through: ReturnType<typeof stopping>, env: Record<string, unknown>): Promise<void> {
    const parsed = parseJobEnvelope(env);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const submitting = through.submission.submit(CONTOSO_JOBS, parsed.envelope, DEMO_SUBSCRIPTIONS.consumer);
    await Promise.race([submitting.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
    expect(through.state.stopped).toBe(true); // the stop hit
  }

  /** A job recorded failed `not-queued` (the queue refused its message), whose row the sweep then removed. */
  async function notQueued(env: Record<string, unknown>): Promise<void> {
    useJobQueue({ send: () => Promise.reject(new Error('the queue is down')) });
    try {
      expect((await host.submit(env)).status).toBe(503);
    } finally {
      useJobQueue(host.jobsQueue);
    }
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'failed', errors: [{ code: 'not-queued' }] });
    await sweeper(0).sweep();
    expect(await services().pendingJobs.get(CONTOSO_JOBS.organizationId, String(env.jobId))).toBeUndefined();
  }

  it.each([
    { what: 'a new job', reopen: false, at: 'createJob' as const, generation: {} },
    { what: 'a job that ended, reopened', reopen: true, at: 'putJob' as const, generation: { generation: 1 } },
  ])(
    '$what, stopped right after its record was written, leaves its pending row, and the sweep runs it',
    async ({ reopen, at, generation }) => {
      const env = pinned();
      if (reopen) await notQueued(env);
      await submitUntilStopped(stopping(at, 'afterRecord'), env);
      expect(await host.job(String(env.jobId))).toMatchObject({ status: 'queued', ...generation });
      expect(await services().pendingJobs.get(CONTOSO_JOBS.organizationId, String(env.jobId))).toMatchObject(
        generation,
      );
      expect((await sweeper(61_000).sweep()).resent).toBeGreaterThanOrEqual(1);
      await host.jobsQueue.idle();
      expect(await host.job(String(env.jobId))).toMatchObject({ status: 'succeeded' });
    },
  );

  it('reopening, stopped before the record: the row of the new generation is kept for the wait, then removed; the job stays as it ended', async () => {
    const env = pinned();
    await notQueued(env);
    await submitUntilStopped(stopping('putJob', 'beforeRecord'), env);
    const rowOf = () => services().pendingJobs.get(CONTOSO_JOBS.organizationId, String(env.jobId));
    expect(await rowOf()).toMatchObject({ generation: 1 });
    expect((await sweeper(0).sweep()).removed).toBe(0); // may still be a reopen under way
    expect(await rowOf()).toBeDefined();
    await sweeper(61_000).sweep();
    expect(await rowOf()).toBeUndefined();
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'failed', errors: [{ code: 'not-queued' }] });
  });
});
