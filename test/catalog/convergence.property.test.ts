import { describe, it, beforeAll, afterAll, inject } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { createGalleryArmReader } from '../../shared/arm/reader.js';
import { TableStore } from '../../shared/storage/tables.js';
import type { CatalogStore } from '../../shared/catalog/store.js';
import { CatalogIndexer } from '../../shared/catalog/indexer.js';
import { readEvent } from '../../shared/catalog/arm-events.js';
import { armEvent, expectCatalogEqualsArm } from '../support/catalog-fixtures.js';
import { uniqueTablePrefix } from '../support/app-host.js';
import { catalogStore } from '../support/catalog-fixtures.js';

// Random histories of ARM operations on galleries, definitions and versions (regions, global and
// regional exclusions, provisioning and replication states, sharing), their events delivered late,
// in any order and more than once, interleaved with further operations: once every event is
// delivered, the catalog equals ARM. As in ARM, a gallery or definition is deleted after its
// children, each deletion raising its own event.

const GALLERIES = ['g1', 'g2'] as const;
const IMAGES = ['i1', 'i2'] as const;
const VERSIONS = ['1.9.0', '1.10.0'] as const;
const REGIONS = ['West Europe', 'East US', 'North Europe'] as const;

type Op =
  | { op: 'putGallery'; g: number; sharing: 0 | 1 | 2 }
  | { op: 'deleteGallery'; g: number }
  | { op: 'putImage'; g: number; i: number; gen2: boolean }
  | { op: 'deleteImage'; g: number; i: number }
  | {
      op: 'putVersion';
      g: number;
      i: number;
      v: number;
      regions: { r: number; exclude: boolean | null; state: 'Completed' | 'Replicating' | 'Failed' }[];
      excludeGlobal: boolean;
      provisioning: 'Succeeded' | 'Creating' | 'Failed';
    }
  | { op: 'deleteVersion'; g: number; i: number; v: number }
  | { op: 'deliver'; pick: number; dup: boolean }
  | { op: 'drain' };

/** Mostly one gallery, so that operations collide on the same resources. */
const galleryArb = fc.constantFrom(0, 0, 0, 1);
const deliverArb = fc.record({ op: fc.constant('deliver' as const), pick: fc.noBias(fc.nat()), dup: fc.boolean() });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('putGallery' as const),
      g: galleryArb,
      sharing: fc.constantFrom(0 as const, 1 as const, 2 as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteGallery' as const), g: galleryArb }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('putImage' as const), g: galleryArb, i: fc.nat(1), gen2: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteImage' as const), g: galleryArb, i: fc.nat(1) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('putVersion' as const),
      g: galleryArb,
      i: fc.nat(1),
      v: fc.nat(1),
      regions: fc.uniqueArray(
        fc.record({
          r: fc.nat(2),
          exclude: fc.option(fc.boolean(), { nil: null }),
          state: fc.constantFrom('Completed' as const, 'Replicating' as const, 'Failed' as const),
        }),
        { minLength: 1, maxLength: 3, selector: (x) => x.r },
      ),
      excludeGlobal: fc.boolean(),
      provisioning: fc.constantFrom('Succeeded' as const, 'Succeeded' as const, 'Creating' as const, 'Failed' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('deleteVersion' as const), g: galleryArb, i: fc.nat(1), v: fc.nat(1) }),
  },
  { weight: 5, arbitrary: deliverArb },
  { weight: 1, arbitrary: fc.constant({ op: 'drain' as const }) },
);

let sim: ArmSimulator;
let store: CatalogStore;
let indexer: CatalogIndexer;
let reader: ReturnType<typeof createGalleryArmReader>;

