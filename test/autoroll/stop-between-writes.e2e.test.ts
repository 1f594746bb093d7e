/**
 * A fan-out that stops between its writes. Roll jobs' records and pending rows go out together, so
 * a process can stop with a job recorded `queued` and no row; the fan-out runs inside the delivery
 * of its LatestVersionChanged event, which fails with it, and the event delivered again writes
 * every row and sends every job still queued (docs/autoroll.md). A submission has no such retry
 * and writes its row first (test/jobs/sweep.e2e.test.ts).
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { startJobsHost, type JobsHost, CONSUMER_ACCOUNT, CONTOSO_JOBS } from '../support/jobs-host.js';
import { groupOnLatestInWestEurope, indexUbuntuVersion } from '../support/roll-fixtures.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { AutoRoller, rollJobId } from '../../shared/autoroll/autoroll.js';
import { services } from '../../shared/services.js';
import type { JobStore } from '../../shared/jobs/store.js';
import type { PendingJobs } from '../../shared/jobs/pending.js';
import type { JobQueue } from '../../shared/jobs/queue.js';

let host: JobsHost;
beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
});
afterAll(async () => {
  await host?.stop();
});

describe('a roll fan-out that stops between its writes', () => {
  it('stopped right after the roll job records were written, and delivered again: the rows are written and the jobs run', async () => {
    const name = await groupOnLatestInWestEurope(host);
    // 1.14.0, complete in every region (this host has no topic: nothing rolls by itself)
    await indexUbuntuVersion(host, '1.14.0');
    const s = services();
    const state = { stopped: false };
    const halt = new Promise<never>(() => undefined);
    // The rows' writes are slower here: rows sent out beside the records would land after the stop.
    const pending = Object.create(s.pendingJobs) as PendingJobs;
    pending.put = async (row) => {
      await new Promise((r) => setTimeout(r, 100));
      return state.stopped ? halt : s.pendingJobs.put(row);
    };
    const jobs = Object.create(s.jobs) as JobStore;
    jobs.createJobs = async (records) => {
      if (state.stopped) return halt;
      await s.jobs.createJobs(records);
      state.stopped = true;
      throw new Error('the process stopped');
    };
    const nothingSent: JobQueue = { send: () => halt };
    const roller = new AutoRoller(
      s.autoRollStore,
      jobs,
      () => nothingSent,
      (key) => s.versionEvents.pointers(s.catalog.versions, key),
      {
        pending,
        organizationOf: (account) =>
          Promise.resolve(
            account === CONSUMER_ACCOUNT
              ? { organizationId: CONTOSO_JOBS.organizationId, subscriptionIds: CONTOSO_JOBS.subscriptionIds }
              : undefined,
          ),
      },
    );
    const change = {
      imageDefinitionId: DEMO_IMAGES.ubuntu,
      region: 'westeurope',
      previousVersion: '1.10.0',
      newVersion: '1.14.0',
      cause: 'newVersionReady' as const,
    };
    const changedAt = new Date().toISOString();
    const rolling = roller.onLatestChanged(change, changedAt);
    await Promise.race([rolling.catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
    expect(state.stopped).toBe(true); // the stop hit: the records were written
    const jobId = rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', name, '1.14.0');
    expect(await host.job(jobId)).toMatchObject({ status: 'queued' });
    expect(await s.pendingJobs.get(CONTOSO_JOBS.organizationId, jobId)).toBeUndefined();

    // The event delivered again, to the app's own auto-roll.
    expect((await s.autoRoller.onLatestChanged(change, changedAt)).queued.map((q) => q.jobId)).toContain(jobId);
    expect(await s.pendingJobs.get(CONTOSO_JOBS.organizationId, jobId)).toMatchObject({ jobId });
    await host.jobsQueue.idle();
    expect(await host.job(jobId)).toMatchObject({ status: 'succeeded' });
  });
});
