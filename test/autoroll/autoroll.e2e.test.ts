/**
 * Domain events and auto-roll end to end, offline: ARM events through the galleryEvents webhook,
 * domain events published with @azure/eventgrid to the local topic, delivered to the autoRoll
 * trigger, roll jobs through the in-memory queue, groups and jobs read over HTTP.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { jobMessageId } from '../../shared/domain/job-envelope.js';
import { startJobsHost, envelope, galleryImage, type JobsHost, CONSUMER_ACCOUNT } from '../support/jobs-host.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import { EVENT_TYPES } from '../../shared/events/events.js';
import { rollJobId } from '../../shared/autoroll/autoroll.js';

type Json = Record<string, unknown>;
let host: JobsHost;
const V13 = `${DEMO_IMAGES.ubuntu}/versions/1.13.0`;
const V10 = `${DEMO_IMAGES.ubuntu}/versions/1.10.0`;
const V9 = `${DEMO_IMAGES.ubuntu}/versions/1.9.0`;
/** Latest in East US at first (excluded from latest only in West Europe). */
const V11 = `${DEMO_IMAGES.ubuntu}/versions/1.11.0`;

interface RestVersion {
  id: string;
  name?: string;
  properties: {
    publishingProfile: { excludeFromLatest?: boolean };
    replicationStatus: { aggregatedState: string; summary: { region: string; state: string; progress?: number }[] };
  };
}

function setVersion(edit: (v: RestVersion) => void): RestVersion {
  const v = structuredClone(host.sim.get(V13) ?? host.sim.get(V10)!) as unknown as RestVersion;
  v.id = V13;
  v.name = '1.13.0';
  edit(v);
  const states = v.properties.replicationStatus.summary.map((s) => s.state);
  v.properties.replicationStatus.aggregatedState = states.includes('Replicating') ? 'InProgress' : 'Completed';
  host.sim.put(v as never);
  return v;
}
function regionState(v: RestVersion, region: string, state: string): void {
  for (const s of v.properties.replicationStatus.summary) if (s.region === region) s.state = state;
}
/** 1.13.0 in ARM with these replication states (West Europe, East US), then its write event. */
async function replicate(westEurope: string, eastUs: string): Promise<void> {
  setVersion((v) => {
    v.properties.publishingProfile.excludeFromLatest = false;
    regionState(v, 'West Europe', westEurope);
    regionState(v, 'East US', eastUs);
  });
  await indexVersion(V13);
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await host.topic!.idle();
    await host.jobsQueue.idle();
  }
}
async function indexVersion(id: string, action: 'Write' | 'Delete' = 'Write'): Promise<void> {
  expect((await postEvents(host.url, [armEvent(id, action)])).status).toBe(202);
  await settle();
}

