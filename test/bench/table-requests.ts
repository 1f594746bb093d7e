/**
 * What the app's table clients send, as sent: requests per table (reads, single-entity writes,
 * entity-group transactions) and entity writes per partition (table + PartitionKey), a transaction
 * counting each of its entities against its partition. A pipeline policy on every table client a
 * TableStore hands out (`observeTableStores`), after the retry policy: each attempt counts, as in
 * TableStore.roundTrips.
 *
 * Request shapes: the Table service REST API as @azure/data-tables 13 sends it: an entity is
 * inserted by a POST to `<table>`, its keys in the JSON body; updated, merged, upserted or deleted
 * by a PUT / PATCH / MERGE / DELETE of `<table>(PartitionKey='…',RowKey='…')`; a transaction is a
 * POST to `$batch` whose multipart body holds one `<METHOD> <url> HTTP/1.1` request per entity, all
 * of one partition (TablePolicies.js, getNextSubrequestBodyPart; TableTransaction.js).
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { TableClient } from '@azure/data-tables';
import { TableStore } from '../../shared/storage/tables.js';

/** Requests to one table, by kind. */
export interface TableRequestCounts {
  /** Point reads and queries (each page of a query is a request). */
  reads: number;
  /** Single-entity inserts, updates, upserts and deletes. */
  writes: number;
  /** Entity-group transactions. */
  transactions: number;
  /** Requests answered with a status >= 400 (a 404 read, a 409 insert, a 412 update…). */
  failed: number;
  /** Writes by shape: the method of a single-entity write, `transaction of <n>` for a transaction of n entities. */
  shapes: Map<string, number>;
}

/** The partition an entity write goes to and how many entities it writes there; undefined for a read or a table request. */
export function entityWritesOf(
  method: string,
  url: string,
  body: unknown,
): { partitionKey: string; entities: number } | undefined {
  const path = new URL(url).pathname;
  if (path.endsWith('/$batch')) {
    const text = typeof body === 'string' ? body : '';
    const requests = [...text.matchAll(/^(POST|PUT|PATCH|MERGE|DELETE) (\S+) HTTP\/1\.1\r?$/gm)];
    // Every entity of a transaction is in one partition: the first key found names it.
    const partitionKey = keyInPath(text) ?? keyInBody(text);
    return requests.length > 0 && partitionKey !== undefined ? { partitionKey, entities: requests.length } : undefined;
  }
  if (method === 'GET' || /\/Tables(\(|$)/.test(path)) return undefined;
  const partitionKey = method === 'POST' ? keyInBody(typeof body === 'string' ? body : '') : keyInPath(path);
  return partitionKey !== undefined ? { partitionKey, entities: 1 } : undefined;
}

/** `PartitionKey='…'` in a (request) path: quotes doubled, the rest URL-encoded. */
function keyInPath(text: string): string | undefined {
  const m = /PartitionKey='((?:[^']|'')*)'/.exec(text);
  return m?.[1] === undefined ? undefined : decodeURIComponent(m[1]).replace(/''/g, "'");
}

/** `"PartitionKey":"…"` in an entity's JSON body. */
function keyInBody(text: string): string | undefined {
  const m = /"PartitionKey":("(?:[^"\\]|\\.)*")/.exec(text);
  return m?.[1] === undefined ? undefined : (JSON.parse(m[1]) as string);
}

export class TableRequestCounter {
  /** By table name. */
  readonly requests = new Map<string, TableRequestCounts>();
  /** Entity writes by partition, keyed `<table> <PartitionKey>`. */
  readonly writesByPartition = new Map<string, number>();
  private readonly observed = new WeakSet<TableClient>();

  reset(): void {
    this.requests.clear();
    this.writesByPartition.clear();
  }

  /** Counts the requests `client` sends from now on (once per client). */
  observe(client: TableClient): void {
    if (this.observed.has(client)) return;
    this.observed.add(client);
    const table = client.tableName;
    const policy: PipelinePolicy = {
      name: 'benchCountTableRequests',
      sendRequest: async (request, next) => {
        const counts = this.countsOf(table);
        const writes = entityWritesOf(request.method, request.url, request.body);
        const before = counts.transactions;
        if (new URL(request.url).pathname.endsWith('/$batch')) counts.transactions++;
        else if (request.method === 'GET') counts.reads++;
        else if (writes) counts.writes++;
        if (writes) {
          const shape = counts.transactions > before ? `transaction of ${writes.entities}` : request.method;
          counts.shapes.set(shape, (counts.shapes.get(shape) ?? 0) + 1);
          const key = `${table} ${writes.partitionKey}`;
          this.writesByPartition.set(key, (this.writesByPartition.get(key) ?? 0) + writes.entities);
        }
        const response = await next(request);
        if (response.status >= 400) counts.failed++;
        return response;
      },
    };
    client.pipeline.addPolicy(policy, { afterPhase: 'Retry' });
  }

  private countsOf(table: string): TableRequestCounts {
    let counts = this.requests.get(table);
    if (!counts) {
      counts = { reads: 0, writes: 0, transactions: 0, failed: 0, shapes: new Map() };
      this.requests.set(table, counts);
    }
    return counts;
  }
}

/**
 * Every table client any TableStore hands out from now on is observed by `counter` (the app builds
 * its stores' clients through `TableStore.table`). Returns the undo.
 */
export function observeTableStores(counter: TableRequestCounter): () => void {
  const original = Object.getOwnPropertyDescriptor(TableStore.prototype, 'table');
  const table = original?.value as ((this: TableStore, name: string) => TableClient) | undefined;
  if (!original || !table) throw new Error('TableStore.prototype.table is not a method');
  Object.defineProperty(TableStore.prototype, 'table', {
    ...original,
    value: function observedTable(this: TableStore, name: string): TableClient {
      const client = table.call(this, name);
      counter.observe(client);
      return client;
    },
  });
  return () => Object.defineProperty(TableStore.prototype, 'table', original);
}
