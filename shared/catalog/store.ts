/**
 * The catalog in Table Storage.
 *
 * | table       | PartitionKey                 | RowKey                         | holds                          |
 * |-------------|------------------------------|--------------------------------|--------------------------------|
 * | galleries   | subscription                 | resourceGroup`|`gallery        | gallery records                |
 * | images      | sub`|`rg`|`gallery            | image                          | image definition records       |
 * | versions    | sub`|`rg`|`gallery`|`image    | inverted version (newest first)| version records + region flags |
 * | shares      | `s|`sub, `t|`tenant, `community` | sub`|`rg`|`gallery          | who a gallery is shared with   |
 * | rechecks    | `v`                          | version key                    | versions still settling        |
 *
 * Every entity carries `observedAt`, the time ARM was read for it. A write replaces an entity only
 * if it was observed no earlier than what is stored (read, then an ETag-guarded replace or a
 * create; a 412 or 409 re-reads), so concurrent or reordered deliveries can never put an older ARM
 * state back. A tombstone is an entity with `deleted: true`: a late event then finds 404 in ARM
 * and keeps it; a genuine re-create is observed later and restores the record.
 */
import {
  odata,
  type TableClient,
  type TableEntity,
  type TableEntityResult,
  type TransactionAction,
} from '@azure/data-tables';
import { createTablesOnce, getEntityOrUndefined, tableStatusOf, type TableStore } from '../storage/tables.js';
import {
  formatResourceId,
  galleryRef,
  imageRef,
  versionRef,
  type GalleryRef,
  type ImageRef,
  type VersionRef,
} from '../domain/ids.js';
import type { GalleryRecord, ImageDefinitionRecord, ImageVersionRecord } from '../domain/records.js';
import { deployability, FLAG_RULES_VERSION, needsRecheck } from '../domain/latest.js';
import {
  AFTER_SEP,
  SEP,
  galleryKey,
  galleryRowKey,
  imageKey,
  imageRowKey,
  regionProperty,
  resourceGroupPrefix,
  subscriptionKey,
  versionKey,
  versionRowKey,
} from './keys.js';
import { listRecords, packJson, pageRecords, recordsInPages, unpackJson } from './json-props.js';
import type { PlannedWrite, VersionEvents } from '../events/version-events.js';
import { recordedRows } from '../events/outbox.js';
import type { SearchIndex, SearchSource } from '../search/search-index.js';
import { ConcurrencyError, writeObserved } from '../storage/observed-write.js';

export { ConcurrencyError };

export interface Observation {
  /** When ARM was read (ISO 8601 with milliseconds). */
  observedAt: string;
  eventId?: string;
  eventType?: string;
  eventTime?: string;
}

export type WriteOutcome = 'written' | 'stale';

export interface Stored<R> {
  record?: R;
  deleted: boolean;
  observedAt: string;
  lastEventId?: string;
  lastEventTime?: string;
}

/** A live version as stored, with the rule version its per-region flags were computed under. */
export interface StoredVersion {
  record: ImageVersionRecord;
  /** FLAG_RULES_VERSION when the row was written; 1 for rows written before the marker existed. */
  flagRules: number;
  settling: boolean;
}

type Entity = TableEntity<Record<string, unknown>>;

const MAX_WRITE_ATTEMPTS = 6;
/** The `eventType` the re-check timer records on what it writes. */
export const RECHECK_EVENT = 'Recheck';
const BATCH = 100;

export class CatalogStore {
  readonly galleries: TableClient;
  readonly images: TableClient;
  readonly versions: TableClient;
  readonly shares: TableClient;
  readonly rechecks: TableClient;
  /** Creates the tables once per process. */
  readonly ensureTables: () => Promise<void>;
  private readonly versionListeners: ((ref: ImageRef) => void)[] = [];
  private readonly recordListeners: ((ref: GalleryRef | ImageRef) => void)[] = [];
  /** Plans the domain events of version writes (written in the same transaction), when set. */
  private events: VersionEvents | undefined;
  /** The search index, kept with every definition and version write (shared/search). */
  readonly search: SearchIndex;

