/**
 * Record reads ask the table service for the record alone (`$select` of the keys and the first three
 * chunks it may be packed in), not the names, flags and observation properties beside it; a record
 * packed over three chunks comes whole in the query's answer, a longer one is read again by its
 * keys, in lists and pages alike.
 */
import { describe, it, expect, beforeAll, inject } from 'vitest';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableStore } from '../../shared/storage/tables.js';
import type { CatalogStore } from '../../shared/catalog/store.js';
import { galleryRecordFrom, imageVersionRecordFrom } from '../../shared/domain/records.js';
import { imageRef } from '../../shared/domain/ids.js';
import { catalogStore, fixture } from '../support/catalog-fixtures.js';
import { uniqueTablePrefix } from '../support/app-host.js';

/** The query strings of the list queries (GET on `table()`) the store sends, and its entity reads (GET on `table(keys)`). */
let queries: URLSearchParams[] = [];
let entityReads = 0;
const recorder: PipelinePolicy = {
  name: 'recordQueries',
  sendRequest(request, next) {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname.endsWith('()')) queries.push(url.searchParams);
    else if (request.method === 'GET' && url.pathname.endsWith(')')) entityReads++;
    return next(request);
  },
};

let store: CatalogStore;
const obs = { observedAt: '2026-11-21T09:00:00.000Z' };
/** Tags whose JSON spans `n` chunks of 30,000 characters. */
const tagsOver = (chunks: number) =>
  Object.fromEntries(Array.from({ length: 250 * chunks - 60 }, (_, i) => [`tag-${i}`, 'v'.repeat(100)]));
const manyTags = tagsOver(3);

beforeAll(async () => {
  store = catalogStore(
    new TableStore(
      { kind: 'connectionString', connectionString: inject('azuriteConnectionString') },
      { additionalPolicies: [{ policy: recorder, position: 'perRetry' }] },
    ),
    uniqueTablePrefix(),
  );
  await store.ensureTables();
});

describe('record reads', () => {
  it('list galleries: the record alone is asked for; one packed over three chunks comes whole in one query', async () => {
    const base = galleryRecordFrom(fixture('arm/gallery-private.json'));
    const big = { ...base, tags: manyTags };
    expect(JSON.stringify(big).length).toBeGreaterThan(60_000);
    expect(JSON.stringify(big).length).toBeLessThan(90_000);
    await store.putGallery(big, obs);
    queries = [];
    entityReads = 0;
    const listed = await store.listGalleries(big.ref.subscriptionId);
    expect(listed).toEqual([big]);
    expect(queries).toHaveLength(1);
    expect(entityReads).toBe(0);
    expect(queries[0]!.get('$select')?.split(',')).toEqual([
      'PartitionKey',
      'RowKey',
      'record',
      'record_1',
      'record_2',
    ]);
  });

  it('list galleries: a record longer than three chunks is read again whole by its keys', async () => {
    const base = galleryRecordFrom(fixture('arm/gallery-private.json'));
    const huge = {
      ...base,
      ref: { ...base.ref, gallery: 'huge' },
      id: base.id.replace(/[^/]+$/, 'huge'),
      tags: tagsOver(5),
    };
    expect(JSON.stringify(huge).length).toBeGreaterThan(120_000);
    await store.putGallery(huge, obs);
    queries = [];
    entityReads = 0;
    const listed = await store.listGalleries(huge.ref.subscriptionId);
    expect(listed.find((g) => g.ref.gallery === 'huge')).toEqual(huge);
    expect(listed).toHaveLength(2);
    expect(queries).toHaveLength(1);
    expect(entityReads).toBe(1);
  });

  it('a page of versions and the newest-first scan read large records whole, and page on from the RowKey', async () => {
    const completed = imageVersionRecordFrom(fixture('arm/image-version-completed.json'));
    const image = imageRef(completed.ref, completed.ref.image);
    const names = ['1.0.0', '1.0.1', '1.0.2'];
    const records = names.map((version, i) => ({
      ...completed,
      ref: { ...completed.ref, version },
      id: completed.id.replace(/[^/]+$/, version),
      tags: i === 1 ? manyTags : i === 2 ? tagsOver(4) : completed.tags,
    }));
    for (const r of records) await store.putVersion(r, obs);
    const newestFirst = [...records].reverse();

    queries = [];
    const first = await store.pageVersions(image, undefined, 2);
    expect(first.items).toEqual(newestFirst.slice(0, 2));
    expect(first.next).toBeDefined();
    const second = await store.pageVersions(image, first.next, 2);
    expect(second.items).toEqual(newestFirst.slice(2));
    expect(second.next).toBeUndefined();

    const scanned = [];
    for await (const v of store.versionsNewestFirst(image, 2)) scanned.push(v);
    expect(scanned).toEqual(newestFirst);
  });
});
