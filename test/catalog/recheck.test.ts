import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { ArmSimulator, type RestResource } from '../../dev/arm-simulator.js';
import { createGalleryArmReader } from '../../shared/arm/reader.js';
import { TableStore } from '../../shared/storage/tables.js';
import type { CatalogStore } from '../../shared/catalog/store.js';
import { CatalogIndexer, RECHECK_MAX_ATTEMPTS, recheckDelayMs } from '../../shared/catalog/indexer.js';
import { deployability } from '../../shared/domain/latest.js';
import { parseResourceId, type VersionRef } from '../../shared/domain/ids.js';
import { fixture } from '../support/catalog-fixtures.js';
import { uniqueTablePrefix } from '../support/app-host.js';
import { catalogStore } from '../support/catalog-fixtures.js';

let sim: ArmSimulator;
let store: CatalogStore;
let clock = new Date('2026-11-21T09:00:00Z');
let indexer: CatalogIndexer;

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
    new TableStore({ kind: 'connectionString', connectionString: inject('azuriteConnectionString') }),
    uniqueTablePrefix(),
  );
  indexer = new CatalogIndexer(reader, store, () => clock);
});
afterAll(async () => {
  await sim.stop();
});

const replicating = fixture<RestResource & { properties: Record<string, unknown> }>(
  'arm/image-version-replicating.json',
);
const ref = parseResourceId(replicating.id) as VersionRef;
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

describe('versions still replicating', () => {
  it('are indexed as not yet deployable where replication runs, and re-checked until they settle', async () => {
    sim.putGallery(fixture('arm/gallery-private.json'));
    sim.putImage(fixture('arm/image-definition-linux-gen2-trustedlaunch.json'));
    sim.putVersion(replicating);
    const first = await indexer.refresh(ref, { eventId: 'e1' });
    expect(first).toMatchObject({ outcome: 'indexed', settling: true });
    const stored = (await store.getVersion(ref))!.record!;
    expect(deployability(stored, 'eastus')).toMatchObject({ deployable: false });
    expect(deployability(stored, 'eastus').reasons.map((r) => r.code)).toEqual(['replication-in-progress']);
    expect(deployability(stored, 'westeurope').deployable).toBe(true);

    // Due at once: re-read, still replicating, postponed with back-off; a second run finds nothing due.
    sim.resetCounters();
    expect(await indexer.recheckSettling()).toEqual({ checked: 1, settled: 0, stillSettling: 1, gaveUp: 0 });
    expect(await indexer.recheckSettling()).toEqual({ checked: 0, settled: 0, stillSettling: 0, gaveUp: 0 });
    advance(recheckDelayMs(1) + 1);

    // Replication completes in ARM: the next re-check settles it and drops it from the list.
    const done = structuredClone(replicating);
    (
      done.properties.replicationStatus as { aggregatedState: string; summary: { state: string; progress: number }[] }
    ).aggregatedState = 'Completed';
    for (const s of (done.properties.replicationStatus as { summary: { state: string; progress: number }[] }).summary) {
      s.state = 'Completed';
      s.progress = 100;
    }
    sim.putVersion(done);
    expect(await indexer.recheckSettling()).toEqual({ checked: 1, settled: 1, stillSettling: 0, gaveUp: 0 });
    expect(deployability((await store.getVersion(ref))!.record!, 'eastus').deployable).toBe(true);
    advance(24 * 3600_000);
    expect((await indexer.recheckSettling()).checked).toBe(0);
  });

  it('are given up after a bounded number of looks with a growing delay', async () => {
    sim.putVersion(replicating);
    await indexer.refresh(ref, { eventId: 'e2' });
    let looks = 0;
    let gaveUp = 0;
    for (let i = 0; i < RECHECK_MAX_ATTEMPTS + 5 && gaveUp === 0; i++) {
      const s = await indexer.recheckSettling();
      looks += s.checked;
      gaveUp += s.gaveUp;
      advance(3600_000 + 1);
    }
    expect(gaveUp).toBe(1);
    expect(looks).toBe(RECHECK_MAX_ATTEMPTS);
    expect(recheckDelayMs(1)).toBeLessThan(recheckDelayMs(3));
    expect(recheckDelayMs(50)).toBe(3600_000);
    // A new event for the version puts it back on the list.
    await indexer.refresh(ref, { eventId: 'e3', eventType: 'Microsoft.Resources.ResourceWriteSuccess' });
    expect((await indexer.recheckSettling()).checked).toBe(1);
  });
});