  /** `search`: the search index, kept with every definition and version write; it reads the catalog back through this store. */
  constructor(
    readonly tables: TableStore,
    readonly prefix: string,
    search: SearchIndex,
  ) {
    this.galleries = tables.table(`${prefix}galleries`);
    this.images = tables.table(`${prefix}images`);
    this.versions = tables.table(`${prefix}versions`);
    this.shares = tables.table(`${prefix}shares`);
    this.rechecks = tables.table(`${prefix}rechecks`);
    this.ensureTables = createTablesOnce([this.galleries, this.images, this.versions, this.shares, this.rechecks]);
    this.search = search;
    search.readFrom(this.searchSource());
  }

  /** Version writes and tombstones record their domain events (outbox) and publish them right after. */
  useEvents(events: VersionEvents | undefined): void {
    this.events = events;
  }

  /**
   * The transaction additions of a version write (its mark and ImageVersionReady outbox rows; none
   * when the write cannot move latest). `planned` keeps the plan the transaction wrote.
   */
  private versionExtra(
    ref: VersionRef,
    after: ImageVersionRecord | undefined,
    obs: Observation,
    planned: { plan?: PlannedWrite },
  ): ExtraActions | undefined {
    const events = this.events;
    if (!events) return undefined;
    return (previous) => {
      const before =
        previous && previous.deleted !== true ? unpackJson<ImageVersionRecord>('record', previous) : undefined;
      planned.plan = events.plan(imageKey(ref), ref, before, after, obs.observedAt);
      return Promise.resolve(planned.plan.actions);
    };
  }

  /** After a version write: publish its ImageVersionReady events, then compare and record latest (settle). */
  private async versionWritten(ref: VersionRef, planned: { plan?: PlannedWrite }, obs: Observation): Promise<void> {
    const plan = planned.plan;
    if (!this.events || !plan?.settle) return;
    await this.events.publisher.publishRecorded(this.versions, recordedRows(imageKey(ref), plan.events));
    await this.events.settle(this.versions, imageKey(ref), imageRef(ref, ref.image), obs.observedAt);
  }

  /** Called (in this process) whenever a version of an image definition is written or tombstoned. */
  onVersionChange(listener: (ref: ImageRef) => void): void {
    this.versionListeners.push(listener);
  }

  /** Called (in this process) whenever a gallery or image definition record is written or tombstoned. */
  onRecordChange(listener: (ref: GalleryRef | ImageRef) => void): void {
    this.recordListeners.push(listener);
  }

  private recordChanged(ref: GalleryRef | ImageRef): void {
    for (const l of this.recordListeners) l(ref);
  }

  private versionChanged(ref: VersionRef | ImageRef): void {
    const image = imageRef(ref, ref.image);
    for (const l of this.versionListeners) l(image);
  }

  // ------------------------------------------------------------------ galleries

  async putGallery(record: GalleryRecord, obs: Observation): Promise<WriteOutcome> {
    await this.ensureTables();
    const pk = subscriptionKey(record.ref.subscriptionId);
    const rk = galleryRowKey(record.ref);
    const entity: Entity = {
      partitionKey: pk,
      rowKey: rk,
      ...names(record.ref),
      id: record.id,
      deleted: false,
      location: record.location,
      permissions: record.sharing.permissions,
      ...packJson('record', record),
      ...observation(obs),
    };
    const result = await this.writeObserved(this.galleries, entity, obs);
    if (result.outcome === 'written')
      await this.syncShares(record.ref, sharesOf(record), sharesOfEntity(result.previous));
    this.recordChanged(record.ref);
    return result.outcome;
  }

