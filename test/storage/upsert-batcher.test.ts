import { describe, it, expect, beforeAll, inject } from 'vitest';
import { odata, type TableClient } from '@azure/data-tables';
import { TableStore } from '../../shared/storage/tables.js';
import { UpsertBatcher } from '../../shared/storage/upsert-batcher.js';
import { OutboxPublisher, outboxActions, recordedRows } from '../../shared/events/outbox.js';
import { EVENT_TYPES, type DomainEvent } from '../../shared/events/events.js';
import { uniqueTablePrefix } from '../support/app-host.js';

let tables: TableStore;
let client: TableClient;

beforeAll(async () => {
  tables = new TableStore({ kind: 'connectionString', connectionString: inject('azuriteConnectionString') });
  client = tables.table(`${uniqueTablePrefix()}batch`);
  await client.createTable();
});

async function rows(partitionKey: string): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for await (const e of client.listEntities<Record<string, unknown>>({
    queryOptions: { filter: odata`PartitionKey eq ${partitionKey}` },
  }))
    out.set(String(e.rowKey), e);
  return out;
}

describe('UpsertBatcher (Azurite)', () => {
  it('writes a lone upsert at once, as one plain upsert', async () => {
    const batcher = new UpsertBatcher(client);
    const before = tables.roundTrips;
    await batcher.upsert({ partitionKey: 'lone', rowKey: 'r1', value: 'a' });
    expect(tables.roundTrips - before).toBe(1);
    expect((await rows('lone')).get('r1')?.value).toBe('a');
  });

  it('writes the upserts that arrive while one is in flight together, per partition, each caller waiting for its own row', async () => {
    const batcher = new UpsertBatcher(client);
    const before = tables.roundTrips;
    const written = [
      ...Array.from({ length: 40 }, (_, i) => batcher.upsert({ partitionKey: 'a', rowKey: `r${i}`, n: i })),
      ...Array.from({ length: 5 }, (_, i) => batcher.upsert({ partitionKey: 'b', rowKey: `r${i}`, n: i })),
    ];
    await Promise.all(written);
    // per partition: the first row alone, then the others queued behind it in one transaction
    expect(tables.roundTrips - before).toBe(4);
    const a = await rows('a');
    expect(a.size).toBe(40);
    expect([...a.values()].map((e) => e.n).sort((x, y) => Number(x) - Number(y))).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    expect((await rows('b')).size).toBe(5);
  });

  it('replaces a queued row by a later upsert of the same row (the last wins, both callers resolve), and replaces stored rows whole', async () => {
    const batcher = new UpsertBatcher(client);
    await client.upsertEntity({ partitionKey: 'same', rowKey: 'x', old: 'kept?' }, 'Replace');
    const first = batcher.upsert({ partitionKey: 'same', rowKey: 'first', v: 1 });
    const queued = [
      batcher.upsert({ partitionKey: 'same', rowKey: 'x', v: 1 }),
      batcher.upsert({ partitionKey: 'same', rowKey: 'x', v: 2 }),
    ];
    await Promise.all([first, ...queued]);
    const x = (await rows('same')).get('x');
    expect(x?.v).toBe(2);
    expect(x?.old).toBeUndefined();
  });

  it('sends at most 100 rows per transaction (Table Storage limit)', async () => {
    const batcher = new UpsertBatcher(client);
    const before = tables.roundTrips;
    await Promise.all(
      Array.from({ length: 250 }, (_, i) =>
        batcher.upsert({ partitionKey: 'many', rowKey: `r${String(i).padStart(3, '0')}` }),
      ),
    );
    // 1 alone, then 100 + 100 + 49
    expect(tables.roundTrips - before).toBe(4);
    expect((await rows('many')).size).toBe(250);
  });

  it('fails only the caller of a row the store refuses: the transaction is retried row by row', async () => {
    const batcher = new UpsertBatcher(client);
    const first = batcher.upsert({ partitionKey: 'bad', rowKey: 'first' });
    const good = batcher.upsert({ partitionKey: 'bad', rowKey: 'good' });
    // a string property over 64 KiB: Table Storage (and Azurite) refuse the entity with 400
    const bad = batcher.upsert({ partitionKey: 'bad', rowKey: 'big', v: 'x'.repeat(70_000) }).then(
      () => 'written',
      (err: unknown) => ({ statusCode: (err as { statusCode?: unknown }).statusCode }),
    );
    const other = batcher.upsert({ partitionKey: 'bad', rowKey: 'other' });
    await expect(first).resolves.toBeUndefined();
    await expect(good).resolves.toBeUndefined();
    await expect(other).resolves.toBeUndefined();
    expect(await bad).toEqual({ statusCode: 400 });
    expect([...(await rows('bad')).keys()].sort()).toEqual(['first', 'good', 'other']);
    // the partition is writable afterwards
    await batcher.upsert({ partitionKey: 'bad', rowKey: 'after' });
    expect((await rows('bad')).has('after')).toBe(true);
  });
});