beforeAll(async () => {
  sim = new ArmSimulator();
  const { endpoint } = await sim.start();
  reader = createGalleryArmReader({
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
  await store.ensureTables();
  indexer = new CatalogIndexer(reader, store);
});
afterAll(async () => {
  await sim.stop();
});

/** A small seeded PRNG (mulberry32), so a failing shuffle replays from fast-check's counterexample. */
function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Every history starts from a gallery with two definitions, so that version operations have somewhere to land. */
const PRELUDE: Op[] = [
  { op: 'putGallery', g: 0, sharing: 0 },
  { op: 'putImage', g: 0, i: 0, gen2: true },
  { op: 'putImage', g: 0, i: 1, gen2: false },
];

async function runHistory(history: Op[], seed: number): Promise<void> {
  const ops = [...PRELUDE, ...history];
  const sub = randomUUID();
  const gid = (g: number) =>
    `/subscriptions/${sub}/resourceGroups/rg-prop/providers/Microsoft.Compute/galleries/${GALLERIES[g]}`;
  const iid = (g: number, i: number) => `${gid(g)}/images/${IMAGES[i]}`;
  const vid = (g: number, i: number, v: number) => `${iid(g, i)}/versions/${VERSIONS[v]}`;
  const pending: Record<string, unknown>[] = [];
  const emit = (id: string, action: 'Write' | 'Delete' | 'Action', share = false) =>
    pending.push(armEvent(id, action, { share }));
  const deleteWithChildren = (id: string) => {
    const under = sim
      .all()
      .filter((r) => r.id.toLowerCase().startsWith(`${id.toLowerCase()}/`) || r.id.toLowerCase() === id.toLowerCase())
      .sort((a, b) => b.id.length - a.id.length);
    for (const r of under) {
      sim.delete(r.id);
      emit(r.id, 'Delete');
    }
  };
  const deliver = async (event: Record<string, unknown>) => {
    const read = readEvent(event);
    if (read.kind !== 'notification') throw new Error(`unexpected ${read.kind}`);
    await indexer.handle(read.notification);
  };

  for (const o of ops) {
    switch (o.op) {
      case 'putGallery': {
        const sharingProfile =
          o.sharing === 0
            ? { permissions: 'Private' }
            : o.sharing === 1
              ? { permissions: 'Groups', groups: [{ type: 'Subscriptions', ids: [randomUUID()] }] }
              : {
                  permissions: 'Community',
                  communityGalleryInfo: { publicNamePrefix: 'p', communityGalleryEnabled: true, publicNames: ['p-1'] },
                };
        const existed = sim.get(gid(o.g)) !== undefined;
        sim.put({
          id: gid(o.g),
          location: 'westeurope',
          properties: { description: `d${o.sharing}`, provisioningState: 'Succeeded', sharingProfile },
        });
        emit(gid(o.g), existed && o.sharing !== 0 ? 'Action' : 'Write', existed && o.sharing !== 0);
        break;
      }
      case 'deleteGallery':
        // ARM refuses to delete a gallery or definition that still has children: they go first,
        // each with its own event.
        deleteWithChildren(gid(o.g));
        break;
      case 'putImage':
        if (!sim.get(gid(o.g))) break;
        sim.put({
          id: iid(o.g, o.i),
          location: 'westeurope',
          properties: {
            osType: 'Linux',
            osState: 'Generalized',
            hyperVGeneration: o.gen2 ? 'V2' : 'V1',
            identifier: { publisher: 'P', offer: 'O', sku: `${IMAGES[o.i]}` },
            provisioningState: 'Succeeded',
          },
        });
        emit(iid(o.g, o.i), 'Write');
        break;
      case 'deleteImage':
        deleteWithChildren(iid(o.g, o.i));
        break;
      case 'putVersion': {
        if (!sim.get(iid(o.g, o.i))) break;
        const targetRegions = o.regions.map((r) => ({
          name: REGIONS[r.r],
          regionalReplicaCount: 1,
          storageAccountType: 'Standard_LRS',
          ...(r.exclude === null ? {} : { excludeFromLatest: r.exclude }),
        }));
        const summary = o.regions.map((r) => ({
          region: REGIONS[r.r],
          state: r.state,
          progress: r.state === 'Completed' ? 100 : 10,
        }));
        const aggregated = o.regions.some((r) => r.state === 'Failed')
          ? 'Failed'
          : o.regions.some((r) => r.state === 'Replicating')
            ? 'InProgress'
            : 'Completed';
        sim.put({
          id: vid(o.g, o.i, o.v),
          location: 'westeurope',
          properties: {
            publishingProfile: {
              targetRegions,
              replicaCount: 1,
              excludeFromLatest: o.excludeGlobal,
              storageAccountType: 'Standard_LRS',
              replicationMode: 'Full',
            },
            storageProfile: { osDiskImage: { sizeInGB: 30 } },
            replicationStatus: { aggregatedState: aggregated, summary },
            provisioningState: o.provisioning,
          },
        });
        emit(vid(o.g, o.i, o.v), 'Write');
        break;
      }
      case 'deleteVersion':
        if (sim.delete(vid(o.g, o.i, o.v)) > 0) emit(vid(o.g, o.i, o.v), 'Delete');
        break;
      case 'drain':
        for (const event of pending.splice(0)) await deliver(event);
        break;
      case 'deliver':
        if (pending.length === 0) break;
        {
          const idx = o.pick % pending.length;
          const event = pending[idx]!;
          if (!o.dup) pending.splice(idx, 1); // a duplicate stays pending: delivered again later
          await deliver(event);
        }
        break;
    }
  }
  // Every event still pending is delivered, in a random order.
  for (const e of shuffle(pending, seed)) await deliver(e);
  await expectCatalogEqualsArm(sim, store, [sub]);
}

describe('catalog convergence (property)', () => {
  it('equals ARM after any shuffled, duplicated, interleaved delivery of the events of 200 random histories', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 6, maxLength: 30 }), fc.noBias(fc.integer()), runHistory),
      { numRuns: 200 },
    );
  }, 240_000);
});
