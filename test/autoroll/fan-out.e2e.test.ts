/**
 * What one change of latest costs the auto-roll, end to end: the groups are read a subscription at
 * a time (their rows carry the `latestOf` they follow), rows written before that column existed
 * (listed by the per-group index entries of that release) are read one by one and roll all the same, and a duplicate of a change's event (same event id) after
 * its roll jobs were sent costs one table read and sends nothing.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { startJobsHost, type JobsHost, CONSUMER_ACCOUNT } from '../support/jobs-host.js';
import { groupOnLatestInWestEurope, putUbuntuVersion, settleRolls, ubuntuVersionId } from '../support/roll-fixtures.js';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { EVENT_TYPES } from '../../shared/events/events.js';
import { ROLL_JOB_PREFIX } from '../../shared/autoroll/autoroll.js';
import { groupRowKey } from '../../shared/jobs/store.js';
import { encodeKeyPart, imageKey } from '../../shared/catalog/keys.js';
import { latestOfKey } from '../../shared/autoroll/store.js';
import { parseResourceId } from '../../shared/domain/ids.js';
import { services } from '../../shared/services.js';
import type { JobEnvelope } from '../../shared/domain/job-envelope.js';

type Json = Record<string, unknown>;
let host: JobsHost;
const groupPath = (name: string): string => `groups/${CONSUMER_ACCOUNT}/statelessGroup/${encodeURIComponent(name)}`;
/** Every roll job id the app sent to the queue. */
const sent: string[] = [];

async function versionOf(name: string): Promise<unknown> {
  const res = await host.request('GET', groupPath(name));
  expect(res.status).toBe(200);
  return res.body.imageVersionId;
}
const ubuntu = parseResourceId(DEMO_IMAGES.ubuntu);
if (ubuntu.level !== 'image') throw new Error('the demo ubuntu id is an image definition');
const westEurope = latestOfKey(imageKey(ubuntu), 'westeurope');

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'), {}, { events: true });
  const send = host.jobsQueue.send.bind(host.jobsQueue);
  host.jobsQueue.send = (env: JobEnvelope, recorded, options) => {
    if (env.jobId.startsWith(ROLL_JOB_PREFIX)) sent.push(env.jobId);
    return send(env, recorded, options);
  };
  await settleRolls(host);
});
afterAll(async () => {
  await host?.stop();
});

describe('the auto-roll fan-out', () => {
  it('rolls groups whose rows were written before they carried the latestOf column (listed by per-group index entries, read one by one)', async () => {
    const names = [
      await groupOnLatestInWestEurope(host),
      await groupOnLatestInWestEurope(host),
      await groupOnLatestInWestEurope(host),
    ];
    const s = services();
    const groups = s.tables.table(`${s.config.tablePrefix}groups`);
    const pk = encodeKeyPart(DEMO_SUBSCRIPTIONS.consumer);
    // Two of them as an earlier release wrote them: the record, no column.
    for (const name of names.slice(0, 2)) {
      const {
        etag: _e,
        timestamp: _t,
        odata: _o,
        latestOf,
        ...row
      } = await groups.getEntity<Json>(pk, groupRowKey('statelessGroup', name));
      expect(latestOf).toBe(westEurope);
      await groups.upsertEntity(row as { partitionKey: string; rowKey: string }, 'Replace');
      // and its entry of the index as that release wrote it: one per group (shared/autoroll/store.ts).
      await s.autoRollStore.table.upsertEntity({
        partitionKey: `i|${westEurope}`,
        rowKey: `${pk}|${encodeKeyPart('statelessGroup')}|${encodeKeyPart(name)}`,
        subscriptionId: DEMO_SUBSCRIPTIONS.consumer,
        account: CONSUMER_ACCOUNT,
        kind: 'statelessGroup',
        name,
        latestOf: westEurope,
      });
    }
    const byColumn = await s.jobs.groupsOnLatest(DEMO_SUBSCRIPTIONS.consumer, westEurope, []);
    expect(names.map((n) => byColumn.has(groupRowKey('statelessGroup', n)))).toEqual([false, false, true]);
    const listed = names.map((name) => ({ kind: 'statelessGroup', name }));
    const all = await s.jobs.groupsOnLatest(DEMO_SUBSCRIPTIONS.consumer, westEurope, listed);
    expect(names.map((n) => all.get(groupRowKey('statelessGroup', n))?.group.name)).toEqual(names);

    // The rollout lists them too (the per-group entries' groups read one by one).
    const rolloutNames = async () => {
      const view = await host.request(
        'GET',
        `subscriptions/${ubuntu.subscriptionId}/resourceGroups/${ubuntu.resourceGroup}/galleries/${ubuntu.gallery}/images/${ubuntu.image}/rollout`,
      );
      expect(view.status).toBe(200);
      const we = (view.body.regions as { region: string; groups: Json[] }[]).find((r) => r.region === 'westeurope');
      return new Set(we?.groups.map((g) => g.name));
    };
    for (const name of names) expect((await rolloutNames()).has(name)).toBe(true);

    await putUbuntuVersion(host, '1.21.0');
    for (const name of names) expect(await versionOf(name)).toBe(ubuntuVersionId('1.21.0'));
    for (const name of names) expect((await rolloutNames()).has(name)).toBe(true);
  });

  it('a duplicate of a change whose roll jobs were sent costs one read and sends nothing; another event of the same change is examined group by group and sends nothing new', async () => {
    const names = [await groupOnLatestInWestEurope(host), await groupOnLatestInWestEurope(host)];
    await putUbuntuVersion(host, '1.22.0');
    for (const name of names) expect(await versionOf(name)).toBe(ubuntuVersionId('1.22.0'));
    const change = host.topic!.recent.find(
      (e) =>
        e.type === EVENT_TYPES.latestVersionChanged &&
        (e.data as Json).region === 'westeurope' &&
        (e.data as Json).newVersion === '1.22.0',
    )!;
    expect(change).toBeDefined();
    const { receivedAt: _r, deliveries: _d, ...cloudEvent } = change;
    const deliver = async (event: Json): Promise<number> => {
      const s = services();
      const before = s.tables.roundTrips;
      const res = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=autoRoll`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', 'aeg-event-type': 'Notification' },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(202);
      await settleRolls(host);
      return s.tables.roundTrips - before;
    };
    const sentBefore = sent.length;
    expect(await deliver(cloudEvent)).toBe(1);
    expect(sent.length).toBe(sentBefore);
    // The same change under another event id (a replay by hand, a reconcile): every group is read
    // again, and the rolls it finds done leave nothing to send.
    const rereads = await deliver({ ...cloudEvent, id: `${String(cloudEvent.id)}-again` });
    expect(rereads).toBeGreaterThan(2);
    expect(sent.length).toBe(sentBefore);
    for (const name of names) expect(await versionOf(name)).toBe(ubuntuVersionId('1.22.0'));
  });
});
