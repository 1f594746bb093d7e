/**
 * The search index: one table shaped for `GET /api/images`, kept with the catalog writes, so a
 * page of search results costs a query per visible scope plus O(page) reads, never a walk of the
 * catalog.
 *
 * | table    | PartitionKey | RowKey                                   | holds                                   |
 * |----------|--------------|------------------------------------------|-----------------------------------------|
 * | search   | subscription | search sort key of the image definition  | the definition record, filter columns, `L_<region>` |
 *
 * Filter columns (lower case): `pub`, `off`, `sku`, `os`, `osState`, `arch`, `hvg`, `sec` (the
 * SecurityType, absent = standard), `S_standard` / `S_trustedlaunch` / `S_confidentialvm` (the
 * security families, domain/search.ts) and `L_<region>`: some version may be latest there. A
 * search is a query per scope the caller sees (a whole subscription, a gallery's key range, one
 * definition), all filters applied by the table service, merged in key order.
 *
 * `L_<region>` is the answer to "is some live version eligible for latest there" (the versions'
 * `E_<region>` flags): a version write that makes a version eligible in a region sets it
 * (unconditionally); one that removes eligibility clears it only after checking, under the row's
 * ETag, that no other version is eligible there (each check runs after its own version write, so
 * of two versions losing a region at once the later check sees both). A search trusts it: the
 * region costs no read per result. What a crash between a version write and its index write, or a
 * race between instances, could leave wrong is repaired by the reconcile (`repairRegions`).
 *
 * Rows carry the definition's `observedAt`: an older observation never replaces a newer one, and a
 * deleted definition leaves a tombstone row (`deleted: true`). Rows written before this index
 * existed are filled by `backfill` (run once per table, guarded by a marker row; the first search
 * of each process checks it).
 */
import { odata, type TableClient, type TableEntity } from '@azure/data-tables';
import { createTablesOnce, getEntityOrUndefined, tableStatusOf, type TableStore } from '../storage/tables.js';
import { imageRef, type GalleryRef, type ImageRef } from '../domain/ids.js';
import type { ImageDefinitionRecord } from '../domain/records.js';
import {
  SECURITY_FAMILIES,
  gallerySortRange,
  searchFamiliesColumn,
  searchSortKey,
  securityFamiliesOf,
  securityFamilyOf,
  securityTypeKey,
  type SearchCriteria,
} from '../domain/search.js';
import { packJson, unpackJson } from '../catalog/json-props.js';
import { writeObserved } from '../storage/observed-write.js';
import { subscriptionKey } from '../catalog/keys.js';

type Entity = TableEntity<Record<string, unknown>>;

const META_PK = '~meta';
const BACKFILL_RK = 'backfill-v1';
const MAX_ATTEMPTS = 6;
const KNOWN_LATEST_MS = 60_000;
const KNOWN_LATEST_MAX = 10_000;

interface LatestBatch {
  columns: Set<string>;
  started: boolean;
  done: Promise<void>;
}

/** Where a search looks: a whole subscription, one gallery, or one image definition. */
export type SearchScope = { subscriptionId: string } | { gallery: GalleryRef } | { image: ImageRef };

export interface SearchHit {
  key: string;
  record: ImageDefinitionRecord;
}

