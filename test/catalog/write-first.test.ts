/**
 * Version writes from events are created without a read first (a version's write event is most often
 * its creation): one versions-table request for a new version; an existing row answers 409 and the
 * write falls back to the read and ETag-guarded replace, so updates, stale deliveries and racing
 * duplicates keep their order-free outcome.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { ArmSimulator, type RestResource } from '../../dev/arm-simulator.js';
import { createGalleryArmReader } from '../../shared/arm/reader.js';
import { TableStore } from '../../shared/storage/tables.js';
import type { CatalogStore } from '../../shared/catalog/store.js';
import { CatalogIndexer } from '../../shared/catalog/indexer.js';
import type { CatalogNotification } from '../../shared/catalog/arm-events.js';
import { deployability } from '../../shared/domain/latest.js';
import { parseResourceId, type VersionRef } from '../../shared/domain/ids.js';
import { fixture } from '../support/catalog-fixtures.js';
import { uniqueTablePrefix } from '../support/app-host.js';
import { catalogStore } from '../support/catalog-fixtures.js';

let sim: ArmSimulator;
let store: CatalogStore;
let indexer: CatalogIndexer;
let clock = new Date('2026-11-21T09:00:00Z');
/** Requests to the versions table: method and status. */
let versionsRequests: string[] = [];
const recorder: PipelinePolicy = {
  name: 'recordVersionsRequests',
  async sendRequest(request, next) {
    const response = await next(request);
    if (/\/[a-z0-9]*versions(\(|\?|$)/.test(new URL(request.url).pathname))
      versionsRequests.push(`${request.method} ${response.status}`);
    return response;
  },
};

type Version = RestResource & { properties: Record<string, unknown> };
const replicating = fixture<Version>('arm/image-version-replicating.json');
const ref = parseResourceId(replicating.id) as VersionRef;
let n = 0;
const writeEvent = (): CatalogNotification => ({
  eventId: `evt-${++n}`,
  eventType: 'Microsoft.Resources.ResourceWriteSuccess',
  eventTime: clock.toISOString(),
  action: 'write',
  outcome: 'Success',
  operationName: 'Microsoft.Compute/galleries/images/versions/write',
  ref,
  share: false,
});
function completed(): Version {
  const done = structuredClone(replicating);
  const status = done.properties.replicationStatus as {
    aggregatedState: string;
    summary: { state: string; progress: number }[];
  };
  status.aggregatedState = 'Completed';
  for (const s of status.summary) Object.assign(s, { state: 'Completed', progress: 100 });
  return done;
}

beforeAll(async () => {
  sim = new ArmSimulator();
  const { endpoint } = await sim.start();
  const reader = createGalleryArmReader({
    endpoint,
    credential: 'local',
    subscriptionIds: [],
    maxRetries: 0,
    retryDelayMs: 1,
    maxRetryDelayMs: 1,
  });
  store = catalogStore(
    new TableStore(
      { kind: 'connectionString', connectionString: inject('azuriteConnectionString') },
      { additionalPolicies: [{ policy: recorder, position: 'perRetry' }] },
    ),
    uniqueTablePrefix(),
  );
  indexer = new CatalogIndexer(reader, store, () => clock);
  sim.putGallery(fixture('arm/gallery-private.json'));
  sim.putImage(fixture('arm/image-definition-linux-gen2-trustedlaunch.json'));
  await store.ensureTables();
});
afterAll(async () => {
  await sim.stop();
});

describe('version writes from events', () => {
  it('create a new version in one versions-table request, with no read', async () => {
    sim.putVersion(replicating);
    versionsRequests = [];
    expect(await indexer.handle(writeEvent())).toMatchObject({ outcome: 'indexed', settling: true });
    expect(versionsRequests).toEqual(['POST 204']);
    expect(deployability((await store.getVersion(ref))!.record!, 'eastus').deployable).toBe(false);
    expect((await store.dueRechecks(new Date('2030-01-01'), 10)).map((d) => d.ref.version)).toEqual([ref.version]);
  });

  it('update an existing version after the 409: read, ETag-guarded replace, re-check list and search follow the change', async () => {
    clock = new Date(clock.getTime() + 60_000);
    sim.putVersion(completed());
    versionsRequests = [];
    expect(await indexer.handle(writeEvent())).toMatchObject({ outcome: 'indexed' });
    expect(versionsRequests).toEqual(['POST 409', 'GET 200', 'PUT 204']);
    const stored = await store.getVersion(ref);
    expect(stored?.lastEventId).toBe(`evt-${n}`);
    expect(deployability(stored!.record!, 'eastus').deployable).toBe(true);
    expect(await store.dueRechecks(new Date('2030-01-01'), 10)).toEqual([]);
    expect(
      await store.hasLatestIn(
        {
          level: 'image',
          subscriptionId: ref.subscriptionId,
          resourceGroup: ref.resourceGroup,
          gallery: ref.gallery,
          image: ref.image,
        },
        'eastus',
      ),
    ).toBe(true);
  });

  it('leave a newer row alone when an older observation arrives late (409, read, stale)', async () => {
    const newer = (await store.getVersion(ref))!;
    clock = new Date(clock.getTime() - 30 * 60_000);
    sim.putVersion(replicating);
    versionsRequests = [];
    expect(await indexer.handle(writeEvent())).toMatchObject({ outcome: 'stale' });
    expect(versionsRequests).toEqual(['POST 409', 'GET 200']);
    expect(await store.getVersion(ref)).toEqual(newer);
    clock = new Date(clock.getTime() + 60 * 60_000);
  });

  it('converge when duplicates of a new version race: one row, the ARM state, every delivery answered', async () => {
    const raced = { ...completed(), id: replicating.id.replace(/versions\/[^/]+$/, 'versions/9.9.9'), name: '9.9.9' };
    sim.putVersion(raced);
    const racedRef = parseResourceId(raced.id) as VersionRef;
    versionsRequests = [];
    const results = await Promise.all(
      Array.from({ length: 8 }, () => indexer.handle({ ...writeEvent(), ref: racedRef })),
    );
    expect(results.every((r) => r.outcome === 'indexed' || r.outcome === 'stale')).toBe(true);
    expect(versionsRequests.filter((r) => r === 'POST 204')).toHaveLength(1);
    const stored = await store.getVersion(racedRef);
    expect(stored?.record?.aggregatedReplicationState).toBe('Completed');
    expect(stored?.deleted).toBe(false);
  });
});