  async tombstoneGallery(ref: GalleryRef, obs: Observation): Promise<WriteOutcome> {
    await this.ensureTables();
    const result = await this.writeObserved(
      this.galleries,
      tombstone(subscriptionKey(ref.subscriptionId), galleryRowKey(ref), ref, obs),
      obs,
    );
    if (result.outcome === 'written') await this.syncShares(ref, [], sharesOfEntity(result.previous));
    this.recordChanged(ref);
    await this.search.tombstoneGallery(ref, obs.observedAt);
    const gk = galleryKey(ref);
    await this.cascade(this.images, odata`PartitionKey eq ${gk}`, obs);
    await this.cascade(this.versions, odata`PartitionKey gt ${gk + SEP} and PartitionKey lt ${gk + AFTER_SEP}`, obs);
    if (this.events) {
      // Every definition of the gallery (tombstoned now) loses its latest.
      for await (const e of this.images.listEntities<Record<string, unknown>>({
        queryOptions: { filter: odata`PartitionKey eq ${gk}`, select: ['image'] },
      })) {
        if (typeof e.image !== 'string') continue;
        const image = imageRef(ref, e.image);
        await this.events.settle(this.versions, imageKey(image), image, obs.observedAt, true);
      }
    }
    return result.outcome;
  }

  async getGallery(ref: GalleryRef): Promise<Stored<GalleryRecord> | undefined> {
    await this.ensureTables();
    return stored<GalleryRecord>(
      await getEntityOrUndefined(this.galleries, subscriptionKey(ref.subscriptionId), galleryRowKey(ref)),
    );
  }

  /** Live galleries of a subscription (one resource group when given), in key order. */
  async listGalleries(subscriptionId: string, resourceGroup?: string): Promise<GalleryRecord[]> {
    await this.ensureTables();
    const pk = subscriptionKey(subscriptionId);
    const filter = resourceGroup
      ? odata`PartitionKey eq ${pk} and RowKey gt ${resourceGroupPrefix(resourceGroup)} and RowKey lt ${resourceGroupPrefix(resourceGroup).slice(0, -1) + AFTER_SEP} and deleted eq false`
      : odata`PartitionKey eq ${pk} and deleted eq false`;
    return listRecords<GalleryRecord>(this.galleries, filter);
  }

  // ------------------------------------------------------------------ image definitions

  async putImage(record: ImageDefinitionRecord, obs: Observation): Promise<WriteOutcome> {
    await this.ensureTables();
    const entity: Entity = {
      partitionKey: galleryKey(record.ref),
      rowKey: imageRowKey(record.ref),
      ...names(record.ref),
      id: record.id,
      deleted: false,
      publisherKey: record.publisher.toLowerCase(),
      offerKey: record.offer.toLowerCase(),
      skuKey: record.sku.toLowerCase(),
      osType: record.osType,
      osState: record.osState,
      architecture: record.architecture,
      hyperVGeneration: record.hyperVGeneration,
      securityType: record.features.securityType ?? '',
      ...packJson('record', record),
      ...observation(obs),
    };
    const { outcome } = await this.writeObserved(this.images, entity, obs);
    if (outcome === 'written') await this.search.putImage(record, obs.observedAt);
    this.recordChanged(record.ref);
    return outcome;
  }

  async tombstoneImage(ref: ImageRef, obs: Observation): Promise<WriteOutcome> {
    await this.ensureTables();
    const result = await this.writeObserved(this.images, tombstone(galleryKey(ref), imageRowKey(ref), ref, obs), obs);
    if (result.outcome === 'written') await this.search.tombstoneImage(ref, obs.observedAt);
    this.recordChanged(ref);
    await this.cascade(this.versions, odata`PartitionKey eq ${imageKey(ref)}`, obs);
    this.versionChanged(ref);
    await this.events?.settle(this.versions, imageKey(ref), ref, obs.observedAt, true);
    return result.outcome;
  }