/** `L_<region>` for a normalised region name; undefined when the name cannot be a property. */
export function latestColumn(region: string): string | undefined {
  const col = `L_${region.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  return /^L_[a-z0-9]+$/.test(col) ? col : undefined;
}

/** What the index reads from the catalog itself. Regions are the catalog's `E_<region>` suffixes. */
export interface SearchSource {
  /** Every live definition, with when it was observed (the backfill). */
  definitions(): AsyncIterable<{ record: ImageDefinitionRecord; observedAt: string }>;
  /** Every definition with a version eligible for latest somewhere, and those regions (the backfill). */
  eligibleRegions(): AsyncIterable<{ ref: ImageRef; regions: string[] }>;
  /** The regions where a live version of the definition is eligible for latest. */
  eligibleRegionsOf(ref: ImageRef): Promise<string[]>;
  /** Whether a live version of the definition is eligible for latest in the region (top-1 query). */
  hasLatestIn(ref: ImageRef, region: string): Promise<boolean>;
}

export class SearchIndex {
  readonly table: TableClient;
  readonly ensureTable: () => Promise<void>;
  private backfilled: Promise<void> | undefined;
  private readonly latestSets = new Map<string, { tail: Promise<void>; queued?: LatestBatch }>();
  /**
   * `L_` columns this process set to true on a row, and since when: a version gaining a region
   * already set costs no write. Dropped before any clear of the row in this process; a clear by
   * another instance at the same moment is repaired by the next reconcile (`repairRegions`).
   */
  private readonly knownLatest = new Map<string, { at: number; columns: Set<string> }>();

  private sourceOf: SearchSource | undefined;

  constructor(tables: TableStore, prefix: string) {
    this.table = tables.table(`${prefix}search`);
    this.ensureTable = createTablesOnce([this.table]);
  }

  /** Where the index reads the catalog back (its backfill and region checks): the catalog store, which connects itself. */
  readFrom(source: SearchSource): void {
    this.sourceOf = source;
  }

  private get source(): SearchSource {
    if (!this.sourceOf) throw new Error('the search index is not connected to a catalog store');
    return this.sourceOf;
  }

  // ------------------------------------------------------------------ writes (called by the catalog store)

  /** A definition was written (its record observed at `observedAt`). */
  async putImage(record: ImageDefinitionRecord, observedAt: string): Promise<void> {
    const previous = await this.writeRow(record.ref, observedAt, (existing) => ({
      ...rowOf(record, observedAt),
      ...latestFlags(existing),
    }));
    // A new row (or one back from a tombstone) takes the regions of the versions indexed before
    // it, read after the row exists: a version written later finds the row itself.
    if (previous !== 'stale' && (!previous || previous.deleted === true)) await this.refreshRegions(record.ref, 'all');
  }

  /** A definition was deleted (tombstoned at `observedAt`). */
  async tombstoneImage(ref: ImageRef, observedAt: string): Promise<void> {
    this.knownLatest.delete(`${subscriptionKey(ref.subscriptionId)}\n${searchSortKey(ref)}`);
    await this.writeRow(ref, observedAt, () => ({
      partitionKey: subscriptionKey(ref.subscriptionId),
      rowKey: searchSortKey(ref),
      ...namesOf(ref),
      deleted: true,
      observedAt,
    }));
  }

  /**
   * Replaces the definition's row unless it holds a later observation (ETag-guarded; a 412 / 409
   * re-reads). Returns the row replaced (undefined when there was none), or `stale`.
   */
  private async writeRow(
    ref: ImageRef,
    observedAt: string,
    build: (existing: Record<string, unknown> | undefined) => Entity,
  ): Promise<Record<string, unknown> | undefined | 'stale'> {
    await this.ensureTable();
    const { outcome, previous } = await writeObserved(
      this.table,
      { partitionKey: subscriptionKey(ref.subscriptionId), rowKey: searchSortKey(ref) },
      observedAt,
      build,
      { attempts: MAX_ATTEMPTS },
    );
    return outcome === 'stale' ? 'stale' : previous;
  }

  /** A gallery was deleted: every definition row of it observed earlier is tombstoned. */
  async tombstoneGallery(ref: GalleryRef, observedAt: string): Promise<void> {
    await this.ensureTable();
    const { from, to } = gallerySortRange(ref);
    const filter = odata`PartitionKey eq ${subscriptionKey(ref.subscriptionId)} and RowKey ge ${from} and RowKey lt ${to} and deleted eq false`;
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter, select: ['image'] },
    })) {
      if (typeof e.image === 'string') await this.tombstoneImage(imageRef(ref, e.image), observedAt);
    }
  }

  /**
   * A version of the definition was written or deleted: `gained` are the regions where it became
   * eligible for latest, `lost` those where it no longer is.
   */
  async versionChanged(ref: ImageRef, gained: readonly string[], lost: readonly string[]): Promise<void> {
    if (gained.length === 0 && lost.length === 0) return;
    await this.ensureTable();
    const pk = subscriptionKey(ref.subscriptionId);
    const rk = searchSortKey(ref);
    const columns = gained.map(latestColumn).filter((c): c is string => c !== undefined);
    if (columns.length > 0) await this.setLatest(pk, rk, columns);
    if (lost.length > 0) await this.refreshRegions(ref, lost);
  }

  /**
   * Sets `L_` columns to true. Concurrent calls for one row share a merge: a call joins the batch
   * that has not started yet (so the merge it waits for starts after its version was written),
   * or starts the next one once the running merge ends. A burst of versions of one definition
   * costs two merges, not one per version.
   */
  private setLatest(pk: string, rk: string, wanted: readonly string[]): Promise<void> {
    const key = `${pk}\n${rk}`;
    const known = this.knownLatest.get(key);
    const columns =
      known && performance.now() - known.at < KNOWN_LATEST_MS ? wanted.filter((c) => !known.columns.has(c)) : wanted;
    if (columns.length === 0) return Promise.resolve();
    const row = this.latestSets.get(key);
    if (row?.queued && !row.queued.started) {
      for (const c of columns) row.queued.columns.add(c);
      return row.queued.done;
    }
    const batch: LatestBatch = { columns: new Set(columns), started: false, done: Promise.resolve() };
    const previous = row?.tail ?? Promise.resolve();
    batch.done = previous
      .catch(() => undefined)
      .then(async () => {
        batch.started = true;
        const set = Object.fromEntries([...batch.columns].map((c) => [c, true]));
        const startedAt = performance.now();
        try {
          await this.table.updateEntity({ partitionKey: pk, rowKey: rk, ...set }, 'Merge', { etag: '*' });
        } catch (err) {
          // No row yet: the definition's own write reads the versions' regions once it creates it.
          if (tableStatusOf(err) !== 404) throw err;
          return;
        }
        const entry = this.knownLatest.get(key);
        if (entry) for (const c of batch.columns) entry.columns.add(c);
        else {
          if (this.knownLatest.size >= KNOWN_LATEST_MAX) this.knownLatest.clear();
          this.knownLatest.set(key, { at: startedAt, columns: new Set(batch.columns) });
        }
      })
      .finally(() => {
        if (this.latestSets.get(key)?.tail === batch.done) this.latestSets.delete(key);
      });
    this.latestSets.set(key, { tail: batch.done, queued: batch });
    return batch.done;
  }

  /**
   * Sets `L_<region>` from the versions themselves (all regions when `regions` is undefined),
   * under the row's ETag: a concurrent change re-reads.
   */
  private async refreshRegions(ref: ImageRef, regions: readonly string[] | 'all'): Promise<void> {
    const pk = subscriptionKey(ref.subscriptionId);
    const rk = searchSortKey(ref);
    // before any check: a set in this process from now on merges instead of trusting what it knew
    this.knownLatest.delete(`${pk}\n${rk}`);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const row = await getEntityOrUndefined(this.table, pk, rk);
      if (!row || row.deleted === true) return;
      const update: Record<string, boolean> = {};
      if (regions === 'all') {
        for (const col of Object.keys(row)) if (col.startsWith('L_')) update[col] = false;
        for (const r of await this.source.eligibleRegionsOf(ref)) {
          const col = latestColumn(r);
          if (col) update[col] = true;
        }
      } else {
        for (const r of regions) {
          const col = latestColumn(r);
          if (col) update[col] = await this.source.hasLatestIn(ref, r);
        }
      }
      for (const [col, value] of Object.entries(update)) if ((row[col] === true) === value) delete update[col];
      if (Object.keys(update).length === 0) return;
      try {
        await this.table.updateEntity({ partitionKey: pk, rowKey: rk, ...update }, 'Merge', { etag: row.etag });
        return;
      } catch (err) {
        const status = tableStatusOf(err);
        if (status !== 412 && status !== 404) throw err;
      }
    }
  }

  /**
   * Makes the definition's `L_` columns equal to its versions (the reconcile calls it for every
   * definition it walks): repairs what a race between instances could leave behind.
   */
  async repairRegions(ref: ImageRef): Promise<void> {
    await this.ensureTable();
    await this.refreshRegions(ref, 'all');
  }

  // ------------------------------------------------------------------ backfill

  /** Runs the backfill once per table (the marker row says it ran); concurrent callers share one run per process. */
  ready(): Promise<void> {
    this.backfilled ??= this.backfillOnce().catch((err: unknown) => {
      this.backfilled = undefined;
      throw err;
    });
    return this.backfilled;
  }

  private async backfillOnce(): Promise<void> {
    await this.ensureTable();
    if (await getEntityOrUndefined(this.table, META_PK, BACKFILL_RK)) return;
    await this.backfill();
    await this.table.upsertEntity(
      { partitionKey: META_PK, rowKey: BACKFILL_RK, at: new Date().toISOString() },
      'Replace',
    );
  }

  /**
   * Indexes every live definition that has no row yet, and sets the regions of every eligible
   * version. Idempotent, and safe beside live writes: it only creates missing rows (a live write
   * that got there first wins) and only ever sets `L_` flags.
   */
  async backfill(): Promise<{ definitions: number }> {
    await this.ensureTable();
    let definitions = 0;
    for await (const d of this.source.definitions()) {
      try {
        await this.table.createEntity(rowOf(d.record, d.observedAt));
        definitions++;
      } catch (err) {
        if (tableStatusOf(err) !== 409) throw err;
      }
    }
    for await (const { ref, regions } of this.source.eligibleRegions()) await this.versionChanged(ref, regions, []);
    return { definitions };
  }

  // ------------------------------------------------------------------ search

  /**
   * The matching definitions of the scopes, in key order, after `after`; at most `top`, plus
   * whether more may follow. `accept` decides each candidate (visibility, the region re-check);
   * rejected candidates do not count.
   */
  async search(
    scopes: readonly SearchScope[],
    criteria: SearchCriteria,
    after: string | undefined,
    top: number,
    accept: (hit: SearchHit) => Promise<boolean>,
  ): Promise<{ items: SearchHit[]; more: boolean }> {
    await this.ready();
    const conditions = criteriaFilter(criteria);
    if (conditions === undefined) return { items: [], more: false };
    const streams = scopes.map((s) => this.stream(s, conditions, after, Math.min(top + 1, 1000)));
    const heads = await Promise.all(streams.map((s) => s.next()));
    /** The next candidate in key order across the scopes, each definition once (a grant inside a shared gallery is two scopes). */
    let lastKey: string | undefined;
    const nextCandidate = async (): Promise<SearchHit | undefined> => {
      for (;;) {
        let best = -1;
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i];
          const b = best >= 0 ? heads[best] : undefined;
          if (h && !h.done && (!b || b.done || h.value.key < b.value.key)) best = i;
        }
        const head = best >= 0 ? heads[best] : undefined;
        if (!head || head.done) return undefined;
        heads[best] = await (streams[best] as AsyncGenerator<SearchHit>).next();
        if (head.value.key === lastKey) continue;
        lastKey = head.value.key;
        return head.value;
      }
    };
    // Candidates are decided a batch at a time, concurrently (each may cost a read), kept in order.
    const items: SearchHit[] = [];
    for (;;) {
      const batch: SearchHit[] = [];
      while (batch.length < top + 1 - items.length) {
        const c = await nextCandidate();
        if (!c) break;
        batch.push(c);
      }
      if (batch.length === 0) return { items, more: false };
      const accepted = await Promise.all(batch.map(accept));
      for (const [i, hit] of batch.entries()) {
        if (!accepted[i]) continue;
        if (items.length === top) return { items, more: true };
        items.push(hit);
      }
    }
  }

  private async *stream(
    scope: SearchScope,
    conditions: string,
    after: string | undefined,
    pageSize: number,
  ): AsyncGenerator<SearchHit> {
    const where = scopeFilter(scope);
    const filter = `${where}${after !== undefined ? ` and ${odata`RowKey gt ${after}`}` : ''} and deleted eq false${conditions}`;
    for await (const page of this.table
      .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
      .byPage({ maxPageSize: pageSize })) {
      for (const e of page) {
        const record = unpackJson<ImageDefinitionRecord>('record', e);
        if (record && e.rowKey !== undefined) yield { key: e.rowKey, record };
      }
    }
  }
}

function scopeFilter(scope: SearchScope): string {
  if ('subscriptionId' in scope) return odata`PartitionKey eq ${subscriptionKey(scope.subscriptionId)}`;
  if ('gallery' in scope) {
    const { from, to } = gallerySortRange(scope.gallery);
    return odata`PartitionKey eq ${subscriptionKey(scope.gallery.subscriptionId)} and RowKey ge ${from} and RowKey lt ${to}`;
  }
  return odata`PartitionKey eq ${subscriptionKey(scope.image.subscriptionId)} and RowKey eq ${searchSortKey(scope.image)}`;
}

/** The table filter of the criteria (each clause prefixed with ` and `); undefined when nothing can match. */
function criteriaFilter(c: SearchCriteria): string | undefined {
  const clauses: string[] = [];
  const lower = (v: string | undefined) => v?.toLowerCase();
  const v = {
    pub: lower(c.publisher),
    off: lower(c.offer),
    sku: lower(c.sku),
    os: lower(c.osType),
    osState: lower(c.osState),
    arch: lower(c.architecture),
    hvg: lower(c.hyperVGeneration),
  };
  if (v.pub !== undefined) clauses.push(odata`pub eq ${v.pub}`);
  if (v.off !== undefined) clauses.push(odata`off eq ${v.off}`);
  if (v.sku !== undefined) clauses.push(odata`sku eq ${v.sku}`);
  if (v.os !== undefined) clauses.push(odata`os eq ${v.os}`);
  if (v.osState !== undefined) clauses.push(odata`osState eq ${v.osState}`);
  if (v.arch !== undefined) clauses.push(odata`arch eq ${v.arch}`);
  if (v.hvg !== undefined) clauses.push(odata`hvg eq ${v.hvg}`);
  if (c.securityType !== undefined) {
    const family = securityFamilyOf(c.securityType);
    // a family column is one of three fixed names (S_standard, S_trustedlaunch, S_confidentialvm)
    clauses.push(family ? `${searchFamiliesColumn(family)} eq true` : odata`sec eq ${c.securityType.toLowerCase()}`);
  }
  if (c.region !== undefined) {
    const col = latestColumn(c.region);
    if (!col) return undefined;
    clauses.push(`${col} eq true`); // L_ followed by [a-z0-9]+ only
  }
  return clauses.map((x) => ` and ${x}`).join('');
}

function namesOf(ref: ImageRef): Record<string, string> {
  return {
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    gallery: ref.gallery,
    image: ref.image,
  };
}

function rowOf(record: ImageDefinitionRecord, observedAt: string): Entity {
  const families: Record<string, boolean> = {};
  const can = securityFamiliesOf(record);
  for (const f of SECURITY_FAMILIES) families[searchFamiliesColumn(f)] = can.includes(f);
  return {
    partitionKey: subscriptionKey(record.ref.subscriptionId),
    rowKey: searchSortKey(record.ref),
    ...namesOf(record.ref),
    deleted: false,
    observedAt,
    pub: record.publisher.toLowerCase(),
    off: record.offer.toLowerCase(),
    sku: record.sku.toLowerCase(),
    os: record.osType.toLowerCase(),
    osState: record.osState.toLowerCase(),
    arch: record.architecture.toLowerCase(),
    hvg: record.hyperVGeneration.toLowerCase(),
    sec: securityTypeKey(record),
    ...families,
    ...packJson('record', record),
  };
}

function latestFlags(row: Record<string, unknown> | undefined): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (row) for (const [k, v] of Object.entries(row)) if (k.startsWith('L_') && v === true) out[k] = true;
  return out;
}