async function createGroup(region: 'westeurope' | 'eastus', version: string, extra: Json = {}): Promise<string> {
  const env = envelope(
    'elastigroup-gallery-latest',
    (b) => {
      galleryImage(b).version = version;
      (b.group as Json).region = region;
    },
    extra,
  );
  const job = await host.run(env);
  expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded' });
  return String((env.body as { group: { name: string } }).group.name);
}
async function group(name: string): Promise<Json> {
  const res = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${encodeURIComponent(name)}`);
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'), {}, { events: true });
  await settle();
});
afterAll(async () => {
  await host?.stop();
});

describe('domain events and auto-roll', () => {
  it('rolls groups on latest region by region as replication completes, never pinned or paused ones, once per group whatever the duplicates, and recalls', async () => {
    const we = await createGroup('westeurope', 'latest');
    const eus = await createGroup('eastus', 'latest');
    const pinned = await createGroup('westeurope', '1.9.0');
    const paused = await createGroup('westeurope', 'latest', { autoRoll: { paused: true } });
    expect(await group(we)).toMatchObject({ imageVersionId: V10, latestOf: expect.any(String) });
    expect(await group(eus)).toMatchObject({ imageVersionId: V11 });

    // 1.13.0 replicating everywhere: no group moves.
    await replicate('Replicating', 'Replicating');
    expect(await group(we)).toMatchObject({ imageVersionId: V10 });

    // West Europe completes: westeurope groups on latest roll; eastus, pinned and paused do not.
    await replicate('Completed', 'Replicating');
    const rolled = await group(we);
    expect(rolled).toMatchObject({
      imageVersionId: V13,
      lastRoll: {
        fromVersionId: V10,
        toVersionId: V13,
        jobId: rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', we, '1.13.0'),
      },
    });
    expect(await group(eus)).toMatchObject({ imageVersionId: V11 });
    expect(await group(pinned)).toMatchObject({ imageVersionId: V9 });
    expect(await group(paused)).toMatchObject({ imageVersionId: V10 });

    // The change event, delivered twice more: still one roll.
    const changed = host.topic!.recent.filter(
      (e) =>
        e.type === EVENT_TYPES.latestVersionChanged &&
        (e.data as Json).region === 'westeurope' &&
        (e.data as Json).newVersion === '1.13.0',
    );
    expect(changed).toHaveLength(1);
    const { receivedAt: _r, deliveries: _d, ...cloudEvent } = changed[0]!;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=autoRoll`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', 'aeg-event-type': 'Notification' },
        body: JSON.stringify(cloudEvent),
      });
      expect(res.status).toBe(202);
    }
    await settle();
    const rollId = rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', we, '1.13.0');
    expect(host.jobsQueue.completed.filter((id) => id === jobMessageId(CONSUMER_ACCOUNT, rollId))).toHaveLength(1);
    expect((await group(we)).revision).toBe(rolled.revision);
    expect(await host.job(rollId)).toMatchObject({ status: 'succeeded', resolvedImageVersionId: V13 });

    // East US completes: the eastus group rolls.
    await replicate('Completed', 'Completed');
    expect(await group(eus)).toMatchObject({ imageVersionId: V13 });

    // Recall: 1.13.0 excluded → latest moves down, the groups on it roll back.
    setVersion((v) => {
      v.properties.publishingProfile.excludeFromLatest = true;
    });
    await indexVersion(V13);
    expect(await group(we)).toMatchObject({ imageVersionId: V10, lastRoll: { fromVersionId: V13, toVersionId: V10 } });
    expect(await group(eus)).toMatchObject({ imageVersionId: V11 });
    const recall = host.topic!.recent.filter(
      (e) => e.type === EVENT_TYPES.latestVersionChanged && (e.data as Json).previousVersion === '1.13.0',
    );
    expect(recall.map((e) => (e.data as Json).cause)).toEqual(['versionExcluded', 'versionExcluded']);

    // Events on the topic: per subject (and source partition: catalog or jobs) in sequence order;
    // the roll's job events are there too.
    const bySubject = new Map<string, string[]>();
    for (const e of host.topic!.recent) {
      const key = `${String(e.subject)} ${String(e.type).startsWith('GalleryCatalog.Group') ? 'jobs' : 'catalog'}`;
      bySubject.set(key, [...(bySubject.get(key) ?? []), String(e.sequence)]);
    }
    for (const seqs of bySubject.values()) expect(seqs).toEqual([...seqs].sort());
    expect(
      host.topic!.recent.some((e) => e.type === EVENT_TYPES.groupRolled && (e.data as Json).jobId === rollId),
    ).toBe(true);
    expect(
      host.topic!.recent.some(
        (e) =>
          e.type === EVENT_TYPES.imageVersionReady && e.subject === V13 && (e.data as Json).region === 'westeurope',
      ),
    ).toBe(true);
    const recent = (await (await fetch(`${host.url}/runtime/events`)).json()) as { events: Json[] };
    expect(recent.events.length).toBe(host.topic!.recent.length);

    host.sim.delete(V13);
    await indexVersion(V13, 'Delete');
  });

  it('loses no event when the topic is unreachable after the catalog write: the outbox timer publishes it', async () => {
    const before = host.topic!.recent.length;
    host.topic!.outage = 503;
    setVersion((v) => {
      v.properties.publishingProfile.excludeFromLatest = false;
      regionState(v, 'West Europe', 'Completed');
      regionState(v, 'East US', 'Completed');
    });
    expect((await postEvents(host.url, [armEvent(V13, 'Write')])).status).toBe(202);
    expect(host.topic!.recent.length).toBe(before);
    host.topic!.outage = undefined;
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await fetch(`${host.url}/admin/functions/publishOutbox`, { method: 'POST', body: '{}' })).status).toBe(202);
    for (let i = 0; i < 50 && host.topic!.recent.length === before; i++) await new Promise((r) => setTimeout(r, 100));
    await settle();
    const published = host.topic!.recent.slice(before);
    expect(
      published.some((e) => e.type === EVENT_TYPES.latestVersionChanged && (e.data as Json).newVersion === '1.13.0'),
    ).toBe(true);
    host.sim.delete(V13);
    await indexVersion(V13, 'Delete');
  });

  it('a deleted definition loses its latest in every region: LatestVersionChanged, cause versionDeleted', async () => {
    const before = host.topic!.recent.length;
    host.sim.delete(DEMO_IMAGES.teamApp);
    await indexVersion(DEMO_IMAGES.teamApp, 'Delete');
    const gone = host
      .topic!.recent.slice(before)
      .filter((e) => e.type === EVENT_TYPES.latestVersionChanged && e.subject === DEMO_IMAGES.teamApp);
    expect(gone.map((e) => e.data)).toEqual([
      {
        imageDefinitionId: DEMO_IMAGES.teamApp,
        region: 'eastus',
        previousVersion: '1.1.0',
        previousVersionId: `${DEMO_IMAGES.teamApp}/versions/1.1.0`,
        cause: 'versionDeleted',
      },
      {
        imageDefinitionId: DEMO_IMAGES.teamApp,
        region: 'westeurope',
        previousVersion: '1.0.0',
        previousVersionId: `${DEMO_IMAGES.teamApp}/versions/1.0.0`,
        cause: 'versionDeleted',
      },
    ]);
    // Delivered again (Event Grid retries): nothing new.
    const again = host.topic!.recent.length;
    await indexVersion(DEMO_IMAGES.teamApp, 'Delete');
    expect(host.topic!.recent.length).toBe(again);
  });
});
