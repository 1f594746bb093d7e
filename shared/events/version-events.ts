/**
 * The events a version write or tombstone causes, in two steps, both in the definition's versions
 * partition (which holds its versions, its `~latest` row — per-region latest pointers and the
 * event sequence — its `~dirty|…` marks and its pending events):
 *
 * 1. In the version's own transaction, with no read and no lock: when the write changes the
 *    version's deployability or eligibility for latest somewhere (a write that changes neither
 *    cannot move latest: nothing is added), a `~dirty|<version>|<time>` mark, and one outbox row
 *    `ImageVersionReady` per region where the version just became deployable.
 * 2. Right after (`settle`): read the marks and `~latest`, compute latest per region from the
 *    stored eligibility flags (one query, newest first), and write in one transaction the new
 *    `~latest` (ETag-guarded), one `LatestVersionChanged` outbox row per region whose latest moved,
 *    and the deletion of the marks it covered. Concurrent writers of one definition do not queue
 *    up on a lock: whoever settles first covers the others' marks, and a writer whose mark is gone
 *    is done. Marks a crash leaves behind are settled by the `publishOutbox` timer.
 *
 * So a change is never stored without what will produce its events, and the comparison of the
 * stored pointers with the new latest happens after every version write or tombstone.
 */
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { formatResourceId, imageRef, versionRef, type ImageRef, type VersionRef } from '../domain/ids.js';
import type { ImageVersionRecord } from '../domain/records.js';
import { affectsReaction, latestChanges, readyRegions, type LatestPointers } from '../domain/reaction.js';
import { regionProperty, versionRowKey } from '../catalog/keys.js';
import { unpackJson } from '../catalog/json-props.js';
import { getEntityOrUndefined, tableStatusOf } from '../storage/tables.js';
import {
  domainEvent,
  EVENT_TYPES,
  type DomainEvent,
  type ImageVersionReadyData,
  type LatestVersionChangedData,
} from './events.js';
import { outboxActions, recordedRows, sequenceText, type OutboxPublisher } from './outbox.js';

export const LATEST_ROW = '~latest';
export const DIRTY_PREFIX = '~dirty|';
/** Marks covered by one settle (a transaction holds at most 100 entities). */
const MARKS_PER_SETTLE = 80;
const SETTLE_ATTEMPTS = 10;

export interface PlannedWrite {
  /** Actions to add to the version's transaction. */
  actions: TransactionAction[];
  events: DomainEvent[];
  /** The write may move latest: settle the partition after it. */
  settle: boolean;
}

export interface LatestRow {
  pointers: LatestPointers;
  sequence: number;
}

export function readLatestRow(e: Record<string, unknown> | undefined): LatestRow {
  if (!e) return { pointers: {}, sequence: 0 };
  const pointers = typeof e.pointers === 'string' ? (JSON.parse(e.pointers) as LatestPointers) : {};
  return { pointers, sequence: typeof e.sequence === 'number' ? e.sequence : Number(e.sequence ?? 0) };
}

