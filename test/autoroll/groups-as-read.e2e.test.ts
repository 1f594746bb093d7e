/**
 * A roll job merges onto its group as the fan-out read it (shared/autoroll/groups-as-read.ts): no
 * second read of the group, and its write goes onto that version of the group only. A user's
 * update in between makes the write fail (412), and the job merges again onto the group read anew:
 * the user's change stays.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startJobsHost, setContosoApply, type JobsHost, CONSUMER_ACCOUNT, CONTOSO_JOBS } from '../support/jobs-host.js';
import { groupOnLatestInWestEurope, indexUbuntuVersion } from '../support/roll-fixtures.js';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { AutoRoller } from '../../shared/autoroll/autoroll.js';
import { services } from '../../shared/services.js';
import type { JobEnvelope } from '../../shared/domain/job-envelope.js';
import type { JobQueue } from '../../shared/jobs/queue.js';

let host: JobsHost;
beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
});
afterAll(async () => {
  await host?.stop();
});

/** The fan-out of a change to `version` with the app's stores, its roll jobs kept instead of sent. */
async function fanOut(version: string): Promise<JobEnvelope[]> {
  const s = services();
  const kept: JobEnvelope[] = [];
  const keep: JobQueue = { send: (envelope) => Promise.resolve(void kept.push(envelope)) };
  const roller = new AutoRoller(
    s.autoRollStore,
    s.jobs,
    () => keep,
    (key) => s.versionEvents.pointers(s.catalog.versions, key),
    {
      pending: s.pendingJobs,
      asRead: s.groupsAsRead,
      organizationOf: (account) =>
        Promise.resolve(
          account === CONSUMER_ACCOUNT
            ? { organizationId: CONTOSO_JOBS.organizationId, subscriptionIds: CONTOSO_JOBS.subscriptionIds }
            : undefined,
        ),
    },
  );
  await roller.onLatestChanged(
    {
      imageDefinitionId: DEMO_IMAGES.ubuntu,
      region: 'westeurope',
      previousVersion: '1.10.0',
      newVersion: version,
      cause: 'newVersionReady',
    },
    new Date().toISOString(),
  );
  return kept;
}

/** The group reads of `name` the job store makes while `run` runs. */
async function groupReads(name: string, run: () => Promise<void>): Promise<number> {
  const jobs = services().jobs;
  const getGroup = jobs.getGroup.bind(jobs);
  let reads = 0;
  jobs.getGroup = (subscriptionId, kind, groupName) => {
    if (groupName === name) reads += 1;
    return getGroup(subscriptionId, kind, groupName);
  };
  try {
    await run();
  } finally {
    delete (jobs as { getGroup?: unknown }).getGroup;
  }
  return reads;
}

const nameOf = (e: JobEnvelope): string | undefined => ('group' in e.body ? e.body.group.name : undefined);
const groupOf = async (name: string) =>
  (await services().jobs.getGroup(DEMO_SUBSCRIPTIONS.consumer, 'statelessGroup', name))?.group;

describe('a roll job and its group as the fan-out read it', () => {
  it('rolls the group without reading it again', async () => {
    const name = await groupOnLatestInWestEurope(host);
    await indexUbuntuVersion(host, '1.14.0');
    const jobs = (await fanOut('1.14.0')).filter((e) => nameOf(e) === name);
    expect(jobs).toHaveLength(1);
    const reads = await groupReads(name, async () => {
      await host.jobsQueue.send(jobs[0]!, true);
      await host.jobsQueue.idle();
    });
    expect(await host.job(jobs[0]!.jobId)).toMatchObject({ status: 'succeeded' });
    expect((await groupOf(name))?.imageVersionId).toBe(`${DEMO_IMAGES.ubuntu}/versions/1.14.0`);
    expect(reads).toBe(0);
  });

  it("keeps a user's update made after the fan-out read the group: the roll merges again onto it", async () => {
    const name = await groupOnLatestInWestEurope(host);
    await indexUbuntuVersion(host, '1.15.0');
    const rolls = (await fanOut('1.15.0')).filter((e) => nameOf(e) === name);
    expect(rolls).toHaveLength(1);
    // The user's update lands between the fan-out's read and the roll job.
    const update = {
      schemaVersion: 1,
      jobId: randomUUID(),
      action: 'update',
      kind: 'statelessGroup',
      caller: { account: CONSUMER_ACCOUNT },
      body: { group: { name, capacity: { minimum: 0, maximum: 80, target: 7 } } },
    };
    expect(await host.run(update)).toMatchObject({ status: 'succeeded' });
    const revision = (await groupOf(name))?.revision;
    const reads = await groupReads(name, async () => {
      await host.jobsQueue.send(rolls[0]!, true);
      await host.jobsQueue.idle();
    });
    expect(await host.job(rolls[0]!.jobId)).toMatchObject({ status: 'succeeded' });
    const group = await groupOf(name);
    expect(group?.imageVersionId).toBe(`${DEMO_IMAGES.ubuntu}/versions/1.15.0`);
    expect((group?.spec as { capacity: { target: number } }).capacity.target).toBe(7);
    expect(group?.revision).toBe((revision ?? 0) + 1);
    // The fault hit: the write onto the group as the fan-out read it failed, and the job read it anew.
    expect(reads).toBeGreaterThan(0);
  });

  it('is not used where the organization applies (the apply goes out before the group is written): the job reads the group', async () => {
    const name = await groupOnLatestInWestEurope(host);
    await indexUbuntuVersion(host, '1.16.0');
    await setContosoApply(host, {
      target: 'azure',
      mode: 'plan',
      resourceGroups: [`/subscriptions/${DEMO_SUBSCRIPTIONS.consumer}/resourceGroups/rg-workloads`],
    });
    try {
      const rolls = (await fanOut('1.16.0')).filter((e) => nameOf(e) === name);
      expect(rolls).toHaveLength(1);
      const reads = await groupReads(name, async () => {
        await host.jobsQueue.send(rolls[0]!, true);
        await host.jobsQueue.idle();
      });
      expect(await host.job(rolls[0]!.jobId)).toMatchObject({ status: 'succeeded', plan: { target: 'azure' } });
      expect(reads).toBeGreaterThan(0);
      // still there, untaken (dropped here so no later job finds it)
      expect(services().groupsAsRead.take(DEMO_SUBSCRIPTIONS.consumer, 'statelessGroup', name)).toBeDefined();
    } finally {
      await setContosoApply(host, undefined);
    }
  });

  it('is not kept for a roll that waits for its soak (the job runs after the entry would expire)', async () => {
    const name = await groupOnLatestInWestEurope(host);
    await services().autoRoller.setPolicy(DEMO_SUBSCRIPTIONS.consumer, 'statelessGroup', name, { soakMinutes: 30 });
    await indexUbuntuVersion(host, '1.17.0');
    expect((await fanOut('1.17.0')).filter((e) => nameOf(e) === name)).toHaveLength(1);
    expect(services().groupsAsRead.take(DEMO_SUBSCRIPTIONS.consumer, 'statelessGroup', name)).toBeUndefined();
  });
});