  async getImage(ref: ImageRef): Promise<Stored<ImageDefinitionRecord> | undefined> {
    await this.ensureTables();
    return stored<ImageDefinitionRecord>(await getEntityOrUndefined(this.images, galleryKey(ref), imageRowKey(ref)));
  }

  /** Live image definitions of a gallery. */
  async listImages(ref: GalleryRef): Promise<ImageDefinitionRecord[]> {
    await this.ensureTables();
    return listRecords<ImageDefinitionRecord>(
      this.images,
      odata`PartitionKey eq ${galleryKey(ref)} and deleted eq false`,
    );
  }

  // ------------------------------------------------------------------ image versions

  /**
   * `likelyNew`: the caller expects no row yet (a version's write event, a version the reconcile
   * did not find stored): the row is created without reading first, one round trip; a 409 falls
   * back to the read and ETag-guarded replace.
   */
  async putVersion(
    record: ImageVersionRecord,
    obs: Observation,
    options: { likelyNew?: boolean } = {},
  ): Promise<WriteOutcome> {
    await this.ensureTables();
    const settling = needsRecheck(record);
    const entity: Entity = {
      partitionKey: imageKey(record.ref),
      rowKey: versionRowKey(record.ref),
      ...names(record.ref),
      id: record.id,
      deleted: false,
      provisioningState: record.provisioningState,
      replicationState: record.aggregatedReplicationState,
      settling,
      ...versionFlags(record),
      ...packJson('record', record),
      ...observation(obs),
    };
    const planned: { plan?: PlannedWrite } = {};
    const { outcome, previous } = await this.writeObserved(
      this.versions,
      entity,
      obs,
      this.versionExtra(record.ref, record, obs, planned),
      options.likelyNew === true,
    );
    if (outcome === 'written') this.versionChanged(record.ref);
    if (outcome === 'written') {
      await this.search.versionChanged(imageRef(record.ref, record.ref.image), ...eligibilityChange(previous, entity));
      await this.versionWritten(record.ref, planned, obs);
    }
    if (outcome === 'written') {
      const wasSettling = previous?.settling === true;
      // The re-check list only changes when the version starts or stops settling (or an event,
      // not the re-check itself, finds it still settling after the re-checks gave up).
      if (settling && (!wasSettling || obs.eventType !== RECHECK_EVENT)) await this.scheduleRecheck(record.ref, obs);
      else if (!settling && wasSettling) await this.clearRecheck(record.ref);
    }
    return outcome;
  }

  async tombstoneVersion(ref: VersionRef, obs: Observation): Promise<WriteOutcome> {
    await this.ensureTables();
    const planned: { plan?: PlannedWrite } = {};
    const { outcome, previous } = await this.writeObserved(
      this.versions,
      tombstone(imageKey(ref), versionRowKey(ref), ref, obs),
      obs,
      this.versionExtra(ref, undefined, obs, planned),
    );
    if (outcome === 'written') {
      this.versionChanged(ref);
      await this.search.versionChanged(imageRef(ref, ref.image), ...eligibilityChange(previous, {}));
      await this.versionWritten(ref, planned, obs);
      await this.clearRecheck(ref);
    }
    return outcome;
  }

  async getVersion(ref: VersionRef): Promise<Stored<ImageVersionRecord> | undefined> {
    await this.ensureTables();
    return stored<ImageVersionRecord>(await getEntityOrUndefined(this.versions, imageKey(ref), versionRowKey(ref)));
  }

  /** Live versions of an image definition with their flag-rule marker, newest first (the reconcile's view). */
  async listStoredVersions(ref: ImageRef): Promise<StoredVersion[]> {
    await this.ensureTables();
    const out: StoredVersion[] = [];
    const filter = odata`PartitionKey eq ${imageKey(ref)} and deleted eq false`;
    for await (const e of this.versions.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const record = unpackJson<ImageVersionRecord>('record', e);
      if (record === undefined) continue;
      out.push({ record, flagRules: typeof e.flagRules === 'number' ? e.flagRules : 1, settling: e.settling === true });
    }
    return out;
  }