export class VersionEvents {
  constructor(
    readonly publisher: OutboxPublisher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * What writing `after` (undefined: a tombstone) over `before` adds to the version's transaction.
   * Pure planning: no read. `time` is when ARM was read (the events' time).
   */
  plan(
    partitionKey: string,
    ref: VersionRef,
    before: ImageVersionRecord | undefined,
    after: ImageVersionRecord | undefined,
    time: string,
  ): PlannedWrite {
    const now = this.now();
    if (!affectsReaction(before, after, now)) return { actions: [], events: [], settle: false };
    const definitionId = formatResourceId(imageRef(ref, ref.image));
    const rowKey = versionRowKey(ref);
    // Time, then the version: orders the events of one version; two versions never share a row key.
    const seq = `${sequenceText(Date.parse(time))}.${rowKey}`;
    const events: DomainEvent[] = [];
    if (after) {
      for (const region of readyRegions(before, after, now)) {
        const data: ImageVersionReadyData = {
          imageDefinitionId: definitionId,
          versionId: after.id,
          version: after.ref.version,
          region,
        };
        events.push(
          domainEvent(EVENT_TYPES.imageVersionReady, after.id, data, time, seq, [partitionKey, rowKey, time, region]),
        );
      }
    }
    const regions = [
      ...new Set([...(before?.targetRegions ?? []), ...(after?.targetRegions ?? [])].map((t) => t.region)),
    ];
    // One mark per write (version and time), so a later write of the same version is never taken for one already settled.
    const mark: TransactionAction = [
      'upsert',
      {
        partitionKey,
        rowKey: `${DIRTY_PREFIX}${rowKey}|${time}`,
        version: ref.version,
        regions: JSON.stringify(regions),
        recordedAt: time,
      },
      'Replace',
    ];
    return { actions: [mark, ...outboxActions(partitionKey, events, time)], events, settle: true };
  }

  /**
   * Compares the stored latest pointers with latest now, for the marked versions' regions (all the
   * stored ones with `force`, used when a definition was deleted), records and publishes the
   * changes, and removes the marks. Returns the LatestVersionChanged events it recorded.
   */
  async settle(
    versions: TableClient,
    partitionKey: string,
    definition: ImageRef,
    time: string,
    force = false,
  ): Promise<DomainEvent[]> {
    for (let attempt = 1; attempt <= SETTLE_ATTEMPTS; attempt++) {
      let latestEntity: TableEntityResult<Record<string, unknown>> | undefined;
      const marks: TableEntityResult<Record<string, unknown>>[] = [];
      for await (const e of versions.listEntities<Record<string, unknown>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${DIRTY_PREFIX} and RowKey le ${LATEST_ROW}`,
        },
      })) {
        if (e.rowKey === LATEST_ROW) latestEntity = e;
        else if (marks.length < MARKS_PER_SETTLE) marks.push(e);
      }
      if (marks.length === 0 && !force) return [];
      const stored = readLatestRow(latestEntity);
      const marked = marks.flatMap((m) => (typeof m.regions === 'string' ? (JSON.parse(m.regions) as string[]) : []));
      const regions = [...new Set([...Object.keys(stored.pointers), ...marked])].sort();
      const found = await newestEligible(versions, partitionKey, regions);
      const next: Record<string, string> = { ...stored.pointers };
      for (const r of regions) {
        if (found[r] === undefined) delete next[r];
        else next[r] = found[r];
      }
      const now = this.now();
      // The records of the versions that stopped being latest somewhere (for the cause).
      const dropped = [
        ...new Set(
          regions
            .filter((r) => stored.pointers[r] !== undefined && stored.pointers[r] !== next[r])
            .map((r) => stored.pointers[r] as string),
        ),
      ];
      const records = (
        await Promise.all(
          dropped.map((v) => getEntityOrUndefined(versions, partitionKey, versionRowKey({ version: v }))),
        )
      )
        .map((e) => (e && e.deleted !== true ? unpackJson<ImageVersionRecord>('record', e) : undefined))
        .filter((r): r is ImageVersionRecord => r !== undefined);
      const changes = latestChanges(stored.pointers, next, records, now);
      const sequence = stored.sequence + (changes.length > 0 ? 1 : 0);
      const seq = sequenceText(sequence);
      const definitionId = formatResourceId(definition);
      const events = changes.map((c) => {
        const data: LatestVersionChangedData = {
          imageDefinitionId: definitionId,
          region: c.region,
          ...(c.previousVersion !== undefined
            ? {
                previousVersion: c.previousVersion,
                previousVersionId: formatResourceId(versionRef(definition, c.previousVersion)),
              }
            : {}),
          ...(c.newVersion !== undefined
            ? { newVersion: c.newVersion, newVersionId: formatResourceId(versionRef(definition, c.newVersion)) }
            : {}),
          cause: c.cause,
        };
        return domainEvent(EVENT_TYPES.latestVersionChanged, definitionId, data, time, seq, [
          partitionKey,
          seq,
          c.region,
          c.previousVersion ?? '',
          c.newVersion ?? '',
        ]);
      });
      if (events.length === 0 && marks.length === 0) return [];
      // Marks are read before the flags, so every write they stand for is in what was just computed.
      const actions: TransactionAction[] = [
        ...marks.map((m): TransactionAction => ['delete', { partitionKey, rowKey: m.rowKey ?? '' }]),
      ];
      if (events.length > 0) {
        const row = { partitionKey, rowKey: LATEST_ROW, pointers: JSON.stringify(next), sequence };
        actions.unshift(latestEntity ? ['update', row, 'Replace', { etag: latestEntity.etag }] : ['create', row]);
        actions.push(...outboxActions(partitionKey, events, time));
      }
      // Nothing moved: only the marks go (a write made meanwhile has its own mark, which stays).
      try {
        await versions.submitTransaction(actions);
      } catch (err) {
        const status = tableStatusOf(err);
        if (status === 412 || status === 409 || status === 404) continue; // another settle won: look again
        throw err;
      }
      await this.publisher.publishRecorded(versions, recordedRows(partitionKey, events));
      if (marks.length < MARKS_PER_SETTLE) return events;
    }
    return [];
  }

  /** Reads the stored latest pointers of a definition's partition. */
  async pointers(versions: TableClient, partitionKey: string): Promise<LatestPointers> {
    return readLatestRow(await getEntityOrUndefined(versions, partitionKey, LATEST_ROW)).pointers;
  }

  /** Settles the definitions whose marks a crash left behind (older than `before`); returns the events recorded. */
  async settleLeftovers(versions: TableClient, before: Date): Promise<number> {
    let n = 0;
    for (const p of await this.markedPartitions(versions, before))
      n += (await this.settle(versions, p.partitionKey, p.definition, this.now().toISOString())).length;
    return n;
  }

  /** The partitions holding marks older than `before`. */
  private async markedPartitions(
    versions: TableClient,
    before: Date,
  ): Promise<{ partitionKey: string; definition: ImageRef }[]> {
    const out = new Map<string, ImageRef>();
    const filter = odata`RowKey ge ${DIRTY_PREFIX} and RowKey lt ${'~dirty}'} and recordedAt le ${before.toISOString()}`;
    try {
      for await (const e of versions.listEntities<Record<string, unknown>>({
        queryOptions: { filter, select: ['PartitionKey'] },
      })) {
        const pk = e.partitionKey ?? '';
        if (out.has(pk)) continue;
        // The definition's names come from any of its versions (every version entity carries them).
        const v = await versions
          .listEntities<Record<string, unknown>>({
            queryOptions: {
              filter: odata`PartitionKey eq ${pk} and RowKey lt ${'~'}`,
              select: ['subscriptionId', 'resourceGroup', 'gallery', 'image'],
            },
          })
          .byPage({ maxPageSize: 1 })
          .next();
        const first = v.done ? undefined : v.value[0];
        if (first)
          out.set(
            pk,
            imageRef(
              {
                subscriptionId: String(first.subscriptionId),
                resourceGroup: String(first.resourceGroup),
                gallery: String(first.gallery),
              },
              String(first.image),
            ),
          );
      }
    } catch (err) {
      if (tableStatusOf(err) !== 404) throw err;
    }
    return [...out].map(([partitionKey, definition]) => ({ partitionKey, definition }));
  }
}

/**
 * The newest version eligible for latest in each region among the live versions of a definition:
 * one query on the stored `E_<region>` flags, newest first (the RowKey order), that stops as soon
 * as every region has its version.
 */
async function newestEligible(
  versions: TableClient,
  partitionKey: string,
  regions: readonly string[],
): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const flags = regions
    .map((r) => ({ region: r, flag: regionProperty('E', r) }))
    .filter((f) => /^E_[a-z0-9]+$/.test(f.flag));
  if (flags.length === 0) return found;
  const filter = `${odata`PartitionKey eq ${partitionKey} and RowKey lt ${'~'}`} and (${flags.map((f) => `${f.flag} eq true`).join(' or ')})`;
  const pages = versions
    .listEntities<Record<string, unknown>>({
      queryOptions: { filter, select: ['RowKey', 'version', ...flags.map((f) => f.flag)] },
    })
    .byPage({ maxPageSize: 20 });
  for await (const page of pages) {
    for (const e of page) {
      if (typeof e.version !== 'string') continue;
      for (const f of flags) if (found[f.region] === undefined && e[f.flag] === true) found[f.region] = e.version;
    }
    if (flags.every((f) => found[f.region] !== undefined)) break;
  }
  return found;
}
