/**
 * Auto-roll back to a version a group rolled to before, end to end: ARM events through the
 * galleryEvents webhook, LatestVersionChanged through the local topic to the autoRoll trigger, roll
 * jobs through the in-memory queue, groups, jobs and views read over HTTP.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { jobMessageId } from '../../shared/domain/job-envelope.js';
import { startJobsHost, type JobsHost, CONSUMER_ACCOUNT } from '../support/jobs-host.js';
import {
  groupOnLatestInWestEurope as groupOnLatestInWestEurope_,
  putUbuntuVersion,
  settleRolls,
  ubuntuVersionId,
} from '../support/roll-fixtures.js';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { EVENT_TYPES } from '../../shared/events/events.js';
import { AutoRoller, rollJobId, versionNameOf } from '../../shared/autoroll/autoroll.js';
import type { JobEnvelope } from '../../shared/domain/job-envelope.js';
import type { LatestVersionChangedData } from '../../shared/events/events.js';
import { services, type Services } from '../../shared/services.js';
import type { JobStore } from '../../shared/jobs/store.js';

type Json = Record<string, unknown>;
let host: JobsHost;
const versionId = ubuntuVersionId;
const rollout = `subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base/rollout`;
const groupPath = (name: string): string => `groups/${CONSUMER_ACCOUNT}/statelessGroup/${encodeURIComponent(name)}`;

const settle = (): Promise<void> => settleRolls(host);
const putVersion = (version: string, excludeFromLatest = false): Promise<void> =>
  putUbuntuVersion(host, version, excludeFromLatest);
async function group(name: string): Promise<Json> {
  const res = await host.request('GET', groupPath(name));
  expect(res.status).toBe(200);
  return res.body;
}
/** Delivers a CloudEvent the topic published to the autoRoll trigger again (Event Grid retries, replays). */
async function redeliver(event: Json, times: number): Promise<void> {
  const { receivedAt: _r, deliveries: _d, ...cloudEvent } = event;
  for (let i = 0; i < times; i++) {
    const res = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=autoRoll`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify(cloudEvent),
    });
    expect(res.status).toBe(202);
  }
  await settle();
}
function latestChanged(newVersion: string, previousVersion: string): Json[] {
  return host.topic!.recent.filter((e) => {
    const d = e.data as Json;
    return (
      e.type === EVENT_TYPES.latestVersionChanged &&
      d.region === 'westeurope' &&
      d.newVersion === newVersion &&
      d.previousVersion === previousVersion
    );
  });
}

const groupOnLatestInWestEurope = (): Promise<string> => groupOnLatestInWestEurope_(host);

/** How the app's auto-roll finds an account's organization (shared/services.ts). */
function organizationOf(s: Services) {
  return async (account: string) => {
    const owner = await s.directory.accountOwner(account);
    return owner
      ? { organizationId: owner.organization.id, subscriptionIds: owner.organization.subscriptionIds }
      : undefined;
  };
}

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'), {}, { events: true });
  await settle();
});
afterAll(async () => {
  await host?.stop();
});

describe('auto-roll back to a version rolled to before', () => {
  it('rolls 1.10 → 1.11 → 1.12, then back to 1.11 when 1.12 is recalled, with a new job id, once whatever the duplicates; a stale replay does nothing', async () => {
    const name = await groupOnLatestInWestEurope();
    expect(await group(name)).toMatchObject({ imageVersionId: versionId('1.10.0') });

    const first = rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', name, '1.11.0');
    await putVersion('1.11.0');
    expect(await group(name)).toMatchObject({ imageVersionId: versionId('1.11.0'), lastRoll: { jobId: first } });

    // A duplicate of the change whose first read of the group came before that roll finished: the
    // roll is found succeeded and 1.11.0 is latest, but the group is on it already, so no `:1`.
    const s = services();
    const stale = (await s.jobs.getGroup(DEMO_SUBSCRIPTIONS.consumer, 'statelessGroup', name))!;
    stale.group.imageVersionId = versionId('1.10.0');
    let reads = 0;
    const racing = Object.create(s.jobs) as JobStore;
    racing.groupsOnLatest = async (...args: Parameters<JobStore['groupsOnLatest']>) => {
      reads++;
      const found = await s.jobs.groupsOnLatest(...args);
      for (const [key, g] of found) if (g.group.name === name) found.set(key, stale);
      return found;
    };
    racing.getGroup = (...args: Parameters<JobStore['getGroup']>) => (reads++, s.jobs.getGroup(...args));
    const roller = new AutoRoller(
      s.autoRollStore,
      racing,
      () => s.jobQueue ?? host.jobsQueue,
      (key) => s.versionEvents.pointers(s.catalog.versions, key),
      { pending: s.pendingJobs, organizationOf: organizationOf(s) },
    );
    const dup = await roller.onLatestChanged(
      {
        imageDefinitionId: DEMO_IMAGES.ubuntu,
        region: 'westeurope',
        previousVersion: '1.10.0',
        newVersion: '1.11.0',
        cause: 'newVersionReady',
      },
      new Date().toISOString(),
    );
    expect(dup).toEqual({
      queued: [],
      skipped: [{ group: `${CONSUMER_ACCOUNT}/statelessGroup/${name}`, reason: 'already-on-version' }],
    });
    expect(reads).toBe(2);

    await putVersion('1.12.0');
    expect(await group(name)).toMatchObject({
      imageVersionId: versionId('1.12.0'),
      lastRoll: { fromVersionId: versionId('1.11.0'), toVersionId: versionId('1.12.0') },
    });

    // 1.12.0 recalled: latest in West Europe is 1.11.0 again; the group rolls back under a new id.
    await putVersion('1.12.0', true);
    const recall = latestChanged('1.11.0', '1.12.0');
    expect(recall.map((e) => (e.data as Json).cause)).toEqual(['versionExcluded']);
    const again = `${first}:1`;
    const back = await group(name);
    expect(back).toMatchObject({
      imageVersionId: versionId('1.11.0'),
      lastRoll: { fromVersionId: versionId('1.12.0'), toVersionId: versionId('1.11.0'), jobId: again },
    });
    expect(await host.job(again)).toMatchObject({ status: 'succeeded', resolvedImageVersionId: versionId('1.11.0') });
    expect(await host.job(first)).toMatchObject({ status: 'succeeded' });

    // The same change delivered 3 times more: still one roll back.
    await redeliver(recall[0]!, 3);
    expect(host.jobsQueue.completed.filter((id) => id === jobMessageId(CONSUMER_ACCOUNT, again))).toHaveLength(1);
    expect(host.jobsQueue.completed.filter((id) => id === jobMessageId(CONSUMER_ACCOUNT, first))).toHaveLength(1);
    expect(
      host.jobsQueue.completed.some(
        (id) =>
          id.startsWith(jobMessageId(CONSUMER_ACCOUNT, `${first}:`)) && id !== jobMessageId(CONSUMER_ACCOUNT, again),
      ),
    ).toBe(false);
    expect((await group(name)).revision).toBe(back.revision);

    // The views find the newest roll to a version.
    const view = await host.request('GET', rollout);
    expect(view.status).toBe(200);
    const we = (view.body.regions as { region: string; latestVersion: string; groups: Json[] }[]).find(
      (r) => r.region === 'westeurope',
    )!;
    expect(we.latestVersion).toBe('1.11.0');
    expect(we.groups.find((g) => g.name === name)).toMatchObject({ state: 'rolled', version: '1.11.0' });
    const rolls = await host.request('GET', `${groupPath(name)}/rolls`);
    expect(rolls.status).toBe(200);
    expect((rolls.body.rolls as Json[]).map((r) => [r.jobId, r.toVersion, r.status])).toEqual([
      [again, '1.11.0', 'succeeded'],
      [rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', name, '1.12.0'), '1.12.0', 'succeeded'],
      [first, '1.11.0', 'succeeded'],
    ]);

    // A newer version rolls the group on; the recall event replayed now is stale (1.11.0 is no longer latest): nothing.
    await putVersion('1.13.0');
    const onward = await group(name);
    expect(onward).toMatchObject({ imageVersionId: versionId('1.13.0') });
    await redeliver(recall[0]!, 2);
    expect(await group(name)).toMatchObject({ imageVersionId: versionId('1.13.0'), revision: onward.revision });
    expect((await host.request('GET', `groups/jobs/${first}:2`)).status).toBe(404);
    expect(host.jobsQueue.completed.filter((id) => id.startsWith(jobMessageId(CONSUMER_ACCOUNT, first)))).toEqual(
      [first, again].map((id) => jobMessageId(CONSUMER_ACCOUNT, id)),
    );
  });

  it('a version whose roll failed rolls again when it comes back as latest later; a duplicate of the change it failed for does not', async () => {
    const name = await groupOnLatestInWestEurope();
    const start = String((await group(name)).imageVersionId);
    const s = services();
    // 1.14.0 becomes latest; its roll job is held, the group's auto-roll is turned off, then the roll
    // runs and fails (`auto-roll-off`): the group stays where it was.
    const held: JobEnvelope[] = [];
    const holding = new AutoRoller(
      s.autoRollStore,
      s.jobs,
      () => ({ send: (e: JobEnvelope) => (held.push(e), Promise.resolve()) }),
      (key) => s.versionEvents.pointers(s.catalog.versions, key),
      { pending: s.pendingJobs, organizationOf: organizationOf(s) },
    );
    expect((await host.request('PUT', `${groupPath(name)}/autoroll`, { enabled: false })).status).toBe(200);
    await putVersion('1.14.0');
    expect(await group(name)).toMatchObject({ imageVersionId: start });
    const firstChange = latestChanged('1.14.0', versionNameOf(start)!)[0]!;
    const changedAt = String(firstChange.time);
    expect((await host.request('PUT', `${groupPath(name)}/autoroll`, { enabled: true })).status).toBe(200);
    const change = firstChange.data as LatestVersionChangedData;
    expect((await holding.onLatestChanged(change, changedAt)).queued).toHaveLength(1);
    expect((await host.request('PUT', `${groupPath(name)}/autoroll`, { enabled: false })).status).toBe(200);
    const base = rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', name, '1.14.0');
    expect(held.map((e) => e.jobId)).toEqual([base]);
    await host.jobsQueue.send(held[0]!, true);
    await settle();
    expect(await host.job(base)).toMatchObject({ status: 'failed', errors: [{ code: 'auto-roll-off' }] });
    expect((await host.request('PUT', `${groupPath(name)}/autoroll`, { enabled: true })).status).toBe(200);

    // A duplicate of the change the roll failed for: nothing new.
    expect((await s.autoRoller.onLatestChanged(change, changedAt)).queued).toEqual([]);
    // 1.14.0 goes (excluded) and comes back as latest: that later change rolls the group, under `:1`.
    await putVersion('1.14.0', true);
    await putVersion('1.14.0', false);
    await settle();
    expect(await group(name)).toMatchObject({ imageVersionId: versionId('1.14.0'), lastRoll: { jobId: `${base}:1` } });
    expect(await host.job(`${base}:1`)).toMatchObject({ status: 'succeeded' });
  });
});