  /**
   * Recomputes a stored version's per-region flags from its stored record under the current rule
   * (no ARM read), when the row was written under an older rule. The observation is kept; an
   * ETag guard leaves a row alone that was rewritten meanwhile (it then carries the current rule).
   * Returns whether the row was rewritten.
   */
  async upgradeFlags(ref: VersionRef): Promise<boolean> {
    await this.ensureTables();
    const existing = await getEntityOrUndefined(this.versions, imageKey(ref), versionRowKey(ref));
    if (!existing || existing.deleted === true || existing.flagRules === FLAG_RULES_VERSION) return false;
    const record = unpackJson<ImageVersionRecord>('record', existing);
    if (record === undefined) return false;
    const kept: Entity = { partitionKey: imageKey(ref), rowKey: versionRowKey(ref) };
    for (const [k, v] of Object.entries(existing)) {
      if (
        k === 'etag' ||
        k === 'timestamp' ||
        k === 'partitionKey' ||
        k === 'rowKey' ||
        k.startsWith('odata.') ||
        /^[ED]_/.test(k)
      )
        continue;
      kept[k] = v;
    }
    try {
      await this.versions.updateEntity({ ...kept, ...versionFlags(record) }, 'Replace', { etag: existing.etag });
    } catch (err) {
      const status = tableStatusOf(err);
      if (status === 412 || status === 404) return false;
      throw err;
    }
    this.versionChanged(ref);
    await this.search.versionChanged(imageRef(ref, ref.image), ...eligibilityChange(existing, versionFlags(record)));
    return true;
  }

  /** Live versions of an image definition, newest first. */
  async listVersions(ref: ImageRef): Promise<ImageVersionRecord[]> {
    await this.ensureTables();
    return listRecords<ImageVersionRecord>(this.versions, odata`PartitionKey eq ${imageKey(ref)} and deleted eq false`);
  }

  /** Live versions of an image definition, newest first, a table page at a time (one query, paged). */
  async *versionsNewestFirst(ref: ImageRef, pageSize = 100): AsyncGenerator<ImageVersionRecord> {
    await this.ensureTables();
    yield* recordsInPages<ImageVersionRecord>(
      this.versions,
      odata`PartitionKey eq ${imageKey(ref)} and deleted eq false`,
      pageSize,
    );
  }

  /** One page of live versions, newest first, after the RowKey `after`. `next` is the last RowKey when more may follow. */
  async pageVersions(
    ref: ImageRef,
    after: string | undefined,
    top: number,
  ): Promise<{ items: ImageVersionRecord[]; next?: string }> {
    await this.ensureTables();
    const pk = imageKey(ref);
    const filter =
      after === undefined
        ? odata`PartitionKey eq ${pk} and deleted eq false`
        : odata`PartitionKey eq ${pk} and RowKey gt ${after} and deleted eq false`;
    return pageRecords<ImageVersionRecord>(this.versions, filter, top);
  }

