/**
 * The events a version write or tombstone causes, planned inside the catalog write: the writer
 * reads the definition's versions partition (its live versions and its `~latest` row: per-region
 * latest pointers and the event sequence), computes latest per region after the change
 * (shared/domain/reaction.ts), and adds to the version's transaction the updated `~latest` row
 * (ETag-guarded: every write that changes a version's deployability or eligibility somewhere
 * passes through it, so two such writes cannot both compute from the same state; a write that
 * changes neither cannot move latest and skips all of this) and one outbox row per event:
 * `ImageVersionReady` for each region where the version became deployable, `LatestVersionChanged`
 * for each region whose latest moved.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { formatResourceId, imageRef, versionRef, type ImageRef, type VersionRef } from '../domain/ids.js';
import type { ImageVersionRecord } from '../domain/records.js';
import { affectsReaction, latestChanges, latestWith, readyRegions, type LatestPointers } from '../domain/reaction.js';
import { regionProperty, versionRowKey } from '../catalog/keys.js';
import { getEntityOrUndefined } from '../storage/tables.js';
import { domainEvent, EVENT_TYPES, type DomainEvent, type ImageVersionReadyData, type LatestVersionChangedData } from './events.js';
import { outboxActions, recordedRows, sequenceText, type OutboxPublisher } from './outbox.js';

export const LATEST_ROW = '~latest';

export interface PlannedWrite {
  /** Actions to add to the version's transaction. */
  actions: TransactionAction[];
  events: DomainEvent[];
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
   * Plans the events of writing `after` (undefined: a tombstone) over `before` for the version `ref`.
   * `time` is when ARM was read (the events' time).
   */
  async plan(versions: TableClient, partitionKey: string, ref: VersionRef, before: ImageVersionRecord | undefined, after: ImageVersionRecord | undefined, time: string): Promise<PlannedWrite> {
    // A write that changes no deployability or eligibility cannot move latest: no read, no lock.
    if (!affectsReaction(before, after, this.now())) return { actions: [], events: [] };
    return this.planChange(versions, partitionKey, imageRef(ref, ref.image), time, { ref, before, after });
  }

  /**
   * After a definition (or its gallery) was deleted and its versions tombstoned: `latest` is gone
   * in every region (LatestVersionChanged, cause versionDeleted), written in its own transaction
   * (the `~latest` row and the outbox rows; retried on a race) and published. Idempotent: a second
   * run finds nothing left to change.
   */
  async definitionGone(versions: TableClient, partitionKey: string, definition: ImageRef, time: string): Promise<void> {
    for (let attempt = 1; attempt <= 6; attempt++) {
      const plan = await this.planChange(versions, partitionKey, definition, time);
      if (plan.events.length === 0) return;
      try {
        await versions.submitTransaction(plan.actions);
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 412 || status === 409) continue;
        throw err;
      }
      await this.publisher.publishRecorded(versions, recordedRows(partitionKey, plan.events));
      return;
    }
  }

  private async planChange(
    versions: TableClient,
    partitionKey: string,
    definition: ImageRef,
    time: string,
    change?: { ref: VersionRef; before: ImageVersionRecord | undefined; after: ImageVersionRecord | undefined },
  ): Promise<PlannedWrite> {
    const after = change?.after;
    const latestEntity = await getEntityOrUndefined(versions, partitionKey, LATEST_ROW);
    const now = this.now();
    const stored = readLatestRow(latestEntity);
    const regions = [...new Set([...Object.keys(stored.pointers), ...[change?.before, after].flatMap((r) => r?.targetRegions.map((t) => t.region) ?? [])])].sort();
    const others = await newestEligible(versions, partitionKey, regions, change ? versionRowKey(change.ref) : undefined);
    const next = latestWith(others, after, regions, now);
    const live = after ? [after] : [];
    const changes = latestChanges(stored.pointers, next, live, now);
    const definitionId = formatResourceId(definition);
    const sequence = stored.sequence + 1;
    const seq = sequenceText(sequence);
    const events: DomainEvent[] = [];
    for (const region of after ? readyRegions(change?.before, after, now) : []) {
      const data: ImageVersionReadyData = { imageDefinitionId: definitionId, versionId: after?.id ?? '', version: after?.ref.version ?? '', region };
      events.push(domainEvent(EVENT_TYPES.imageVersionReady, data.versionId, data, time, seq, [partitionKey, seq, region]));
    }
    for (const c of changes) {
      const data: LatestVersionChangedData = {
        imageDefinitionId: definitionId,
        region: c.region,
        ...(c.previousVersion !== undefined ? { previousVersion: c.previousVersion, previousVersionId: formatResourceId(versionRef(definition, c.previousVersion)) } : {}),
        ...(c.newVersion !== undefined ? { newVersion: c.newVersion, newVersionId: formatResourceId(versionRef(definition, c.newVersion)) } : {}),
        cause: c.cause,
      };
      events.push(domainEvent(EVENT_TYPES.latestVersionChanged, definitionId, data, time, seq, [partitionKey, seq, c.region, c.previousVersion ?? '', c.newVersion ?? '']));
    }
    const row = { partitionKey, rowKey: LATEST_ROW, pointers: JSON.stringify(next), sequence };
    const actions: TransactionAction[] = [latestEntity ? ['update', row, 'Replace', { etag: latestEntity.etag }] : ['create', row], ...outboxActions(partitionKey, events, time)];
    return { actions, events };
  }

  /** Reads the stored latest pointers of a definition's partition. */
  async pointers(versions: TableClient, partitionKey: string): Promise<LatestPointers> {
    try {
      return readLatestRow(await versions.getEntity<Record<string, unknown>>(partitionKey, LATEST_ROW)).pointers;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return {};
      throw err;
    }
  }
}

/**
 * The newest version eligible for latest in each region among the live versions of a definition,
 * leaving out `except` (the version being changed): one query on the stored `E_<region>` flags,
 * newest first (the RowKey order), that stops as soon as every region has its version.
 */
async function newestEligible(versions: TableClient, partitionKey: string, regions: readonly string[], except: string | undefined): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const flags = regions.map((r) => ({ region: r, flag: regionProperty('E', r) })).filter((f) => /^E_[a-z0-9]+$/.test(f.flag));
  if (flags.length === 0) return found;
  const filter = `${odata`PartitionKey eq ${partitionKey} and RowKey lt ${'~'}`} and (${flags.map((f) => `${f.flag} eq true`).join(' or ')})`;
  const pages = versions.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['RowKey', 'version', ...flags.map((f) => f.flag)] } }).byPage({ maxPageSize: 20 });
  for await (const page of pages) {
    for (const e of page) {
      if (e.rowKey === except || typeof e.version !== 'string') continue;
      for (const f of flags) if (found[f.region] === undefined && e[f.flag] === true) found[f.region] = e.version;
    }
    if (flags.every((f) => found[f.region] !== undefined)) break;
  }
  return found;
}
