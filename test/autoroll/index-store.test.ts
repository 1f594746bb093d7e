/**
 * The auto-roll index against Azurite (shared/autoroll/store.ts): it names, per definition and
 * region, the subscriptions with groups on that latest. A subscription's entry is written once per
 * instance (entries are only ever added), so a job whose group is on a latest the instance has
 * indexed writes nothing to the index; per-group entries of the earlier layout are still listed.
 */
import { describe, it, expect, beforeAll, inject } from 'vitest';
import { TableStore } from '../../shared/storage/tables.js';
import { AutoRollStore, latestOfKey } from '../../shared/autoroll/store.js';
import { uniqueTablePrefix } from '../support/app-host.js';

const SUB_A = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
const SUB_B = '7d1e9a40-2b3c-4d5e-9f60-1a2b3c4d5e6f';
const WEU = latestOfKey('rg-images|corpGallery|ubuntu-2204-base', 'westeurope');
const EUS = latestOfKey('rg-images|corpGallery|ubuntu-2204-base', 'eastus');

let tables: TableStore;
let prefix: string;

beforeAll(() => {
  tables = new TableStore({ kind: 'connectionString', connectionString: inject('azuriteConnectionString') });
});

function freshStore(): AutoRollStore {
  prefix = uniqueTablePrefix();
  return new AutoRollStore(tables, prefix);
}

describe('the auto-roll index (Azurite)', () => {
  it('writes a subscription entry once for concurrent and later jobs of the same latest, and nothing after', async () => {
    const store = freshStore();
    await store.ensureTables();
    const before = tables.roundTrips;
    await Promise.all(Array.from({ length: 16 }, () => store.index(SUB_A, WEU)));
    expect(tables.roundTrips - before).toBe(1);
    const after = tables.roundTrips;
    for (let i = 0; i < 100; i++) await store.index(SUB_A, WEU);
    await store.index(SUB_A.toUpperCase(), WEU);
    expect(tables.roundTrips - after).toBe(0);
    await store.index(SUB_B, WEU);
    await store.index(SUB_A, EUS);
    expect(tables.roundTrips - after).toBe(2);
    expect(await store.indexedOn(WEU)).toEqual({ latestOf: WEU, subscriptionIds: [SUB_A, SUB_B], groups: [] });
    expect(await store.indexedOn(latestOfKey('x|y|z', 'westeurope'))).toEqual({
      latestOf: latestOfKey('x|y|z', 'westeurope'),
      subscriptionIds: [],
      groups: [],
    });
  });

  it('an instance that read an entry does not write it again', async () => {
    const first = freshStore();
    await first.index(SUB_A, WEU);
    const second = new AutoRollStore(tables, prefix);
    await second.indexedOn(WEU);
    const before = tables.roundTrips;
    await second.index(SUB_A, WEU);
    expect(tables.roundTrips - before).toBe(0);
  });

  it('lists per-group entries of the earlier layout as groups, naming their subscription once', async () => {
    const store = freshStore();
    await store.index(SUB_A, WEU);
    for (const name of ['old-1', 'old-2'])
      await store.table.upsertEntity({
        partitionKey: `i|${WEU}`,
        rowKey: `${SUB_A}|statelessgroup|${name}`,
        subscriptionId: SUB_A,
        account: 'act-5c6d7e8f',
        kind: 'statelessGroup',
        name,
        latestOf: WEU,
      });
    await store.table.upsertEntity({
      partitionKey: `i|${EUS}`,
      rowKey: `${SUB_B}|statelessgroup|old-3`,
      subscriptionId: SUB_B,
      account: 'act-5c6d7e8f',
      kind: 'statelessGroup',
      name: 'old-3',
      latestOf: EUS,
    });
    const weu = await store.indexedOn(WEU);
    expect(weu.subscriptionIds).toEqual([SUB_A]);
    expect(weu.groups.map((g) => g.name)).toEqual(['old-1', 'old-2']);
    const byRegion = await store.indexedOnDefinition('rg-images|corpGallery|ubuntu-2204-base');
    expect(byRegion.map((on) => [on.latestOf, on.subscriptionIds, on.groups.map((g) => g.name)])).toEqual([
      [EUS, [SUB_B], ['old-3']],
      [WEU, [SUB_A], ['old-1', 'old-2']],
    ]);
    // A group that leaves the latest takes its per-group entry with it; the subscription entry stays.
    await store.unindex({
      subscriptionId: SUB_A,
      account: 'act-5c6d7e8f',
      kind: 'statelessGroup',
      name: 'old-1',
      latestOf: WEU,
    });
    expect((await store.indexedOn(WEU)).groups.map((g) => g.name)).toEqual(['old-2']);
    expect((await store.indexedOn(WEU)).subscriptionIds).toEqual([SUB_A]);
  });

  it('does not remember a write that failed: the next job writes the entry', async () => {
    const store = freshStore();
    await store.ensureTables();
    const upsert = store.table.upsertEntity.bind(store.table);
    let failed = 0;
    store.table.upsertEntity = () => {
      failed++;
      return Promise.reject(Object.assign(new Error('ServerBusy'), { statusCode: 503 }));
    };
    await expect(store.index(SUB_A, WEU)).rejects.toThrow('ServerBusy');
    expect(failed).toBe(1);
    store.table.upsertEntity = upsert;
    expect((await store.indexedOn(WEU)).subscriptionIds).toEqual([]);
    await store.index(SUB_A, WEU);
    expect((await store.indexedOn(WEU)).subscriptionIds).toEqual([SUB_A]);
  });
});