  /** Whether any live version of the definition is eligible for latest in the region (one query, top 1). */
  async hasLatestIn(ref: ImageRef, region: string): Promise<boolean> {
    await this.ensureTables();
    const flag = regionProperty('E', region);
    if (!/^E_[a-z0-9]+$/.test(flag)) return false;
    const filter = `${odata`PartitionKey eq ${imageKey(ref)}`} and ${flag} eq true`;
    const first = await this.versions
      .listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['RowKey'] } })
      .byPage({ maxPageSize: 1 })
      .next();
    return !first.done && first.value.length > 0;
  }

  /** What the search index reads from the catalog (its backfill and region checks). */
  private searchSource(): SearchSource {
    const eligible = (e: Record<string, unknown>): string[] =>
      Object.keys(e)
        .filter((k) => k.startsWith('E_') && e[k] === true)
        .map((k) => k.slice(2));
    return {
      definitions: async function* (this: CatalogStore) {
        await this.ensureTables();
        for await (const e of this.images.listEntities<Record<string, unknown>>({
          queryOptions: { filter: odata`deleted eq false` },
        })) {
          const record = unpackJson<ImageDefinitionRecord>('record', e);
          if (record) yield { record, observedAt: typeof e.observedAt === 'string' ? e.observedAt : '' };
        }
      }.bind(this),
      eligibleRegions: async function* (this: CatalogStore) {
        await this.ensureTables();
        const byImage = new Map<string, { ref: ImageRef; regions: Set<string> }>();
        for await (const e of this.versions.listEntities<Record<string, unknown>>({
          queryOptions: { filter: odata`deleted eq false` },
        })) {
          const regions = eligible(e);
          if (regions.length === 0) continue;
          const ref = refFromEntity(e);
          if (ref.level !== 'version') continue;
          const key = e.partitionKey ?? '';
          const entry = byImage.get(key) ?? { ref: imageRef(ref, ref.image), regions: new Set<string>() };
          for (const r of regions) entry.regions.add(r);
          byImage.set(key, entry);
        }
        for (const { ref, regions } of byImage.values()) yield { ref, regions: [...regions] };
      }.bind(this),
      eligibleRegionsOf: async (ref) => {
        await this.ensureTables();
        const out = new Set<string>();
        for await (const e of this.versions.listEntities<Record<string, unknown>>({
          queryOptions: { filter: odata`PartitionKey eq ${imageKey(ref)} and deleted eq false` },
        })) {
          for (const r of eligible(e)) out.add(r);
        }
        return [...out];
      },
      hasLatestIn: (ref, region) => this.hasLatestIn(ref, region),
    };
  }

  // ------------------------------------------------------------------ rechecks

  /** Puts a settling version on the re-check list, unless it is there already (its attempts then keep counting). */
  private async scheduleRecheck(ref: VersionRef, obs: Observation): Promise<void> {
    try {
      await this.rechecks.createEntity({
        partitionKey: 'v',
        rowKey: versionKey(ref),
        id: formatResourceId(ref),
        ...names(ref),
        firstSeenAt: obs.observedAt,
        attempts: 0,
        dueAt: obs.observedAt,
      });
    } catch (err) {
      if (tableStatusOf(err) !== 409) throw err;
    }
  }

  private async clearRecheck(ref: VersionRef): Promise<void> {
    try {
      await this.rechecks.deleteEntity('v', versionKey(ref));
    } catch (err) {
      if (tableStatusOf(err) !== 404) throw err;
    }
  }

  /** Versions due for another look, oldest due first (at most `max`). */
  async dueRechecks(now: Date, max: number): Promise<{ ref: VersionRef; attempts: number; firstSeenAt: string }[]> {
    await this.ensureTables();
    const out: { ref: VersionRef; attempts: number; firstSeenAt: string }[] = [];
    const filter = odata`PartitionKey eq 'v' and dueAt le ${now.toISOString()}`;
    for await (const e of this.rechecks.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const ref = versionRef(
        {
          subscriptionId: String(e.subscriptionId),
          resourceGroup: String(e.resourceGroup),
          gallery: String(e.gallery),
          image: String(e.image),
        },
        String(e.version),
      );
      out.push({
        ref,
        attempts: Number(e.attempts ?? 0),
        firstSeenAt: typeof e.firstSeenAt === 'string' ? e.firstSeenAt : '',
      });
      if (out.length >= max) break;
    }
    return out;
  }

  /** Records another look at a settling version: next due time, or gives up (returns false) past `maxAttempts`. */
  async postponeRecheck(ref: VersionRef, attempts: number, dueAt: Date, maxAttempts: number): Promise<boolean> {
    if (attempts >= maxAttempts) {
      await this.clearRecheck(ref);
      return false;
    }
    try {
      await this.rechecks.updateEntity(
        { partitionKey: 'v', rowKey: versionKey(ref), attempts, dueAt: dueAt.toISOString() },
        'Merge',
      );
    } catch (err) {
      if (tableStatusOf(err) !== 404) throw err;
    }
    return true;
  }

  // ------------------------------------------------------------------ internals

  /** An observed-newer write (shared/storage/observed-write.ts) of one entity, with more actions in its transaction. */
  private writeObserved(
    client: TableClient,
    entity: Entity,
    obs: Observation,
    extra?: ExtraActions,
    createFirst = false,
  ): Promise<{ outcome: WriteOutcome; previous?: TableEntityResult<Record<string, unknown>> }> {
    return writeObserved(client, entity, obs.observedAt, entity, {
      ...(extra ? { extra } : {}),
      createFirst,
      attempts: MAX_WRITE_ATTEMPTS,
    });
  }

  /** Tombstones every live entity the filter selects that was observed before `obs`, a partition batch at a time. */
  private async cascade(client: TableClient, filter: string, obs: Observation): Promise<void> {
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const byPartition = new Map<string, TableEntityResult<Record<string, unknown>>[]>();
      for await (const e of client.listEntities<Record<string, unknown>>({
        queryOptions: { filter: `(${filter}) and deleted eq false` },
      })) {
        if (typeof e.observedAt === 'string' && e.observedAt > obs.observedAt) continue;
        const pk = e.partitionKey ?? '';
        const list = byPartition.get(pk) ?? [];
        list.push(e);
        byPartition.set(pk, list);
      }
      if (byPartition.size === 0) return;
      let contended = false;
      for (const [pk, entities] of byPartition) {
        for (let i = 0; i < entities.length; i += BATCH) {
          const actions: TransactionAction[] = entities
            .slice(i, i + BATCH)
            .map((e) => ['update', tombstone(pk, e.rowKey ?? '', refFromEntity(e), obs), 'Replace', { etag: e.etag }]);
          try {
            await client.submitTransaction(actions);
          } catch (err) {
            const status = tableStatusOf(err);
            if (status !== 412 && status !== 409) throw err;
            contended = true;
          }
        }
        if (client === this.versions) {
          for (const e of entities) await this.clearRecheck(refFromEntity(e) as VersionRef);
        }
      }
      if (!contended) return;
    }
    throw new ConcurrencyError(`cascade on ${client.tableName}: still contended after ${MAX_WRITE_ATTEMPTS} attempts`);
  }

  private async syncShares(ref: GalleryRef, next: string[], previous: string[]): Promise<void> {
    const gk = galleryKey(ref);
    for (const pk of previous.filter((p) => !next.includes(p))) {
      try {
        await this.shares.deleteEntity(pk, gk);
      } catch (err) {
        if (tableStatusOf(err) !== 404) throw err;
      }
    }
    for (const pk of next.filter((p) => !previous.includes(p))) {
      await this.shares.upsertEntity({ partitionKey: pk, rowKey: gk, ...names(ref) }, 'Replace');
    }
  }

  /** Galleries shared with a subscription, a tenant, or the community (`community`). */
  async sharedGalleries(
    audience: { subscriptionId: string } | { tenantId: string } | 'community',
  ): Promise<GalleryRef[]> {
    await this.ensureTables();
    const pk =
      audience === 'community'
        ? 'community'
        : 'subscriptionId' in audience
          ? `s${SEP}${subscriptionKey(audience.subscriptionId)}`
          : `t${SEP}${subscriptionKey(audience.tenantId)}`;
    const out: GalleryRef[] = [];
    for await (const e of this.shares.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${pk}` },
    })) {
      out.push(galleryRef(String(e.subscriptionId), String(e.resourceGroup), String(e.gallery)));
    }
    return out;
  }
}

/** More actions for the transaction of an entity write, given the entity stored before it. */
type ExtraActions = (previous: TableEntityResult<Record<string, unknown>> | undefined) => Promise<TransactionAction[]>;

function names(ref: GalleryRef | ImageRef | VersionRef): Record<string, string> {
  return {
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    gallery: ref.gallery,
    ...(ref.level !== 'gallery' ? { image: ref.image } : {}),
    ...(ref.level === 'version' ? { version: ref.version } : {}),
  };
}

function refFromEntity(e: Record<string, unknown>): GalleryRef | ImageRef | VersionRef {
  const g = galleryRef(String(e.subscriptionId), String(e.resourceGroup), String(e.gallery));
  if (typeof e.image !== 'string') return g;
  const i = imageRef(g, e.image);
  return typeof e.version === 'string' ? versionRef(i, e.version) : i;
}

/** The per-region flags of a version row (`D_<region>` deployable, `E_<region>` eligible for latest) and the rule they follow. */
function versionFlags(record: ImageVersionRecord): Record<string, boolean | number> {
  const flags: Record<string, boolean | number> = { flagRules: FLAG_RULES_VERSION };
  for (const t of record.targetRegions) {
    const d = deployability(record, t.region);
    if (d.deployable) flags[regionProperty('D', t.region)] = true;
    if (d.eligibleForLatest) flags[regionProperty('E', t.region)] = true;
  }
  return flags;
}

function observation(obs: Observation): Record<string, string> {
  return {
    observedAt: obs.observedAt,
    ...(obs.eventId ? { lastEventId: obs.eventId } : {}),
    ...(obs.eventType ? { lastEventType: obs.eventType } : {}),
    ...(obs.eventTime ? { lastEventTime: obs.eventTime } : {}),
  };
}

function tombstone(pk: string, rk: string, ref: GalleryRef | ImageRef | VersionRef, obs: Observation): Entity {
  return {
    partitionKey: pk,
    rowKey: rk,
    ...names(ref),
    id: formatResourceId(ref),
    deleted: true,
    deletedAt: obs.observedAt,
    ...observation(obs),
  };
}

/** The regions (E_ suffixes) where a version became eligible for latest, and those where it no longer is. */
function eligibilityChange(
  previous: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): [string[], string[]] {
  const regions = (e: Record<string, unknown> | undefined) =>
    new Set(
      e && e.deleted !== true
        ? Object.keys(e)
            .filter((k) => k.startsWith('E_') && e[k] === true)
            .map((k) => k.slice(2))
        : [],
    );
  const before = regions(previous);
  const after = regions(next);
  return [[...after].filter((r) => !before.has(r)), [...before].filter((r) => !after.has(r))];
}

function sharesOf(record: GalleryRecord): string[] {
  const out: string[] = [];
  const p = record.sharing.permissions.toLowerCase();
  if (p === 'groups') {
    for (const s of record.sharing.subscriptionIds) out.push(`s${SEP}${subscriptionKey(s)}`);
    for (const t of record.sharing.tenantIds) out.push(`t${SEP}${subscriptionKey(t)}`);
  }
  if (p === 'community' && record.sharing.community?.enabled !== false) out.push('community');
  return out;
}

function sharesOfEntity(e: Record<string, unknown> | undefined): string[] {
  if (!e || e.deleted === true) return [];
  const r = unpackJson<GalleryRecord>('record', e);
  return r ? sharesOf(r) : [];
}

function stored<R>(e: Record<string, unknown> | undefined): Stored<R> | undefined {
  if (!e) return undefined;
  const record = e.deleted === true ? undefined : unpackJson<R>('record', e);
  return {
    ...(record ? { record } : {}),
    deleted: e.deleted === true,
    observedAt: typeof e.observedAt === 'string' ? e.observedAt : '',
    ...(typeof e.lastEventId === 'string' ? { lastEventId: e.lastEventId } : {}),
    ...(typeof e.lastEventTime === 'string' ? { lastEventTime: e.lastEventTime } : {}),
  };
}
