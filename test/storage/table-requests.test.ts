/**
 * The benchmarks' count of table requests and entity writes per partition (test/bench/table-requests.ts),
 * against Azurite: what @azure/data-tables really sends for each kind of call.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { TableClient } from '@azure/data-tables';
import { TableStore } from '../../shared/storage/tables.js';
import { entityWritesOf, observeTableStores, TableRequestCounter } from '../bench/table-requests.js';
import { uniqueTablePrefix } from '../support/app-host.js';

const counter = new TableRequestCounter();
let undo: () => void;
let tables: TableStore;
let client: TableClient;
let name: string;

beforeAll(async () => {
  undo = observeTableStores(counter);
  tables = new TableStore({ kind: 'connectionString', connectionString: inject('azuriteConnectionString') });
  name = `${uniqueTablePrefix()}counted`;
  client = tables.table(name);
  await client.createTable();
});
afterAll(() => undo());

describe('table request counter (Azurite)', () => {
  it('counts each entity of a transaction against its partition, single writes one each, reads none', async () => {
    counter.reset();
    const before = tables.roundTrips;
    const odd = "sub|o'brien";
    await client.createEntity({ partitionKey: odd, rowKey: 'a', v: 1 });
    await client.upsertEntity({ partitionKey: odd, rowKey: 'a', v: 2 }, 'Replace');
    await client.updateEntity({ partitionKey: odd, rowKey: 'a', v: 3 }, 'Merge');
    await client.getEntity(odd, 'a');
    await client.submitTransaction([
      ['create', { partitionKey: 'p2', rowKey: 'x' }],
      ['create', { partitionKey: 'p2', rowKey: 'y' }],
      ['upsert', { partitionKey: 'p2', rowKey: 'z' }, 'Replace'],
    ]);
    await client.submitTransaction([
      ['delete', { partitionKey: 'p2', rowKey: 'x' }],
      ['update', { partitionKey: 'p2', rowKey: 'y', w: 1 }, 'Merge'],
    ]);
    await client.deleteEntity(odd, 'a');
    await expect(client.getEntity(odd, 'a')).rejects.toMatchObject({ statusCode: 404 });

    expect(Object.fromEntries(counter.writesByPartition)).toEqual({ [`${name} ${odd}`]: 4, [`${name} p2`]: 5 });
    const counts = counter.requests.get(name);
    expect(counts).toMatchObject({ reads: 2, writes: 4, transactions: 2, failed: 1 });
    expect(Object.fromEntries(counts?.shapes ?? [])).toEqual({
      POST: 1,
      PUT: 1,
      PATCH: 1,
      DELETE: 1,
      'transaction of 3': 1,
      'transaction of 2': 1,
    });
    // Every request the store counts as a round trip, and no other.
    expect(counts!.reads + counts!.writes + counts!.transactions).toBe(tables.roundTrips - before);
  });

  it('tells the partition of a write from its path or body, and nothing from a read or a table request', () => {
    const base = 'http://127.0.0.1:10002/devstoreaccount1';
    expect(entityWritesOf('DELETE', `${base}/t(PartitionKey='a%7Cb''c',RowKey='r')`, undefined)).toEqual({
      partitionKey: "a|b'c",
      entities: 1,
    });
    expect(entityWritesOf('POST', `${base}/t`, '{"PartitionKey":"p\\"q","RowKey":"r"}')).toEqual({
      partitionKey: 'p"q',
      entities: 1,
    });
    expect(entityWritesOf('GET', `${base}/t(PartitionKey='a',RowKey='r')`, undefined)).toBeUndefined();
    expect(entityWritesOf('POST', `${base}/Tables`, '{"TableName":"t"}')).toBeUndefined();
  });
});
