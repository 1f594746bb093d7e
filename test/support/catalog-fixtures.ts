import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { ArmSimulator, RestResource } from '../../dev/arm-simulator.js';
import { parseResourceId } from '../../shared/domain/ids.js';
import { expectedRecord } from './arm-reference.js';
import { odata } from '@azure/data-tables';
import { subscriptionKey } from '../../shared/catalog/keys.js';
import { CatalogStore } from '../../shared/catalog/store.js';
import { SearchIndex } from '../../shared/search/search-index.js';
import type { TableStore } from '../../shared/storage/tables.js';

export const fixturesDir = path.resolve(import.meta.dirname, '../fixtures');

export function fixture<T = unknown>(rel: string): T {
  return JSON.parse(fs.readFileSync(path.join(fixturesDir, rel), 'utf8')) as T;
}

export type Action = 'Write' | 'Delete' | 'Action';

const OPERATION: Record<string, string> = {
  gallery: 'Microsoft.Compute/galleries',
  image: 'Microsoft.Compute/galleries/images',
  version: 'Microsoft.Compute/galleries/images/versions',
};

let seq = 0;
/** An ARM event as an Event Grid subscription system topic delivers it (Event Grid schema). */
export function armEvent(
  id: string,
  action: Action,
  opts: { share?: boolean; outcome?: 'Success' | 'Failure' | 'Cancel'; eventId?: string } = {},
): Record<string, unknown> {
  const ref = parseResourceId(id);
  const operationName = opts.share
    ? 'Microsoft.Compute/galleries/share/action'
    : `${OPERATION[ref.level]}/${action.toLowerCase()}`;
  seq++;
  return {
    subject: id,
    eventType: `Microsoft.Resources.Resource${action}${opts.outcome ?? 'Success'}`,
    eventTime: new Date().toISOString(),
    id: opts.eventId ?? `evt-${process.pid}-${seq}`,
    data: {
      resourceProvider: 'Microsoft.Compute',
      resourceUri: id,
      operationName,
      status: 'Succeeded',
      subscriptionId: ref.subscriptionId,
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    },
    dataVersion: '2',
    metadataVersion: '1',
    topic: `/subscriptions/${ref.subscriptionId}`,
  };
}

export async function postEvents(
  baseUrl: string,
  events: unknown,
  eventType = 'Notification',
  functionName = 'galleryEvents',
): Promise<Response> {
  return fetch(`${baseUrl}/runtime/webhooks/eventgrid?functionName=${functionName}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'aeg-event-type': eventType },
    body: JSON.stringify(events),
  });
}

/** Every live entity of the catalog for the given subscriptions, as resource ids (lower case). */
export async function liveCatalogIds(store: CatalogStore, subscriptionIds: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const sub of subscriptionIds) {
    const sk = subscriptionKey(sub);
    for await (const e of store.galleries.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${sk} and deleted eq false` },
    }))
      ids.push(String(e.id).toLowerCase());
    const range = odata`PartitionKey gt ${`${sk}|`} and PartitionKey lt ${`${sk}}`} and deleted eq false`;
    for await (const e of store.images.listEntities<Record<string, unknown>>({ queryOptions: { filter: range } }))
      ids.push(String(e.id).toLowerCase());
    for await (const e of store.versions.listEntities<Record<string, unknown>>({ queryOptions: { filter: range } }))
      ids.push(String(e.id).toLowerCase());
  }
  return ids.sort();
}

/**
 * Asserts that the catalog holds exactly ARM's state for the given subscriptions: the same live
 * resources, each record equal to the one computed from ARM's JSON of it by the independent
 * reference (arm-reference.ts), not by the production mappers this checks.
 */
export async function expectCatalogEqualsArm(
  sim: ArmSimulator,
  store: CatalogStore,
  subscriptionIds: string[],
): Promise<void> {
  const subs = new Set(subscriptionIds.map((s) => s.toLowerCase()));
  const armResources: RestResource[] = sim
    .all()
    .filter((r) => subs.has(parseResourceId(r.id).subscriptionId.toLowerCase()));
  expect(await liveCatalogIds(store, subscriptionIds)).toEqual(armResources.map((r) => r.id.toLowerCase()).sort());
  for (const r of armResources) {
    const ref = parseResourceId(r.id);
    const stored =
      ref.level === 'gallery'
        ? await store.getGallery(ref)
        : ref.level === 'image'
          ? await store.getImage(ref)
          : await store.getVersion(ref);
    expect(stored?.record, r.id).toEqual(expectedRecord(r));
  }
}

/** Deletes every entity of the catalog tables (test isolation within one file). */
export async function clearCatalog(store: CatalogStore): Promise<void> {
  await store.ensureTables();
  await store.search.ensureTable();
  for (const table of [
    store.galleries,
    store.images,
    store.versions,
    store.shares,
    store.rechecks,
    store.search.table,
  ]) {
    for await (const e of table.listEntities()) await table.deleteEntity(e.partitionKey ?? '', e.rowKey ?? '');
  }
}

/** A catalog store with its search index, as the composition root (shared/services.ts) builds them. */
export function catalogStore(tables: TableStore, prefix: string): CatalogStore {
  return new CatalogStore(tables, prefix, new SearchIndex(tables, prefix));
}