describe('UpsertBatcher inserting first (Azurite)', () => {
  it('inserts new rows, alone or together, in one round trip each', async () => {
    const batcher = new UpsertBatcher(client, { insertFirst: true });
    const before = tables.roundTrips;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => batcher.upsert({ partitionKey: 'ins', rowKey: `r${i}`, v: i })),
    );
    expect(tables.roundTrips - before).toBe(2);
    expect((await rows('ins')).size).toBe(10);
  });

  it('replaces a row that is there already, as an upsert would, and the rows written with it', async () => {
    const batcher = new UpsertBatcher(client, { insertFirst: true });
    await client.upsertEntity({ partitionKey: 'ins2', rowKey: 'old', v: 'before', extra: 'dropped' }, 'Replace');
    await batcher.upsert({ partitionKey: 'ins2', rowKey: 'old', v: 'alone' });
    expect((await rows('ins2')).get('old')).toMatchObject({ v: 'alone' });
    expect((await rows('ins2')).get('old')?.extra).toBeUndefined();
    const first = batcher.upsert({ partitionKey: 'ins2', rowKey: 'first' });
    const together = [
      batcher.upsert({ partitionKey: 'ins2', rowKey: 'new', v: 1 }),
      batcher.upsert({ partitionKey: 'ins2', rowKey: 'old', v: 'batched' }),
    ];
    await Promise.all([first, ...together]);
    const all = await rows('ins2');
    expect([...all.keys()].sort()).toEqual(['first', 'new', 'old']);
    expect(all.get('old')?.v).toBe('batched');
    expect(all.get('new')?.v).toBe(1);
  });

  it('deletes the rows given together in one transaction, with upserts queued meanwhile; a row not there counts as deleted', async () => {
    const batcher = new UpsertBatcher(client);
    await client.submitTransaction(
      ['a', 'b', 'c', 'd'].map((rowKey) => ['upsert', { partitionKey: 'del', rowKey }, 'Replace']),
    );
    const before = tables.roundTrips;
    await batcher.deleteRows('del', ['a', 'b']);
    // two rows given at once: one transaction
    expect(tables.roundTrips - before).toBe(1);
    expect([...(await rows('del')).keys()].sort()).toEqual(['c', 'd']);
    // a delete in flight; a second caller's delete and an upsert wait and go together
    const mid = tables.roundTrips;
    await Promise.all([
      batcher.deleteRows('del', ['c']),
      batcher.deleteRows('del', ['d']),
      batcher.upsert({ partitionKey: 'del', rowKey: 'e', v: 1 }),
    ]);
    expect(tables.roundTrips - mid).toBe(2);
    expect([...(await rows('del')).keys()]).toEqual(['e']);
    // rows already gone: the transaction fails (404), each row then goes alone and resolves
    const gone = tables.roundTrips;
    await expect(batcher.deleteRows('del', ['a', 'b', 'e'])).resolves.toBeUndefined();
    expect(tables.roundTrips - gone).toBe(4);
    expect((await rows('del')).size).toBe(0);
  });

  it('with lingerMs, the first delete into an idle partition waits for others: deletes made meanwhile go in its transaction; a full transaction goes at once', async () => {
    for (const [from, to] of [
      [0, 100],
      [100, 105],
    ] as const)
      await client.submitTransaction(
        Array.from({ length: to - from }, (_, i) => [
          'upsert',
          { partitionKey: 'linger', rowKey: `r${from + i}` },
          'Replace',
        ]),
      );
    const batcher = new UpsertBatcher(client, { lingerMs: 50 });
    const before = tables.roundTrips;
    // without the wait the first would go alone and the other four behind it (two round trips)
    await Promise.all([0, 1, 2, 3, 4].map((i) => batcher.deleteRows('linger', [`r${i}`])));
    expect(tables.roundTrips - before).toBe(1);
    expect((await rows('linger')).size).toBe(100);
    const full = tables.roundTrips;
    await batcher.deleteRows(
      'linger',
      Array.from({ length: 100 }, (_, i) => `r${i + 5}`),
    );
    expect(tables.roundTrips - full).toBe(1);
    expect((await rows('linger')).size).toBe(0);
  });
});

const event = (n: number): DomainEvent => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  type: EVENT_TYPES.latestVersionChanged,
  source: '/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f',
  subject: 'images/ubuntu',
  time: '2026-12-08T00:00:00.000Z',
  sequence: String(n).padStart(12, '0'),
  data: {},
});

// The outbox deletes published rows through a lingering batcher (shared/events/outbox.ts): a moment
// after the events, nothing waiting for them; `deletesSettled` is how whoever counts table requests waits.
describe('the outbox: deletes of published rows (Azurite)', () => {
  it('publishes without waiting for the deletes; deletesSettled waits until the rows are gone', async () => {
    const sent: DomainEvent[] = [];
    const outbox = new OutboxPublisher({ send: (events) => Promise.resolve(void sent.push(...events)) });
    const events = [event(1), event(2)];
    await client.submitTransaction(outboxActions('outbox', events, '2026-12-08T00:00:00.000Z'));
    expect((await rows('outbox')).size).toBe(2);

    expect(await outbox.publishRecorded(client, recordedRows('outbox', events))).toBe(2);
    expect(sent.map((e) => e.id)).toEqual(events.map((e) => e.id));
    // Published, and the rows still there: their delete lingers for other rows of the partition.
    expect((await rows('outbox')).size).toBe(2);
    const before = tables.roundTrips;
    await outbox.deletesSettled();
    expect(tables.roundTrips - before).toBe(1); // one transaction deleting both
    expect((await rows('outbox')).size).toBe(0);
    await outbox.deletesSettled(); // nothing under way: at once
  });
});
