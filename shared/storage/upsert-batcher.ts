import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import { tableStatusOf } from './tables.js';

/** Operations of one entity-group transaction at most (Table Storage's limit). */
export const TRANSACTION_MAX_OPERATIONS = 100;

interface Pending {
  partitionKey: string;
  rowKey: string;
  /** The row to write; undefined: delete the row. */
  entity: TableEntity<Record<string, unknown>> | undefined;
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

interface PartitionQueue {
  writing: boolean;
  /** Set while the first writes of a lingering batcher wait for others to join them. */
  lingering?: ReturnType<typeof setTimeout> | undefined;
  /** By RowKey: a second write of a row before it was written replaces the first (the last one wins, as written one after the other). */
  pending: Map<string, Pending>;
}

/**
 * Upserts (Replace) of small entities that callers make concurrently into the same partition,
 * written together: while one write of a partition is in flight, the upserts that arrive for it
 * wait and then go as one entity-group transaction (at most 100 rows). A lone upsert goes at once
 * as a plain upsert, so nothing waits when nothing else is being written. Each call resolves when
 * its row is written, and rejects with the store's error otherwise: a transaction that fails is
 * retried row by row, so one bad row fails only its own caller.
 *
 * With `insertFirst`, for rows that are usually new, rows are inserted (a row already there fails
 * the insert with 409 and is then replaced, row by row): the end state is the upsert's, and the
 * store looks a new row up once instead of twice.
 *
 * Deletes of rows (`deleteRows`) go the same way, in the same transactions; a row that is not
 * there counts as deleted.
 *
 * With `lingerMs`, for writes nobody waits on (rows whose removal may come late), the first write
 * into an idle partition waits that long for others to join it (a full transaction goes at once).
 */
export class UpsertBatcher {
  private readonly partitions = new Map<string, PartitionQueue>();

  constructor(
    private readonly client: TableClient,
    private readonly options: { insertFirst?: boolean; lingerMs?: number } = {},
  ) {}

  upsert(entity: TableEntity<Record<string, unknown>>): Promise<void> {
    return this.enqueue(entity.partitionKey, [{ rowKey: entity.rowKey, entity }]);
  }

  /** Deletes rows of one partition (together when they are several); resolves when every one is gone. */
  deleteRows(partitionKey: string, rowKeys: readonly string[]): Promise<void> {
    return this.enqueue(
      partitionKey,
      rowKeys.map((rowKey) => ({ rowKey, entity: undefined })),
    );
  }

  private async enqueue(partitionKey: string, writes: { rowKey: string; entity: Pending['entity'] }[]): Promise<void> {
    let queue = this.partitions.get(partitionKey);
    if (!queue) {
      queue = { writing: false, pending: new Map() };
      this.partitions.set(partitionKey, queue);
    }
    const rows = queue.pending;
    const done = writes.map(
      ({ rowKey, entity }) =>
        new Promise<void>((resolve, reject) => {
          const pending = rows.get(rowKey);
          if (pending) {
            pending.entity = entity;
            pending.waiters.push({ resolve, reject });
          } else {
            rows.set(rowKey, { partitionKey, rowKey, entity, waiters: [{ resolve, reject }] });
          }
        }),
    );
    if (!queue.writing) this.start(partitionKey, queue);
    await Promise.all(done);
  }

  /** Writes what waits now, or (lingering) once the wait is over or a transaction is full. */
  private start(partitionKey: string, queue: PartitionQueue): void {
    const linger = this.options.lingerMs ?? 0;
    if (linger > 0 && queue.pending.size < TRANSACTION_MAX_OPERATIONS) {
      if (queue.lingering) return;
      queue.lingering = setTimeout(() => {
        queue.lingering = undefined;
        if (!queue.writing) void this.drain(partitionKey, queue);
      }, linger);
      queue.lingering.unref?.();
      return;
    }
    if (queue.lingering) clearTimeout(queue.lingering);
    queue.lingering = undefined;
    void this.drain(partitionKey, queue);
  }

  private async drain(partitionKey: string, queue: PartitionQueue): Promise<void> {
    queue.writing = true;
    try {
      while (queue.pending.size > 0) {
        const batch: Pending[] = [];
        for (const [rowKey, pending] of queue.pending) {
          batch.push(pending);
          queue.pending.delete(rowKey);
          if (batch.length === TRANSACTION_MAX_OPERATIONS) break;
        }
        await this.write(batch);
      }
    } finally {
      queue.writing = false;
      if (queue.pending.size === 0 && !queue.lingering) this.partitions.delete(partitionKey);
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const insert = this.options.insertFirst === true;
    const lone = batch.length === 1 ? batch[0]?.entity : undefined;
    if (batch.length > 1 || (insert && lone)) {
      try {
        if (lone) await this.client.createEntity(lone);
        else {
          await this.client.submitTransaction(
            batch.map((p): TransactionAction =>
              p.entity
                ? insert
                  ? ['create', p.entity]
                  : ['upsert', p.entity, 'Replace']
                : ['delete', { partitionKey: p.partitionKey, rowKey: p.rowKey }],
            ),
          );
        }
        for (const p of batch) for (const w of p.waiters) w.resolve();
        return;
      } catch {
        // Row by row below: each caller gets its own row's outcome.
      }
    }
    await Promise.all(
      batch.map(async (p) => {
        try {
          if (p.entity) await this.client.upsertEntity(p.entity, 'Replace');
          else await this.deleteOne(p);
          for (const w of p.waiters) w.resolve();
        } catch (err) {
          for (const w of p.waiters) w.reject(err);
        }
      }),
    );
  }

  private async deleteOne(p: Pending): Promise<void> {
    try {
      await this.client.deleteEntity(p.partitionKey, p.rowKey);
    } catch (err) {
      if (tableStatusOf(err) !== 404) throw err;
    }
  }
}
