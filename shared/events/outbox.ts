/**
 * The transactional outbox. An event is written as a row of the partition whose change causes it,
 * in the same entity-group transaction as that change (a transaction is limited to one table and
 * one partition): the versions partition of an image definition holds its versions, its per-region
 * latest pointers (`~latest`) and its pending events; an account's partition of the groups table
 * holds its groups, jobs and pending job events. So a change is never stored without its events,
 * nor an event without its change.
 *
 * Outbox rows: RowKey `~outbox|<sequence>|<n>` (after every version or group key, so no listing of
 * versions or groups sees them; they carry no `deleted` or `record` property). Right after the
 * transaction the writer publishes the events it has just recorded (in order) and deletes their rows
 * (a moment later, together with the other rows of the partition published meanwhile);
 * whatever a crash leaves behind, the `publishOutbox` timer publishes. A row is deleted only after
 * Event Grid accepted it, so an event may be published twice (same id), never lost.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { packJson, unpackJson } from '../catalog/json-props.js';
import { tableStatusOf } from '../storage/tables.js';
import { UpsertBatcher } from '../storage/upsert-batcher.js';
import { groupBy } from '../domain/collections.js';
import type { DomainEvent } from './events.js';
import { errorText } from '../domain/printable.js';

export const OUTBOX_PREFIX = '~outbox|';
const OUTBOX_END = '~outbox}';
const SEQ_DIGITS = 12;

export function sequenceText(n: number): string {
  return String(n).padStart(SEQ_DIGITS, '0');
}

function outboxRowKey(event: DomainEvent, i: number): string {
  return `${OUTBOX_PREFIX}${event.sequence}|${String(i).padStart(3, '0')}`;
}

/**
 * The actions that record events in a partition, in order. Upserts: the row keys are deterministic
 * (sequence and position), so recording the same events again (a retried job) writes the same rows.
 */
export function outboxActions(
  partitionKey: string,
  events: readonly DomainEvent[],
  recordedAt: string,
): TransactionAction[] {
  return events.map((event, i) => [
    'upsert',
    {
      partitionKey,
      rowKey: outboxRowKey(event, i),
      outbox: true,
      recordedAt,
      eventType: event.type,
      ...packJson('event', event),
    },
    'Replace',
  ]);
}

/** The outbox rows `outboxActions` writes for these events (to publish them without reading them back). */
export function recordedRows(partitionKey: string, events: readonly DomainEvent[]): PendingRow[] {
  return events.map((event, i) => ({ partitionKey, rowKey: outboxRowKey(event, i), event }));
}

/** Sends a batch of events (in order); throws when the topic did not accept them. */
export interface EventSink {
  send(events: readonly DomainEvent[]): Promise<void>;
}

export interface PendingRow {
  partitionKey: string;
  rowKey: string;
  event: DomainEvent;
}

/** Events per publish request: Event Grid accepts up to 1 MB per batch; events here are small. */
const BATCH = 50;

export class OutboxPublisher {
  /** Events published (accepted by the topic) by this process. */
  published = 0;
  /** The deletes of published rows still under way (nothing else waits for them). */
  private readonly deleting = new Set<Promise<void>>();

  constructor(
    private readonly sink: EventSink | undefined,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return this.sink !== undefined;
  }

  /** Resolves once the deletes of the rows published so far are done or failed (for whoever counts table requests). */
  async deletesSettled(): Promise<void> {
    while (this.deleting.size > 0) await Promise.all([...this.deleting]);
  }

  /**
   * Publishes events a writer has just recorded (it knows them: no read), and deletes their rows.
   * Never throws: what fails stays in the outbox for the timer.
   */
  async publishRecorded(table: TableClient, rows: PendingRow[]): Promise<number> {
    if (!this.sink || rows.length === 0) return 0;
    try {
      return await this.publishRows(table, rows);
    } catch (err) {
      this.log(
        `outbox ${table.tableName} ${rows[0]?.partitionKey ?? ''}: publish failed, left for the timer: ${errorText(err)}`,
      );
      return 0;
    }
  }

  /** Publishes every pending event of the tables recorded before `before` (the timer's sweep). */
  async publishLeftovers(tables: readonly TableClient[], before: Date): Promise<number> {
    if (!this.sink) return 0;
    let total = 0;
    for (const table of tables) {
      const filter = odata`RowKey ge ${OUTBOX_PREFIX} and RowKey lt ${OUTBOX_END} and recordedAt le ${before.toISOString()}`;
      let rows: PendingRow[];
      try {
        rows = await pendingRows(table, filter);
      } catch (err) {
        if (tableStatusOf(err) === 404) continue; // the table does not exist yet
        throw err;
      }
      for (const list of groupBy(rows, (r) => r.partitionKey).values()) total += await this.publishRows(table, list);
    }
    return total;
  }

  private async publishRows(table: TableClient, rows: PendingRow[]): Promise<number> {
    const sink = this.sink;
    if (!sink || rows.length === 0) return 0;
    rows.sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      await sink.send(batch.map((r) => r.event));
      this.published += batch.length;
      // Published: the rows go a moment later, with the other rows of their partition published
      // meanwhile, and nothing waits for that. A row left (the process stopped first, the delete
      // failed) is published again by the timer: the same event, the same id.
      const deleted = deleteRows(table, batch)
        .catch((err: unknown) =>
          this.log(
            `outbox ${table.tableName} ${batch[0]?.partitionKey ?? ''}: delete failed, left for the timer: ${errorText(err)}`,
          ),
        )
        .finally(() => this.deleting.delete(deleted));
      this.deleting.add(deleted);
    }
    return rows.length;
  }
}

/** Rows published within this long of each other are deleted together (well within the timer's 2 s). */
const DELETE_LINGER_MS = 100;

/** Per table: the deletes of published rows that publishers make at about the same time into one partition go together. */
const deleters = new WeakMap<TableClient, UpsertBatcher>();

/** Deletes published rows: a transaction per partition (with other publishers' deletes there); a row another publisher deleted already is fine. */
async function deleteRows(table: TableClient, rows: PendingRow[]): Promise<void> {
  let deleter = deleters.get(table);
  if (!deleter) {
    deleter = new UpsertBatcher(table, { lingerMs: DELETE_LINGER_MS });
    deleters.set(table, deleter);
  }
  const byPartition = [...groupBy(rows, (r) => r.partitionKey)];
  await Promise.all(
    byPartition.map(([pk, list]) =>
      deleter.deleteRows(
        pk,
        list.map((r) => r.rowKey),
      ),
    ),
  );
}

async function pendingRows(table: TableClient, filter: string): Promise<PendingRow[]> {
  const out: PendingRow[] = [];
  for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
    const event = unpackJson<DomainEvent>('event', e);
    if (event && e.partitionKey !== undefined && e.rowKey !== undefined)
      out.push({ partitionKey: e.partitionKey, rowKey: e.rowKey, event });
  }
  return out;
}
