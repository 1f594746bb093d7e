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
  it('stopped right after its record was written, leaves the pending row, and the sweep runs the job', async () => {
    // The process stops (nothing of it runs any more) once the record is written; the pending
    // row's write, slower here, would land after that. The row must have been written first.
    const s = services();
    let stopped = false;
    const halt = new Promise<never>(() => undefined);
    const pending = Object.create(s.pendingJobs) as PendingJobs;
    pending.insert = async (row) => {
      await new Promise((r) => setTimeout(r, 100));
      return stopped ? halt : s.pendingJobs.insert(row);
    };
    const jobs = Object.create(s.jobs) as JobStore;
    jobs.createJob = async (record, fingerprint) => {
      if (stopped) return halt;
      await s.jobs.createJob(record, fingerprint);
      stopped = true;
      throw new Error('the process stopped');
    };
    const env = pinned();
    const parsed = parseJobEnvelope(env);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const submitting = new JobSubmission(jobs, pending, losing).submit(
      CONTOSO_JOBS,
      parsed.envelope,
      DEMO_SUBSCRIPTIONS.consumer,
    );
    await Promise.race([submitting.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
    expect(stopped).toBe(true); // the stop hit: the record was written
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'queued' });
    expect(await s.pendingJobs.get(CONTOSO_JOBS.organizationId, String(env.jobId))).toBeDefined();
    expect((await sweeper(61_000).sweep()).resent).toBeGreaterThanOrEqual(1);
    await host.jobsQueue.idle();
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'succeeded' });
  });
});
