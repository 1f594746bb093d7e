import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { getEntityOrUndefined } from '../storage/tables.js';

/**
 * Table Storage caps a string property at 64 KiB (32K UTF-16 characters). A record serialised as
 * JSON is split over `name`, `name_1`, `name_2`... so that a large record (many tags or regions)
 * still fits one entity (1 MiB, 255 properties).
 */
const CHUNK = 30_000;
const MAX_CHUNKS = 30;

export function packJson(name: string, value: unknown): Record<string, string> {
  const text = JSON.stringify(value);
  if (text.length > CHUNK * MAX_CHUNKS) throw new Error(`${name} is too large to store (${text.length} characters)`);
  const out: Record<string, string> = {};
  for (let i = 0, n = 0; i < text.length || n === 0; i += CHUNK, n++) {
    out[n === 0 ? name : `${name}_${n}`] = text.slice(i, i + CHUNK);
  }
  return out;
}

export function unpackJson<T>(name: string, entity: Record<string, unknown>): T | undefined {
  const first = entity[name];
  if (typeof first !== 'string') return undefined;
  let text = first;
  for (let n = 1; typeof entity[`${name}_${n}`] === 'string'; n++) text += entity[`${name}_${n}`] as string;
  return JSON.parse(text) as T;
}

/**
 * The chunks a record read asks the service for (`$select`, with the keys): records of up to three
 * chunks (90,000 characters: every record the catalog holds in practice) come whole in the query's
 * answer, and the service sends, and the SDK deserialises, only them, not the names, flags and
 * observation properties kept beside them for queries. A short select keeps the request short too
 * (the SDK parses, encodes and signs its URL several times). A longer record, whose last selected
 * chunk is full, is read again whole by its keys. (Azure Table Storage answers a selected property
 * an entity lacks as absent or null; either ends the chunks `unpackJson` reads.)
 */
const SELECTED_CHUNKS = 3;
export const RECORD_SELECT: readonly string[] = [
  'PartitionKey',
  'RowKey',
  ...Array.from({ length: SELECTED_CHUNKS }, (_, n) => (n === 0 ? 'record' : `record_${n}`)),
];

/** Whether a selected entity's record may go on past the chunks the query selected. */
function cutShort(e: Record<string, unknown>): boolean {
  const last = e[`record_${SELECTED_CHUNKS - 1}`];
  return typeof last === 'string' && last.length === CHUNK;
}

/** The record of a selected entity: from the query's answer, or read whole by its keys when it is longer than the selected chunks. */
async function recordOf<T>(client: TableClient, e: TableEntityResult<Record<string, unknown>>): Promise<T | undefined> {
  if (!cutShort(e)) return unpackJson<T>('record', e);
  const whole = await getEntityOrUndefined(client, String(e.partitionKey), String(e.rowKey));
  return whole ? unpackJson<T>('record', whole) : undefined;
}

/** The records (packed in `record`) of every entity a filter selects. */
export async function listRecords<T>(client: TableClient, filter: string): Promise<T[]> {
  const out: T[] = [];
  // page by page, not through recordsInPages: no generator step (and its promises) per record
  for await (const page of selectedPages(client, filter, 1000)) {
    for (const e of page) {
      const r = await recordOf<T>(client, e);
      if (r !== undefined) out.push(r);
    }
  }
  return out;
}

/** The pages of the entities a filter selects, with the properties a record read needs. */
function selectedPages(client: TableClient, filter: string, pageSize: number) {
  return client
    .listEntities<Record<string, unknown>>({ queryOptions: { filter, select: [...RECORD_SELECT] } })
    .byPage({ maxPageSize: pageSize });
}

/** The records a filter selects, a table page of `pageSize` at a time. */
export async function* recordsInPages<T>(client: TableClient, filter: string, pageSize: number): AsyncGenerator<T> {
  for await (const page of selectedPages(client, filter, pageSize)) {
    for (const e of page) {
      const r = await recordOf<T>(client, e);
      if (r !== undefined) yield r;
    }
  }
}

/**
 * One page of `top` records in key order, asking the service for one more than a page; `next` is
 * the RowKey of the last record returned when more follow (callers continue with `RowKey gt next`).
 */
export async function pageRecords<T>(
  client: TableClient,
  filter: string,
  top: number,
): Promise<{ items: T[]; next?: string }> {
  const items: T[] = [];
  let last: string | undefined;
  for await (const page of selectedPages(client, filter, Math.min(top + 1, 1000))) {
    for (const e of page) {
      if (typeof e.record !== 'string') continue;
      if (items.length === top) return { items, ...(last ? { next: last } : {}) };
      const r = await recordOf<T>(client, e);
      if (r === undefined) continue;
      items.push(r);
      last = e.rowKey;
    }
  }
  return { items };
}
